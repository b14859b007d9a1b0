import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCached } from '../src/backtest/cache.js';
import { LOOKBACK_MS } from '../src/backtest/load.js';
import { runBacktest, windowOf } from '../src/backtest/run.js';
import { HOUR_MS, type SymbolHistory } from '../src/backtest/types.js';
import { median, round, type Figure } from './report.js';

/**
 * Backtest: a 180-day replay of 20 symbols from the disk cache (load, three replays each,
 * report) must take ≤ 1 s. The cache is written with deterministic synthetic history: 12
 * symbols on 8h funding, 5 on 4h, 3 on 1h, with regimes of high, low and negative funding.
 * The exchange clients throw: a request would fail the run.
 */

const DAYS = 180;
const SYMBOLS = 20;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(symbol: string, seed: number, intervalHours: number, from: number, to: number): SymbolHistory {
  const rand = prng(seed);
  const funding: SymbolHistory['funding'] = [];
  let regime = 0.0001;
  for (let t = Math.ceil((from - LOOKBACK_MS) / (intervalHours * HOUR_MS)) * intervalHours * HOUR_MS; t <= to; t += intervalHours * HOUR_MS) {
    if (rand() < 0.01) regime = [0.0001, 0.0005, -0.0002, 0.00005][Math.floor(rand() * 4)]!;
    const rate = ((regime * intervalHours) / 8) * (0.6 + rand() * 0.8);
    funding.push({ time: t, rate: rate.toFixed(8), mark: (100 + seed).toFixed(4) });
  }
  const spot: SymbolHistory['spot'] = [];
  const futures: SymbolHistory['futures'] = [];
  let price = 100 + seed;
  for (let t = from; t <= to; t += HOUR_MS) {
    price *= 1 + (rand() - 0.5) * 0.01;
    spot.push([t, price.toFixed(4)]);
    futures.push([t, (price * (1 + rand() * 0.002)).toFixed(4)]);
  }
  return { symbol, from, to, funding, spot, futures };
}

export async function benchBacktest(): Promise<Figure[]> {
  const now = Date.now();
  const { from, to } = windowOf(now, DAYS);
  const cacheDir = await mkdtemp(join(tmpdir(), 'carrybot-bench-bt-'));
  try {
    const symbols: string[] = [];
    for (let i = 0; i < SYMBOLS; i++) {
      const symbol = `SYM${i}USDT`;
      symbols.push(symbol);
      await writeCached(cacheDir, synthetic(symbol, i + 1, i < 12 ? 8 : i < 17 ? 4 : 1, from, to));
    }
    const refuse = () => Promise.reject(new Error('bench: the cached replay made a request'));
    const deps = { futures: { fundingRate: refuse }, klines: { futures: refuse, spot: refuse }, cacheDir, now: () => now };
    const params = { notional: '10000', minApr: 15, exitApr: 5, holdDays: 30, spotTakerFee: '0.001', futuresTakerFee: '0.0005', leverage: 1 };
    const runs: number[] = [];
    let trades = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const report = await runBacktest(deps, { symbols, days: DAYS, params });
      runs.push(performance.now() - t0);
      if (report.failed.length) throw new Error(`bench: ${report.failed.map((f) => `${f.symbol}: ${f.error}`).join('; ')}`);
      trades = report.total!.rules.entries;
    }
    return [
      {
        name: 'backtest 180 d × 20 symbols from cache',
        value: round(median(runs), 0),
        unit: 'ms',
        target: 1000,
        note: `median of 5 runs (the first, JIT cold: ${round(runs[0]!, 0)} ms); 12×8h, 5×4h, 3×1h funding; ${trades} entries by the rules`,
      },
    ];
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}
