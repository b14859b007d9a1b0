import { destination } from 'pino';
import { backtestCacheDir, backtestDeps, backtestJson, formatBacktest, paramsFrom, runBacktest } from '../backtest/index.js';
import { createBinance } from '../binance/index.js';
import { createConfig, loadDotEnv, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { createMarketService } from '../market/service.js';
import { BACKTEST_USAGE, parseBacktestArgs } from './backtestArgs.js';
import { formatScanError } from './table.js';
import { writeChart } from './backtestChart.js';

/**
 * `npm run backtest`: replays the bot's entry and exit rules over real history. Public market
 * data only (no keys). Without --symbols it takes the top N (default 10) of a market scan by
 * net APR now. History is cached beside the ledger, so running the same window again costs no
 * request; the client's 60 % weight self-limit also counts a running bot's requests (the
 * exchange reports the IP's used weight on every answer).
 */

const DEFAULT_TOP = 10;

async function main(): Promise<number> {
  const args = parseBacktestArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`backtest failed: ${args.error}\n${BACKTEST_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${BACKTEST_USAGE}\n`);
    return 0;
  }
  let config: Config | undefined;
  let binance: ReturnType<typeof createBinance> | undefined;
  try {
    loadDotEnv();
    config = createConfig(process.env);
    const logger = createLogger({
      level: process.env.LOG_LEVEL ? config.logLevel : 'silent',
      secrets: [config.binance.apiKey, config.binance.apiSecret, config.telegram.token],
      destination: destination(2),
    });
    binance = createBinance({ spotUrl: config.binance.spotUrl, futuresUrl: config.binance.futuresUrl, logger });
    let symbols = args.symbols ?? config.symbols;
    if (!args.symbols) {
      const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger });
      const scan = await market.scan();
      symbols = scan.rows.slice(0, args.top ?? DEFAULT_TOP).map((r) => r.symbol);
    }
    const params = paramsFrom(config, { notional: args.notional, minApr: args.minApr, exitApr: args.exitApr, holdDays: args.holdDays });
    const report = await runBacktest(backtestDeps(binance, config, Date.now), { symbols: symbols ?? [], days: args.days, params });
    process.stdout.write(`${args.json ? backtestJson(report) : formatBacktest(report, backtestCacheDir(config))}\n`);
    if (args.chart) process.stderr.write(`${await writeChart(report, args.chart)}\n`);
    return report.symbols.length ? 0 : 1;
  } catch (err) {
    const urls = config ? { spot: config.binance.spotUrl, futures: config.binance.futuresUrl } : { spot: '?', futures: '?' };
    process.stderr.write(`${formatScanError(err, urls).replace(/^scan/, 'backtest')}\n`);
    return 1;
  } finally {
    await binance?.close().catch(() => undefined);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`backtest failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
