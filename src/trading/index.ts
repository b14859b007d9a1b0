import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { MarketService } from '../market/types.js';
import { createExecutor, type Executor } from './executor.js';
import { createLivePort } from './live.js';
import { createPaperPort } from './paper.js';
import type { ExchangePort } from './port.js';
import type { FeeRatesSource } from './feeRates.js';
import { createTradingService, type TradingService } from './service.js';

export type * from './executor.js';
export type * from './port.js';
export type * from './service.js';
export { createExecutor } from './executor.js';
export { createLivePort } from './live.js';
export { createPaperPort } from './paper.js';
export { createTradingService } from './service.js';

export interface TradingDeps {
  config: Config;
  ledger: Ledger;
  market: MarketService;
  binance: Pick<Binance, 'spot' | 'futures'>;
  logger: Logger;
  now?: () => number;
  /** live: the account's commission rates (shared with the market scan) */
  feeRates?: FeeRatesSource;
  /** test hooks */
  sleep?: (ms: number) => Promise<void>;
  queryDelaysMs?: number[];
  sellRetryDelaysMs?: number[];
  recoveryRetryMs?: number[];
  absentAfterMs?: number;
}

export interface Trading extends TradingService {
  port: ExchangePort;
  executor: Executor;
}

/**
 * One executor for both modes; only the port differs. Paper gets the PUBLIC half of the clients
 * only, so a paper bot cannot place a signed request even with keys configured.
 */
export function createTrading(deps: TradingDeps): Trading {
  const { config, ledger, binance, logger } = deps;
  const port =
    config.mode === 'live'
      ? createLivePort({ spot: binance.spot, futures: binance.futures, config, logger, now: deps.now, ...(deps.feeRates ? { feeRates: deps.feeRates } : {}) })
      : createPaperPort({
          spot: { bookTicker: (s) => binance.spot.bookTicker(s), exchangeInfo: () => binance.spot.exchangeInfo(), avgPrice: (s) => binance.spot.avgPrice(s) },
          futures: {
            bookTicker: (s) => binance.futures.bookTicker(s),
            exchangeInfo: () => binance.futures.exchangeInfo(),
            premiumIndexOf: (s) => binance.futures.premiumIndexOf(s),
          },
          config,
          now: deps.now,
        });
  const executor = createExecutor({
    ledger,
    port,
    logger: logger.child({ module: 'trading' }),
    // every allowlisted user hears about every trade, and so does the chat it came from (a group)
    audience: (chatId) => [chatId, ...config.telegram.allowedUsers],
    now: deps.now,
    ...(deps.absentAfterMs !== undefined ? { absentAfterMs: deps.absentAfterMs } : {}),
    unwindBudgetMs: config.unwindBudgetSeconds * 1000,
    sleep: deps.sleep,
    queryDelaysMs: deps.queryDelaysMs,
    sellRetryDelaysMs: deps.sellRetryDelaysMs,
  });
  const service = createTradingService({ config, ledger, market: deps.market, port, executor, logger, now: deps.now, ...(deps.recoveryRetryMs ? { recoveryRetryMs: deps.recoveryRetryMs } : {}) });
  return { ...service, port, executor };
}
