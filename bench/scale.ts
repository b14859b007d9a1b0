import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type Ledger } from '../src/ledger/ledger.js';
import type { LegPrices } from '../src/ledger/pnl.js';
import { mb, median, round, type Figure } from './report.js';
import { bigMarketFake, silent } from './shared.js';
import { writeBigStore } from './storeFixture.js';

/**
 * Scale: the scanner's RSS over 10,000 ticks (in its own compiled process, the
 * fake in this one), a 100,000-funding-row store's load time, and /pnl over that store.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = join(ROOT, 'node_modules', '.cache', 'carrybot-bench');

/** Compiles a bench child (bench/scaleTicks.ts, bench/ledgerProbe.ts, bench/chartProbe.ts) and the src it imports with tsc, as `npm start` would run it. */
export async function buildChild(name: 'scaleTicks' | 'ledgerProbe' | 'chartProbe'): Promise<string> {
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'bench', 'tsconfig.scale.json')], true);
  await writeFile(join(BUILD, 'package.json'), '{"type":"module"}\n');
  const entry = join(BUILD, 'bench', `${name}.js`);
  if (!existsSync(entry)) throw new Error(`build of bench/${name}.ts produced no ${entry}`);
  return entry;
}

export function run(cmd: string, args: string[], tolerateTypeErrors = false, onLine?: (line: string) => void): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        onLine?.(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 || (tolerateTypeErrors && code === 2) ? res() : rej(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-800)}`))));
  });
}

interface Sample {
  tick: number;
  /** as the process stands at the checkpoint */
  rss: number;
  heapUsed: number;
  /** right after two forced full GCs (runs with `gc` only): what is retained */
  rssGc: number;
  heapGc: number;
  ms: number;
}

/**
 * `gc`: run the child with --expose-gc, so each checkpoint also reads memory after a full GC,
 * separating garbage from retention. Those collections change the RSS seen at later checkpoints,
 * so the runs whose plain RSS is reported (the target figure, the HTTP trend) are left without.
 */
async function ticker(entry: string, url: string, mode: 'http' | 'snapshot', ticks: number, every: number, gc = false): Promise<Sample[]> {
  const samples: Sample[] = [];
  await run(process.execPath, [...(gc ? ['--expose-gc'] : []), entry, url, mode, String(ticks), String(every)], false, (l) => samples.push(JSON.parse(l) as Sample));
  return samples;
}

/** MB per 1,000 ticks between the first and last checkpoint */
const slope = (samples: Sample[], key: 'rss' | 'heapGc' | 'rssGc'): number => {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  return round(((last[key] - first[key]) / 1_048_576 / (last.tick - first.tick)) * 1000, 2);
};

export async function benchScaleTicks(): Promise<Figure[]> {
  const entry = await buildChild('scaleTicks');
  const fake = await bigMarketFake();
  try {
    const snap = await ticker(entry, fake.url, 'snapshot', 10_000, 2_500);
    const http = await ticker(entry, fake.url, 'http', 2_000, 500);
    fake.clearRequests(); // the fake's log (this process, not the one measured) need not grow on
    const httpGc = await ticker(entry, fake.url, 'http', 2_000, 500, true);
    const last = snap[snap.length - 1]!;
    const lastHttp = http[http.length - 1]!;
    const trend = (samples: Sample[], key: 'rss' | 'heapGc' | 'rssGc') => samples.map((s) => mb(s[key])).join('/');
    return [
      {
        name: 'scale: RSS after 10,000 scan ticks',
        value: mb(last.rss),
        unit: 'MB',
        target: 150,
        note: `real market service over in-memory 600-symbol snapshots, clock +1 min/tick, compiled JS, ${round(last.ms / 1000, 1)} s`,
      },
      ...snap.map((s) => ({ name: `scale: RSS at ${s.tick.toLocaleString('en')} ticks`, value: mb(s.rss), unit: 'MB', note: `heap used ${mb(s.heapUsed)} MB` })),
      { name: 'scale: RSS trend 2,500→10,000 ticks', value: slope(snap, 'rss'), unit: 'MB/1k ticks' },
      {
        name: `scale: RSS after ${lastHttp.tick.toLocaleString('en')} HTTP ticks`,
        value: mb(lastHttp.rss),
        unit: 'MB',
        note: `back-to-back against the fake (3 bulk requests each), trend ${trend(http, 'rss')} MB, ${round(lastHttp.ms / lastHttp.tick, 1)} ms/tick`,
      },
      {
        name: 'scale: HTTP ticks, retained heap trend',
        value: slope(httpGc, 'heapGc'),
        unit: 'MB/1k ticks',
        note: `second run, full GC at each checkpoint: heap ${trend(httpGc, 'heapGc')} MB, RSS ${trend(httpGc, 'rssGc')} MB (a leak grows these; garbage does not)`,
      },
    ];
  } finally {
    await fake.close();
  }
}

export async function benchStore(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-bench-'));
  let ledger: Ledger | undefined;
  try {
    const file = join(dir, 'carrybot.json');
    const now = Date.now();
    const data = await writeBigStore(file, { funding: 100_000, fills: 10_000 }, now);
    let bytes = 0;
    for (const f of await readdir(dir)) bytes += (await stat(join(dir, f))).size;
    const loads: number[] = [];
    for (let i = 0; i < 5; i++) {
      await ledger?.close();
      const t0 = performance.now();
      ledger = await openLedger(file, { logger: silent, now: () => now });
      loads.push(performance.now() - t0);
    }
    const loaded = ledger!;
    if (loaded.latestFills().length !== data.fills.length) throw new Error('bench store did not round-trip');

    const prices = new Map<string, LegPrices>();
    for (const p of loaded.openPositions()) prices.set(p.symbol, { spotBid: p.spotEntryPrice, futuresAsk: p.futuresEntryPrice });
    const pnlTimes: Record<string, number[]> = { all: [], '30d': [], '7d': [] };
    for (let i = 0; i < 12; i++) {
      for (const period of ['all', '30d', '7d'] as const) {
        const t0 = performance.now();
        loaded.pnl({ period, now, leverage: 1, mode: 'live', prices });
        pnlTimes[period]!.push(performance.now() - t0);
      }
    }
    return [
      { name: 'store: load 100k funding + 10k fills', value: round(median(loads), 1), unit: 'ms', target: 500, note: `openLedger median of 5, ${mb(bytes)} MB state document + journals, records validated by zod` },
      { name: '/pnl all over that store', value: round(median(pnlTimes.all!.slice(2)), 2), unit: 'ms', target: 50, note: `ledger.pnl, ${loaded.allPositions().length} positions, median of 10` },
      { name: '/pnl 30d over that store', value: round(median(pnlTimes['30d']!.slice(2)), 2), unit: 'ms', target: 50 },
    ];
  } finally {
    await ledger?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
