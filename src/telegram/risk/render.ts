import { dec } from '../../money.js';
import type { OutgoingMessage, Translator } from '../../notify.js';
import type { RiskNotice, RiskResult } from '../../events.js';
import type { CloseAllPreview, MarginView, PositionMargin, TopupPreview } from '../../risk/index.js';
import { pre, type TableRow } from '../render.js';
import { money, price, qty } from '../ledger/format.js';
import { renderOutcome } from '../trading/render.js';
import { RISK_CB } from './buttons.js';

/** Risk messages: /margin, the top-up and close-all previews and results, and the pushed events. */

const usd = (t: Translator, v: string) => money(t, dec(v), { sign: false });
const pctOr = (t: Translator, v: number | null) => (v === null ? '—' : t.pct(v, 1));
const modeOf = (t: Translator, mode: string) => t.t(`core.mode.${mode}`);

function positionRows(t: Translator, p: PositionMargin, alertPct: number): TableRow[] {
  const rows: TableRow[] = [
    [t.t('risk.margin.mark'), price(t, p.markPrice)],
    [t.t('risk.margin.liq'), p.liqPrice ? price(t, p.liqPrice) : '—'],
    [t.t('risk.margin.distance'), pctOr(t, p.distancePct)],
  ];
  if (p.adl !== null) rows.push([t.t('risk.margin.adl'), `${p.adl}/4`]);
  if (dec(p.topUp).gt(0)) rows.push([t.t('risk.margin.toTarget', { target: t.pct(2 * alertPct, 0) }), usd(t, p.topUp)]);
  return rows;
}

export function renderMargin(t: Translator, v: MarginView): string {
  const w = v.wallet;
  const wallet: TableRow[] = [
    [t.t('risk.margin.walletBalance'), usd(t, w.walletBalance)],
    [t.t('risk.margin.marginBalance'), usd(t, w.marginBalance)],
    [t.t('risk.margin.maintMargin'), usd(t, w.maintMargin)],
    [t.t('risk.margin.marginRatio'), pctOr(t, w.marginRatioPct)],
    [t.t('risk.margin.available'), usd(t, w.available)],
  ];
  if (v.spotUsdtFree !== null) wallet.push([t.t('risk.margin.spotFree'), usd(t, v.spotUsdtFree)]);
  const out = [t.t('risk.margin.title', { mode: modeOf(t, v.mode) }), t.t('risk.margin.wallet'), pre(wallet)];
  if (v.mode === 'paper') out.push(t.t('risk.margin.paperWallet'));
  if (!v.positions.length) out.push('', t.t('risk.margin.none'));
  for (const p of v.positions) out.push('', `<b>${p.symbol}</b> · ${qty(t, p.qty, p.baseAsset)}`, pre(positionRows(t, p, v.alertPct)));
  out.push('', t.t('risk.margin.hint', { alert: t.pct(v.alertPct, 0) }));
  return out.join('\n');
}

function confirmButtons(t: Translator, token: string) {
  return [[
    { text: t.t('risk.topup.confirm'), data: `${RISK_CB.ok}${token}` },
    { text: t.t('risk.topup.cancel'), data: `${RISK_CB.no}${token}` },
  ]];
}

export function renderTopupPreview(t: Translator, p: TopupPreview, token: string, ttlSeconds: number): OutgoingMessage {
  const lines = [t.t('risk.topup.title', { amount: t.num(p.amount, 2), mode: modeOf(t, p.mode) })];
  lines.push(p.spotUsdtFree === null ? t.t('risk.topup.paper') : t.t('risk.topup.spotFree', { free: usd(t, p.spotUsdtFree) }));
  for (const x of p.positions) lines.push(t.t('risk.topup.row', { symbol: x.symbol, before: pctOr(t, x.distancePct), after: pctOr(t, x.distanceAfterPct) }));
  lines.push(t.t('risk.topup.expires', { seconds: ttlSeconds }));
  return { text: lines.join('\n'), buttons: confirmButtons(t, token) };
}

export function renderCloseAllPreview(t: Translator, p: CloseAllPreview, token: string, ttlSeconds: number): OutgoingMessage {
  const lines = [t.t('risk.closeAll.title', { mode: modeOf(t, p.mode) })];
  for (const x of p.positions) lines.push(t.t('risk.closeAll.row', { symbol: x.symbol, futures: qty(t, x.futuresQty), spot: qty(t, x.spotQty), asset: x.baseAsset }));
  lines.push(t.t('risk.closeAll.order'));
  if (p.paused) lines.push(t.t('risk.closeAll.paused'));
  lines.push(t.t('risk.topup.expires', { seconds: ttlSeconds }));
  return { text: lines.join('\n'), buttons: confirmButtons(t, token) };
}

export function renderRiskResult(t: Translator, r: RiskResult, mode: string): string {
  switch (r.kind) {
    case 'refused':
      return t.t(r.error.key, r.error.params);
    case 'moved':
      return t.t(mode === 'paper' ? 'risk.topup.movedPaper' : 'risk.topup.moved', { amount: t.num(r.amount, 2) });
    case 'move_unknown':
      return t.t('risk.topup.unknown', { amount: t.num(r.amount, 2), reason: r.reason });
    case 'closed_all': {
      const closed = r.results.filter((x) => 'outcome' in x && x.outcome.kind === 'closed').length;
      // each close's fills reach everyone as its own trade report; the summary says how it ended
      const parts = [t.t('risk.closeAll.summary', { closed, total: r.results.length })];
      for (const x of r.results) {
        if ('outcome' in x && x.outcome.kind === 'closed') parts.push(t.t('risk.closeAll.closed', { symbol: x.symbol }));
        else parts.push('outcome' in x ? renderOutcome(t, x.outcome, mode) : t.t('risk.closeAll.failed', { symbol: x.symbol, reason: t.t(x.error.key, x.error.params) }));
      }
      return parts.join('\n');
    }
  }
}

/**
 * A pushed event; the margin alert carries the Move button when there is something to move. The
 * button holds only the amount: tapping it opens a preview with a confirm token of its own (the
 * tapper's, single use, expiring), so an alert delivered late still offers a working button.
 */
export function renderRiskEvent(t: Translator, e: RiskNotice, mode: string): OutgoingMessage {
  switch (e.kind) {
    case 'margin_alert': {
      const p = e.position;
      const lines = [
        t.t('risk.alert.title', { symbol: p.symbol }),
        t.t('risk.alert.body', { liq: p.liqPrice ? price(t, p.liqPrice) : '—', distance: pctOr(t, p.distancePct), mark: price(t, p.markPrice), alert: t.pct(e.alertPct, 0) }),
      ];
      if (p.adl !== null && p.adl >= 4) lines.push(t.t('risk.alert.adl', { adl: p.adl }));
      const canMove = dec(e.move).gt(0);
      lines.push(canMove ? t.t('risk.alert.move', { amount: t.num(e.move, 2), target: t.pct(2 * e.alertPct, 0) }) : t.t('risk.alert.noSpot'));
      return { text: lines.join('\n'), ...(canMove ? { buttons: [[{ text: t.t('risk.alert.moveButton', { amount: t.num(e.move, 2) }), data: `${RISK_CB.move}${e.move}` }]] } : {}) };
    }
    case 'adl_alert':
      return { text: [t.t('risk.alert.adlTitle', { symbol: e.position.symbol, adl: e.position.adl ?? 0 }), t.t('risk.alert.adlBody')].join('\n') };
    case 'auto_topup':
      return { text: t.t('risk.alert.autoMoved', { symbol: e.symbol, distance: pctOr(t, e.distancePct), amount: t.num(e.amount, 2), used: t.num(e.used, 2), budget: t.num(e.budget, 2) }) };
    case 'auto_topup_failed':
      return {
        text: e.error
          ? t.t('risk.alert.autoFailed', { symbol: e.symbol, amount: t.num(e.amount, 2), reasonHtml: t.t(e.error.key, e.error.params) })
          : t.t('risk.alert.autoUnknown', { symbol: e.symbol, amount: t.num(e.amount, 2), reason: e.reason }),
      };
    case 'auto_exit':
      // the fills themselves reach everyone as the close's trade report
      return { text: e.outcome.kind === 'closed' ? t.t('risk.exit.closedTitle', { symbol: e.symbol }) : [t.t('risk.exit.closedTitle', { symbol: e.symbol }), renderOutcome(t, e.outcome, mode)].join('\n') };
    case 'auto_exit_failed':
      return { text: t.t('risk.exit.failed', { symbol: e.symbol, reason: t.t(e.error.key, e.error.params) }) };
  }
}
