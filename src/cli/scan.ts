import { writeFile } from 'node:fs/promises';
import { renderChart } from '../charts/renderProcess.js';
import { MAX_SIGNAL_BARS, signalsChart } from '../charts/signals.js';
import type { SymbolSignal } from '../market/types.js';
import { createI18n } from '../telegram/i18n.js';
import type { Config } from '../config.js';
import { createMarketService } from '../market/service.js';
import { createVenueScanner, type VenueScanner } from '../market/venueScanner.js';
import { createVenueClients } from '../venues/index.js';
import { runCli } from './run.js';
import { SCAN_USAGE, formatScanJson, formatScanTable, formatSummary, parseScanArgs } from './table.js';
import { VENUE_COLUMNS, venueColumns, venueRows, venueSummary } from './venueTable.js';

/**
 * `npm run scan`: one market scan printed as a ranked table (or JSON). Needs no Telegram token
 * and no exchange keys. A one-shot run has no later ticks to spread history over, so it fetches
 * history for up to HISTORY_LIMIT candidates at once (5 in parallel) instead of the bot's 10.
 * The other venues are asked only with --venues / --venue (each within its own deadline, so a
 * venue that is down never holds up the Binance table).
 */

const HISTORY_LIMIT = 30;
const HISTORY_CONCURRENCY = 5;

runCli({
  name: 'scan',
  usage: SCAN_USAGE,
  parse: parseScanArgs,
  async run(args, { config, logger, binance, onClose }) {
    let venues: VenueScanner | undefined;
    if (args.venues || args.venue) {
      // --venue names a venue to rank even when VENUES leaves it out
      const wanted = args.venue === 'bybit' || args.venue === 'okx' ? [...config.venues, args.venue] : args.venue === 'all' ? ['bybit', 'okx'] : config.venues;
      const clients = createVenueClients({ venues: wanted, urls: config.venueUrls, logger });
      if (clients.length) venues = createVenueScanner({ clients, config, logger, historyBudget: HISTORY_LIMIT });
      if (venues) onClose(venues.close);
    }
    const market = createMarketService({
      venues,
      spot: binance.spot,
      futures: binance.futures,
      config,
      logger,
      historyBudget: HISTORY_LIMIT,
      historyConcurrency: HISTORY_CONCURRENCY,
    });
    const result = await market.scan();
    const cut = <T>(list: T[]) => (args.all ? list : list.slice(0, args.top));
    const venueList = args.venue ? cut(venueRows(result, args.venue)) : undefined;
    const rows = venueList ?? cut(result.rows);
    if (args.json) {
      process.stdout.write(`${formatScanJson(result, rows)}\n`);
    } else {
      const table = !rows.length
        ? 'no symbols are tradable on both spot and futures'
        : venueList
          ? formatScanTable(venueList, result.at, VENUE_COLUMNS)
          : formatScanTable(rows, result.at, args.venues ? venueColumns(result) : undefined);
      const summary = [formatSummary(result, rows.length, config), ...venueSummary(result)].join('\n');
      process.stdout.write(`${summary}\n\n${table}\n`);
    }
    if (args.chart) {
      try {
        // ranked across venues, a symbol can appear once per venue: label each bar with its venue
        const bars = venueList ? venueList.map((r) => ({ symbol: `${r.venue} ${r.symbol}`, netApr: r.netApr })) : rows;
        await writeChart(args.chart, bars, result.at, config);
      } catch (err) {
        process.stderr.write(`chart not written: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    }
    return 0;
  },
});

/** The shown rows' net APR as a PNG bar chart (in LOCALE); a note on stderr keeps stdout the table. */
async function writeChart(file: string, rows: Array<Pick<SymbolSignal, 'symbol' | 'netApr'>>, at: number, config: Config): Promise<void> {
  const t = createI18n({ defaultLang: config.locale }).translator(config.locale);
  const chart = await renderChart(signalsChart(rows, t, { at, now: Date.now(), minApr: config.minApr }));
  await writeFile(file, chart.png);
  process.stderr.write(`chart: ${file} (${chart.width}×${chart.height}, top ${Math.min(rows.length, MAX_SIGNAL_BARS)} by net APR)\n`);
}
