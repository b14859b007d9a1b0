/**
 * Child process of the charts bench, standing in for the bot: renders charts through the
 * renderer's child process and prints one JSON line with the times and both processes' memory.
 * Runs compiled (like `npm start`, so the renderer's child is compiled too), with --expose-gc
 * only so the baseline is read after a full GC (the lowest baseline, the largest "extra").
 *
 *   node --expose-gc <build>/bench/chartProbe.js <specs.json> <runs>
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chartProcess } from '../src/charts/renderProcess.js';
import type { ChartSpec } from '../src/charts/spec.js';

const [file, runsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: chartProbe.js <specs.json> <runs>');
const runs = Number(runsArg ?? 30);
const IDLE_MS = 500;
const specs = JSON.parse(readFileSync(file, 'utf8')) as { funding: ChartSpec; pnl: ChartSpec };
const rss = () => process.memoryUsage().rss;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

globalThis.gc?.();
const rss0 = rss();
let peak = rss0;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 2);
let exited: () => void = () => undefined;
const charts = chartProcess({ idleMs: IDLE_MS, onExit: () => exited() });
const idleExit = () => new Promise<void>((r) => (exited = r));

let t = performance.now();
await charts.render(specs.funding);
const firstMs = performance.now() - t; // child start, module load, font, first render
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const times: Record<string, number> = {};
for (const [name, spec] of Object.entries(specs)) {
  await charts.render(spec); // warm-up of this spec's code paths
  const total: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await charts.render(spec);
    total.push(performance.now() - t);
  }
  times[name] = median(total);
}
loop.disable();
const warm = rss();
const exit = idleExit();
await exit; // the child exits IDLE_MS after the last chart
await new Promise((r) => setTimeout(r, 200));
clearInterval(sampler);
const after = rss();
const restart = idleExit();
t = performance.now();
await charts.render(specs.funding);
const restartMs = performance.now() - t;
await charts.close();
await restart;

const out = { runs, firstMs, restartMs, times, loopDelayP99Ms: loop.percentile(99) / 1e6, rss0, peak, warm, after, childPeakRssMb: charts.stats.childPeakRssMb };
process.stdout.write(`${JSON.stringify(out)}\n`);
