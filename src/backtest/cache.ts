import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SymbolHistory } from './types.js';

/**
 * History on disk, one JSON file per symbol and window, in a `backtest/` folder beside the
 * ledger. A window is closed history, so a file never goes stale; a file that does not parse
 * or does not match its key is ignored and fetched again.
 */

const VERSION = 1;

const historySchema = z.object({
  version: z.literal(VERSION),
  symbol: z.string(),
  from: z.number(),
  to: z.number(),
  funding: z.array(z.object({ time: z.number(), rate: z.string(), mark: z.string().optional() })),
  spot: z.array(z.tuple([z.number(), z.string()])),
  futures: z.array(z.tuple([z.number(), z.string()])),
});

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
  return { symbol: h.symbol, from: h.from, to: h.to, funding: h.funding, spot: h.spot, futures: h.futures };
}

/** Written through a temp file and a rename, so a crash never leaves half a file under the key. */
export async function writeCached(dir: string, h: SymbolHistory): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = cacheFile(dir, h.symbol, h.from, h.to);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ version: VERSION, ...h }));
  await rename(tmp, file);
}
