import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { HOUR_MS, type PricePoint, type Settlement, type SymbolHistory } from './types.js';

/**
 * History on disk, one JSON file per symbol and window, in a `backtest/` folder beside the
 * ledger. A window is closed history, so a file never goes stale; a file that does not parse
 * or does not match its key is ignored and fetched again.
 */

const VERSION = 3;

/**
 * Hourly opens as one comma-joined string from `start`, an empty entry for a missing hour: a
 * 180-day series parses as a single JSON token, several times faster than an array of strings,
 * which is what keeps a 20-symbol replay from cache under a second.
 */
const DECIMALS = /^(\d+(\.\d+)?)?(,(\d+(\.\d+)?)?)*$/;
const hourly = z.object({ start: z.number(), opens: z.string().regex(DECIMALS) });

const historySchema = z.object({
  version: z.literal(VERSION),
  symbol: z.string(),
  from: z.number(),
  to: z.number(),
  funding: z.object({ time: z.array(z.number()), rate: z.array(z.string()), mark: z.array(z.string().nullable()) }).refine((f) => f.time.length === f.rate.length && f.time.length === f.mark.length),
  spot: hourly,
  futures: hourly,
});

function fromHourly(s: z.infer<typeof hourly>): PricePoint[] {
  const out: PricePoint[] = [];
  if (!s.opens) return out;
  s.opens.split(',').forEach((open, i) => {
    if (open) out.push([s.start + i * HOUR_MS, open]);
  });
  return out;
}

function toHourly(points: readonly PricePoint[], start: number): z.infer<typeof hourly> {
  const opens: string[] = [];
  for (const [t, open] of points) {
    const i = Math.round((t - start) / HOUR_MS);
    if (i < 0) continue;
    while (opens.length < i) opens.push('');
    opens[i] = open;
  }
  return { start, opens: opens.join(',') };
}

const stamp = (t: number) => new Date(t).toISOString().slice(0, 13).replace(/[-:]/g, '');

export function cacheFile(dir: string, symbol: string, from: number, to: number): string {
  return join(dir, `${symbol}_${stamp(from)}_${stamp(to)}.json`);
}

export async function readCached(dir: string, symbol: string, from: number, to: number): Promise<SymbolHistory | undefined> {
  let text: string;
  try {
    text = await readFile(cacheFile(dir, symbol, from, to), 'utf8');
  } catch {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = historySchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const h = parsed.data;
  if (h.symbol !== symbol || h.from !== from || h.to !== to) return undefined;
  const funding: Settlement[] = h.funding.time.map((time, i) => {
    const mark = h.funding.mark[i];
    return mark === null || mark === undefined ? { time, rate: h.funding.rate[i]! } : { time, rate: h.funding.rate[i]!, mark };
  });
  return { symbol: h.symbol, from: h.from, to: h.to, funding, spot: fromHourly(h.spot), futures: fromHourly(h.futures) };
}

/** Written through a temp file and a rename, so a crash never leaves half a file under the key. */
export async function writeCached(dir: string, h: SymbolHistory): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = cacheFile(dir, h.symbol, h.from, h.to);
  const tmp = `${file}.${process.pid}.tmp`;
  const funding = { time: h.funding.map((f) => f.time), rate: h.funding.map((f) => f.rate), mark: h.funding.map((f) => f.mark ?? null) };
  const doc = { version: VERSION, symbol: h.symbol, from: h.from, to: h.to, funding, spot: toHourly(h.spot, h.from), futures: toHourly(h.futures, h.from) };
  await writeFile(tmp, JSON.stringify(doc));
  await rename(tmp, file);
}
