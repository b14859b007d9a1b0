import { signalRow, type Audience, type Publication } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { MarketService, ScanResult, SymbolSignal } from '../market/types.js';
import { recordVenueGaps } from './venueGaps.js';
import { scheduleJob, type Job } from './schedule.js';

/**
 * The scheduled market scan (SIGNAL_CRON). Each tick: scan, compare the signal set with
 * the ledger's active signals, persist the new set and health.lastScanAt together with the push of
 * ENTERED and LEFT symbols to users with alerts on (one write: a crash cannot keep one without the
 * other), then run the post-scan hooks (exit alerts…).
 *
 * The set lives in the ledger, so an unchanged signal is never pushed twice, across restarts too.
 * A symbol only LEAVES on evidence: its row says "not a signal" with a 7-day mean present, or it
 * is gone from the universe. A row still waiting for history keeps its previous state.
 */
export interface SignalJobDeps {
  market: MarketService;
  ledger: Ledger;
  audience: Audience;
  logger: Logger;
  now: () => number;
  /** after every successful scan (exit alerts, the margin watch); each one's errors are caught and logged */
  onScan: Array<(scan: ScanResult) => Promise<void>>;
  /** APR points another venue must pay above Binance for a push (VENUE_GAP_APR) */
  venueGapApr?: number;
}

export interface SignalChanges {
  entered: SymbolSignal[];
  left: Array<{ symbol: string; row?: SymbolSignal }>;
}

export function diffSignals(previous: Iterable<string>, scan: ScanResult): SignalChanges {
  const prev = new Set(previous);
  const bySymbol = new Map(scan.rows.map((r) => [r.symbol, r]));
  const entered = scan.signals.filter((s) => !prev.has(s.symbol));
  const left: SignalChanges['left'] = [];
  for (const symbol of prev) {
    const row = bySymbol.get(symbol);
    if (!row) left.push({ symbol });
    else if (!row.isSignal && row.apr7d !== null) left.push({ symbol, row });
  }
  return { entered, left };
}

/**
 * History fetches allowed on the first tick after start. Later ticks fetch at most 10 new ones
 * (the market service default) so a tick never bursts; the first may fetch more so a cold start
 * does not take several cron periods before every candidate has its 7-day mean. 40 requests of
 * weight 1 stay far below fundingRate's own limit (500 per 5 minutes).
 */
export const WARMUP_HISTORY_BUDGET = 40;

/** One tick; exported for tests and for a manual run. */
export function createSignalTick(deps: SignalJobDeps): () => Promise<void> {
  const { market, ledger, audience, logger } = deps;
  let warm = false;
  return async () => {
    const keep = new Set<string>(ledger.activeSignals());
    for (const p of ledger.openPositions()) keep.add(p.symbol);
    const scan = await market.scan({ keep, historyBudget: warm ? undefined : WARMUP_HISTORY_BUDGET });
    warm = true;
    const changes = diffSignals(ledger.activeSignals(), scan);
    const push: Publication[] =
      changes.entered.length || changes.left.length
        ? [{ event: { type: 'signals', at: scan.at, entered: changes.entered.map(signalRow), left: changes.left.map((l) => (l.row ? { symbol: l.symbol, netApr: l.row.netApr } : { symbol: l.symbol })) }, chats: audience.alerts() }]
        : [];

    await ledger.recordScan(
      {
        at: scan.at,
        entered: changes.entered.map((s) => ({ symbol: s.symbol, netApr: s.netApr })),
        left: changes.left.map((l) => l.symbol),
        signals: scan.signals.map((s) => ({ symbol: s.symbol, netApr: s.netApr })),
      },
      push,
    );
    logger.info(
      {
        symbols: scan.universeSize,
        signals: scan.signals.length,
        entered: changes.entered.map((s) => s.symbol),
        left: changes.left.map((l) => l.symbol),
        requests: scan.requests,
        weight: scan.weight,
      },
      'scan done',
    );

    if (scan.venues && deps.venueGapApr !== undefined) await recordVenueGaps(ledger, scan, deps.venueGapApr, audience.alerts());

    for (const hook of deps.onScan) {
      try {
        await hook(scan);
      } catch (err) {
        logger.error({ err }, 'post-scan hook failed');
      }
    }
  };
}

export function startSignalJob(deps: SignalJobDeps & { cron: string; manual?: boolean }): Job {
  return scheduleJob('signals', deps.cron, createSignalTick(deps), { logger: deps.logger, manual: deps.manual });
}
