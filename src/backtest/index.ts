import { dirname, join } from 'node:path';
import type { Binance } from '../binance/index.js';
import { createKlineApi } from '../binance/klines.js';
import type { Config } from '../config.js';
import type { LoadDeps } from './load.js';
import type { BacktestParams } from './types.js';

export { runBacktest, windowOf, type BacktestReport, type BacktestRequest, type SymbolReport } from './run.js';
export { formatBacktest, backtestJson } from './format.js';
export type { BacktestParams } from './types.js';
export type { Summary } from './summary.js';

/** The cache lives beside the ledger, in its data folder. */
export function backtestCacheDir(config: Pick<Config, 'dataFile'>): string {
  return join(dirname(config.dataFile), 'backtest');
}

/** Load dependencies over a Binance client (the bot's own one when it runs: one weight budget). */
export function backtestDeps(binance: Binance, config: Pick<Config, 'dataFile'>, now: () => number): LoadDeps & { now: () => number } {
  return { futures: binance.futures, klines: createKlineApi(binance.spotHttp, binance.futuresHttp), cacheDir: backtestCacheDir(config), now };
}

/** The rules of the configuration, overridable per run. */
export function paramsFrom(
  config: Pick<Config, 'minApr' | 'exitApr' | 'holdDays' | 'spotTakerFee' | 'futuresTakerFee' | 'leverage'>,
  over: Partial<BacktestParams> = {},
): BacktestParams {
  return {
    notional: over.notional ?? '10000',
    minApr: over.minApr ?? config.minApr,
    exitApr: over.exitApr ?? config.exitApr,
    holdDays: over.holdDays ?? config.holdDays,
    spotTakerFee: over.spotTakerFee ?? config.spotTakerFee,
    futuresTakerFee: over.futuresTakerFee ?? config.futuresTakerFee,
    leverage: over.leverage ?? config.leverage,
  };
}
