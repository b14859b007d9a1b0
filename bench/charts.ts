import { fundingChart } from '../src/charts/funding.js';
import { pnlChart } from '../src/charts/pnl.js';
import type { ChartSpec } from '../src/charts/spec.js';
import { documentSeriesSource, pnlSeries } from '../src/ledger/pnlSeries.js';
import { emptyStore, type StoreData } from '../src/ledger/schema.js';
import { createI18n } from '../src/telegram/i18n.js';
import { mb, median, round, type Figure } from './report.js';

/**
 * Charts: what one /funding or /pnl picture costs from spec to PNG bytes (median of RUNS, after
 * one warm-up), how long each holds the event loop (the SVG build; rasterising runs on the
 * thread pool), and the RSS the renderer adds: the ECharts and resvg modules are loaded here
 * for the first time, so the growth from before their import is theirs.
 */

const RUNS = 30;
const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 10, 29, 13);

/** 30 days of 4-hourly settlements after 10 days at 8 h */
function fundingSpec(): ChartSpec {
  const rows: Array<{ fundingTime: number; rate: number }> = [];
  for (let t = NOW - 30 * DAY; t < NOW; t += t < NOW - 20 * DAY ? 8 * H : 4 * H) rows.push({ fundingTime: t, rate: 0.0001 + 0.00008 * Math.sin(t / (3 * DAY)) });
  return fundingChart({ symbol: 'SOLUSDT', rows, intervalHours: 4, nextFundingTime: NOW + 3 * H, days: 30 }, createI18n().translator('ru'), NOW);
}

/** five positions, a year of 8-hourly funding each (~5,500 rows), /pnl all */
function pnlSpec(): ChartSpec {
  const d: StoreData = emptyStore(NOW);
  for (let i = 0; i < 5; i++) {
    const id = `p${i}`;
    const symbol = `C${i}USDT`;
    const openedAt = NOW - 365 * DAY + i * DAY;
    d.positions.push({ id, symbol, baseAsset: `C${i}`, mode: 'paper', status: 'open', openedAt, spotQty: '10', futuresQty: '10', spotEntryPrice: '100', futuresEntryPrice: '100.1' });
    for (let t = openedAt + 8 * H; t < NOW; t += 8 * H) d.funding.push({ tranId: `${id}:${t}`, symbol, amount: (0.0001 * 1000 * (1 + Math.sin(t / 1e9))).toFixed(8), asset: 'USDT', time: t, positionId: id, mode: 'paper' });
  }
  return pnlChart(pnlSeries(documentSeriesSource(d), { period: 'all', now: NOW, mode: 'paper' }), createI18n().translator('en'), { period: 'all time', mode: 'PAPER' });
}

export async function benchCharts(): Promise<Figure[]> {
  const specs = { funding: fundingSpec(), pnl: pnlSpec() };
  const rss0 = process.memoryUsage().rss;
  const { chartSvg, renderChart } = await import('../src/charts/render.js');
  let peak = process.memoryUsage().rss;
  const out: Figure[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    await renderChart(spec); // warm-up: module code compiled, font loaded once
    const total: number[] = [];
    const blocked: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      chartSvg(spec);
      blocked.push(performance.now() - t);
      t = performance.now();
      await renderChart(spec);
      total.push(performance.now() - t);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    out.push(
      { name: `charts: /${name} chart spec → PNG (median)`, value: round(median(total), 1), unit: 'ms', target: 150, note: `${RUNS} renders, 1200×700` },
      { name: `charts: /${name} event-loop hold (median)`, value: round(median(blocked), 1), unit: 'ms', note: 'SVG build; rasterising is on the thread pool' },
    );
  }
  out.push({ name: 'charts: extra RSS (renderer loaded + renders)', value: mb(peak - rss0), unit: 'MB', target: 40, note: 'peak RSS over the renders − RSS before loading it' });
  return out;
}
