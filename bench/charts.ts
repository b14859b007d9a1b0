import { fundingChart } from '../src/charts/funding.js';
import { pnlChart } from '../src/charts/pnl.js';
import type { ChartSpec } from '../src/charts/spec.js';
import { documentSeriesSource, pnlSeries } from '../src/ledger/pnlSeries.js';
import { emptyStore, type StoreData } from '../src/ledger/schema.js';
import { createI18n } from '../src/telegram/i18n.js';
import { mb, median, round, type Figure } from './report.js';

/**
 * Charts: what one /funding or /pnl picture costs from spec to PNG bytes through the chart worker
 * (median of RUNS after one warm-up, the message hop included), how long each holds the bot's
 * event loop (handing the spec over; the render runs in the worker), and the RSS the renderer
 * adds: peak while rendering, and once the idle worker has stopped.
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
  const { chartWorker } = await import('../src/charts/offThread.js');
  let exited!: () => void;
  const exit = new Promise<void>((r) => (exited = r));
  const worker = chartWorker({ idleMs: 500, onExit: () => exited() });
  let peak = process.memoryUsage().rss;
  const out: Figure[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    await worker.render(spec); // warm-up: worker started, module code compiled, font loaded once
    const total: number[] = [];
    const blocked: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const done = worker.render(spec);
      await Promise.resolve(); // the queue hands the spec to the worker (structured clone) here
      blocked.push(performance.now() - t);
      await done;
      total.push(performance.now() - t);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    out.push(
      { name: `charts: /${name} chart spec → PNG in the worker (median)`, value: round(median(total), 1), unit: 'ms', target: 150, note: `${RUNS} renders, 1200×700, message hop included` },
      { name: `charts: /${name} main-thread hold (median)`, value: round(median(blocked), 2), unit: 'ms', note: 'handing the spec to the worker; the render runs there' },
    );
  }
  const alive = setInterval(() => {}, 1_000);
  await exit.finally(() => clearInterval(alive)); // the worker stops after 500 ms idle
  await new Promise((r) => setTimeout(r, 200));
  const after = process.memoryUsage().rss;
  out.push(
    { name: 'charts: extra RSS after the idle worker stopped', value: mb(after - rss0), unit: 'MB', target: 40, note: 'RSS after 60 renders and the idle stop − RSS before' },
    { name: 'charts: extra RSS while rendering (peak)', value: mb(peak - rss0), unit: 'MB', note: 'peak RSS over the renders − RSS before; the worker heap is capped at 96 MB' },
  );
  return out;
}
