import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { emptyStore } from '../../src/ledger/schema.js';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import { startHarness, waitUntil, type Harness } from './harness.js';

/**
 * /resume lifts a pause only once every unfinished trade has been resolved on Binance: a pause
 * can stand over an order whose outcome could not be read, and opening more on top of an
 * unknown leg is what the pause exists to prevent.
 */

const USER = 111;
let dir: string;
let h: Harness;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carrybot-resume-'));
  const dataFile = join(dir, 'store.json');
  const now = Date.now();
  const ledger = emptyStore(now);
  ledger.paused = true;
  ledger.pausedReason = 'an order outcome is unknown';
  ledger.positions.push({
    id: 'p1', symbol: 'BTCUSDT', baseAsset: 'BTC', mode: 'live', status: 'opening', openedAt: now,
    spotQty: '0', futuresQty: '0', spotEntryPrice: '0', futuresEntryPrice: '0', openedBy: USER,
  });
  ledger.intents.push({
    id: 'i1', kind: 'open', positionId: 'p1', symbol: 'BTCUSDT', mode: 'live', qty: '0.01', userId: USER, chatId: USER,
    createdAt: now, updatedAt: now, status: 'pending',
    legs: { futures: { market: 'futures', side: 'SELL', clientOrderId: 'cbi1F', qty: '0.01', reduceOnly: false, state: 'sent', attempts: 1 } },
  });
  await writeFile(dataFile, JSON.stringify(ledger));
  h = await startHarness({
    allowed: [USER],
    dataFile,
    env: { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET },
    // Binance cannot answer order queries: start-up recovery leaves the intent pending.
    beforeStart: (_tg, binance) => void binance.inject({ path: '/fapi/v1/order', method: 'GET' }, { status: 503 }, { times: Infinity }),
  });
});

after(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

test('/resume stays paused while an unfinished trade cannot be checked', async () => {
  assert.equal(h.running.deps.ledger.snapshot().intents[0]!.status, 'pending');
  h.tg.sendText(USER, '/resume');
  const reply = await h.tg.waitFor('sendMessage', (c) => String(c.body.text).includes('Still paused'), 15_000);
  assert.match(String(reply.body.text), /1 unfinished trade/);
  assert.equal(h.running.deps.ledger.snapshot().paused, true);
  assert.ok(h.binance.requestsTo('/fapi/v1/order', 'GET').length > 0, 'recovery queried the order by client id');
  assert.equal(h.binance.requestsTo('/fapi/v1/order', 'POST').length, 0, 'nothing was resent');
});

test('/resume resolves the trade once Binance answers, then lifts the pause', async () => {
  h.binance.clearFaults();
  h.tg.sendText(USER, '/resume');
  await h.tg.waitFor('sendMessage', (c) => String(c.body.text).includes('Resumed'), 15_000);
  await waitUntil(() => h.running.deps.ledger.snapshot().paused === false, 'the pause to lift');
  // The order never reached Binance: the intent is closed as not placed and nothing is sent.
  assert.notEqual(h.running.deps.ledger.snapshot().intents[0]!.status, 'pending');
  assert.equal(h.binance.requestsTo('/fapi/v1/order', 'POST').length, 0);
});
