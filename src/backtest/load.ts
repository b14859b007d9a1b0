import type { FuturesApi } from '../binance/types.js';
import { FUTURES_WEIGHTS } from '../binance/futures.js';
import { KLINE_PAGE, KLINE_WEIGHTS, type KlineApi } from '../binance/klines.js';
import { readCached, writeCached } from './cache.js';
import { DAY_MS, HOUR_MS, type PricePoint, type Settlement, type SymbolHistory } from './types.js';

/**
 * Loads a symbol's history for a window: from the disk cache when present (no request at all),
 * else settled funding (`/fapi/v1/fundingRate` paged by startTime, 1000 a page, from a week
 * before the window so the first 7-day means are whole) and hourly klines of both markets.
 * Requests go through the shared Binance client, which waits rather than pass 60 % of the
 * minute's weight (it reads the exchange's used-weight header, so a running bot counts too).
 */

const FUNDING_PAGE = 1000;
/** funding rows before the window: the 7-day mean plus the print before it */
export const LOOKBACK_MS = 8 * DAY_MS;
/** safety stop for a misbehaving server: pages per series */
const MAX_PAGES = 100;

export interface LoadDeps {
  futures: Pick<FuturesApi, 'fundingRate'>;
  klines: KlineApi;
  /** folder for the cache files */
  cacheDir: string;
}

export interface Spend {
  requests: number;
  weight: number;
}

export interface Loaded {
  history: SymbolHistory;
  cached: boolean;
  spent: Spend;
}

/** The weight a fetch of this window costs, assuming 8h funding (hourly funding adds a page per ~41 days). */
export function plannedWeight(from: number, to: number): number {
  const hours = Math.floor((to - from) / HOUR_MS) + 1;
  const fundingPages = Math.ceil((((to - from + LOOKBACK_MS) / DAY_MS) * 3) / FUNDING_PAGE);
  const futPages = Math.ceil(hours / KLINE_PAGE.futures);
  const spotPages = Math.ceil(hours / KLINE_PAGE.spot);
  return fundingPages * FUTURES_WEIGHTS.fundingRate + futPages * KLINE_WEIGHTS.futures(KLINE_PAGE.futures) + spotPages * KLINE_WEIGHTS.spot(KLINE_PAGE.spot);
}

async function fundingSince(deps: LoadDeps, symbol: string, from: number, to: number, spent: Spend): Promise<Settlement[]> {
  const out: Settlement[] = [];
  let startTime = from;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await deps.futures.fundingRate({ symbol, startTime, endTime: to, limit: FUNDING_PAGE });
    spent.requests += 1;
    spent.weight += FUTURES_WEIGHTS.fundingRate;
    for (const r of page) if (r.fundingTime >= from && r.fundingTime <= to) out.push({ time: r.fundingTime, rate: r.fundingRate, ...(r.markPrice ? { mark: r.markPrice } : {}) });
    if (page.length < FUNDING_PAGE) break;
    const last = Math.max(...page.map((r) => r.fundingTime));
    if (last < startTime) break;
    startTime = last + 1;
  }
  return out.sort((a, b) => a.time - b.time);
}

async function klinesOf(fetch: KlineApi['futures'], limit: number, weight: number, symbol: string, from: number, to: number, spent: Spend): Promise<PricePoint[]> {
  const out: PricePoint[] = [];
  let startTime = from;
  for (let i = 0; i < MAX_PAGES && startTime <= to; i++) {
    const page = await fetch({ symbol, startTime, endTime: to, limit });
    spent.requests += 1;
    spent.weight += weight;
    for (const k of page) if (k.openTime >= from && k.openTime <= to) out.push([k.openTime, k.open]);
    if (page.length < limit) break;
    startTime = page[page.length - 1]!.openTime + HOUR_MS;
  }
  return out;
}

export async function loadHistory(deps: LoadDeps, symbol: string, from: number, to: number): Promise<Loaded> {
  const spent: Spend = { requests: 0, weight: 0 };
  const hit = await readCached(deps.cacheDir, symbol, from, to);
  if (hit) return { history: hit, cached: true, spent };
  const funding = await fundingSince(deps, symbol, from - LOOKBACK_MS, to, spent);
  const fl = KLINE_PAGE.futures;
  const sl = KLINE_PAGE.spot;
  const futures = await klinesOf(deps.klines.futures, fl, KLINE_WEIGHTS.futures(fl), symbol, from, to, spent);
  const spot = await klinesOf(deps.klines.spot, sl, KLINE_WEIGHTS.spot(sl), symbol, from, to, spent);
  const history: SymbolHistory = { symbol, from, to, funding, spot, futures };
  await writeCached(deps.cacheDir, history);
  return { history, cached: false, spent };
}
