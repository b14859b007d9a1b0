/**
 * Child process of the ledger scale bench: opens the ledger in argv[2] and prints one JSON line
 * with the load time, /pnl times and memory, so the RSS measured is the ledger's alone. Runs
 * compiled (like `npm start`), not under tsx, whose loader adds ~60 MB of its own.
 *
 *   node <build>/bench/ledgerProbe.js <file> <now>
 */
import { openLedger } from '../src/ledger/ledger.js';
import { createLogger } from '../src/logger.js';

const [file, nowArg] = process.argv.slice(2);
if (!file) throw new Error('usage: ledgerProbe.js <file> <now>');
const now = Number(nowArg ?? Date.now());
const t0 = performance.now();
const ledger = await openLedger(file, { logger: createLogger({ level: 'silent' }), now: () => now });
const loadMs = performance.now() - t0;
const prices = new Map(ledger.openPositions().map((p) => [p.symbol, { spotBid: p.spotEntryPrice, futuresAsk: p.futuresEntryPrice }]));
const first = performance.now();
ledger.pnl({ period: 'all', now, leverage: 1, mode: 'live', prices });
const pnlFirst = performance.now() - first;
const time = (period: 'all' | '30d'): number[] =>
  Array.from({ length: 12 }, () => {
    const t = performance.now();
    ledger.pnl({ period, now, leverage: 1, mode: 'live', prices });
    return performance.now() - t;
  }).slice(2);
const all = time('all');
const d30 = time('30d');
const mem = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ loadMs, pnlFirst, pnlAll: all, pnl30d: d30, rss: mem.rss, heapUsed: mem.heapUsed, maxRssKb: process.resourceUsage().maxRSS, positions: ledger.allPositions().length })}\n`,
);
await ledger.close();
