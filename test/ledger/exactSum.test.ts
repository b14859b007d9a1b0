import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactSum, SUM_SCALE, documentSource, exactSum, pnlReport, positionPnl, type LegPrices, type ReportOptions } from '../../src/ledger/pnl.js';
import { emptyStore, type Fill, type FundingRow, type Position } from '../../src/ledger/schema.js';
import { Decimal, ZERO } from '../../src/money.js';
import { DAY, HOUR, T0, fill, position } from './helpers.js';

const reportOf = (d: Parameters<typeof documentSource>[0], o: ReportOptions) => pnlReport(documentSource(d), o);

/*
 * /pnl sums and figures are computed in fixed point (pnl.ts ExactSum / Fx) instead of a decimal.js
 * object per row. Exactness is the point: every result here must equal decimal.js — row by row
 * Decimal.plus, and the per-position Decimal arithmetic pnl.ts used to do — digit for digit, over
 * random strings with 0..SUM_SCALE decimals and beyond, both signs, small and huge magnitudes
 * (past 40 significant digits, where decimal.js itself rounds), crossing every tier boundary.
 */

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digits(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
  return s;
}

/** A decimal string as the ledger holds it: optional '-', integer part (leading zeros allowed), optional fraction. */
function randomDecimal(r: () => number, maxDecimals: number, maxIntDigits: number): string {
  const intPart = digits(r, 1 + Math.floor(r() * maxIntDigits));
  const decimals = Math.floor(r() * (maxDecimals + 1));
  const sign = r() < 0.45 ? '-' : '';
  return decimals === 0 ? `${sign}${intPart}` : `${sign}${intPart}.${digits(r, decimals)}`;
}

/** What /pnl did before: decimal.js, row by row, at the money precision (40 significant digits). */
const decimalSum = (values: string[]): Decimal => values.reduce((acc, v) => acc.plus(v), ZERO);

test('ExactSum equals decimal.js summation on random decimals with up to SUM_SCALE places, both signs', () => {
  const r = rng(20240611);
  for (let round = 0; round < 300; round++) {
    // USDT-sized amounts, long fractions and big integers; 20 + 24
    // digits take partial sums past 40 significant digits, where decimal.js rounds every step
    const maxDecimals = [8, 12, SUM_SCALE][round % 3]!;
    const maxInt = [3, 7, 12, 20][Math.floor(round / 3) % 4]!;
    const n = 1 + Math.floor(r() * 400);
    const values = Array.from({ length: n }, () => randomDecimal(r, maxDecimals, maxInt));
    const got = exactSum(values);
    const want = decimalSum(values);
    assert.equal(got.toFixed(), want.toFixed(), `round ${round}: ${values.slice(0, 5).join(', ')}…`);
    assert.ok(got.eq(want));
  }
});

test('ExactSum stays exact where a double would not: carries past 2^53 and tiny amounts on huge ones', () => {
  // 10^5 rows of 9,999,999.99999999: far more units than a double holds exactly
  const big = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? '9999999.99999999' : '-999999.00000001'));
  assert.equal(exactSum(big).toFixed(), decimalSum(big).toFixed());
  assert.equal(exactSum(['0.1', '0.2']).toFixed(), '0.3');
  assert.equal(exactSum(['123456789012345.00000001', '0.000000000000000000000001', '-123456789012345']).toFixed(), '0.000000010000000000000001');
  assert.equal(exactSum(['-0.5', '0.25', '-0', '0.0', '000.75']).toFixed(), '0.5');
  assert.equal(exactSum([]).toFixed(), '0');
  assert.equal(exactSum(['-1.5', '1.5']).isZero(), true);
});

test('beyond SUM_SCALE places the scale widens; sums that outgrow 40 digits round as Decimal.plus does', () => {
  const r = rng(7);
  for (let round = 0; round < 200; round++) {
    // 40-digit amounts (a VWAP carried to the money precision), mixed with USDT-sized ones
    const values = Array.from({ length: 1 + Math.floor(r() * 80) }, () => randomDecimal(r, round % 2 ? 38 : 8, round % 3 ? 2 : 6));
    assert.equal(exactSum(values).toFixed(), decimalSum(values).toFixed(), `round ${round}`);
  }
  // a running sum that crosses 10^40 units mid-way (small rows, then a huge row, then more)
  const crossing = ['0.00000001', '9999999.99999999', '999999999999999.999999999999999999999999', '0.123456789', '-0.00000003', '12345.6789', '1e-40'];
  assert.equal(exactSum(crossing).toFixed(), decimalSum(crossing).toFixed());
});

test('exponent strings are parsed like decimal.js; garbage throws like Decimal.plus did', () => {
  const values = ['1e-30', '-2.5E3', '0.1', '12345678.123456789'];
  assert.equal(exactSum(values).toFixed(), decimalSum(values).toFixed());
  assert.throws(() => new ExactSum().add('not a number'));
  assert.throws(() => ZERO.plus('not a number'));
});

test('the result is a money Decimal rounded to its 40 significant digits, like any Decimal.plus', () => {
  const long = '1234567890123456.1234567890123456789012345'; // 41 significant digits, ends in 5: ties to even
  const v = exactSum([long]);
  assert.equal(v.toFixed(), '1234567890123456.123456789012345678901234');
  assert.equal(v.toFixed(), decimalSum([long]).toFixed());
  assert.equal(exactSum(['1234567890123456.1234567890123456789012335']).toFixed(), '1234567890123456.123456789012345678901234');
  assert.ok(v instanceof Decimal);
});

/** positionPnl as it was, in decimal.js throughout: the reference the fixed point must match. */
function referencePnl(p: Position, fills: Fill[], funding: FundingRow[], prices: LegPrices | undefined, leverage: number, now: number, since?: number) {
  const inWin = (t: number) => (since === undefined || t >= since) && t <= now;
  const fundingSum = funding.reduce((acc, r) => (inWin(r.time) ? acc.plus(r.amount) : acc), ZERO);
  let fees = ZERO;
  let rs = ZERO;
  let rf = ZERO;
  for (const f of fills) {
    if (!inWin(f.time)) continue;
    fees = fees.plus(f.feeUsdt);
    if (f.role === 'open') continue;
    if (f.market === 'spot' && f.side === 'SELL') rs = rs.plus(new Decimal(f.price).minus(p.spotEntryPrice).mul(f.qty));
    if (f.market === 'futures' && f.side === 'BUY') rf = rf.plus(new Decimal(p.futuresEntryPrice).minus(f.price).mul(f.qty));
  }
  const ask = prices?.futuresAsk ?? prices?.markPrice;
  const us = prices && ask !== undefined ? new Decimal(prices.spotBid).minus(p.spotEntryPrice).mul(p.spotQty) : null;
  const uf = prices && ask !== undefined ? new Decimal(p.futuresEntryPrice).minus(ask).mul(p.futuresQty) : null;
  let spotCost = ZERO;
  let futNotional = ZERO;
  for (const f of fills) {
    if (f.role !== 'open') continue;
    if (f.market === 'spot') spotCost = spotCost.plus(f.quoteQty);
    else futNotional = futNotional.plus(f.quoteQty);
  }
  const realized = rs.plus(rf);
  const unrealized = us && uf ? us.plus(uf) : null;
  const net = fundingSum.plus(realized).minus(fees);
  return { funding: fundingSum, fees, realizedSpot: rs, realizedFutures: rf, realized, unrealized, net, total: net.plus(unrealized ?? ZERO), capital: spotCost.plus(futNotional.div(leverage)) };
}

test('positionPnl matches decimal.js arithmetic digit for digit, 40-digit VWAP entries and leverage 3 included', () => {
  const r = rng(99);
  for (let round = 0; round < 60; round++) {
    const vwap = round % 2 === 0;
    const P = position({
      id: 'p1',
      symbol: 'ETHUSDT',
      spotQty: randomDecimal(r, 8, 3).replace('-', ''),
      futuresQty: randomDecimal(r, 8, 3).replace('-', ''),
      // an average fill price carried to the money precision, as a division leaves it
      spotEntryPrice: vwap ? new Decimal('3000.1234').div(7).toFixed() : '3000.123456789',
      futuresEntryPrice: vwap ? new Decimal('3001.5').div(3).toFixed() : '3001.5',
    });
    const funding: FundingRow[] = Array.from({ length: 300 }, (_, i) => ({
      tranId: String(i),
      symbol: 'ETHUSDT',
      amount: randomDecimal(r, i % 2 ? 8 : SUM_SCALE, i % 50 ? 3 : 18),
      asset: 'USDT',
      time: T0 + (i + 1) * HOUR,
      positionId: 'p1',
      mode: 'live',
    }));
    const fills: Fill[] = Array.from({ length: 24 }, (_, i) => {
      const role = i < 12 ? 'open' : 'close';
      const spot = i % 2 === 1;
      return fill(P, {
        market: spot ? 'spot' : 'futures',
        side: (role === 'open') === spot ? 'BUY' : 'SELL',
        role,
        qty: randomDecimal(r, 8, 2).replace('-', ''),
        price: randomDecimal(r, 8, 4).replace('-', ''),
        quoteQty: randomDecimal(r, 16, 6).replace('-', ''),
        feeUsdt: randomDecimal(r, 20, 2).replace('-', ''),
        time: T0 + i * DAY,
      });
    });
    const now = T0 + 100 * DAY;
    const since = round % 3 === 0 ? now - 90 * DAY : undefined;
    const prices: LegPrices = { spotBid: randomDecimal(r, 8, 4).replace('-', ''), futuresAsk: randomDecimal(r, 8, 4).replace('-', '') };
    for (const leverage of [1, 3, 7]) {
      const got = positionPnl(P, fills, funding, prices, { leverage, now, since });
      const want = referencePnl(P, fills, funding, prices, leverage, now, since);
      for (const k of ['funding', 'fees', 'realizedSpot', 'realizedFutures', 'realized', 'unrealized', 'net', 'total', 'capital'] as const) {
        assert.equal(got[k]?.toFixed(), want[k]?.toFixed(), `round ${round} x${leverage}: ${k}`);
      }
      assert.equal(got.apr, want.capital.mul(got.days).gt(0) ? want.net.div(want.capital.mul(got.days)).mul(365).mul(100).toNumber() : null);
    }
  }
});

test('pnlReport sums per symbol and in total as decimal.js did, unattributed funding apart', () => {
  const r = rng(5);
  const d = emptyStore(T0);
  const now = T0 + 60 * DAY;
  const want = { funding: ZERO, fees: ZERO, realized: ZERO, net: ZERO, capitalDays: ZERO };
  for (let i = 0; i < 6; i++) {
    const P = position({ id: `p${i}`, symbol: i % 2 ? 'ETHUSDT' : 'BTCUSDT', status: 'closed', closedAt: T0 + (20 + i) * DAY, spotQty: '0', futuresQty: '0', spotEntryPrice: new Decimal(3000 + i).div(3).toFixed(), futuresEntryPrice: '3001.5' });
    const funding: FundingRow[] = Array.from({ length: 50 }, (_, j) => ({ tranId: `${i}-${j}`, symbol: P.symbol, amount: randomDecimal(r, j % 3 ? 8 : SUM_SCALE, 3), asset: 'USDT', time: T0 + (j + 1) * HOUR, positionId: P.id, mode: 'live' }));
    const fills: Fill[] = [
      fill(P, { market: 'futures', side: 'SELL', role: 'open', qty: '1.5', price: '3001.5', quoteQty: '4502.25', feeUsdt: randomDecimal(r, 20, 1).replace('-', ''), time: T0 }),
      fill(P, { market: 'spot', side: 'BUY', role: 'open', qty: '1.5', price: '3000', quoteQty: '4500', feeUsdt: '2.25', time: T0 + 1 }),
      fill(P, { market: 'futures', side: 'BUY', role: 'close', qty: '1.5', price: randomDecimal(r, 8, 4).replace('-', ''), quoteQty: '1', feeUsdt: '2.2', time: P.closedAt! - 1 }),
      fill(P, { market: 'spot', side: 'SELL', role: 'close', qty: '1.5', price: randomDecimal(r, 8, 4).replace('-', ''), quoteQty: '1', feeUsdt: '2.1', time: P.closedAt! }),
    ];
    d.positions.push(P);
    d.fills.push(...fills);
    d.funding.push(...funding);
    const ref = referencePnl(P, fills, funding, undefined, 3, now);
    want.funding = want.funding.plus(ref.funding);
    want.fees = want.fees.plus(ref.fees);
    want.realized = want.realized.plus(ref.realized);
    want.net = want.net.plus(ref.net);
    want.capitalDays = want.capitalDays.plus(ref.capital.mul((P.closedAt! - P.openedAt) / DAY));
  }
  d.funding.push({ tranId: 'x', symbol: 'BNBUSDT', amount: '-0.000000000000000001', asset: 'USDT', time: T0 + HOUR, positionId: null, mode: 'live' });
  const rep = reportOf(d, { period: 'all', now, leverage: 3, mode: 'live', prices: new Map() });
  assert.equal(rep.total.positions, 6);
  for (const k of ['funding', 'fees', 'realized', 'net', 'capitalDays'] as const) assert.equal(rep.total[k].toFixed(), want[k].toFixed(), k);
  assert.deepEqual(
    rep.unattributed.map((u) => [u.symbol, u.amount.toFixed(), u.count]),
    [['BNBUSDT', '-0.000000000000000001', 1]],
  );
});
