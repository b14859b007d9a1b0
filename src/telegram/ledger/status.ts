import type { Translator } from '../../notify.js';
import type { PositionStatus, StatusView } from '../../ledger/service.js';
import type { PositionMargin } from '../../risk/index.js';
import { pre, type TableRow } from '../render.js';
import { money, price, qty } from './format.js';

/**
 * /status text: mode; per held position both legs, hedge drift, entry vs current basis, funding
 * collected, fees, unrealized PnL per leg and total, current rate and next-funding countdown,
 * (live) liquidation price and distance; then totals and health.
 */

function positionBlock(t: Translator, s: PositionStatus, now: number, margin: PositionMargin | undefined, unresolved: boolean): string {
  const p = s.position;
  const { pnl, market: m } = s;
  const head = t.t('ledger.status.position', { symbol: p.symbol, state: t.t(`ledger.status.state.${p.status}`), since: t.time(p.openedAt, now) });
  const pctOrDash = (v: number | null, digits: number) => (v === null ? '—' : t.pct(v, digits, { sign: true }));
  const rows: TableRow[] = [
    [t.t('ledger.status.spot'), qty(t, p.spotQty, p.baseAsset)],
    [t.t('ledger.status.short'), qty(t, p.futuresQty, p.baseAsset)],
    [t.t('ledger.status.drift'), unresolved ? t.t('ledger.status.unresolved') : s.drift.isZero() ? t.t('ledger.status.hedged') : qty(t, s.drift, p.baseAsset, { sign: true })],
    [t.t('ledger.status.basisEntry'), pctOrDash(s.entryBasisPct, 3)],
    [t.t('ledger.status.basisNow'), pctOrDash(s.currentBasisPct, 3)],
    [t.t('ledger.status.funding'), money(t, pnl.funding)],
    [t.t('ledger.status.fees'), money(t, pnl.fees.neg())],
  ];
  if (pnl.unrealized !== null && pnl.unrealizedSpot && pnl.unrealizedFutures) {
    rows.push(
      [t.t('ledger.status.upnlSpot'), money(t, pnl.unrealizedSpot)],
      [t.t('ledger.status.upnlShort'), money(t, pnl.unrealizedFutures)],
      [t.t('ledger.status.upnl'), money(t, pnl.unrealized)],
    );
  }
  if (m) {
    rows.push(
      [t.t('ledger.status.rate'), `${t.pct(m.rate * 100, 4, { sign: true })} · ${t.pct(m.apr, 1, { sign: true })}`],
      [t.t('ledger.status.next'), t.countdown(m.nextFundingTime, now)],
    );
  }
  if (margin) {
    // the short's margin from the risk view: the same figures as /margin, in paper too
    rows.push([t.t('ledger.status.liq'), margin.liqPrice ? price(t, margin.liqPrice) : '—']);
    if (margin.distancePct !== null) rows.push([t.t('ledger.status.liqDistance'), distanceCell(t, margin)]);
  } else if (s.liquidation) {
    rows.push([t.t('ledger.status.liq'), Number(s.liquidation.price) > 0 ? price(t, s.liquidation.price) : '—']);
    if (s.liquidation.distancePct !== null) rows.push([t.t('ledger.status.liqDistance'), t.pct(s.liquidation.distancePct, 2, { sign: true })]);
  }
  const parts = [head, pre(rows)];
  if (pnl.unrealized === null) parts.push(t.t('ledger.status.noPrices'));
  return parts.join('\n');
}

const distanceCell = (t: Translator, m: PositionMargin): string =>
  m.adl === null ? t.pct(m.distancePct ?? 0, 1, { sign: true }) : `${t.pct(m.distancePct ?? 0, 1, { sign: true })} · ADL ${m.adl}`;

export interface StatusExtras {
  /** the risk view per position id, when it could be read */
  margin?: ReadonlyMap<string, PositionMargin>;
  /** positions with a trade whose outcome is not settled yet: not shown as hedged */
  unresolved?: ReadonlySet<string>;
  /** memory is ahead of the file (a write failed; retried) */
  unsaved?: boolean;
}

export function renderStatus(t: Translator, v: StatusView, extras: StatusExtras = {}): string {
  const mode = t.t(`core.mode.${v.mode}`);
  const out = [t.t('ledger.status.title', { mode })];
  if (extras.unsaved) out.push(t.t('ledger.status.unsaved'));
  if (!v.positions.length) out.push(t.t('ledger.status.none'));
  for (const s of v.positions) out.push('', positionBlock(t, s, v.now, extras.margin?.get(s.position.id), extras.unresolved?.has(s.position.id) ?? false));

  if (v.positions.length) {
    const totals: TableRow[] = [
      [t.t('ledger.status.funding'), money(t, v.totals.funding)],
      [t.t('ledger.status.fees'), money(t, v.totals.fees.neg())],
    ];
    if (v.totals.unrealized !== null) totals.push([t.t('ledger.status.upnl'), money(t, v.totals.unrealized)]);
    totals.push([t.t('ledger.status.totalNet'), money(t, v.totals.total)]);
    out.push('', t.t('ledger.status.totals'), pre(totals));
  }

  const h = v.health;
  const when = (ms: number | undefined) => (ms === undefined ? t.t('ledger.status.never') : t.time(ms, v.now));
  const health: TableRow[] = [
    [t.t('ledger.status.lastScan'), when(h.lastScanAt)],
    [t.t('ledger.status.lastIncome'), when(h.lastIncomeSyncAt)],
  ];
  if (v.mode === 'live') health.push([t.t('ledger.status.lastReconcile'), when(h.lastReconcileAt)]);
  if (h.weight) {
    const w = (x: { usedWeight1m: number; weightLimit1m: number }) => `${x.usedWeight1m}/${x.weightLimit1m}`;
    health.push([t.t('ledger.status.weightSpot'), w(h.weight.spot)], [t.t('ledger.status.weightPerp'), w(h.weight.futures)]);
  }
  out.push('', t.t('ledger.status.health'), pre(health), h.paused ? t.t('ledger.status.paused', { reason: h.pausedReason ?? '' }) : t.t('ledger.status.running'));
  return out.join('\n');
}
