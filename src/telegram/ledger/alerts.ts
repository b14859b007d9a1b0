import type { DriftEvent, ExitAlertEvent } from '../../events.js';
import { qtyDigits } from '../../ledger/exitAlerts.js';
import { dec, toPlain } from '../../money.js';
import type { OutgoingMessage, Translator } from '../../notify.js';
import { keepOpenData } from '../risk/buttons.js';
import { pre } from '../render.js';
import { CB as TRADING_CALLBACKS } from '../trading/buttons.js';

/** The ledger's pushed alerts: an exit alert (with its buttons) and a reconciliation drift. */

/** TRADING's one-tap close button (`trade:cl:SYMBOL`): opens the /close preview with its own confirm step. */
export const closeButtonData = (symbol: string): string => `${TRADING_CALLBACKS.close}${symbol}`;

export function renderExitAlert(t: Translator, e: ExitAlertEvent): OutgoingMessage {
  const lines = [t.t('ledger.exit.title', { symbol: e.symbol })];
  if (e.conditions.includes('negative')) lines.push(t.t('ledger.exit.negative', { rate: t.pct(e.rate * 100, 4, { sign: true }), apr: t.pct(e.apr, 1, { sign: true }) }));
  if (e.conditions.includes('low_apr')) lines.push(t.t('ledger.exit.lowApr', { apr7d: t.pct(e.apr7d ?? 0, 1, { sign: true }), exitApr: t.pct(e.exitApr, 1) }));
  lines.push(
    t.t('ledger.exit.position', { qty: t.num(e.futuresQty, qtyDigits(e.futuresQty)), asset: e.baseAsset, funding: t.usdt(e.funding, { sign: true }) }),
    t.t('ledger.exit.next', { when: t.countdown(e.nextFundingTime) }),
    t.t('ledger.exit.hint'),
  );
  const close = { text: t.t('ledger.exit.closeButton', { symbol: e.symbol }), data: closeButtonData(e.symbol) };
  if (e.autoExitMinutes === undefined) return { text: lines.join('\n'), buttons: [[close]] };
  lines.push(t.t('risk.exit.auto', { minutes: e.autoExitMinutes }));
  return { text: lines.join('\n'), buttons: [[close, { text: t.t('risk.exit.keepButton'), data: keepOpenData(e.positionId) }]] };
}

export function renderDrift(t: Translator, { drift: d }: DriftEvent): OutgoingMessage {
  const fmt = (v: string) => t.num(v, qtyDigits(v));
  const diff = (a: string, b: string) => {
    const v = toPlain(dec(b).minus(a));
    return t.num(v, qtyDigits(v), { sign: true });
  };
  const table = pre([
    [t.t('ledger.reconcile.leg'), t.t('ledger.reconcile.ledger'), t.t('ledger.reconcile.exchange'), t.t('ledger.reconcile.diff')],
    [t.t('ledger.reconcile.short'), fmt(d.ledgerFutures), fmt(d.exchangeFutures), diff(d.ledgerFutures, d.exchangeFutures)],
    [t.t('ledger.reconcile.spot', { asset: d.baseAsset }), fmt(d.ledgerSpot), fmt(d.exchangeSpot), diff(d.ledgerSpot, d.exchangeSpot)],
  ]);
  const lines = [t.t('ledger.reconcile.title', { symbol: d.symbol })];
  if (d.notInLedger) lines.push(t.t('ledger.reconcile.notInLedger', { symbol: d.symbol }));
  else if (d.futuresDrift) lines.push(t.t('ledger.reconcile.futuresDrift'));
  if (d.spotDrift) lines.push(t.t('ledger.reconcile.spotDrift', { asset: d.baseAsset }));
  lines.push(table, t.t('ledger.reconcile.hint'));
  return { text: lines.join('\n') };
}
