import { readLedgerFiles } from '../../src/ledger/ledgerStore.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StoreData } from '../../src/ledger/schema.js';
import { dec } from '../../src/money.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { runBot as run } from '../helpers/botProcess.js';
import { baseEnv, waitUntil } from '../telegram/harness.js';

/**
 * A crash between the legs, for real: the bot process shorts the perpetual, the fake Binance
 * never answers the spot BUY, the process is SIGKILLed. A restart against the same fake and
 * DATA_FILE must find the short by its client order id, buy it back reduce-only (recovery moves
 * toward flat: the spot buy was never placed) and tell the user.
 */

const OWNER = 111;


let tg: FakeTelegram;
let binance: FakeBinance;
let dir: string;
before(async () => {
  tg = await startFakeTelegram();
  binance = await startFakeBinance();
  dir = await mkdtemp(join(tmpdir(), 'carrybot-crash-'));
});
after(async () => {
  await tg.close();
  await binance.close();
  await rm(dir, { recursive: true, force: true });
});

test('killed between the legs: the restart finds the short, unwinds it and tells the user', async () => {
  const dataFile = join(dir, 'store.json');
  const env = {
    ...baseEnv(tg, binance, dataFile, [OWNER]),
    LOG_LEVEL: 'info',
    TRADING_MODE: 'live',
    BINANCE_API_KEY: binance.apiKey,
    BINANCE_API_SECRET: binance.apiSecret,
  };
  const spotHang = binance.inject({ path: '/api/v3/order', method: 'POST' }, 'hang', { times: Infinity });

  const first = run(env, dir);
  try {
    await waitUntil(() => first.output().includes('connected to Telegram'), 'first start', 15_000);
    const preview = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && /Open BTCUSDT/.test(String(c.body.text)), 10_000);
    tg.sendText(OWNER, '/open BTCUSDT 0.01');
    const p = await preview;
    const ok = p.body.reply_markup.inline_keyboard[0][0].callback_data as string;
    tg.sendCallback(OWNER, ok, { messageId: Number(p.result.message_id) });
    await waitUntil(() => binance.requestsTo('/api/v3/order', 'POST').length === 1, 'the spot order to arrive', 10_000);
    first.kill('SIGKILL');
    await first.exit;
  } finally {
    first.kill('SIGKILL');
  }

  // the naked short is real, and the ledger says an open is unfinished
  assert.ok(dec(binance.positions.get('BTCUSDT')!.amt.toFixed()).eq('-0.01'));
  const crashed = readLedgerFiles(dataFile) as StoreData;
  assert.equal(crashed.intents.length, 1);
  assert.equal(crashed.intents[0]!.status, 'pending');
  assert.equal(crashed.positions[0]!.status, 'opening');
  const futuresCid = crashed.intents[0]!.legs.futures.clientOrderId;

  spotHang.remove();
  binance.clearRequests();
  const told = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && /Unfinished open of BTCUSDT/.test(String(c.body.text)), 20_000);
  const second = run(env, dir);
  try {
    const message = String(
      (
        await told.catch((err: Error) => {
          throw new Error(`${err.message}\nsecond process output:\n${second.output().slice(-3000)}\nstore: ${readFileSync(dataFile, 'utf8').slice(0, 3000)}`);
        })
      ).body.text,
    );
    assert.match(message, /futures order filled, spot order never placed/);
    assert.match(message, /bought back reduce-only/);

    // queried by client order id, not resent; the unwind is a reduce-only BUY of the short
    const queried = binance.requestsTo('/fapi/v1/order', 'GET').map((r) => r.params.origClientOrderId);
    assert.ok(queried.includes(futuresCid));
    const posts = binance.requestsTo('/fapi/v1/order', 'POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.params.side, 'BUY');
    assert.equal(posts[0]!.params.reduceOnly, 'true');
    assert.equal(posts[0]!.params.quantity, '0.01');
    assert.equal(binance.requestsTo('/api/v3/order', 'POST').length, 0, 'no spot buy sent after the restart');
    assert.ok(binance.positions.get('BTCUSDT')!.amt.eq(0), 'flat again');

    second.kill('SIGTERM');
    await second.exit;
    const after = readLedgerFiles(dataFile) as StoreData;
    assert.equal(after.intents[0]!.status, 'unwound');
    assert.equal(after.positions[0]!.status, 'closed');
    assert.deepEqual(after.fills.map((f) => `${f.market} ${f.side} ${f.role}`), ['futures SELL open', 'futures BUY unwind']);
  } finally {
    second.kill('SIGKILL');
  }
});
