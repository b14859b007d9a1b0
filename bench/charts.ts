import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fundingSpec, pnlSpec } from './chartSpecs.js';
import { mb, round, type Figure } from './report.js';
import { buildChild, run } from './scale.js';

/**
 * Charts: what one /funding or /pnl picture costs from spec to PNG bytes through the renderer's
 * child process (median of RUNS warm renders, the IPC hop included), the first chart's cost
 * (child start), how late the bot's event loop runs meanwhile, and the memory: the bot process's
 * RSS while charts are rendered and once the idle child has exited, and the child's own peak.
 * Measured in a compiled probe process (bench/chartProbe.ts) standing in for the bot.
 */

const RUNS = 30;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Probe {
  runs: number;
  firstMs: number;
  restartMs: number;
  times: { funding: number; pnl: number };
  loopDelayP99Ms: number;
  rss0: number;
  peak: number;
  warm: number;
  after: number;
  childPeakRssMb: number;
}

export async function benchCharts(): Promise<Figure[]> {
  const entry = await buildChild('chartProbe');
  // the compiled renderer finds its font at <build>/assets, as dist/ does at <root>/assets
  const assets = join(dirname(dirname(entry)), 'assets');
  if (!existsSync(assets)) await symlink(join(ROOT, 'assets'), assets);
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-charts-'));
  let line = '';
  try {
    const specs = join(dir, 'specs.json');
    await writeFile(specs, JSON.stringify({ funding: fundingSpec(), pnl: pnlSpec() }));
    await run(process.execPath, ['--expose-gc', entry, specs, String(RUNS)], false, (l) => (line = l));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const p = JSON.parse(line) as Probe;
  const note = `${RUNS} warm renders, 1200×700, IPC hop included`;
  return [
    { name: 'charts: /funding chart spec → PNG, warm (median)', value: round(p.times.funding, 1), unit: 'ms', target: 150, note },
    { name: 'charts: /pnl chart spec → PNG, warm (median)', value: round(p.times.pnl, 1), unit: 'ms', target: 150, note },
    { name: 'charts: first chart (child start + render)', value: round(p.firstMs, 0), unit: 'ms', note: `again after the idle exit: ${round(p.restartMs, 0)} ms` },
    { name: 'charts: bot event-loop delay while rendering (p99)', value: round(p.loopDelayP99Ms, 1), unit: 'ms', note: 'the render runs in the child' },
    { name: 'charts: bot extra RSS while rendering (peak)', value: mb(p.peak - p.rss0), unit: 'MB', target: 40, note: `bot RSS sampled every 2 ms − RSS before (after a GC); ${mb(p.warm - p.rss0)} MB with the warm child idle` },
    { name: 'charts: bot extra RSS after the idle child exited', value: mb(p.after - p.rss0), unit: 'MB', target: 40, note: `after ${2 * RUNS + 3} renders and the idle exit` },
    { name: "charts: renderer child's peak RSS (VmHWM)", value: p.childPeakRssMb, unit: 'MB', note: 'a separate process while charts are asked for; all of it returns at its exit' },
  ];
}
