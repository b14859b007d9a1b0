import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartOption } from '../../src/charts/options.js';
import { chartSvg, renderChart } from '../../src/charts/render.js';
import { PALETTE, type ChartSpec } from '../../src/charts/spec.js';
import { pngSize } from '../helpers/png.js';

const H = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);

const spec = (over: Partial<ChartSpec> = {}): ChartSpec => ({
  title: 'SOLUSDT · ставка, 30 дней',
  locale: 'ru',
  x: { kind: 'time' },
  axes: [{ name: '%', digits: 3 }, { name: 'APR %', digits: 0, scaleOfFirst: 1095 }],
  series: [
    { name: 'rate', kind: 'bar', points: [[t0, 0.01], [t0 + 8 * H, -0.02]], negativeColor: PALETTE.orange },
    { name: '7d', kind: 'line', axis: 1, points: [[t0, 40], [t0 + 8 * H, 5]] },
  ],
  ...over,
});

describe('chart renderer', () => {
  it('renders a PNG of the stated size, Cyrillic included', async () => {
    const out = await renderChart(spec());
    assert.deepEqual(pngSize(out.png), { width: 1200, height: 700 });
    assert.equal(out.width, 1200);
    const small = await renderChart(spec({ width: 600, height: 400 }));
    assert.deepEqual(pngSize(small.png), { width: 600, height: 400 });
  });

  it('a rescaled second axis shares zero and grid lines with the first', () => {
    const y = chartOption(spec()).yAxis as Array<{ min: number; max: number; interval: number }>;
    assert.ok(y[0]!.min < 0 && y[0]!.max > 0);
    for (const k of ['min', 'max', 'interval'] as const) assert.ok(Math.abs(y[1]![k] - y[0]![k] * 1095) < 1e-9, k);
    // the second-axis series fits: 40 % APR is 0.0365 % on the first axis
    assert.ok(y[0]!.max >= 40 / 1095);
  });

  it('writes every label at its size (no CSS font shorthand resvg would ignore) and times in UTC', () => {
    const svg = chartSvg(spec({ locale: 'en' }));
    assert.doesNotMatch(svg, /font: ?normal/);
    assert.match(svg, />00:00</); // t0 is midnight UTC
  });

  it('colours negative bars apart', () => {
    const bars = (chartOption(spec()).series as Array<{ data: Array<{ itemStyle?: { color: string } }> }>)[0]!;
    assert.deepEqual(bars.data.map((d) => d.itemStyle?.color), [PALETTE.blue, PALETTE.orange]);
  });
});
