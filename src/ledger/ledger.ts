import { ZERO, dec, type Decimal } from '../money.js';
import { exactSum, pnlReport, positionPnl, type LegPrices, type PnlOptions, type PnlReport, type PositionPnl, type ReportOptions } from './pnl.js';
import { isHeld, latestFills, positionAt, type FillQuery } from './queries.js';
import { enqueue, nextPerChat, pruneSent } from './outbox.js';
import type { Fill, FundingRow, Intent, OutboxEntry, Position, StoreData, UserSettings } from './schema.js';
import { riskRecords, type RiskRecords } from './risk.js';
import { openStore, type OpenStoreOptions, type Store } from './store.js';

/**
 * The ledger: the only code that knows how trades, fills, funding and settings are stored.
 * Everything else asks it questions and tells it what happened, with intent-named operations;
 * every write resolves once it is on disk.
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

  // ── the state of the file itself
  /** a write failed: memory is ahead of the file (the store retries the write) */
  readonly unsaved: boolean;
  /** called when a write succeeds after failed ones */
  onSaved(listener: () => void): void;
  /** stop retrying failed writes (shutdown) */
  close(): void;

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
  /** the intent write failed: take it (and the position it created) back out of memory */
  discardIntent(intent: Intent, created: boolean, restoreStatus?: Position['status']): Promise<void>;
  /** one atomic change to an intent, its position and its fills */
  updateTrade<T>(intentId: string, change: (t: TradeRecord) => T): Promise<T>;
  /** the fill recorded for one order of an intent */
  fillOf(intentId: string, clientOrderId: string): Fill | undefined;

  // ── history
  latestFills(q?: FillQuery): Fill[];
  fillsOf(positionId: string): Fill[];
  fundingTotal(positionId: string): Decimal;
  hasFunding(tranId: string): boolean;
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
  positionPnl(p: Position, prices: LegPrices | undefined, opts: PnlOptions): PositionPnl;

  // ── bookkeeping of the jobs
  activeSignals(): string[];
  recordScan(scan: ScanRecord): Promise<void>;
  /** Binance symbols pushed as paying more on another venue, by symbol */
  venueGaps(): Record<string, VenueGapRecord>;
  /** `opened` gaps are stored (replacing one on another venue), `closed` symbols forgotten */
  recordVenueGaps(opened: Record<string, VenueGapRecord>, closed: string[]): Promise<void>;
  exitAlertKey(positionId: string): string | undefined;
  exitAlertIds(): string[];
  /** null clears a position's key; `stale` are ids to forget */
  recordExitAlerts(keys: Record<string, string | null>, stale: string[]): Promise<void>;
  reconcileFingerprint(symbol: string): string | undefined;
  /** the drifts now (symbol → fingerprint); busy symbols keep what they had */
  recordReconcile(drifts: Map<string, string>, busy: Set<string>, at: number): Promise<void>;
  leverageOf(symbol: string): number | undefined;
  recordLeverage(symbol: string, leverage: number): Promise<void>;
  health(): Health;

  // ── the outbox: messages owed to chats (written with what they report)
  /** the oldest unsent message of each chat */
  nextMessages(): OutboxEntry[];
  /** Telegram accepted it: never sent again */
  markSent(id: string, at: number): Promise<void>;

  // ── Telegram updates
  lastUpdateId(): number | undefined;
  recordUpdateId(updateId: number): Promise<void>;

  // ── tools and tests: the whole ledger as one document (walks all history; never on a hot path)
  snapshot(): StoreData;
  rewrite(change: (d: StoreData) => void): Promise<void>;
  flush(): Promise<void>;
}

const byOpened = (a: Position, b: Position): number => a.openedAt - b.openedAt;

function findIntent(d: StoreData, id: string): Intent {
  const i = d.intents.find((x) => x.id === id);
  if (!i) throw new Error(`intent ${id} vanished from the ledger`);
  return i;
}

/** Opens (or creates) the ledger in `file`. Throws StoreError for a corrupt, foreign or newer file. */
export async function openLedger(file: string, opts: OpenStoreOptions = {}): Promise<Ledger> {
  return createLedger(await openStore(file, opts));
}

/** The ledger over one JSON document held in memory (lowdb). */
export function createLedger(store: Store, opts: { now?: () => number; newId?: () => string } = {}): Ledger {
  const data = () => store.data;
  const positionById = (id: string) => data().positions.find((p) => p.id === id);
  const now = opts.now ?? Date.now;
  let seq = 0;
  const newId = opts.newId ?? (() => `m${now().toString(36)}${(seq++).toString(36)}`);

  return {
    ...riskRecords(store),
    file: store.file,
    get createdAt() {
      return data().createdAt;
    },
    get unsaved() {
      return store.unsaved;
    },
    onSaved: (l) => store.onSaved(l),
    close: () => store.close(),
    async liftAutoPause() {
      const d = data();
      if (!d.autoPaused || !d.paused) return false;
      if (d.intents.some((i) => i.status === 'pending') || d.positions.some((p) => p.status === 'broken')) return false;
      await store.update((x) => {
        x.paused = false;
        x.autoPaused = false;
        x.pausedReason = undefined;
      });
      return true;
    },

    pauseState: () => ({ paused: data().paused, ...(data().pausedReason !== undefined ? { reason: data().pausedReason } : {}) }),
    pause: (reason) =>
      store.update((d) => {
        d.paused = true;
        d.pausedReason = reason;
        // a person's pause: the bot does not lift it when a trade settles
        d.autoPaused = false;
      }),
    resume: () =>
      store.update((d) => {
        d.paused = false;
        d.autoPaused = false;
        d.pausedReason = undefined;
      }),
    userSettings: (userId) => data().users[String(userId)],
    setLanguage: (userId, lang) =>
      store.update((d) => {
        const id = String(userId);
        d.users[id] = { ...(d.users[id] ?? { alerts: true }), lang };
      }),

    openPositions: (mode) => data().positions.filter((p) => isHeld(p) && (mode === undefined || p.mode === mode)).sort(byOpened),
    allPositions: (mode) => data().positions.filter((p) => mode === undefined || p.mode === mode),
    positionFor: (symbol) => data().positions.find((p) => p.symbol === symbol && isHeld(p)),
    position: positionById,
    positionAt: (symbol, time, mode) => positionAt(data(), symbol, time, mode),

    pendingIntents: () => data().intents.filter((i) => i.status === 'pending').map((i) => structuredClone(i)),
    intent: (id) => data().intents.find((i) => i.id === id),
    hasPending: (symbol, positionId) =>
      data().intents.some((i) => i.status === 'pending' && (i.symbol === symbol || (positionId !== undefined && i.positionId === positionId))),
    busySymbols(mode, since) {
      const out = new Set<string>();
      for (const i of data().intents) if (i.mode === mode && (i.status === 'pending' || i.updatedAt >= since)) out.add(i.symbol);
      return out;
    },
    recordIntent: (intent, position) =>
      store.update((d) => {
        d.intents.push(structuredClone(intent));
        if (position) d.positions.push(structuredClone(position));
        else {
          const p = d.positions.find((x) => x.id === intent.positionId);
          if (p && intent.kind === 'close') p.status = 'closing';
        }
      }),
    updateTrade: (intentId, change) =>
      store.update((d) => {
        const intent = findIntent(d, intentId);
        return change({
          intent,
          position: d.positions.find((p) => p.id === intent.positionId),
          recordFill(fill) {
            const at = d.fills.findIndex((x) => x.id === fill.id);
            if (at >= 0) d.fills[at] = fill;
            else d.fills.push(fill);
          },
          pause(reason, o) {
            if (o?.auto && !d.paused) d.autoPaused = true;
            d.paused = true;
            d.pausedReason = reason;
          },
          publish(event, chats, edit) {
            enqueue(d, event, chats, { now: now(), newId, ...(edit ? { edit } : {}) });
          },
          discardPosition() {
            d.positions = d.positions.filter((p) => p.id !== intent.positionId);
          },
        });
      }),
    discardIntent: (intent, created, restoreStatus) =>
      store.update((d) => {
        d.intents = d.intents.filter((i) => i.id !== intent.id);
        if (created) d.positions = d.positions.filter((p) => p.id !== intent.positionId);
        const p = d.positions.find((x) => x.id === intent.positionId);
        if (p && restoreStatus) p.status = restoreStatus;
      }),
    fillOf: (intentId, clientOrderId) => data().fills.find((f) => f.intentId === intentId && f.clientOrderId === clientOrderId),

    latestFills: (q) => latestFills(data(), q),
    fillsOf: (positionId) => data().fills.filter((f) => f.positionId === positionId),
    fundingTotal: (positionId) => exactSum(data().funding.filter((r) => r.positionId === positionId).map((r) => r.amount)),
    hasFunding: (tranId) => data().funding.some((r) => r.tranId === tranId),
    appendFunding: (build, progress) =>
      store.update((d) => {
        const seen = new Set(d.funding.map((r) => r.tranId));
        const added: FundingRow[] = [];
        for (const r of build()) {
          if (seen.has(r.tranId)) continue;
          seen.add(r.tranId);
          added.push(r);
        }
        d.funding.push(...added);
        if (progress.incomeTime !== undefined) d.cursors.incomeTime = progress.incomeTime;
        if (progress.paperFunding) {
          const { symbol, time } = progress.paperFunding;
          d.cursors.paperFunding[symbol] = Math.max(d.cursors.paperFunding[symbol] ?? time, time);
        }
        d.health.lastIncomeSyncAt = progress.syncedAt;
        return added;
      }),
    recordIncomeSync: (at) => store.update((d) => void (d.health.lastIncomeSyncAt = at)),
    incomeCursor: () => data().cursors.incomeTime,
    paperCursor: (symbol) => data().cursors.paperFunding[symbol],
    pnl: (opts) => pnlReport(data(), opts),
    positionPnl(p, prices, opts) {
      const fills = data().fills.filter((f) => f.positionId === p.id);
      const funding = data().funding.filter((r) => r.positionId === p.id);
      return positionPnl(p, fills, funding, prices, opts);
    },

    activeSignals: () => Object.keys(data().activeSignals),
    recordScan: (scan) =>
      store.update((d) => {
        for (const s of scan.entered) d.activeSignals[s.symbol] = { since: scan.at, netApr: s.netApr };
        for (const symbol of scan.left) delete d.activeSignals[symbol];
        for (const s of scan.signals) {
          const a = d.activeSignals[s.symbol];
          if (a) a.netApr = s.netApr;
        }
        d.health.lastScanAt = scan.at;
      }),
    venueGaps: () => ({ ...data().venueGaps }),
    recordVenueGaps: (opened, closed) =>
      store.update((d) => {
        Object.assign(d.venueGaps, opened);
        for (const symbol of closed) delete d.venueGaps[symbol];
      }),
    exitAlertKey: (positionId) => data().exitAlerts[positionId],
    exitAlertIds: () => Object.keys(data().exitAlerts),
    recordExitAlerts: (keys, stale) =>
      store.update((d) => {
        for (const [id, key] of Object.entries(keys)) {
          if (key === null) delete d.exitAlerts[id];
          else d.exitAlerts[id] = key;
        }
        for (const id of stale) delete d.exitAlerts[id];
      }),
    reconcileFingerprint: (symbol) => data().reconcileAlerts[symbol],
    recordReconcile: (drifts, busy, at) =>
      store.update((d) => {
        // a busy symbol keeps its fingerprint: not checked is not fixed
        for (const sym of Object.keys(d.reconcileAlerts)) if (!drifts.has(sym) && !busy.has(sym)) delete d.reconcileAlerts[sym];
        for (const [sym, fingerprint] of drifts) d.reconcileAlerts[sym] = fingerprint;
        d.health.lastReconcileAt = at;
      }),
    leverageOf: (symbol) => data().leverageSet[symbol],
    recordLeverage: (symbol, leverage) => store.update((d) => void (d.leverageSet[symbol] = leverage)),
    health: () => ({ ...data().health }),

    nextMessages: () => nextPerChat(data()),
    markSent: (id, at) =>
      store.update((d) => {
        const e = d.outbox.find((x) => x.id === id);
        if (e) e.sentAt = at;
        pruneSent(d, at);
      }),
    lastUpdateId: () => data().lastUpdateId,
    recordUpdateId: (updateId) => store.update((d) => void (d.lastUpdateId = Math.max(d.lastUpdateId ?? -1, updateId))),

    snapshot: data,
    rewrite: (change) => store.update(change),
    flush: () => store.flush(),
  };
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
