import type { Audience, ExitAlertEvent, Publication } from '../events.js';
import type { Logger } from '../logger.js';
import { exitConditions, type ExitCondition } from '../market/signals.js';
import type { ScanResult, SymbolSignal } from '../market/types.js';
import type { Ledger } from './ledger.js';
import type { Position } from './schema.js';

/**
 * Exit alerts: after each scan, an open position whose funding turned negative
 * or whose 7-day APR fell below EXIT_APR gets ONE push with a one-tap close button, written to
 * the outbox in the same write as the stored condition set (never lost, never sent twice). The
 * current condition set is stored per position, and a push goes out only when a condition
 * appears that the stored set lacked (so again after it has cleared and come back), never
 * every tick and never because one of several conditions ended. A row without a 7-day APR
 * (history missing) keeps the stored low_apr state instead of clearing it.
 */

// The rule itself lives with the signal math so the backtest replays the very same function.
export { exitConditions, type ExitCondition };

export interface ExitAlertDeps {
  ledger: Ledger;
  /** the alerts go to users with alerts on */
  audience: Pick<Audience, 'alerts'>;
  mode: Position['mode'];
  exitApr: number;
  /** automatic exit: the alert says when the bot closes the position (and offers Keep open) */
  autoExit?: { minutesFor(positionId: string): number | null };
  /** fresh data for an open symbol the scan did not cover (e.g. outside SYMBOLS) */
  symbol?: (symbol: string) => Promise<SymbolSignal>;
  logger?: Logger;
}

export interface ExitAlertResult {
  sent: Array<{ positionId: string; symbol: string; key: string }>;
  cleared: string[];
}

function exitAlertEvent(p: Position, sig: SymbolSignal, conditions: ExitCondition[], funding: string, exitApr: number, minutes: number | null): ExitAlertEvent {
  return {
    type: 'exit_alert',
    positionId: p.id,
    symbol: p.symbol,
    baseAsset: p.baseAsset,
    futuresQty: p.futuresQty,
    conditions: [...conditions],
    rate: sig.rate,
    apr: sig.apr,
    apr7d: sig.apr7d,
    exitApr,
    funding,
    nextFundingTime: sig.nextFundingTime,
    ...(minutes !== null ? { autoExitMinutes: minutes } : {}),
  };
}

/** Digits to show a quantity with: as many as it has, at most 8. */
export function qtyDigits(qty: string): number {
  const frac = qty.split('.')[1]?.replace(/0+$/, '') ?? '';
  return Math.min(8, frac.length);
}

export async function checkExitAlerts(deps: ExitAlertDeps, scan: Pick<ScanResult, 'rows'>): Promise<ExitAlertResult> {
  const { ledger, logger } = deps;
  const bySymbol = new Map(scan.rows.map((r) => [r.symbol, r]));
  const result: ExitAlertResult = { sent: [], cleared: [] };
  const positions = ledger.openPositions(deps.mode).filter((p) => p.status === 'open');
  const keys: Record<string, string | null> = {};
  const events: ExitAlertEvent[] = [];

  for (const p of positions) {
    let sig = bySymbol.get(p.symbol);
    if (!sig && deps.symbol) {
      try {
        sig = await deps.symbol(p.symbol);
      } catch (err) {
        logger?.warn({ err, symbol: p.symbol }, 'exit check: no market data');
      }
    }
    if (!sig) continue;
    const previous = ledger.exitAlertKey(p.id);
    const before = new Set(previous ? previous.split('+') : []);
    const conditions = exitConditions(sig, deps.exitApr);
    // No 7-day APR (history missing this tick) says nothing about low_apr: carry the stored state.
    if (sig.apr7d === null && before.has('low_apr')) conditions.push('low_apr');
    const key = conditions.join('+');
    if (!key) {
      if (previous !== undefined) keys[p.id] = null;
      continue;
    }
    if (previous === key) continue;
    if (conditions.every((c) => before.has(c))) {
      // a condition ended (negative+low_apr → low_apr): remember the set, push nothing
      keys[p.id] = key;
      continue;
    }
    events.push(exitAlertEvent(p, sig, conditions, ledger.fundingTotal(p.id).toFixed(), deps.exitApr, deps.autoExit?.minutesFor(p.id) ?? null));
    keys[p.id] = key;
    result.sent.push({ positionId: p.id, symbol: p.symbol, key });
  }

  const live = new Set(positions.map((p) => p.id));
  const held = new Set(ledger.openPositions().map((p) => p.id));
  const stale = ledger.exitAlertIds().filter((id) => !live.has(id) && !held.has(id));
  if (Object.keys(keys).length || stale.length) {
    const chats = events.length ? deps.audience.alerts() : [];
    const push: Publication[] = events.map((event) => ({ event, chats }));
    await ledger.recordExitAlerts(keys, stale, push);
    result.cleared = [...Object.entries(keys).filter(([, k]) => k === null).map(([id]) => id), ...stale];
  }
  return result;
}
