import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { StoreError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { historyPaths } from '../../src/ledger/history.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import { documentSource, pnlReport, type Period } from '../../src/ledger/pnl.js';
import { emptyStore, type FundingRow, type StoreData } from '../../src/ledger/schema.js';
import { DAY, HOUR, T0, fill, position, silent } from './helpers.js';

let dir: string | undefined;
const opened: Ledger[] = [];
/** opens a ledger that is closed after the test (its journals hold file handles) */
async function open(file: string, opts: Parameters<typeof openLedger>[1]): Promise<Ledger> {
  const ledger = await openLedger(file, opts);
  opened.push(ledger);
  return ledger;
}
afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function tempFile(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'carrybot-journal-'));
  return join(dir, 'carrybot.json');
}

function capture(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _e, cb) => void (lines.push(String(chunk)), cb()) });
  return { logger: pino({ level: 'info' }, stream), lines: () => lines };
}

const row = (tranId: string, amount: string, time: number, positionId: string | null = 'p1'): FundingRow => ({ tranId, symbol: 'BTCUSDT', amount, asset: 'USDT', time, positionId, mode: 'live' });
const NOW = T0 + 10 * DAY;

async function withFunding(file: string, rows: FundingRow[]): Promise<Ledger> {
  const ledger = await open(file, { logger: silent, now: () => NOW });
  await ledger.rewrite((d) => void d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0, spotQty: '1', futuresQty: '1' })));
  await ledger.appendFunding(() => rows, { incomeTime: rows.at(-1)!.time, syncedAt: NOW });
  await ledger.flush();
  return ledger;
}

test('a torn last journal line is reported, kept aside and cut off; the ledger loads with the right figures', async () => {
  const file = await tempFile();
  await withFunding(file, [row('t1', '1.5', T0 + HOUR), row('t2', '2.25', T0 + 2 * HOUR), row('t3', '-0.5', T0 + 3 * HOUR)]);
  const paths = historyPaths(file);
  const torn = '{"tranId":"t4","symbol":"BTCUSDT","amount":"9';
  appendFileSync(paths.funding, torn);
  appendFileSync(paths.fills, '{"id":"spot:9","intentId"');

  const log = capture();
  const ledger = await open(file, { logger: log.logger, now: () => NOW });
  const reports = log.lines().filter((l) => /torn last line/.test(l));
  assert.equal(reports.length, 2, 'each torn line reported');
  assert.equal(ledger.fundingTotal('p1').toFixed(), '3.25');
  assert.deepEqual(ledger.snapshot().funding.map((r) => r.tranId), ['t1', 't2', 't3']);
  assert.ok(readFileSync(paths.funding, 'utf8').endsWith('}\n'), 'the journal ends on a whole line again');
  const aside = readdirSync(dir!).filter((f) => f.startsWith('carrybot.funding.jsonl.torn-'));
  assert.equal(aside.length, 1);
  assert.equal(readFileSync(join(dir!, aside[0]!), 'utf8'), torn);

  // the next append starts on a clean line and survives a restart
  await ledger.appendFunding(() => [row('t5', '1', T0 + 5 * HOUR)], { incomeTime: T0 + 5 * HOUR, syncedAt: NOW });
  const again = await open(file, { logger: silent, now: () => NOW });
  assert.equal(again.fundingTotal('p1').toFixed(), '4.25');
  assert.deepEqual(again.snapshot().funding.map((r) => r.tranId), ['t1', 't2', 't3', 't5']);
  const report = again.pnl({ period: 'all', now: NOW, leverage: 1, mode: 'live', prices: new Map() });
  assert.equal(report.total.funding.toFixed(), '4.25');
});

test('a corrupt state document is refused with a clear message; it and the journals are left untouched', async () => {
  const file = await tempFile();
  await withFunding(file, [row('t1', '1', T0 + HOUR)]);
  const paths = historyPaths(file);
  const bad = '{"version":2,"positions":[{"id":';
  writeFileSync(file, bad);
  const before = [paths.funding, paths.fills, paths.sums].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : null));
  await assert.rejects(openLedger(file, { logger: silent }), (err: unknown) => err instanceof StoreError && /not valid JSON.*left untouched/.test(err.message));
  assert.equal(readFileSync(file, 'utf8'), bad);
  assert.deepEqual(
    [paths.funding, paths.fills, paths.sums].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : null)),
    before,
  );
});

function v1Ledger(): StoreData {
  const d = emptyStore(T0);
  const closed = position({ id: 'c1', symbol: 'ETHUSDT', status: 'closed', openedAt: T0, closedAt: T0 + 2 * DAY, spotEntryPrice: '3000', futuresEntryPrice: '3003', spotExitPrice: '3100', futuresExitPrice: '3101' });
  const open = position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0 + DAY, spotQty: '0.5', futuresQty: '0.5', spotEntryPrice: '60000', futuresEntryPrice: '60030' });
  d.users['42'] = { lang: 'ru', alerts: false };
  d.positions.push(closed, open);
  d.fills.push(
    fill(closed, { market: 'futures', side: 'SELL', role: 'open', qty: '1', price: '3003', feeUsdt: '1.5015', time: T0 }),
    fill(closed, { market: 'spot', side: 'BUY', role: 'open', qty: '1', price: '3000', feeUsdt: '3', time: T0 + 1 }),
    fill(closed, { market: 'futures', side: 'BUY', role: 'close', qty: '1', price: '3101', feeUsdt: '1.5505', time: T0 + 2 * DAY }),
    fill(closed, { market: 'spot', side: 'SELL', role: 'close', qty: '1', price: '3100', feeUsdt: '3.1', time: T0 + 2 * DAY + 1 }),
    fill(open, { market: 'futures', side: 'SELL', role: 'open', qty: '0.5', price: '60030', feeUsdt: '15.0075', time: T0 + DAY }),
  );
  for (let i = 0; i < 6; i++) d.funding.push({ tranId: `f${i}`, symbol: i < 3 ? 'ETHUSDT' : 'BTCUSDT', amount: `0.${i}1`, asset: 'USDT', time: T0 + i * 8 * HOUR, positionId: i < 3 ? 'c1' : i === 5 ? null : 'p1', mode: 'live' });
  const intent = (id: string, status: 'done' | 'pending') => ({
    id, kind: 'open' as const, positionId: id === 'i1' ? 'c1' : 'p1', symbol: id === 'i1' ? 'ETHUSDT' : 'BTCUSDT', mode: 'live' as const, qty: '1', userId: 42, chatId: 42,
    createdAt: T0, updatedAt: T0, status,
    legs: { futures: { market: 'futures' as const, side: 'SELL' as const, clientOrderId: `cb${id}F`, qty: '1', reduceOnly: false, state: 'filled' as const, attempts: 1 } },
  });
  d.intents.push(intent('i1', 'done'), intent('i2', 'pending'));
  return d;
}

test('a version-1 single file is split into a state document and journals, with a backup kept', async () => {
  const file = await tempFile();
  const v1 = { ...v1Ledger(), version: 1 };
  const original = JSON.stringify(v1);
  writeFileSync(file, original);

  const ledger = await open(file, { logger: silent, now: () => NOW });
  const backups = readdirSync(dir!).filter((f) => f.endsWith('.bak'));
  assert.deepEqual(backups, [`carrybot.json.v1.${NOW}.bak`]);
  assert.equal(readFileSync(join(dir!, backups[0]!), 'utf8'), original, 'the backup is the file as it was');

  const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.equal(state.version, 2);
  assert.equal('fills' in state || 'funding' in state, false, 'history left the state document');
  assert.deepEqual((state.positions as Array<{ id: string }>).map((p) => p.id), ['p1']);
  assert.deepEqual((state.intents as Array<{ id: string }>).map((i) => i.id), ['i2']);
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
  const paths = historyPaths(file);
  assert.deepEqual([lines(paths.positions), lines(paths.fills), lines(paths.funding), lines(paths.intents)], [1, 5, 6, 1]);

  // nothing lost: the whole ledger reads back as it was, and reports the same figures
  const whole = ledger.snapshot();
  assert.deepEqual({ ...whole, version: 1 }, v1);
  for (const period of ['all', '7d'] as const) {
    const opts = { period, now: NOW, leverage: 1, mode: 'live' as const, prices: new Map() };
    assert.deepEqual(plain(ledger.pnl(opts)), plain(pnlReport(documentSource(v1), opts)));
  }
  assert.equal(ledger.userSettings(42)?.lang, 'ru');
  // opening again migrates nothing
  await open(file, { logger: silent, now: () => NOW + 1 });
  assert.equal(readdirSync(dir!).filter((f) => f.endsWith('.bak')).length, 1);
});

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function randomLedger(rand: () => number): StoreData {
  const d = emptyStore(T0);
  const amount = () => `${rand() < 0.2 ? '-' : ''}${Math.floor(rand() * 50)}.${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
  let tran = 0;
  for (let i = 0; i < 40; i++) {
    const symbol = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'][i % 3]!;
    const mode = i % 5 === 0 ? 'paper' : 'live';
    const openedAt = T0 + Math.floor(rand() * 300) * DAY + Math.floor(rand() * DAY);
    const held = i >= 37;
    const closedAt = held ? undefined : Math.min(NOW_R - HOUR, openedAt + Math.floor(rand() * 40 * DAY) + HOUR);
    const price = `${100 + Math.floor(rand() * 900)}.${Math.floor(rand() * 100)}`;
    const p = position({ id: `p${i}`, symbol, mode, status: held ? 'open' : 'closed', openedAt, ...(closedAt ? { closedAt } : {}), spotQty: held ? '2' : '0', futuresQty: held ? '2' : '0', spotEntryPrice: price, futuresEntryPrice: price });
    d.positions.push(p);
    d.fills.push(fill(p, { market: 'futures', side: 'SELL', role: 'open', qty: '2', price, feeUsdt: amount().replace('-', ''), time: openedAt }));
    d.fills.push(fill(p, { market: 'spot', side: 'BUY', role: 'open', qty: '2', price, feeUsdt: amount().replace('-', ''), time: openedAt + 1 }));
    if (closedAt) d.fills.push(fill(p, { market: 'spot', side: 'SELL', role: 'close', qty: '2', price: `${price}1`, feeUsdt: '0.5', time: closedAt }));
    const end = closedAt ?? NOW_R;
    for (let t = openedAt + 8 * HOUR; t < end; t += 8 * HOUR) d.funding.push({ tranId: `r${tran++}`, symbol, amount: amount(), asset: 'USDT', time: t, positionId: rand() < 0.05 ? null : p.id, mode });
  }
  d.funding.sort((a, b) => a.time - b.time);
  d.positions.sort((a, b) => a.openedAt - b.openedAt);
  return d;
}
const NOW_R = T0 + 330 * DAY;

test('/pnl from the running sums equals a full recomputation over every row, on random ledgers', async () => {
  const file = await tempFile();
  for (const seed of [1, 2, 3]) {
    for (const f of readdirSync(dir!)) rmSync(join(dir!, f));
    writeFileSync(file, JSON.stringify({ ...randomLedger(rng(seed)), version: 1 }));
    let ledger = await open(file, { logger: silent, now: () => NOW_R });
    // rows appended after opening: the sums are kept up to date on append
    const extra: FundingRow[] = Array.from({ length: 30 }, (_, k) => ({ tranId: `x${seed}-${k}`, symbol: 'BTCUSDT', amount: `${k}.000000${k}`, asset: 'USDT', time: NOW_R - k * HOUR, positionId: k % 4 === 0 ? null : 'p38', mode: 'live' }));
    await ledger.appendFunding(() => extra, { incomeTime: NOW_R, syncedAt: NOW_R });
    const check = (l: Ledger, what: string) => {
      const whole = l.snapshot();
      for (const mode of ['live', 'paper'] as const) {
        for (const period of ['all', '30d', '7d'] as Period[]) {
          for (const leverage of [1, 2]) {
            const opts = { period, now: NOW_R, leverage, mode, prices: new Map([['BTCUSDT', { spotBid: '500', futuresAsk: '501' }]]) };
            assert.deepEqual(plain(l.pnl(opts)), plain(pnlReport(documentSource(whole), opts)), `${what}: seed ${seed} ${mode} ${period} ×${leverage}`);
          }
        }
      }
      for (const p of whole.positions) {
        const rows = whole.funding.filter((r) => r.positionId === p.id);
        assert.equal(l.fundingTotal(p.id).toFixed(), pnlReport(documentSource({ positions: [p], fills: [], funding: rows }), { period: 'all', now: NOW_R, leverage: 1, mode: p.mode, prices: new Map() }).total.funding.toFixed());
      }
    };
    check(ledger, 'after appends');
    // a late payment for a long-closed position: its symbol's cached all-time line must move too
    const closed = ledger.allPositions('live').find((p) => p.status === 'closed')!;
    await ledger.appendFunding(() => [{ tranId: `late${seed}`, symbol: closed.symbol, amount: '7.25', asset: 'USDT', time: closed.closedAt! - HOUR, positionId: closed.id, mode: 'live' }], { syncedAt: NOW_R });
    check(ledger, 'after a late row');
    await ledger.flush();
    ledger = await open(file, { logger: silent, now: () => NOW_R });
    check(ledger, 'from the checkpoint');
    rmSync(historyPaths(file).sums);
    check(await open(file, { logger: silent, now: () => NOW_R }), 'replayed from the journal');
  }
});

test('a delivered outbox message leaves the state document: 200 trades told do not make every later write bigger', async () => {
  const file = await tempFile();
  const ledger = await open(file, { logger: silent, now: () => NOW });
  const emptySize = () => readFileSync(file).length;
  await ledger.flush();
  const baseline = emptySize();
  const event = { type: 'trade', symbol: 'BTCUSDT', outcome: { kind: 'opened', futuresQty: '0.01', spotQty: '0.01001', price: '115000.12' } };
  await ledger.rewrite((d) => {
    for (let i = 0; i < 200; i++) d.outbox.push({ id: `m${i}`, chatId: 1 + (i % 2), createdAt: NOW, event, attempts: 0 });
  });
  assert.ok(emptySize() > baseline + 20_000, 'owed messages are in the state document');
  const sent: string[] = [];
  for (let next = ledger.nextMessages(); next.length > 0; next = ledger.nextMessages()) {
    for (const e of next) {
      sent.push(e.id);
      await ledger.markSent(e.id);
    }
  }
  await ledger.flush();
  assert.equal(sent.length, 200, 'each delivered once');
  assert.equal(new Set(sent).size, 200);
  assert.equal(ledger.snapshot().outbox.length, 0);
  assert.ok(emptySize() < baseline + 1024, `the state document is back to its size (${emptySize()} vs ${baseline} bytes)`);
  await ledger.close?.();
});
