import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { startHarness, type Harness } from '../telegram/harness.js';

/**
 * Fault injection, Telegram (pushes): while the Bot API fails — a 502, a 429 with
 * retry_after, a reset connection — the critical alert of a failed leg (spot rejected, unwind
 * rejected: a naked short) is retried from the outbox until it is delivered, and the bot keeps running.
 */

const USER = 111;
const FUT = '/fapi/v1/order';
const SPOT = '/api/v3/order';

describe('faults: Telegram failing while a leg fails', () => {
  let h: Harness;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    h = await startHarness({ allowed: [USER], env: { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET, LOG_LEVEL: 'info' } });
    await h.running.launched;
  });
  after(async () => {
    await h?.close();
    process.off('unhandledRejection', onUnhandled);
  });

  it('the failed-leg alert survives 502, 429 retry_after and a reset, and the bot still answers', async () => {
    const { tg, binance } = h;
    const hasButtons = (c: RecordedCall) => c.body.chat_id === USER && c.body.reply_markup !== undefined;
    const previewCall = tg.nextCall('sendMessage', hasButtons, 15_000);
    tg.sendText(USER, '/open BTCUSDT 0.01');
    const preview = await previewCall;
    const raw = preview.body.reply_markup;
    const data = (typeof raw === 'string' ? JSON.parse(raw) : raw).inline_keyboard[0][0].callback_data as string;

    // the spot leg is rejected and so is every unwind attempt: a critical alert must go out
    binance.inject({ path: SPOT, method: 'POST' }, { status: 400, code: -2010 });
    binance.inject({ path: FUT, method: 'POST', when: (r) => r.params.reduceOnly === 'true' }, { status: 400, code: -2022 }, { times: 5 });
    // and Telegram fails the next three attempts at the alert (the preview's edit), three different ways
    const isAlert = (b: Record<string, unknown>) => /NAKED SHORT/.test(String(b.text));
    tg.inject({ method: 'editMessageText', status: 502, description: 'Bad Gateway', when: isAlert });
    tg.inject({ method: 'editMessageText', status: 429, retryAfter: 1, description: 'Too Many Requests: retry after 1', when: isAlert });
    tg.inject({ method: 'editMessageText', reset: true, when: isAlert });
    tg.clearCalls();

    const delivered = tg.waitFor('editMessageText', (c) => c.body.chat_id === USER && c.error === undefined && isAlert(c.body), 30_000);
    tg.sendCallback(USER, data, { messageId: preview.result?.message_id });
    const alert = await delivered;

    const attempts = tg.calls.filter((c) => c.method === 'editMessageText' && c.body.chat_id === USER && isAlert(c.body) && c.at <= alert.at);
    assert.deepEqual(
      attempts.map((c) => (c.error === undefined || c.error === null ? 'ok' : c.error)),
      [502, 429, 0, 'ok'],
      'three failed attempts, then delivered',
    );
    assert.ok(attempts.every((c) => c.body.text === alert.body.text), 'the same alert each time');
    assert.equal(binance.orders.filter((o) => o.market === 'futures').length, 1, 'the short is there (the alert is about it)');
    assert.equal(h.running.deps.ledger.snapshot().positions[0]?.status, 'broken');

    // still alive and answering
    const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER && c.error === undefined, 10_000);
    tg.sendText(USER, '/help');
    await reply;
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
});
