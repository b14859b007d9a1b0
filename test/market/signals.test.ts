import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  basisPct,
  breakEvenDays,
  buildSignal,
  capitalApr,
  fundingApr,
  isSignal,
  meanRate,
  netApr,
  periodsPerDay,
  rankSignals,
  roundTripFeePct,
  type SignalInput,
} from '../../src/market/signals.js';

const H = 3_600_000;
const NOW = Date.UTC(2025, 0, 10, 9, 0, 0);
const params = { minApr: 15, holdDays: 30, spotTakerFee: '0.001', futuresTakerFee: '0.0005', leverage: 1 };

/** `count` settlements of `rate` every `interval` hours, the newest one hour before NOW. */
const rows = (rate: number, count: number, interval = 8) =>
  Array.from({ length: count }, (_, i) => ({ fundingTime: NOW - H - i * interval * H, rate }));

function input(over: Partial<SignalInput> = {}): SignalInput {
  return {
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    intervalHours: 8,
    premium: { lastFundingRate: '0.0005', markPrice: '100', nextFundingTime: NOW + 7 * H },
    spotBook: { bidPrice: '99.9', askPrice: '100' },
    futuresBook: { bidPrice: '100.1', askPrice: '100.2' },
    history: rows(0.0005, 21),
    now: NOW,
    params,
    ...over,
  };
}

describe('funding math', () => {
  it('annualises by the interval: a 4h symbol earns exactly twice an 8h one at the same rate', () => {
    assert.equal(periodsPerDay(8), 3);
    assert.equal(periodsPerDay(4), 6);
    assert.equal(fundingApr(0.0001, 8), 10.95); // 0.0001 × 3 × 365 × 100
    assert.equal(fundingApr(0.0001, 4), 21.9);
    assert.equal(fundingApr(0.0001, 4), 2 * fundingApr(0.0001, 8));
    assert.equal(fundingApr(0.0001, 1), 87.6);
    assert.equal(fundingApr(-0.0002, 8), -21.9);
  });

  it('averages only the settlements of the last 7 days', () => {
    const history = [
      { fundingTime: NOW - 8 * 24 * H, rate: 0.01 }, // older than 7 days: ignored
      { fundingTime: NOW - 7 * 24 * H, rate: 0.01 }, // exactly on the window edge: outside (window is (now−7d, now])
      { fundingTime: NOW - 3 * 24 * H, rate: 0.0001 },
      { fundingTime: NOW - 2 * 24 * H, rate: 0.0002 },
      { fundingTime: NOW - H, rate: 0.0003 },
      { fundingTime: NOW + H, rate: 0.01 }, // future (clock skew): ignored
    ];
    assert.deepEqual(meanRate(history, NOW), { mean: 0.0002, count: 3 });
    assert.deepEqual(meanRate(history, NOW, 30), { mean: 0.00412, count: 5 }); // (0.01 + 0.01 + 0.0006) / 5
    assert.deepEqual(meanRate([], NOW), { mean: null, count: 0 });
  });

  it('computes basis, round-trip fee, break-even, net and capital APR', () => {
    assert.equal(basisPct('100.1', '100'), 0.1);
    assert.equal(basisPct('99.5', '100'), -0.5);
    assert.equal(basisPct('100', '0'), 0, 'an empty spot book gives no basis rather than Infinity');
    assert.equal(roundTripFeePct('0.001', '0.0005'), 0.3);
    // daily funding at 0.0001 per 8h = 0.03 %/day → 0.3 / 0.03 = 10 days
    assert.equal(breakEvenDays(0.3, 0.0001, 8), 10);
    assert.equal(breakEvenDays(0.3, 0.0001, 4), 5);
    assert.equal(breakEvenDays(0.3, 0, 8), null);
    assert.equal(breakEvenDays(0.3, -0.0001, 8), null);
    assert.equal(breakEvenDays(0.3, null, 8), null);
    // 10.95 − 0.3 × 365 / 30 = 10.95 − 3.65
    assert.equal(netApr(10.95, 0.3, 30), 7.3);
    assert.equal(capitalApr(20, 1), 10); // spot 1 + margin 1 per unit of notional
    assert.equal(capitalApr(30, 2), 20); // spot 1 + margin 0.5
  });
});

describe('buildSignal', () => {
  it('assembles a 7-day signal with every figure', () => {
    const s = buildSignal(input());
    // 0.0005 × 3 × 36500 = 54.75; net = 54.75 − 3.65 = 51.1
    assert.equal(s.apr, 54.75);
    assert.equal(s.apr7d, 54.75);
    assert.equal(s.settlements7d, 21);
    assert.equal(s.netApr, 51.1);
    assert.equal(s.capitalApr, 25.55);
    assert.equal(s.breakEvenDays, 2);
    assert.equal(s.basisPct, 0.1);
    assert.equal(s.roundTripFeePct, 0.3);
    assert.deepEqual(s.warnings, []);
    assert.equal(s.isSignal, true);
    assert.equal(s.futuresBid, '100.1');
  });

  it('uses the 7-day mean, not the current rate, for net APR', () => {
    const s = buildSignal(input({ premium: { lastFundingRate: '0.0004', markPrice: '100', nextFundingTime: NOW + 7 * H }, history: rows(0.0001, 21) }));
    assert.equal(s.apr7d, 10.95);
    assert.equal(s.netApr, 7.3);
    assert.equal(s.isSignal, false, 'a hot current print does not make a signal when the week was thin');
  });

  it('never signals without history, even at a high current rate', () => {
    const s = buildSignal(input({ history: undefined }));
    assert.equal(s.apr7d, null);
    assert.equal(s.netApr, 51.1, 'ranks by current APR meanwhile');
    assert.equal(s.isSignal, false);
    assert.deepEqual(s.warnings, [], 'unfetched history is not "thin"');
  });

  it('never signals on a negative current rate', () => {
    const s = buildSignal(input({ premium: { lastFundingRate: '-0.0001', markPrice: '100', nextFundingTime: NOW + 7 * H } }));
    assert.equal(s.rate, -0.0001);
    assert.equal(s.apr, -10.95);
    assert.equal(s.isSignal, false);
    assert.ok(s.warnings.includes('negative_funding'));
    assert.ok(s.warnings.includes('compressing'));
  });

  it('a constant interval with the predecessor known (outside the window) is still the §3 formula', () => {
    const s = buildSignal(input({ history: rows(0.0005, 30) })); // 21 inside the window, 9 older
    assert.equal(s.settlements7d, 21);
    assert.equal(s.apr7d, 54.75);
    assert.equal(s.breakEvenDays, 2);
  });

  it('7-day APR survives an 8h → 1h interval switch: each print counts for the time it paid', () => {
    // Six days of 8h prints, then hourly prints for the last day, all at 0.0001 per print.
    // Funding per day: 0.0003 for six days, 0.0024 for one → 0.0042 / 7 = 0.0006/day → 21.9 %.
    const hourlyDay = Array.from({ length: 24 }, (_, i) => ({ fundingTime: NOW - H - i * H, rate: 0.0001 }));
    const eightHourly = Array.from({ length: 19 }, (_, i) => ({ fundingTime: NOW - 25 * H - i * 8 * H, rate: 0.0001 })); // last one at NOW − 169h: predecessor only
    const switched = input({
      intervalHours: 1,
      premium: { lastFundingRate: '0.0001', markPrice: '100', nextFundingTime: NOW + 59 * 60_000 },
      history: [...hourlyDay, ...eightHourly],
      params: { ...params, minApr: 30 },
    });
    const s = buildSignal(switched);
    assert.equal(s.settlements7d, 42);
    assert.equal(s.apr7d, 21.9, 'not 0.0001 × 24 × 36500 = 87.6');
    assert.equal(s.breakEvenDays, 5); // 0.3 % / 0.06 %/day
    assert.equal(s.netApr, 18.25);
    assert.equal(s.isSignal, false, 'the inflated 87.6 % would have been a false signal at MIN_APR 30');
    assert.ok(!s.warnings.includes('compressing'), 'an hourly print is compared per day, not per print');

    // As fetched (startTime = now − 7d) the oldest print has no known predecessor and counts for
    // the current interval: a few percent off at most, never the 8× of the per-print mean.
    const asFetched = buildSignal({ ...switched, history: [...hourlyDay, ...eightHourly.slice(0, -1)] });
    assert.ok(asFetched.apr7d !== null && asFetched.apr7d > 21.9 && asFetched.apr7d < 23, String(asFetched.apr7d));
  });

  it('7-day APR survives an 8h → 4h interval switch', () => {
    // 4h prints at 0.0001 for the last two days, 8h prints at 0.0002 before:
    // (15 × 0.0002 + 12 × 0.0001) / 7 days = 0.0006/day → 21.9 % (per-print mean × 6/day would say 34.07 %).
    const fourHourly = Array.from({ length: 12 }, (_, i) => ({ fundingTime: NOW - H - i * 4 * H, rate: 0.0001 }));
    const eightHourly = Array.from({ length: 16 }, (_, i) => ({ fundingTime: NOW - 49 * H - i * 8 * H, rate: 0.0002 }));
    const s = buildSignal(
      input({
        intervalHours: 4,
        premium: { lastFundingRate: '0.0001', markPrice: '100', nextFundingTime: NOW + 3 * H },
        history: [...fourHourly, ...eightHourly],
      }),
    );
    assert.equal(s.settlements7d, 27);
    assert.equal(s.apr7d, 21.9);
    assert.equal(s.breakEvenDays, 5);
    assert.ok(!s.warnings.includes('compressing'), String(s.warnings));
  });

  it('warns: settlement soon, compressing, 1h cap, thin history', () => {
    const soon = buildSignal(input({ premium: { lastFundingRate: '0.0005', markPrice: '100', nextFundingTime: NOW + 14 * 60_000 } }));
    assert.deepEqual(soon.warnings, ['settlement_soon']);
    const notSoon = buildSignal(input({ premium: { lastFundingRate: '0.0005', markPrice: '100', nextFundingTime: NOW + 16 * 60_000 } }));
    assert.deepEqual(notSoon.warnings, []);

    const compressing = buildSignal(input({ premium: { lastFundingRate: '0.0002', markPrice: '100', nextFundingTime: NOW + 7 * H } }));
    assert.deepEqual(compressing.warnings, ['compressing'], '0.0002 < 50% of the 0.0005 mean');
    const halfway = buildSignal(input({ premium: { lastFundingRate: '0.00025', markPrice: '100', nextFundingTime: NOW + 7 * H } }));
    assert.deepEqual(halfway.warnings, [], 'exactly half of the mean is not yet compressing');

    const hourly = buildSignal(input({ intervalHours: 1, history: rows(0.0005, 168, 1) }));
    assert.deepEqual(hourly.warnings, ['capped_1h']);
    assert.equal(hourly.apr, 438);

    const thin = buildSignal(input({ history: rows(0.0005, 6) }));
    assert.deepEqual(thin.warnings, ['thin_history']);
    assert.equal(thin.settlements7d, 6);
    assert.equal(thin.isSignal, true, 'thin history is a warning, not a veto');
    const oneShort = buildSignal(input({ history: rows(0.0005, 20) }));
    assert.deepEqual(oneShort.warnings, [], 'one settlement of slack at the window edge');
  });

  it('isSignal needs net APR at or above MIN_APR', () => {
    const week = { settlements7d: 21, periodsPerDay: 3 };
    assert.equal(isSignal({ netApr: 15, rate: 0.0001, apr7d: 20, ...week }, 15), true);
    assert.equal(isSignal({ netApr: 14.99, rate: 0.0001, apr7d: 20, ...week }, 15), false);
    assert.equal(isSignal({ netApr: 30, rate: 0, apr7d: 20, ...week }, 15), false);
    assert.equal(isSignal({ netApr: 30, rate: 0.0001, apr7d: null, ...week }, 15), false);
  });

  it('never signals on less than one full day of settlements (no single snapshot)', () => {
    assert.equal(isSignal({ netApr: 30, rate: 0.0001, apr7d: 30, settlements7d: 2, periodsPerDay: 3 }, 15), false);
    assert.equal(isSignal({ netApr: 30, rate: 0.0001, apr7d: 30, settlements7d: 3, periodsPerDay: 3 }, 15), true);

    const one = buildSignal(input({ history: rows(0.0005, 1) }));
    assert.equal(one.apr7d, 54.75);
    assert.deepEqual(one.warnings, ['thin_history']);
    assert.equal(one.isSignal, false, 'one settlement is a single snapshot');
    assert.equal(buildSignal(input({ history: rows(0.0005, 2) })).isSignal, false);
    assert.equal(buildSignal(input({ history: rows(0.0005, 3) })).isSignal, true, 'a full day at 8h');
    const hourly = (count: number) => buildSignal(input({ intervalHours: 1, history: rows(0.0005, count, 1) }));
    assert.equal(hourly(23).isSignal, false);
    assert.equal(hourly(24).isSignal, true, 'a full day at 1h');
  });

  it('ranks by net APR, ties by symbol', () => {
    const ranked = rankSignals([
      { symbol: 'ETHUSDT', netApr: 10 },
      { symbol: 'XRPUSDT', netApr: 30 },
      { symbol: 'ADAUSDT', netApr: 10 },
      { symbol: 'SOLUSDT', netApr: -5 },
    ]);
    assert.deepEqual(
      ranked.map((r) => r.symbol),
      ['XRPUSDT', 'ADAUSDT', 'ETHUSDT', 'SOLUSDT'],
    );
  });
});
