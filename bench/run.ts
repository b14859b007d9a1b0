/**
 * `npm run bench`: every performance figure, measured against loopback fakes
 * this process starts itself. One line per figure (name, value, target, PASS/MISS/info) and
 * all figures to bench/results.json so runs can be compared. Exit code 0 even on a MISS: the
 * bench reports, `npm test` asserts nothing about timing.
 *
 *   npm run bench                 all sections
 *   npm run bench -- scan store   only the named sections (scan, order, scale, store, venues, backtest, ledger, charts)
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBacktest } from './backtest.js';
import { benchCharts } from './charts.js';
import { benchLedgerScale } from './ledgerScale.js';
import { writeLedgerFixture } from './ledgerFixture.js';
import { benchOrderPath } from './orderPath.js';
import { formatFigure, passes, type Figure, type StoredFigure } from './report.js';
import { benchScaleTicks, benchStore } from './scale.js';
import { benchScan } from './scan.js';
import { benchVenues } from './venues.js';

const SECTIONS: Record<string, () => Promise<Figure[]>> = {
  scan: benchScan,
  order: benchOrderPath,
  scale: benchScaleTicks,
  store: benchStore,
  venues: benchVenues,
  backtest: benchBacktest,
  ledger: benchLedgerScale,
  charts: benchCharts,
};

if (process.argv[2] === 'fixture') {
  const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const rows = Number(arg('--funding-rows'));
  const out = arg('--out');
  if (!Number.isSafeInteger(rows) || rows < 0 || !out) {
    console.error('usage: npm run bench -- fixture --funding-rows N --out FILE');
    process.exit(2);
  }
  const t0 = performance.now();
  const made = await writeLedgerFixture(out, rows, Date.now());
  console.log(`${out}: ${made.fundingRows.toLocaleString('en')} funding rows, ${made.fills.toLocaleString('en')} fills, ${made.positions.toLocaleString('en')} positions (${made.held} held) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
}

const wanted = process.argv.slice(2).filter((a) => a in SECTIONS);
const names = wanted.length ? wanted : Object.keys(SECTIONS);
const started = Date.now();
const figures: StoredFigure[] = [];
const failures: Array<{ section: string; error: string }> = [];

console.log(`carrybot bench — node ${process.version}, ${cpus().length} CPU, ${new Date(started).toISOString()}`);
for (const name of names) {
  const t0 = performance.now();
  try {
    for (const f of await SECTIONS[name]!()) {
      console.log(formatFigure(f));
      figures.push({ ...f, pass: passes(f) });
    }
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    failures.push({ section: name, error });
    console.log(`${name}: FAILED — ${error.split('\n')[0]}`);
  }
  console.log(`  (${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

const missed = figures.filter((f) => f.pass === false);
const file = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
await writeFile(
  file,
  `${JSON.stringify(
    {
      timestamp: new Date(started).toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      sections: names,
      durationMs: Date.now() - started,
      figures,
      failures,
    },
    null,
    2,
  )}\n`,
);
console.log(`${figures.filter((f) => f.pass === true).length} PASS, ${missed.length} MISS${failures.length ? `, ${failures.length} section(s) FAILED` : ''} — written to bench/results.json`);
