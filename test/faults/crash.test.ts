import { readLedgerFiles } from '../../src/ledger/ledgerStore.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoreData } from '../../src/ledger/schema.js';
import { dec } from '../../src/money.js';
import { startFakeBinance, type FakeBinance, type FakeFault } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { runBot as run, type BotProcess as Proc } from '../helpers/botProcess.js';
import { baseEnv, isOutcomeEdit, waitUntil } from '../telegram/harness.js';

/**
 * Fault injection, crashes ("on start, unfinished intents are resolved"): the real
 * process (`node --import tsx src/main.ts`, live mode) is SIGKILLed at each step of an open and of
 * a close — after the intent write (the first order hangs before executing), after the futures
 * fill (it executes, its answer hangs), after the spot fill (same on spot) — while that order
 * hangs at the fake. On restart the ledger is consistent: no position half-open or 'opening',
 * the store's legs equal the fake's futures position and spot coins, and the user was told.
 */

const USER = 111;
const FUT = '/fapi/v1/order';
const SPOT = '/api/v3/order';



function confirmData(call: RecordedCall): string {
  const raw = call.body.reply_markup;
  const markup = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const data = markup?.inline_keyboard?.[0]?.[0]?.callback_data;
  assert.equal(typeof data, 'string', `a confirm button under: ${String(call.body.text).slice(0, 200)}`);
  return data as string;
}

const hasButtons = (c: RecordedCall) => c.body.chat_id === USER && c.body.reply_markup !== undefined;

describe('faults: SIGKILL at each step of open and close, recovered on restart', () => {
  let tg: FakeTelegram;
  let fake: FakeBinance;
  let dir: string;
  let n = 0;
  before(async () => {
    tg = await startFakeTelegram();
    fake = await startFakeBinance();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-crash-'));
  });
  after(async () => {
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const envFor = (dataFile: string) => ({
    ...baseEnv(tg, fake, dataFile, [USER]),
    TRADING_MODE: 'live',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.apiSecret,
    LOG_LEVEL: 'info',
  });

  async function start(dataFile: string): Promise<Proc> {
    const p = run(envFor(dataFile), dir);
    await waitUntil(() => p.output().includes('connected to Telegram'), 'startup', 20_000);
    return p;
  }

  /** /open or /close through the bot, up to the tap on confirm. */
  async function tapConfirm(text: string): Promise<void> {
    const preview = tg.nextCall('sendMessage', hasButtons, 15_000);
    tg.sendText(USER, text);
    const call = await preview;
    tg.sendCallback(USER, confirmData(call), { messageId: call.result?.message_id });
  }

  async function openFully(p: Proc): Promise<void> {
    const done = tg.nextCall('editMessageText', (c) => c.body.chat_id === USER && isOutcomeEdit(c), 15_000);
    await tapConfirm('/open BTCUSDT 0.01');
    await done;
    void p;
  }

  function assertConsistent(data: StoreData): void {
    const live = data.positions.filter((p) => p.status !== 'closed');
    for (const p of data.positions) assert.ok(['open', 'closed'].includes(p.status), `position ${p.id} is ${p.status}`);
    assert.ok(data.intents.every((i) => i.status !== 'pending'), `no intent left pending: ${data.intents.map((i) => i.status).join(',')}`);
    const short = fake.positions.get('BTCUSDT')?.amt ?? dec(0);
    const storeShort = live.reduce((a, p) => a.plus(p.futuresQty), dec(0));
    assert.equal(short.neg().toFixed(), storeShort.toFixed(), 'fake futures short = ledger futures leg');
    const coins = fake.spotBalances.get('BTC')?.free ?? dec(0);
    const storeSpot = live.reduce((a, p) => a.plus(p.spotQty), dec(0));
    assert.equal(coins.toFixed(), storeSpot.toFixed(), 'fake spot BTC = ledger spot leg');
    if (live.length) assert.ok(dec(live[0]!.futuresQty).gt(0) && dec(live[0]!.spotQty).gt(0), 'an open position holds both legs');
  }

  const steps: Array<[string, string, FakeFault]> = [
    ['after the intent write', FUT, 'hang'],
    ['after the futures fill', FUT, { fillThenFail: 'hang' }],
    ['after the spot fill', SPOT, { fillThenFail: 'hang' }],
  ];

  for (const action of ['open', 'close'] as const) {
    for (const [step, path, fault] of steps) {
      it(`${action}: killed ${step} → consistent after restart, user told`, async () => {
        fake.reset();
        tg.clearCalls();
        const dataFile = join(dir, `ledger-${++n}.json`);
        const a = await start(dataFile);
        try {
          if (action === 'close') await openFully(a);
          const posts = () => fake.requestsTo(path, 'POST').length;
          const before = posts();
          fake.inject({ path, method: 'POST' }, fault);
          await tapConfirm(action === 'open' ? '/open BTCUSDT 0.01' : '/close BTCUSDT');
          await waitUntil(() => posts() > before, `the ${path} order to arrive`, 15_000);
          a.kill('SIGKILL');
          await a.exit;
        } finally {
          a.kill('SIGKILL');
        }
        fake.clearFaults();
        const onDisk = readLedgerFiles(dataFile) as StoreData;
        assert.ok(onDisk.intents.some((i) => i.status === 'pending' && i.kind === action), 'the crash left a pending intent behind');

        tg.clearCalls();
        const told = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER && /BTCUSDT/.test(String(c.body.text)), 20_000);
        const b = await start(dataFile);
        try {
          await told;
          b.kill('SIGTERM');
          assert.equal(await b.exit, 0);
        } finally {
          b.kill('SIGKILL');
        }
        const data = readLedgerFiles(dataFile) as StoreData;
        assertConsistent(data);
        const orders = fake.orders.map((o) => `${o.market}:${o.side}`);
        assert.equal(new Set(fake.orders.map((o) => o.clientOrderId)).size, fake.orders.length, `no client order id twice: ${orders.join(' ')}`);
      });
    }
  }
});
