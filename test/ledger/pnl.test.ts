import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentSource, pnlReport, positionPnl, type ReportOptions } from '../../src/ledger/pnl.js';
import { emptyStore, type Fill, type FundingRow, type Position, type StoreData } from '../../src/ledger/schema.js';
import { DAY, HOUR, T0, fill, position } from './helpers.js';

const reportOf = (d: Parameters<typeof documentSource>[0], o: ReportOptions) => pnlReport(documentSource(d), o);

/*
 * A scripted BTCUSDT carry, computed by hand (every figure exact):
 *
 *   open   futures SELL 0.5 @ 60010.0   quote 30005      fee 0.0005 × 30005     = 15.0025
 *          spot    BUY  0.5 @ 60000.0   quote 30000      fee 0.05 BNB valued at  = 30
 *   funding  T0+8h  +3.7512   T0+16h  +2.50001                        funding = 6.25121
 *   close  futures BUY  0.5 @ 61005.5   quote 30502.75   fee 0.0005 × 30502.75  = 15.251375
 *          spot    SELL 0.5 @ 61000.10  quote 30500.05   fee 0.001 × 30500.05   = 30.50005
 *
 *   fees          15.0025 + 30 + 15.251375 + 30.50005                     = 90.753925
 *   spot leg      (61000.10 − 60000) × 0.5                                = 500.05
 *   futures leg   (60010 − 61005.5) × 0.5                                 = −497.75
 *   basis PnL     500.05 − 497.75                                         = 2.30
 *   net           6.25121 + 2.30 − 90.753925                              = −82.202715
 *   capital       30000 + 30005 / LEVERAGE(1)                             = 60005
 *   APR           −82.202715 / 60005 / 10 days × 365 × 100               ≈ −5.0002 %
 *
 *   While open, one day in, marked at spot bid 60500 / futures ask 60520:
 *   unrealized    spot (60500 − 60000) × 0.5 = 250, futures (60010 − 60520) × 0.5 = −255 → −5
 *   net (realized) 6.25121 − (15.0025 + 30)                               = −38.75129
 *   total          −38.75129 − 5                                          = −43.75129
 */

const P = position({ id: 'p1', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5', spotEntryPrice: '60000', futuresEntryPrice: '60010' });
const openFills: Fill[] = [
  fill(P, { market: 'futures', side: 'SELL', role: 'open', qty: '0.5', price: '60010.0', quoteQty: '30005', feeUsdt: '15.0025', time: T0 }),
  fill(P, { market: 'spot', side: 'BUY', role: 'open', qty: '0.5', price: '60000.00', quoteQty: '30000', commission: '0.05', commissionAsset: 'BNB', feeUsdt: '30', time: T0 + 1 }),
];
const CLOSE_AT = T0 + 10 * DAY;
const closeFills: Fill[] = [
  fill(P, { market: 'futures', side: 'BUY', role: 'close', qty: '0.5', price: '61005.5', quoteQty: '30502.75', feeUsdt: '15.251375', time: CLOSE_AT - 1 }),
  fill(P, { market: 'spot', side: 'SELL', role: 'close', qty: '0.5', price: '61000.10', quoteQty: '30500.05', feeUsdt: '30.50005', time: CLOSE_AT }),
];
const funding: FundingRow[] = [
  { tranId: '1001', symbol: 'BTCUSDT', amount: '3.7512', asset: 'USDT', time: T0 + 8 * HOUR, positionId: 'p1', mode: 'live' },
  { tranId: '1002', symbol: 'BTCUSDT', amount: '2.50001', asset: 'USDT', time: T0 + 16 * HOUR, positionId: 'p1', mode: 'live' },
];
const closed: Position = { ...P, status: 'closed', closedAt: CLOSE_AT, spotQty: '0', futuresQty: '0', spotExitPrice: '61000.10', futuresExitPrice: '61005.5' };

function data(pos: Position, fills: Fill[], extraFunding: FundingRow[] = []): StoreData {
  const d = emptyStore(T0);
  d.positions.push(pos);
  d.fills.push(...fills);
  d.funding.push(...funding, ...extraFunding);
  return d;
}

const prices = new Map([['BTCUSDT', { spotBid: '60500', futuresAsk: '60520', markPrice: '60515' }]]);

test('an open position: funding and entry fees realized, legs marked at bid/ask apart', () => {
  const r = positionPnl(P, openFills, funding, prices.get('BTCUSDT'), { leverage: 1, now: T0 + DAY });
  assert.equal(r.funding.toFixed(), '6.25121');
  assert.equal(r.fees.toFixed(), '45.0025');
  assert.equal(r.realized.toFixed(), '0');
  assert.equal(r.unrealizedSpot?.toFixed(), '250');
  assert.equal(r.unrealizedFutures?.toFixed(), '-255');
  assert.equal(r.unrealized?.toFixed(), '-5');
  assert.equal(r.net.toFixed(), '-38.75129');
  assert.equal(r.total.toFixed(), '-43.75129');
  assert.equal(r.capital.toFixed(), '60005');
  assert.equal(r.days, 1);
});

test('the scripted open, two fundings and close match the hand computation to the cent', () => {
  const report = reportOf(data(closed, [...openFills, ...closeFills]), { period: 'all', now: CLOSE_AT + HOUR, leverage: 1, mode: 'live', prices: new Map() });
  assert.equal(report.rows.length, 1);
  const line = report.rows[0]!;
  assert.equal(line.funding.toFixed(), '6.25121');
  assert.equal(line.fees.toFixed(), '90.753925');
  assert.equal(line.realized.toFixed(), '2.3');
  assert.equal(line.unrealized?.toFixed(), '0');
  assert.equal(line.net.toFixed(), '-82.202715');
  assert.equal(line.net.toFixed(2), '-82.20');
  assert.equal(line.days, 10);
  assert.equal(line.apr?.toFixed(4), '-5.0002');
  assert.equal(report.total.net.toFixed(), '-82.202715');
});

test('closing moves PnL from unrealized to realized and keeps the funding counted', () => {
  const before = reportOf(data(P, openFills), { period: 'all', now: T0 + DAY, leverage: 1, mode: 'live', prices });
  assert.equal(before.total.unrealized?.toFixed(), '-5');
  assert.equal(before.total.realized.toFixed(), '0');
  assert.equal(before.total.funding.toFixed(), '6.25121');

  const after = reportOf(data(closed, [...openFills, ...closeFills]), { period: 'all', now: CLOSE_AT, leverage: 1, mode: 'live', prices });
  assert.equal(after.total.unrealized?.toFixed(), '0');
  assert.equal(after.total.realized.toFixed(), '2.3');
  assert.equal(after.total.funding.toFixed(), '6.25121');
});

test('periods count funding, fees and realizations by time; unattributed funding stays apart', () => {
  const loose: FundingRow = { tranId: '9', symbol: 'ETHUSDT', amount: '-0.7', asset: 'USDT', time: CLOSE_AT - DAY, positionId: null, mode: 'live' };
  const d = data(closed, [...openFills, ...closeFills], [loose]);
  const week = reportOf(d, { period: '7d', now: CLOSE_AT, leverage: 1, mode: 'live', prices: new Map() });
  // inside the last 7 days: no funding, the two close fees, the realization at close
  assert.equal(week.total.funding.toFixed(), '0');
  assert.equal(week.total.fees.toFixed(), '45.751425');
  assert.equal(week.total.realized.toFixed(), '2.3');
  assert.equal(week.total.net.toFixed(), '-43.451425');
  assert.equal(week.total.days, 7);
  assert.deepEqual(
    week.unattributed.map((u) => [u.symbol, u.amount.toFixed(), u.count]),
    [['ETHUSDT', '-0.7', 1]],
  );
  // a paper report does not see live rows
  assert.equal(reportOf(d, { period: 'all', now: CLOSE_AT, leverage: 1, mode: 'paper', prices: new Map() }).rows.length, 0);
});

test('leverage halves the futures margin in capital; missing prices leave unrealized unknown', () => {
  const r = positionPnl(P, openFills, funding, undefined, { leverage: 2, now: T0 + DAY });
  assert.equal(r.capital.toFixed(), '45002.5');
  assert.equal(r.unrealized, null);
  const rep = reportOf(data(P, openFills), { period: 'all', now: T0 + DAY, leverage: 1, mode: 'live', prices: new Map() });
  assert.deepEqual(rep.unpriced, ['BTCUSDT']);
  assert.equal(rep.total.unrealized, null);
});

test('APR is net / capital / days × 365: unrealized since opening never inflates a quiet window', () => {
  // Opened 40 days ago, funded only on day one, no activity since; the legs are +500 marked now.
  const now = T0 + 40 * DAY;
  const marked = new Map([['BTCUSDT', { spotBid: '61000', futuresAsk: '60010', markPrice: '60010' }]]);
  const week = reportOf(data(P, openFills), { period: '7d', now, leverage: 1, mode: 'live', prices: marked });
  assert.equal(week.total.net.toFixed(), '0');
  assert.equal(week.total.unrealized?.toFixed(), '500', 'unrealized is still shown, apart');
  assert.equal(week.total.apr, 0, 'not 500 / (60005 × 7) × 36500 ≈ +43 %');
  assert.equal(week.rows[0]?.apr, 0);

  const all = reportOf(data(P, openFills), { period: 'all', now, leverage: 1, mode: 'live', prices: marked });
  // −38.75129 / (60005 × 40) × 365 × 100
  assert.equal(all.total.apr?.toFixed(6), (-38.75129 / (60005 * 40) * 36500).toFixed(6));
  const one = positionPnl(P, openFills, funding, marked.get('BTCUSDT'), { leverage: 1, now });
  assert.equal(one.apr?.toFixed(6), (-38.75129 / (60005 * 40) * 36500).toFixed(6));
});
