import type { Logger } from '../logger.js';
import { exitConditions, type ExitCondition } from '../market/signals.js';
import type { ScanResult, SymbolSignal } from '../market/types.js';
import type { Notifier, OutgoingMessage, Render, Translator } from '../notify.js';
import type { Ledger } from './ledger.js';
import type { Position } from './schema.js';

/**
 * Exit alerts: after each scan, an open position whose funding turned negative
 * or whose 7-day APR fell below EXIT_APR gets ONE push with a one-tap close button. The
 * current condition set is stored per position, and a push goes out only when a condition
 * appears that the stored set lacked (so again after it has cleared and come back), never
 * every tick and never because one of several conditions ended. A row without a 7-day APR
 * (history missing) keeps the stored low_apr state instead of clearing it.
 */

// The rule itself lives with the signal math so the backtest replays the very same function.
export { exitConditions, type ExitCondition };

export interface ExitAlertDeps {
  ledger: Ledger;
  /** `alert` (users with alerts on) is used when present, else `broadcast` */
  notifier: Notifier & { alert?: Notifier['broadcast'] };
  mode: Position['mode'];
  exitApr: number;
  /** callback data of the button that starts the /close confirm flow for a symbol */
  closeButtonData: (symbol: string) => string;
  /** automatic exit: the alert says when the bot closes the position and carries a Keep open button */
  autoExit?: { minutesFor(positionId: string): number | null; keepOpenData(positionId: string): string };
  /** fresh data for an open symbol the scan did not cover (e.g. outside SYMBOLS) */
  symbol?: (symbol: string) => Promise<SymbolSignal>;
  logger?: Logger;
}

export interface ExitAlertResult {
  sent: Array<{ positionId: string; symbol: string; key: string }>;
  cleared: string[];
}

export function renderExitAlert(
  p: Position,
  sig: SymbolSignal,
  conditions: ExitCondition[],
  funding: string,
  exitApr: number,
  closeData: string,
  auto?: { minutes: number; keepData: string },
): Render {
  return (t: Translator): OutgoingMessage => {
    const lines = [t.t('ledger.exit.title', { symbol: p.symbol })];
    if (conditions.includes('negative')) lines.push(t.t('ledger.exit.negative', { rate: t.pct(sig.rate * 100, 4, { sign: true }), apr: t.pct(sig.apr, 1, { sign: true }) }));
    if (conditions.includes('low_apr')) lines.push(t.t('ledger.exit.lowApr', { apr7d: t.pct(sig.apr7d ?? 0, 1, { sign: true }), exitApr: t.pct(exitApr, 1) }));
    lines.push(
      t.t('ledger.exit.position', { qty: t.num(p.futuresQty, qtyDigits(p.futuresQty)), asset: p.baseAsset, funding: t.usdt(funding, { sign: true }) }),
      t.t('ledger.exit.next', { when: t.countdown(sig.nextFundingTime) }),
      t.t('ledger.exit.hint'),
    );
    const close = { text: t.t('ledger.exit.closeButton', { symbol: p.symbol }), data: closeData };
    if (!auto) return { text: lines.join('\n'), buttons: [[close]] };
    lines.push(t.t('risk.exit.auto', { minutes: auto.minutes }));
    return { text: lines.join('\n'), buttons: [[close, { text: t.t('risk.exit.keepButton'), data: auto.keepData }]] };
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
    const funding = ledger.fundingTotal(p.id).toFixed();
    const minutes = deps.autoExit?.minutesFor(p.id) ?? null;
    const auto = minutes !== null ? { minutes, keepData: deps.autoExit!.keepOpenData(p.id) } : undefined;
    const render = renderExitAlert(p, sig, conditions, funding, deps.exitApr, deps.closeButtonData(p.symbol), auto);
    // push first, record after: a crash between the two repeats the alert rather than losing it
    await (deps.notifier.alert ?? deps.notifier.broadcast).call(deps.notifier, render);
    keys[p.id] = key;
    result.sent.push({ positionId: p.id, symbol: p.symbol, key });
  }

  const live = new Set(positions.map((p) => p.id));
  const held = new Set(ledger.openPositions().map((p) => p.id));
  const stale = ledger.exitAlertIds().filter((id) => !live.has(id) && !held.has(id));
  if (Object.keys(keys).length || stale.length) {
    await ledger.recordExitAlerts(keys, stale);
    result.cleared = [...Object.entries(keys).filter(([, k]) => k === null).map(([id]) => id), ...stale];
  }
  return result;
}
