import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { isOutcomeEdit, startHarness, waitUntil, type Harness } from './harness.js';

/** Delivery: trade outcomes are never lost and reach every allowlisted user; alerts are sent outside the trading lock; polling backs off on 409. */

const OWNER = 111;
const PARTNER = 222;

function okData(call: RecordedCall): string {
  const raw = call.body.reply_markup;
  return (typeof raw === 'string' ? JSON.parse(raw) : raw).inline_keyboard[0][0].callback_data as string;
}

async function preview(h: Harness, text: string): Promise<RecordedCall> {
  const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined);
  h.tg.sendText(OWNER, text);
  return reply;
}

describe('confirm outcome (paper, two allowlisted users)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER] });
    await h.running.launched;
  });
  after(() => h.close());
  afterEach(() => h.tg.clearInjections());

  it('a fill is pushed to the other allowlisted users; the initiator only gets the edited preview', async () => {
    const p = await preview(h, '/open BTCUSDT 0.01');
    h.tg.clearCalls();
    const edit = h.tg.nextCall('editMessageText', isOutcomeEdit);
    const pushed = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === PARTNER);
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    assert.match(String((await edit).body.text), /Opened BTCUSDT/);
    assert.match(String((await pushed).body.text), /Opened BTCUSDT/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(h.tg.sentTexts(OWNER), [], 'no duplicate to the initiator');
  });

  it('edit fails and the fallback hits a 429: the outcome is retried and delivered', async () => {
    const p = await preview(h, '/close BTCUSDT');
    h.tg.inject({ method: 'editMessageText', status: 400, description: "Bad Request: message can't be edited", when: (b) => /Closed/.test(String(b.text)) });
    h.tg.inject({ method: 'sendMessage', status: 429, retryAfter: 1, description: 'Too Many Requests: retry after 1', when: (b) => /Closed/.test(String(b.text)) });
    h.tg.clearCalls();
    const delivered = h.tg.waitFor('sendMessage', (c) => c.body.chat_id === OWNER && c.error === undefined && /Closed BTCUSDT/.test(String(c.body.text)), 8000);
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    await delivered;
  });

  it('a trade throwing unexpectedly shows "outcome unknown — see /status", not a generic toast', async () => {
    const p = await preview(h, '/open ETHUSDT 0.1');
    const executor = h.running.deps.trading.executor;
    const real = executor.open;
    executor.open = async () => {
      throw new StoreError('disk full', h.dataFile);
    };
    try {
      const edit = h.tg.nextCall('editMessageText', isOutcomeEdit);
      h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
      const text = String((await edit).body.text);
      assert.match(text, /Outcome unknown/);
      assert.match(text, /\/status/);
    } finally {
      executor.open = real;
    }
  });

  it('once shutdown began, a confirm sends nothing and says so', async () => {
    const p = await preview(h, '/open SOLUSDT 1');
    const positions = h.running.deps.ledger.snapshot().positions.length;
    h.running.deps.trading.shutdown();
    const answer = h.tg.nextCall('answerCallbackQuery');
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    assert.match(String((await answer).body.text), /shutting down/);
    assert.equal(h.running.deps.ledger.snapshot().positions.length, positions);
  });
});

describe('critical alerts do not hold the trading lock', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER], env: { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET } });
    await h.running.launched;
  });
  after(async () => {
    h.tg.clearInjections();
    await h.close();
  });

  it('with Telegram rate-limiting, the naked-short outcome waits out retry_after outside the lock and is then shown', async () => {
    const p = await preview(h, '/open ETHUSDT 0.1');
    h.binance.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
    h.binance.inject({ path: '/fapi/v1/order', method: 'POST', when: (r) => r.params.reduceOnly === 'true' }, { code: -2022 }, { times: Infinity });
    h.tg.inject({ method: 'editMessageText', status: 429, retryAfter: 1, when: (b) => /NAKED SHORT/.test(String(b.text)) });
    const shown = h.tg.waitFor('editMessageText', (c) => c.error === undefined && /naked short/.test(String(c.body.text)), 8000);
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    await waitUntil(() => h.tg.calls.some((c) => c.method === 'editMessageText' && c.error === 429), 'the outcome being rate-limited');
    const free = await Promise.race([h.running.deps.trading.executor.exclusive(async () => 'free'), new Promise((r) => setTimeout(() => r('held'), 1000))]);
    assert.equal(free, 'free');
    await shown;
  });
});

describe('polling backoff with a persistent 409', () => {
  it('keeps doubling: getMe succeeding does not reset the delay', async () => {
    const h = await startHarness({ allowed: [OWNER], beforeStart: (tg) => tg.inject({ method: 'getUpdates', status: 409, times: 4 }) });
    try {
      await waitUntil(() => h.logs.filter((l) => /another instance/.test(String(l.msg))).length >= 4, '409 logs', 8000);
      assert.deepEqual(h.logs.filter((l) => /another instance/.test(String(l.msg))).map((l) => l.retryInMs), [50, 100, 200, 400]);
    } finally {
      await h.close();
    }
  });
});
