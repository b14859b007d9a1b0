import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { afterEach, test } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { openLedger } from '../../src/ledger/ledger.js';
import { STORE_VERSION, emptyStore } from '../../src/ledger/schema.js';
import { openStore } from '../../src/ledger/store.js';
import { T0, fill, position, silent, tempStore, type TempStore } from './helpers.js';

let ts: TempStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

test('a corrupt store is refused with a clear message and left byte-for-byte unchanged', async () => {
  ts = await tempStore();
  for (const bad of ['{"version":1,"positions":[', '[1,2,3]', JSON.stringify({ ...emptyStore(T0), positions: [{ id: 1 }] })]) {
    await writeFile(ts.file, bad);
    await assert.rejects(openLedger(ts.file, { logger: silent }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /left untouched/);
      return true;
    });
    assert.equal(await readFile(ts.file, 'utf8'), bad);
  }
});

test('the bot refuses to start on a corrupt store and leaves it as it was', async () => {
  ts = await tempStore();
  const bad = '{"version":1,"funding":[{"tranId":';
  await writeFile(ts.file, bad);
  const { startBot } = await import('../../src/main.js');
  await assert.rejects(startBot({ TELEGRAM_BOT_TOKEN: '123456:test-token-not-used', DATA_FILE: ts.file, LOG_LEVEL: 'silent' }), StoreError);
  assert.equal(await readFile(ts.file, 'utf8'), bad);
});

test('a store from a newer carrybot is refused and not touched', async () => {
  ts = await tempStore();
  const newer = JSON.stringify({ ...emptyStore(T0), version: STORE_VERSION + 1 });
  await writeFile(ts.file, newer);
  await assert.rejects(openLedger(ts.file, { logger: silent }), /newer than this carrybot/);
  assert.equal(await readFile(ts.file, 'utf8'), newer);
});

test('migration from version 0 upgrades the data and keeps a .bak copy of the original', async () => {
  ts = await tempStore();
  const v0 = JSON.stringify({ createdAt: T0, settings: { paused: true, users: { '42': { lang: 'ru', alerts: true } } }, positions: [] });
  await writeFile(ts.file, v0);
  const ledger = await ts.open({ now: () => T0 + 1 });
  assert.equal(ledger.snapshot().version, STORE_VERSION);
  assert.equal(ledger.pauseState().paused, true);
  assert.equal(ledger.userSettings(42)?.lang, 'ru');
  const backups = (await readdir(ts.dir)).filter((f) => f.endsWith('.bak'));
  assert.equal(backups.length, 1);
  assert.equal(await readFile(`${ts.dir}/${backups[0]}`, 'utf8'), v0);
  assert.equal(JSON.parse(await readFile(ts.file, 'utf8')).version, STORE_VERSION);
});

test('migration from version 1 turns numeric order ids into decimal strings and keeps a .bak copy', async () => {
  ts = await tempStore();
  const p = position({ id: 'p1', symbol: 'BTCUSDT' });
  const f = { ...fill(p, { market: 'futures', side: 'SELL', role: 'open', qty: '1', price: '100', feeUsdt: '0.05', time: T0 }), orderId: 4087922044 };
  const intent = {
    id: 'i1', kind: 'open', positionId: 'p1', symbol: p.symbol, mode: 'live', qty: '1', userId: 1, chatId: 1, createdAt: T0, updatedAt: T0, status: 'done',
    legs: { futures: { market: 'futures', side: 'SELL', clientOrderId: 'cbi1F', qty: '1', reduceOnly: false, state: 'filled', orderId: 4087922044, attempts: 1 } },
  };
  const v1 = JSON.stringify({ ...emptyStore(T0), version: 1, positions: [p], fills: [f], intents: [intent] });
  await writeFile(ts.file, v1);
  const ledger = await ts.open({ now: () => T0 + 1 });
  assert.equal(ledger.snapshot().fills[0]?.orderId, '4087922044');
  assert.equal(ledger.snapshot().intents[0]?.legs.futures.orderId, '4087922044');
  const backups = (await readdir(ts.dir)).filter((x) => x.endsWith('.bak'));
  assert.equal(await readFile(`${ts.dir}/${backups[0]}`, 'utf8'), v1);
  // and a journal row written with a numeric id (before ids were strings) reads back as one
  await ledger.flush();
  const { historyPaths } = await import('../../src/ledger/history.js');
  const journal = historyPaths(ts.file).fills;
  const rows = await readFile(journal, 'utf8');
  assert.ok(rows.includes('"orderId":"4087922044"'));
  await writeFile(journal, rows.replace('"orderId":"4087922044"', '"orderId":4087922044'));
  const reopened = await ts.open({ now: () => T0 + 2 });
  assert.equal(reopened.snapshot().fills[0]?.orderId, '4087922044');
});

test('a failed write (disk full) leaves the previous file whole; memory keeps the change, or takes back one marked revert', async () => {
  ts = await tempStore();
  await ts.ledger.rewrite((d) => void d.positions.push(position({ id: 'kept', symbol: 'BTCUSDT' })));
  await ts.ledger.flush();
  const before = await readFile(ts.file, 'utf8');
  let fail = true;
  const { store } = await openStore(ts.file, {
    logger: silent,
    writeText: async (text) => {
      if (fail) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      await writeFile(ts!.file, text);
    },
  });
  await assert.rejects(
    store.update((d) => void d.positions.push(position({ id: 'intent', symbol: 'SOLUSDT' })), undefined, { revert: true }),
    StoreError,
  );
  assert.deepEqual(store.data.positions.map((p) => p.id), ['kept'], 'a reverted change leaves memory');
  assert.equal(store.unsaved, false, 'nothing is ahead of the disk');
  await assert.rejects(
    store.update((d) => {
      d.positions.push(position({ id: 'fact', symbol: 'ETHUSDT' }));
      d.paused = true;
    }),
    StoreError,
  );
  assert.equal(await readFile(ts.file, 'utf8'), before);
  assert.deepEqual(store.data.positions.map((p) => p.id), ['kept', 'fact'], 'memory keeps what happened');
  assert.equal(store.data.paused, true);
  assert.equal(store.unsaved, true);
  // a reverted change on top of unsaved memory takes back only itself
  await assert.rejects(store.update((d) => void d.positions.push(position({ id: 'intent', symbol: 'SOLUSDT' })), undefined, { revert: true }), StoreError);
  assert.deepEqual(store.data.positions.map((p) => p.id), ['kept', 'fact']);
  // the next write saves everything memory holds
  fail = false;
  await store.update((d) => void d.positions.push(position({ id: 'next', symbol: 'ADAUSDT' })));
  assert.equal(store.unsaved, false);
  assert.deepEqual(JSON.parse(await readFile(ts.file, 'utf8')).positions.map((p: { id: string }) => p.id), ['kept', 'fact', 'next']);
});

test('concurrent updates run one at a time, in order, and all land in the file', async () => {
  ts = await tempStore();
  let inFlight = 0;
  let maxInFlight = 0;
  const written: number[] = [];
  const { store } = await openStore(ts.file, {
    logger: silent,
    writeText: async (text) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      written.push(Object.keys(JSON.parse(text).leverageSet).length);
      await writeFile(ts!.file, text);
      inFlight--;
    },
  });
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.update((d) => void (d.leverageSet[`S${i}USDT`] = 1))));
  assert.equal(maxInFlight, 1);
  assert.deepEqual(written, Array.from({ length: 20 }, (_, i) => i + 1));
  const reopened = await ts.open();
  assert.deepEqual(Object.keys(reopened.snapshot().leverageSet), Array.from({ length: 20 }, (_, i) => `S${i}USDT`));
});

test('a version-1 file of 100,000 funding rows and 10,000 fills is split into journals and loads whole', async () => {
  ts = await tempStore();
  const d = emptyStore(T0);
  const p = position({ id: 'big', symbol: 'BTCUSDT', spotQty: '1', futuresQty: '1', spotEntryPrice: '60000', futuresEntryPrice: '60010' });
  d.positions.push(p);
  for (let i = 0; i < 100_000; i++) {
    d.funding.push({ tranId: String(1e9 + i), symbol: 'BTCUSDT', amount: i % 7 === 0 ? '-0.0125' : '0.0375', asset: 'USDT', time: T0 + i * 1000, positionId: 'big', mode: 'live' });
  }
  for (let i = 0; i < 10_000; i++) {
    d.fills.push(fill(p, { market: i % 2 ? 'spot' : 'futures', side: i % 2 ? 'BUY' : 'SELL', role: 'open', qty: '0.001', price: '60000.5', feeUsdt: '0.03', time: T0 + i }));
  }
  await writeFile(ts.file, JSON.stringify({ ...d, version: 1 }));
  const ledger = await ts.open();
  const whole = ledger.snapshot();
  assert.equal(whole.funding.length, 100_000);
  assert.equal(whole.fills.length, 10_000);
  assert.equal(whole.funding[99_999]?.tranId, String(1e9 + 99_999));
  assert.equal(ledger.fundingTotal('big').toFixed(), '3035.7');
});
