import type { Publication } from '../events.js';
import { ZERO, dec, type Decimal } from '../money.js';
import type { LegPrices, PnlOptions, PnlReport, PositionPnl, ReportOptions } from './pnl.js';
import type { PnlSeries, PnlSeriesOptions } from './pnlSeries.js';
import type { FillQuery } from './queries.js';
import type { Fill, FundingRow, Intent, OutboxEntry, Position, StoreData, UserSettings } from './schema.js';
import type { RiskRecords } from './risk.js';

/**
 * The ledger: the only code that knows how trades, fills, funding and settings are stored.
 * Everything else asks it questions and tells it what happened, with intent-named operations;
 * every write resolves once it is on disk. The implementation is in ledgerStore.ts.
 */

type Mode = Position['mode'];

/** One intent and its position inside a single atomic ledger write (see `Ledger.updateTrade`). */
export interface TradeRecord {
  readonly intent: Intent;
  /** the position the intent is about, if the ledger still holds one */
  readonly position: Position | undefined;
  /** records a fill (a fill id seen before replaces the earlier record) */
  recordFill(fill: Fill): void;
  /** stops new opens (a naked short); `auto`: set by an unresolved trade, lifted once it is settled */
  pause(reason: string, opts?: { auto?: boolean }): void;
  /** a message about this trade, owed to each chat, in the same write (see outbox.ts) */
  publish(event: { type: string } & object, chats: readonly number[], edit?: { chatId: number; messageId: number }): void;
  /** the open never executed: the position never existed */
  discardPosition(): void;
}

export interface ScanRecord {
  at: number;
  entered: Array<{ symbol: string; netApr: number }>;
  left: string[];
  /** every current signal, to refresh the stored net APR */
  signals: Array<{ symbol: string; netApr: number }>;
}

/** A coin paying more on another venue than on Binance, as pushed (once per change). */
export interface VenueGapRecord {
  venue: string;
  since: number;
  gap: number;
}

export interface FundingProgress {
  /** live: the income cursor after this page */
  incomeTime?: number;
  /** paper: the last settlement accrued in a symbol */
  paperFunding?: { symbol: string; time: number };
  syncedAt: number;
}

export interface Health {
  lastScanAt?: number;
  lastIncomeSyncAt?: number;
  lastReconcileAt?: number;
}

/** `RiskRecords`: transfers, margin alert state and automatic exits (src/ledger/risk.ts) */
export interface Ledger extends RiskRecords {
  readonly file: string;
  readonly createdAt: number;
  /**
   * A write failed (a full disk): memory is ahead of the files and is what the bot runs on. The
   * ledger retries the write with backoff; new opens wait until it succeeds.
   */
  readonly unsaved: boolean;
  /** called once memory is saved again after failed writes */
  onSaved(listener: () => void): void;
  /** called once when a write is refused and memory gets ahead of the files */
  onUnsaved(listener: () => void): void;
  /**
   * Holds every write (by any job) before its next step until the returned release is called:
   * the trade path holds them between its two legs, so the second order goes out before anything
   * else is serialised. Reads are unaffected. Holds nest; release is idempotent.
   */
  holdWrites(): () => void;

  // ── settings and the pause switch
  pauseState(): { paused: boolean; reason?: string };
  /** lifts a pause an unresolved trade set, once nothing is pending or broken; true if lifted */
  liftAutoPause(): Promise<boolean>;
  pause(reason: string): Promise<void>;
  resume(): Promise<void>;
  userSettings(userId: number): UserSettings | undefined;
  setLanguage(userId: number, lang: string): Promise<void>;

  // ── positions ("held" = not closed: it may still have a leg on the exchange)
  /** held positions, optionally of one mode, oldest first */
  openPositions(mode?: Mode): Position[];
  /** every position ever recorded, closed ones too */
  allPositions(mode?: Mode): Position[];
  /** the held position in a symbol, if any */
  positionFor(symbol: string): Position | undefined;
  position(id: string): Position | undefined;
  /** who a funding payment at `time` belongs to */
  positionAt(symbol: string, time: number, mode: Mode): Position | undefined;

  // ── intents (a trade from the first write to its end)
  pendingIntents(): Intent[];
  /** an intent as stored now (read-only) */
  intent(id: string): Intent | undefined;
  /** an unresolved trade on this symbol or position: a new order could double it */
  hasPending(symbol: string, positionId?: string): boolean;
  /** symbols of `mode` with a pending intent or one changed at or after `since` */
  busySymbols(mode: Mode, since: number): Set<string>;
  /** written before any order is sent; `position` is the one an open creates */
  recordIntent(intent: Intent, position?: Position): Promise<void>;
  /** one atomic change to an intent, its position and its fills */
  updateTrade<T>(intentId: string, change: (t: TradeRecord) => T): Promise<T>;
  /** the fill recorded for one order of an intent */
  fillOf(intentId: string, clientOrderId: string): Fill | undefined;

  // ── history
  latestFills(q?: FillQuery): Fill[];
  fillsOf(positionId: string): Fill[];
  fundingTotal(positionId: string): Decimal;
  /**
   * Adds funding rows (a tranId seen before is skipped) and moves the sync cursor with them in
   * one write. `build` runs inside the write, against the ledger as it is then.
   */
  appendFunding(build: () => FundingRow[], progress: FundingProgress): Promise<FundingRow[]>;
  /** a sync that found nothing to add still counts as a sync */
  recordIncomeSync(at: number): Promise<void>;
  incomeCursor(): number | undefined;
  paperCursor(symbol: string): number | undefined;
  pnl(opts: ReportOptions): PnlReport;
  /** cumulative funding, fees, basis and net over a period, for charts (ends on pnl()'s figures) */
  pnlSeries(opts: PnlSeriesOptions): PnlSeries;
  positionPnl(p: Position, prices: LegPrices | undefined, opts: PnlOptions): PositionPnl;

  // ── bookkeeping of the jobs
  activeSignals(): string[];
  /** `publish`: the signal push, in the same write as the signal set it reports */
  recordScan(scan: ScanRecord, publish?: readonly Publication[]): Promise<void>;
  /** Binance symbols pushed as paying more on another venue, by symbol */
  venueGaps(): Record<string, VenueGapRecord>;
  /** `opened` gaps are stored (replacing one on another venue), `closed` symbols forgotten */
  recordVenueGaps(opened: Record<string, VenueGapRecord>, closed: string[], publish?: readonly Publication[]): Promise<void>;
  exitAlertKey(positionId: string): string | undefined;
  exitAlertIds(): string[];
  /** null clears a position's key; `stale` are ids to forget */
  recordExitAlerts(keys: Record<string, string | null>, stale: string[], publish?: readonly Publication[]): Promise<void>;
  reconcileFingerprint(symbol: string): string | undefined;
  /** the drifts now (symbol → fingerprint); busy symbols keep what they had */
  recordReconcile(drifts: Map<string, string>, busy: Set<string>, at: number, publish?: readonly Publication[]): Promise<void>;
  leverageOf(symbol: string): number | undefined;
  recordLeverage(symbol: string, leverage: number): Promise<void>;
  health(): Health;

  // ── the outbox: messages owed to chats (written with what they report)
  /** the oldest unsent message of each chat */
  nextMessages(): OutboxEntry[];
  /** every unsent message of one chat, oldest first */
  queuedFor(chatId: number): OutboxEntry[];
  /** events that change nothing else, in one write */
  publish(items: readonly Publication[]): Promise<void>;
  /** called after a write that added messages to the outbox */
  onPublished(listener: () => void): void;
  /** Telegram accepted it: never sent again */
  markSent(id: string): Promise<void>;

  // ── Telegram updates
  lastUpdateId(): number | undefined;
  recordUpdateId(updateId: number): Promise<void>;

  // ── tools and tests: the whole ledger as one document (walks all history; never on a hot path)
  snapshot(): StoreData;
  rewrite(change: (d: StoreData) => void): Promise<void>;
  flush(): Promise<void>;
  /** flush, then release the journals' file handles */
  close(): Promise<void>;
}

/** Σ of held quantities per leg: what the ledger says the exchange should hold in a symbol. */
export function heldQuantity(positions: readonly Position[]): { spot: Decimal; futures: Decimal } {
  let spot = ZERO;
  let futures = ZERO;
  for (const p of positions) {
    spot = spot.plus(dec(p.spotQty));
    futures = futures.plus(dec(p.futuresQty));
  }
  return { spot, futures };
}

export { openLedger, type OpenLedgerOptions } from './ledgerStore.js';
