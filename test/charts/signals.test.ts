import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_SIGNAL_BARS, signalsChart, signalsSeries } from '../../src/charts/signals.js';
import { createI18n } from '../../src/telegram/i18n.js';

it('the signals chart is one bar per row, its net APR, in the scan order, at most 30', () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ symbol: `S${i}USDT`, netApr: 80 - i * 3.25 }));
  assert.deepEqual(signalsSeries(rows.slice(0, 5)), rows.slice(0, 5).map((r) => [r.symbol, r.netApr]));
  assert.equal(signalsSeries(rows).length, MAX_SIGNAL_BARS);
  const spec = signalsChart(rows.slice(0, 3), createI18n().translator('en'), { at: 0, now: 0, minApr: 15 });
  assert.deepEqual(spec.x, { kind: 'category', labels: ['S0USDT', 'S1USDT', 'S2USDT'] });
  assert.equal(spec.series.length, 1, 'one image, one series');
  assert.match(spec.title, /Top 3/);
});
