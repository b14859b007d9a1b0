import { writeFile } from 'node:fs/promises';
import { destination } from 'pino';
import { renderChart } from '../charts/render.js';
import { MAX_SIGNAL_BARS, signalsChart } from '../charts/signals.js';
import type { SymbolSignal } from '../market/types.js';
import { createI18n } from '../telegram/i18n.js';
import { createBinance } from '../binance/index.js';
import { createConfig, loadDotEnv, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { createMarketService } from '../market/service.js';
import { SCAN_USAGE, formatScanError, formatScanJson, formatScanTable, formatSummary, parseScanArgs } from './table.js';

/**
 * `npm run scan`: one market scan printed as a ranked table (or JSON). Needs no Telegram token
 * and no exchange keys. A one-shot run has no later ticks to spread history over, so it fetches
 * history for up to HISTORY_LIMIT candidates at once (5 in parallel) instead of the bot's 10.
 */

const HISTORY_LIMIT = 30;
const HISTORY_CONCURRENCY = 5;

async function main(): Promise<number> {
  const args = parseScanArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`scan failed: ${args.error}\n${SCAN_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${SCAN_USAGE}\n`);
    return 0;
  }

  let config: Config | undefined;
  let binance: ReturnType<typeof createBinance> | undefined;
  try {
    loadDotEnv();
    config = createConfig(process.env);
    // Logs go to stderr and stay quiet unless LOG_LEVEL asks for them: stdout is the table.
    const logger = createLogger({
      level: process.env.LOG_LEVEL ? config.logLevel : 'silent',
      secrets: [config.binance.apiKey, config.binance.apiSecret, config.telegram.token],
      destination: destination(2),
    });
    // Public market data only: no keys, so nothing signed can be sent by accident.
    binance = createBinance({ spotUrl: config.binance.spotUrl, futuresUrl: config.binance.futuresUrl, logger });
    const market = createMarketService({
      spot: binance.spot,
      futures: binance.futures,
      config,
      logger,
      historyBudget: HISTORY_LIMIT,
      historyConcurrency: HISTORY_CONCURRENCY,
    });
    const result = await market.scan();
    const rows = args.all ? result.rows : result.rows.slice(0, args.top);
    if (args.json) {
      process.stdout.write(`${formatScanJson(result, rows)}\n`);
    } else {
      const table = rows.length ? formatScanTable(rows, result.at) : 'no symbols are tradable on both spot and futures';
      process.stdout.write(`${formatSummary(result, rows.length, config)}\n\n${table}\n`);
    }
    if (args.chart) {
      try {
        await writeChart(args.chart, rows, result.at, config);
      } catch (err) {
        process.stderr.write(`chart not written: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    }
    return 0;
  } catch (err) {
    const urls = config ? { spot: config.binance.spotUrl, futures: config.binance.futuresUrl } : { spot: '?', futures: '?' };
    process.stderr.write(`${formatScanError(err, urls)}\n`);
    return 1;
  } finally {
    await binance?.close().catch(() => undefined);
  }
}

/** The shown rows' net APR as a PNG bar chart (in LOCALE); a note on stderr keeps stdout the table. */
async function writeChart(file: string, rows: SymbolSignal[], at: number, config: Config): Promise<void> {
  const t = createI18n({ defaultLang: config.locale }).translator(config.locale);
  const chart = await renderChart(signalsChart(rows, t, { at, now: Date.now(), minApr: config.minApr }));
  await writeFile(file, chart.png);
  process.stderr.write(`chart: ${file} (${chart.width}×${chart.height}, top ${Math.min(rows.length, MAX_SIGNAL_BARS)} by net APR)\n`);
}

// exitCode rather than exit(): lets a piped stdout drain before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`scan failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
