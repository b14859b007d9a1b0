/**
 * A child process for the kill -9 test: opens the ledger in argv[2] and appends funding pages
 * (each with its cursor) until it is killed, printing the number of pages written.
 */
import { openLedger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logger.js';

const file = process.argv[2]!;
const start = Number(process.argv[3] ?? 0);
const ledger = await openLedger(file, { logger: createLogger({ level: 'silent' }) });
const PAGE = 400;
for (let page = 0; ; page++) {
  const base = start + page * PAGE;
  const rows = Array.from({ length: PAGE }, (_, k) => ({
    tranId: String(base + k),
    symbol: 'BTCUSDT',
    amount: `${(base + k) % 97}.${String((base + k) % 1000).padStart(3, '0')}12345`,
    asset: 'USDT',
    time: 1_700_000_000_000 + (base + k) * 1000,
    positionId: 'p1',
    mode: 'live' as const,
  }));
  await ledger.appendFunding(() => rows, { incomeTime: rows.at(-1)!.time, syncedAt: Date.now() });
  process.stdout.write(`${page}\n`);
}
