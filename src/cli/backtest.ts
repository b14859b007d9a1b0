import { backtestCacheDir, backtestDeps, backtestJson, formatBacktest, paramsFrom, runBacktest } from '../backtest/index.js';
import { createMarketService } from '../market/service.js';
import { BACKTEST_USAGE, parseBacktestArgs } from './backtestArgs.js';
import { writeChart } from './backtestChart.js';
import { runCli } from './run.js';

/**
 * `npm run backtest`: replays the bot's entry and exit rules over real history. Public market
 * data only (no keys). Without --symbols it takes the top N (default 10) of a market scan by
 * net APR now. History is cached beside the ledger, so running the same window again costs no
 * request; the client's 60 % weight self-limit also counts a running bot's requests (the
 * exchange reports the IP's used weight on every answer).
 */

const DEFAULT_TOP = 10;

runCli({
  name: 'backtest',
  usage: BACKTEST_USAGE,
  parse: parseBacktestArgs,
  async run(args, { config, logger, binance }) {
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
  },
});
