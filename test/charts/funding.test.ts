import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fundingChart, fundingSeries, intervalChanges } from '../../src/charts/funding.js';
import { meanDailyFunding } from '../../src/market/signals.js';
import { createI18n } from '../../src/telegram/i18n.js';

const H = 3_600_000;
const DAY = 24 * H;
const t0 = Date.UTC(2026, 9, 1);

/** 10 days at 8h, then 10 days at 4h, then 2 days at 1h; rates vary and turn negative */
function history(): Array<{ fundingTime: number; rate: number }> {
  const rows: Array<{ fundingTime: number; rate: number }> = [];
  let t = t0;
  const push = (step: number, until: number) => {
    for (; t < until; t += step) rows.push({ fundingTime: t, rate: ((rows.length % 7) - 2) * 0.0001 });
  };
  push(8 * H, t0 + 10 * DAY);
  push(4 * H, t0 + 20 * DAY);
  push(1 * H, t0 + 22 * DAY);
  return rows;
}

describe('funding chart data', () => {
  const rows = history();
  const last = rows.at(-1)!.fundingTime;
  const input = { symbol: 'SOLUSDT', rows, intervalHours: 1, nextFundingTime: last + H, days: 30 };

  it('bars are the settled rates in %, one per settlement, in order', () => {
    const s = fundingSeries(input);
    assert.deepEqual(s.rates, rows.map((r) => [r.fundingTime, r.rate * 100]));
  });

  it('the 7-day line is the trailing mean daily funding as APR at each settlement, as the signals compute it', () => {
    const s = fundingSeries(input);
    assert.equal(s.mean7d.length, rows.length);
    for (const [t, apr] of s.mean7d) assert.equal(apr, meanDailyFunding(rows, t, 7, 1).daily! * 365 * 100);
    // the last point is the 7-day APR a scan reports now
    assert.equal(s.mean7d.at(-1)![1], meanDailyFunding(rows, last, 7, 1).daily! * 36500);
  });

  it('marks interval changes where the gap between prints settles on a new interval; a missing print is not one', () => {
    assert.deepEqual(intervalChanges(rows), [
      // the first print 4 h after the last 8 h one, the first 1 h after the last 4 h one
      { time: t0 + 10 * DAY + 4 * H, from: 8, to: 4 },
      { time: t0 + 20 * DAY + H, from: 4, to: 1 },
    ]);
    const gappy = rows.filter((_, i) => i !== 5); // one 8h print missing: a 16h gap
    assert.equal(intervalChanges(gappy).length, 2);
  });

  it('shows only the window asked for', () => {
    const s = fundingSeries({ ...input, days: 1 });
    assert.ok(s.rates.every(([t]) => t > last - DAY));
    assert.equal(s.rates.length, 24);
    assert.deepEqual(s.intervalChanges, [], 'changes before the window are not marked');
  });

  it('other venues become extra lines with their own rates', () => {
    const bybit = rows.filter((_, i) => i % 2 === 0).map((r) => ({ fundingTime: r.fundingTime, rate: r.rate / 2 }));
    const s = fundingSeries({ ...input, venues: [{ venue: 'Bybit', rows: bybit }] });
    assert.deepEqual(s.venues, [{ venue: 'Bybit', rates: bybit.map((r) => [r.fundingTime, r.rate * 100]) }]);
    const spec = fundingChart({ ...input, venues: [{ venue: 'Bybit', rows: bybit }] }, createI18n().translator('en'), last);
    assert.deepEqual(spec.series.map((x) => `${x.kind}:${x.name}`), ['bar:rate per settlement', 'line:7-day mean (APR)', 'line:Bybit']);
  });

  it('the APR axis is the rate axis at the current interval; next settlement and changes are marked', () => {
    const spec = fundingChart(input, createI18n().translator('ru'), last);
    assert.equal(spec.axes[1]!.scaleOfFirst, 24 * 365);
    assert.deepEqual(spec.markers!.map((m) => m.label), ['8 ч → 4 ч', '4 ч → 1 ч', 'следующее']);
    assert.equal(spec.markers!.at(-1)!.x, last + H);
    assert.match(spec.title, /SOLUSDT/);
  });
});
