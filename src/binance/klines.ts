import { z } from 'zod';
import type { BinanceHttp } from './http.js';

/**
 * Hourly price history for the backtest: futures `GET /fapi/v1/klines` (last price) and spot
 * `GET /api/v3/klines`. Only the open of each hour is kept: it is the price at the hour, when
 * settlements happen. Prices stay decimal strings.
 */

export interface Kline {
  /** epoch ms the hour starts */
  openTime: number;
  open: string;
}

export interface KlineQuery {
  symbol: string;
  startTime: number;
  endTime?: number;
  limit: number;
}

/** Page sizes: futures allows 1500 but weighs 10 above 1000; spot allows 1000. */
export const KLINE_PAGE = { futures: 1000, spot: 1000 } as const;

/** Published request weights: futures by page size, spot flat. */
export const KLINE_WEIGHTS = {
  futures: (limit: number): number => (limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10),
  spot: (_limit: number): number => 2,
} as const;

// [openTime, open, high, low, close, volume, closeTime, ...]: only the first two are read
const klineRow = z
  .tuple([z.number(), z.string()], z.unknown())
  .transform(([openTime, open]): Kline => ({ openTime, open }));
export const klineListSchema = z.array(klineRow);

export interface KlineApi {
  futures(q: KlineQuery): Promise<Kline[]>;
  spot(q: KlineQuery): Promise<Kline[]>;
}

export function createKlineApi(spotHttp: BinanceHttp, futuresHttp: BinanceHttp): KlineApi {
  const params = (q: KlineQuery) => ({ symbol: q.symbol, interval: '1h', startTime: q.startTime, endTime: q.endTime, limit: q.limit });
  return {
    futures: (q) => futuresHttp.get('/fapi/v1/klines', params(q), klineListSchema, KLINE_WEIGHTS.futures(q.limit)),
    spot: (q) => spotHttp.get('/api/v3/klines', params(q), klineListSchema, KLINE_WEIGHTS.spot(q.limit)),
  };
}
