import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterEach, test } from 'node:test';
import type { FundingRateRow, FuturesApi, IncomeRow } from '../../src/binance/types.js';
import { accruePaperFunding, syncIncome } from '../../src/ledger/income.js';
import { createLogger } from '../../src/logger.js';
import { sum } from '../../src/money.js';
import { DAY, HOUR, T0, fill, position, outboxRecorder, seed, silent, tempStore, type TempStore } from './helpers.js';

let ts: TempStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

/** In-process income endpoint: rows with time ≥ startTime, oldest first, `limit` per page. */
function incomeApi(rows: IncomeRow[]) {
  const calls: Array<{ startTime?: number; limit?: number }> = [];
  const api: Pick<FuturesApi, 'income'> = {
    income: async (q) => {
      calls.push({ startTime: q.startTime, limit: q.limit });
      return rows
        .filter((r) => q.startTime === undefined || r.time >= q.startTime)
        .sort((a, b) => a.time - b.time)
        .slice(0, q.limit ?? 100);
    },
  };
  return { api, calls };
}

const inc = (tranId: string, symbol: string, income: string, time: number): IncomeRow => ({ tranId, symbol, income, asset: 'USDT', time, incomeType: 'FUNDING_FEE' });

test('live sync pages from the cursor, dedupes by tranId, attributes by time, and catches up once', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'old', symbol: 'BTCUSDT', status: 'closed', openedAt: T0 - 3 * DAY, closedAt: T0 - DAY, spotQty: '1', futuresQty: '1' }));
    d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0, spotQty: '1', futuresQty: '1' }));
  });
  const rows = [
    inc('1', 'BTCUSDT', '1.5', T0 - 2 * DAY), // the closed position
    inc('2', 'BTCUSDT', '0.25000000', T0 + 8 * HOUR),
    inc('2', 'BTCUSDT', '0.25000000', T0 + 8 * HOUR), // the exchange repeats a row
    inc('3', 'ETHUSDT', '-0.1', T0 + 8 * HOUR), // no position: kept apart
    inc('4', 'BTCUSDT', '-0.05', T0 + 16 * HOUR),
    inc('5', 'BTCUSDT', '0.125', T0 + 24 * HOUR),
  ];
  const { api, calls } = incomeApi(rows);
  const now = T0 + 2 * DAY;
  const r = await syncIncome({ ledger: ts.ledger, futures: api, logger: silent, now: () => now, pageLimit: 3 });

  assert.equal(r.added, 5);
  // the repeat on page 1, then page 2 (from T0+8h) starts with both boundary copies again
  assert.equal(r.duplicates, 3);
  assert.ok(calls.length >= 2, 'paged');
  assert.equal(calls[0]!.startTime, T0 - 3 * DAY, 'first sync starts at the earliest live position');
  assert.equal(calls[1]!.startTime, T0 + 8 * HOUR, 'the next page starts at the last time seen');
  const byTran = new Map(ts.ledger.snapshot().funding.map((f) => [f.tranId, f]));
  assert.equal(byTran.get('1')?.positionId, 'old');
  assert.equal(byTran.get('2')?.positionId, 'p1');
  assert.equal(byTran.get('2')?.amount, '0.25');
  assert.equal(byTran.get('3')?.positionId, null);
  assert.equal(ts.ledger.snapshot().funding.length, 5);
  assert.equal(ts.ledger.snapshot().cursors.incomeTime, T0 + 24 * HOUR);
  assert.equal(ts.ledger.snapshot().health.lastIncomeSyncAt, now);
  assert.equal(sum(ts.ledger.snapshot().funding.filter((f) => f.positionId === 'p1').map((f) => f.amount)).toFixed(), '0.325');

  // a restart and another run: one page from the cursor, nothing new
  await ts.reopen();
  calls.length = 0;
  const again = await syncIncome({ ledger: ts.ledger, futures: api, logger: silent, now: () => now + HOUR, pageLimit: 3 });
  assert.equal(again.added, 0);
  assert.deepEqual(calls, [{ startTime: T0 + 24 * HOUR, limit: 3 }]);
  assert.equal(ts.ledger.snapshot().funding.length, 5);
});

test('a failed state write leaves the cursor on disk where it was; the row is never counted twice', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => void d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0 })));
  await ts.ledger.flush();
  const full = await ts.open({
    writeText: async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
  });
  const { api } = incomeApi([inc('7', 'BTCUSDT', '1', T0 + 8 * HOUR)]);
  await assert.rejects(syncIncome({ ledger: full, futures: api, logger: silent, now: () => T0 + DAY }), /could not save/);
  assert.equal(full.incomeCursor(), T0 + 8 * HOUR, 'memory runs on what it synced');
  assert.equal(JSON.parse(await readFile(ts.file, 'utf8')).cursors.incomeTime, undefined, 'the cursor on disk never gets ahead of the saved rows');
  await full.close();
  // the row reached its journal before the state write failed: the next sync reads it again and skips it
  const ok = await ts.open();
  const again = await syncIncome({ ledger: ok, futures: api, logger: silent, now: () => T0 + DAY });
  assert.equal(again.duplicates + again.added, 1);
  assert.equal(ok.snapshot().funding.length, 1);
  assert.equal(ok.fundingTotal('p1').toFixed(), '1');
  assert.equal(ok.incomeCursor(), T0 + 8 * HOUR);
});

/** In-process fundingRate: settled prints of one symbol after startTime. */
function fundingApi(prints: FundingRateRow[]) {
  let calls = 0;
  const api: Pick<FuturesApi, 'fundingRate' | 'premiumIndexOf'> = {
    fundingRate: async (q) => {
      calls++;
      return prints.filter((p) => p.symbol === q.symbol && (q.startTime === undefined || p.fundingTime >= q.startTime)).slice(0, q.limit ?? 100);
    },
    premiumIndexOf: async (symbol) => ({ symbol, markPrice: '2000', indexPrice: '2000', lastFundingRate: '0', interestRate: '0', nextFundingTime: 0, time: 0 }),
  };
  return { api, calls: () => calls };
}

test('paper accrual credits each settlement exactly once, across runs and restarts', async () => {
  ts = await tempStore();
  const p = position({ id: 'pp', symbol: 'ETHUSDT', mode: 'paper', openedAt: T0 - HOUR, spotQty: '2.5', futuresQty: '2.5', spotEntryPrice: '3000', futuresEntryPrice: '3001' });
  await seed(ts.ledger, (d) => {
    d.positions.push(p);
    d.fills.push(fill(p, { market: 'futures', side: 'SELL', role: 'open', qty: '2.5', price: '3001', feeUsdt: '3.75125', time: T0 - HOUR }));
  });
  const prints: FundingRateRow[] = [
    { symbol: 'ETHUSDT', fundingRate: '0.00010000', fundingTime: T0 - 8 * HOUR, markPrice: '2990' }, // before the open
    { symbol: 'ETHUSDT', fundingRate: '0.00010000', fundingTime: T0, markPrice: '3002.50000000' },
    { symbol: 'ETHUSDT', fundingRate: '-0.00002500', fundingTime: T0 + 8 * HOUR, markPrice: '3010' },
    { symbol: 'ETHUSDT', fundingRate: '0.00030000', fundingTime: T0 + 16 * HOUR, markPrice: '3020' }, // not yet settled at "now"
  ];
  const { api } = fundingApi(prints);
  const now = T0 + 9 * HOUR;

  const first = await accruePaperFunding({ ledger: ts.ledger, futures: api, logger: silent, now: () => now });
  assert.equal(first.credited, 2);
  const rows = ts.ledger.snapshot().funding;
  // 0.0001 × 2.5 × 3002.5 = 0.750625 received; −0.000025 × 2.5 × 3010 = −0.188125 paid
  assert.deepEqual(
    rows.map((r) => [r.tranId, r.amount, r.positionId, r.rate, r.markPrice]),
    [
      [`paper:pp:${T0}`, '0.750625', 'pp', '0.0001', '3002.5'],
      [`paper:pp:${T0 + 8 * HOUR}`, '-0.188125', 'pp', '-0.000025', '3010'],
    ],
  );
  assert.equal(ts.ledger.snapshot().cursors.paperFunding.ETHUSDT, T0 + 8 * HOUR);

  const second = await accruePaperFunding({ ledger: ts.ledger, futures: api, logger: silent, now: () => now + HOUR });
  assert.equal(second.credited, 0);
  await ts.reopen();
  const third = await accruePaperFunding({ ledger: ts.ledger, futures: api, logger: silent, now: () => now + HOUR });
  assert.equal(third.credited, 0);
  assert.equal(ts.ledger.snapshot().funding.length, 2);
  assert.equal(sum(ts.ledger.snapshot().funding.map((r) => r.amount)).toFixed(), '0.5625');

  // even with the cursor lost, the tranId keeps it exactly-once
  await ts.ledger.rewrite((d) => void delete d.cursors.paperFunding.ETHUSDT);
  assert.equal((await accruePaperFunding({ ledger: ts.ledger, futures: api, logger: silent, now: () => now + HOUR })).credited, 0);
});

test('a paper position closed after a settlement still gets it; settlements after the close do not count', async () => {
  ts = await tempStore();
  const p = position({ id: 'pc', symbol: 'ETHUSDT', mode: 'paper', status: 'closed', openedAt: T0 - HOUR, closedAt: T0 + HOUR, spotQty: '1', futuresQty: '1', spotEntryPrice: '3000', futuresEntryPrice: '3001' });
  await seed(ts.ledger, (d) => void d.positions.push(p));
  const { api } = fundingApi([
    { symbol: 'ETHUSDT', fundingRate: '0.0002', fundingTime: T0 }, // no mark in the print: current mark 2000 is used
    { symbol: 'ETHUSDT', fundingRate: '0.0002', fundingTime: T0 + 8 * HOUR, markPrice: '3000' },
  ]);
  const r = await accruePaperFunding({ ledger: ts.ledger, futures: api, logger: silent, now: () => T0 + DAY });
  assert.equal(r.credited, 1);
  assert.equal(ts.ledger.snapshot().funding[0]?.amount, '0.4');
});

test('a failing mark-price fallback skips that symbol only; it is credited on the next run', async () => {
  ts = await tempStore();
  const eth = position({ id: 'pe', symbol: 'ETHUSDT', mode: 'paper', openedAt: T0 - HOUR, spotQty: '1', futuresQty: '1', spotEntryPrice: '3000', futuresEntryPrice: '3001' });
  const btc = position({ id: 'pb', symbol: 'BTCUSDT', mode: 'paper', openedAt: T0 - HOUR, spotQty: '0.1', futuresQty: '0.1', spotEntryPrice: '60000', futuresEntryPrice: '60010' });
  await seed(ts.ledger, (d) => void d.positions.push(eth, btc));
  const { api } = fundingApi([
    { symbol: 'ETHUSDT', fundingRate: '0.0002', fundingTime: T0 }, // no mark: needs the premiumIndex fallback
    { symbol: 'BTCUSDT', fundingRate: '0.0001', fundingTime: T0, markPrice: '60000' },
  ]);
  let down = true;
  const futures: typeof api = {
    ...api,
    premiumIndexOf: async (symbol) => {
      if (down) throw new Error('ECONNRESET');
      return api.premiumIndexOf(symbol);
    },
  };
  const first = await accruePaperFunding({ ledger: ts.ledger, futures, logger: silent, now: () => T0 + HOUR });
  assert.deepEqual(first.symbols, ['BTCUSDT'], 'the other symbol is still credited');
  assert.equal(ts.ledger.snapshot().cursors.paperFunding.ETHUSDT, undefined, 'ETH not advanced: retried next run');
  down = false;
  const second = await accruePaperFunding({ ledger: ts.ledger, futures, logger: silent, now: () => T0 + 2 * HOUR });
  assert.deepEqual(second.symbols, ['ETHUSDT']);
  assert.equal(ts.ledger.snapshot().funding.find((r) => r.symbol === 'ETHUSDT')?.amount, '0.4'); // 0.0002 × 1 × 2000
});

test('a cursor older than Binance keeps income: error logged, one alert, then the cursor moves on', async () => {
  ts = await tempStore();
  const now = T0 + 100 * DAY;
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0, spotQty: '1', futuresQty: '1' }));
    d.cursors.incomeTime = T0; // last synced 100 days ago
  });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(c: Buffer, _e, cb) {
        for (const l of c.toString().split('\n')) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  });
  const notifier = outboxRecorder(() => ts!.ledger);
  let down = true;
  const { api } = incomeApi([inc('9', 'BTCUSDT', '0.5', now - 10 * DAY)]);
  const futures: typeof api = { income: async (q) => (down ? Promise.reject(new Error('ECONNRESET')) : api.income(q)) };
  const run = () => syncIncome({ ledger: ts!.ledger, futures, logger, now: () => now, audience: notifier.audience });

  await assert.rejects(run(), /ECONNRESET/);
  assert.ok(logs.some((l) => l.level === 50 && /older than Binance keeps/.test(String(l.msg)) && l.days === 100));
  assert.equal(notifier.sent.length, 1);
  assert.match(notifier.sent[0]!.text, /ledger\.income\.cursorStale \{"days":100\}/);
  assert.equal(notifier.sent[0]!.toEveryone, true);
  await assert.rejects(run(), /ECONNRESET/);
  assert.equal(notifier.sent.length, 1, 'alerted once, not every run');

  down = false;
  const r = await run();
  assert.equal(r.staleCursor, true);
  assert.equal(r.added, 1);
  assert.equal(ts.ledger.snapshot().cursors.incomeTime, now - 10 * DAY);
  const next = await run();
  assert.equal(next.staleCursor, undefined, 'caught up: no longer stale');
  assert.equal(notifier.sent.length, 1);
});

test('caught up with no rows since a stale cursor: the cursor moves on, so the gap is reported once', async () => {
  ts = await tempStore();
  const now = T0 + 100 * DAY;
  await seed(ts.ledger, (d) => void (d.cursors.incomeTime = T0));
  const { api } = incomeApi([]);
  const r = await syncIncome({ ledger: ts.ledger, futures: api, logger: silent, now: () => now });
  assert.equal(r.staleCursor, true);
  assert.equal(ts.ledger.snapshot().cursors.incomeTime, now - DAY);
  assert.equal((await syncIncome({ ledger: ts.ledger, futures: api, logger: silent, now: () => now + HOUR })).staleCursor, undefined);
});
