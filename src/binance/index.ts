import type { Logger } from '../logger.js';
import { createFuturesApi } from './futures.js';
import { createBinanceHttp, type BinanceHttp } from './http.js';
import { createMarginApi, type MarginApi } from './margin.js';
import { createSpotApi } from './spot.js';
import type { FuturesApi, HttpStats, SpotApi } from './types.js';

export type * from './types.js';
export type { BinanceHttp, BinanceHttpOptions, Params, HttpMethod } from './http.js';
export { SPOT_WEIGHTS } from './spot.js';
export { FUTURES_WEIGHTS } from './futures.js';
export { MARGIN_WEIGHTS, TransferPermissionError, type AdlRow, type FuturesAccount, type MarginApi } from './margin.js';

export interface BinanceOptions {
  spotUrl: string;
  futuresUrl: string;
  apiKey?: string;
  apiSecret?: string;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onBan?: (untilMs: number) => void;
}

export interface Binance {
  spot: SpotApi;
  futures: FuturesApi;
  /** futures wallet, ADL quantiles, spot → futures transfers */
  margin: MarginApi;
  spotHttp: BinanceHttp;
  futuresHttp: BinanceHttp;
  stats(): { spot: HttpStats; futures: HttpStats };
  close(): Promise<void>;
}

/** Both markets' clients. Spot and futures have separate weight budgets and bans. */
export function createBinance(opts: BinanceOptions): Binance {
  const common = {
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    logger: opts.logger,
    timeoutMs: opts.timeoutMs,
    now: opts.now,
    sleep: opts.sleep,
    onBan: opts.onBan,
  };
  const spotHttp = createBinanceHttp({ ...common, market: 'spot', baseUrl: opts.spotUrl });
  const futuresHttp = createBinanceHttp({ ...common, market: 'futures', baseUrl: opts.futuresUrl });
  return {
    spot: createSpotApi(spotHttp),
    futures: createFuturesApi(futuresHttp),
    margin: createMarginApi(spotHttp, futuresHttp),
    spotHttp,
    futuresHttp,
    stats: () => ({ spot: spotHttp.stats(), futures: futuresHttp.stats() }),
    close: async () => {
      await Promise.all([spotHttp.close(), futuresHttp.close()]);
    },
  };
}
