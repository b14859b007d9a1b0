import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pnlChart, pnlPoints } from '../../src/charts/pnl.js';
import { documentSource, pnlReport } from '../../src/ledger/pnl.js';
import { MAX_POSITION_SERIES, documentSeriesSource, pnlSeries } from '../../src/ledger/pnlSeries.js';
import { emptyStore, type FundingRow, type Position, type StoreData } from '../../src/ledger/schema.js';
import { createI18n } from '../../src/telegram/i18n.js';
import { dec } from '../../src/money.js';
import { DAY, HOUR, T0, fill, position } from '../ledger/helpers.js';

/** Two positions: BTC opened, paid funding and closed with a basis gain; ETH still open; one unattributed row. */
function store(): StoreData {
  const d = emptyStore(T0);
  const btc: Position = position({
    id: 'pb', symbol: 'BTCUSDT', status: 'closed', openedAt: T0, closedAt: T0 + 10 * DAY,
    spotQty: '0', futuresQty: '0', spotEntryPrice: '60000', futuresEntryPrice: '60010', spotExitPrice: '61000.10', futuresExitPrice: '61005.5',
  });
  const eth: Position = position({ id: 'pe', symbol: 'ETHUSDT', openedAt: T0 + 2 * DAY, spotQty: '2', futuresQty: '2', spotEntryPrice: '4500', futuresEntryPrice: '4502' });
  d.positions.push(btc, eth);
  d.fills.push(
    fill(btc, { market: 'futures', side: 'SELL', role: 'open', qty: '0.5', price: '60010.0', feeUsdt: '15.0025', time: T0 }),
    fill(btc, { market: 'spot', side: 'BUY', role: 'open', qty: '0.5', price: '60000.00', feeUsdt: '30', time: T0 + 1 }),
    fill(eth, { market: 'futures', side: 'SELL', role: 'open', qty: '2', price: '4502', feeUsdt: '4.502', time: T0 + 2 * DAY }),
    fill(eth, { market: 'spot', side: 'BUY', role: 'open', qty: '2', price: '4500', feeUsdt: '9', time: T0 + 2 * DAY + 1 }),
    fill(btc, { market: 'futures', side: 'BUY', role: 'close', qty: '0.5', price: '61005.5', feeUsdt: '15.251375', time: T0 + 10 * DAY - 1 }),
    fill(btc, { market: 'spot', side: 'SELL', role: 'close', qty: '0.5', price: '61000.10', feeUsdt: '30.50005', time: T0 + 10 * DAY }),
  );
  const row = (id: string, symbol: string, positionId: string | null, amount: string, time: number): FundingRow => ({ tranId: id, symbol, amount, asset: 'USDT', time, positionId, mode: 'live' });
  for (let i = 1; i <= 29; i++) d.funding.push(row(`b${i}`, 'BTCUSDT', 'pb', i % 5 === 0 ? '-0.1234567' : '0.37512345', T0 + i * 8 * HOUR));
  for (let i = 1; i <= 40; i++) d.funding.push(row(`e${i}`, 'ETHUSDT', 'pe', '0.0901234', T0 + 2 * DAY + i * 8 * HOUR));
  d.funding.push(row('u1', 'XRPUSDT', null, '5', T0 + 3 * DAY));
  return d;
}

const NOW = T0 + 20 * DAY;

describe('/pnl chart data', () => {
  for (const period of ['7d', '30d', 'all'] as const) {
    it(`${period}: every series ends on the /pnl report's figure, exactly`, () => {
      const d = store();
      const report = pnlReport(documentSource(d), { period, now: NOW, leverage: 1, mode: 'live', prices: new Map() });
      const s = pnlSeries(documentSeriesSource(d), { period, now: NOW, mode: 'live' });
      const end = s.total.at(-1)!;
      assert.equal(end.time, NOW);
      assert.equal(end.funding.toFixed(), report.total.funding.toFixed());
      assert.equal(end.fees.toFixed(), report.total.fees.toFixed());
      assert.equal(end.basis.toFixed(), report.total.realized.toFixed());
      assert.equal(end.net.toFixed(), report.total.net.toFixed());
      for (const p of s.positions) {
        const line = report.rows.find((r) => r.symbol === p.symbol)!;
        assert.equal(p.points.at(-1)!.net.toFixed(), line.net.toFixed(), p.symbol);
      }
    });
  }

  it('each point is everything up to its time: funding rows, fees and realized basis summed by hand', () => {
    const d = store();
    const s = pnlSeries(documentSeriesSource(d), { period: 'all', now: NOW, mode: 'live' });
    assert.equal(s.start, T0);
    assert.deepEqual(s.total[0]!.net.toFixed(), '0');
    for (const p of [s.total[30]!, s.total[120]!, s.total[200]!]) {
      const funding = d.funding.filter((r) => r.positionId && r.time <= p.time).reduce((a, r) => a.plus(r.amount), p.funding.mul(0));
      const fees = d.fills.filter((f) => f.time <= p.time).reduce((a, f) => a.plus(f.feeUsdt), p.fees.mul(0));
      assert.equal(p.funding.toFixed(), funding.toFixed(), `funding at ${p.time}`);
      assert.equal(p.fees.toFixed(), fees.toFixed(), `fees at ${p.time}`);
      // the BTC close (both legs) realizes 500.05 − 497.75 = 2.3 by day 10
      assert.equal(p.basis.toFixed(), p.time >= T0 + 10 * DAY ? '2.3' : p.time >= T0 + 10 * DAY - 1 ? '-497.75' : '0');
    }
    for (let i = 1; i < s.total.length; i++) assert.ok(s.total[i]!.time > s.total[i - 1]!.time, 'time moves forward');
    assert.ok(s.total.length <= 242);
  });

  it('per-position lines only up to five positions', () => {
    const d = store();
    assert.deepEqual(pnlSeries(documentSeriesSource(d), { period: 'all', now: NOW, mode: 'live' }).positions.map((p) => p.symbol), ['BTCUSDT', 'ETHUSDT']);
    for (let i = 0; i < MAX_POSITION_SERIES; i++) d.positions.push(position({ id: `x${i}`, symbol: `X${i}USDT`, spotQty: '1', futuresQty: '1' }));
    assert.deepEqual(pnlSeries(documentSeriesSource(d), { period: 'all', now: NOW, mode: 'live' }).positions, []);
  });

  it('the chart draws those figures: fees as a cost below zero, net per position dashed', () => {
    const s = pnlSeries(documentSeriesSource(store()), { period: '30d', now: NOW, mode: 'live' });
    const spec = pnlChart(s, createI18n().translator('en'), { period: 'last 30 days', mode: 'LIVE' });
    assert.deepEqual(spec.series.map((x) => x.name), ['funding', 'fees', 'basis PnL', 'net', 'BTCUSDT net', 'ETHUSDT net']);
    assert.deepEqual(spec.series[1]!.points, pnlPoints(s.total, 'fees'));
    assert.equal(spec.series[1]!.points.at(-1)![1], -s.total.at(-1)!.fees.toNumber());
    assert.equal(spec.series[3]!.points.at(-1)![1], s.total.at(-1)!.net.toNumber());
    assert.ok(spec.series.slice(4).every((x) => x.dashed));
  });

  it('a ledger holding only recent funding rows: the series starts there, carrying the earlier history, and still ends on the report', () => {
    const d = store();
    const rowsFrom = NOW - 12 * DAY;
    const whole = documentSeriesSource(d);
    const totals = new Map<string, FundingRow[]>();
    for (const r of d.funding) if (r.positionId) (totals.get(r.positionId) ?? totals.set(r.positionId, []).get(r.positionId)!).push(r);
    const recent = {
      ...whole,
      rows: d.funding.filter((r) => r.time >= rowsFrom),
      rowsFrom,
      fundingTotal: (id: string) => (totals.get(id) ?? []).reduce((a, r) => a.plus(r.amount), dec(0)),
    };
    const report = pnlReport(documentSource(d), { period: 'all', now: NOW, leverage: 1, mode: 'live', prices: new Map() });
    const s = pnlSeries(recent, { period: 'all', now: NOW, mode: 'live' });
    assert.equal(s.start, rowsFrom);
    assert.equal(s.carriedFrom, rowsFrom);
    const first = s.total[0]!;
    const before = d.funding.filter((r) => r.positionId && r.time < rowsFrom).reduce((a, r) => a.plus(r.amount), dec(0));
    assert.equal(first.funding.toFixed(), before.toFixed(), 'funding before the rows held opens the series');
    assert.equal(first.fees.toFixed(), d.fills.filter((f) => f.time < rowsFrom).reduce((a, f) => a.plus(f.feeUsdt), dec(0)).toFixed());
    const end = s.total.at(-1)!;
    assert.equal(end.funding.toFixed(), report.total.funding.toFixed());
    assert.equal(end.fees.toFixed(), report.total.fees.toFixed());
    assert.equal(end.net.toFixed(), report.total.net.toFixed());
    for (const p of s.positions) assert.equal(p.points.at(-1)!.net.toFixed(), report.rows.find((r) => r.symbol === p.symbol)!.net.toFixed(), p.symbol);
    assert.match(pnlChart(s, createI18n().translator('en'), { period: 'all time', mode: 'LIVE' }).subtitle!, /from .* \(history before it in the starting values\)/);
  });
});
