import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { isOutcomeEdit, startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * Fault injection, a hanging exchange under the risk buttons: a /topup transfer and a /close all
 * run on the trading queue, off the update handler — the tap is answered and the preview shows
 * progress at once, and a command in the same chat is answered while the request still hangs.
 */

const OWNER = 111;
const PARTNER = 222;
const live = { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET };
const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;

async function tap(h: Harness, text: string): Promise<RecordedCall> {
  const preview = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined, 8000);
  h.tg.sendText(OWNER, text);
  const p = await preview;
  h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
  return p;
}

/**
 * /help from `chat` — the chat of the tap too (updates of one chat are handled in order, so a
 * handler that held the tap would hold this) — and whether the action was still unfinished
 * when its reply went out
 */
async function helpWhile(h: Harness, chat: number, unfinished: () => boolean): Promise<boolean> {
  let was = false;
  const help = h.tg.nextCall('sendMessage', (c) => {
    if (c.body.chat_id !== chat || !/\/funding/.test(String(c.body.text))) return false;
    was = unfinished();
    return true;
  }, 30_000);
  h.tg.sendText(chat, '/help');
  assert.match(String((await help).body.text), /\/funding/);
  return was;
}

describe('faults: the risk buttons wait on Binance off the update path', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a /topup transfer hangs: the tap is answered, the preview shows progress, and the owner\'s next command in that chat comes first', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live });
    await h.running.launched;
    h.binance.inject({ path: '/sapi/v1/asset/transfer', method: 'POST' }, 'hang');
    const p = await tap(h, '/topup 25');
    await waitUntil(() => h!.binance.requestsTo('/sapi/v1/asset/transfer', 'POST').length > 0, 'the transfer on the wire', 8000);
    await waitUntil(() => h!.tg.callsOf('answerCallbackQuery').length > 0, 'the tap answered', 8000);
    await waitUntil(() => h!.tg.callsOf('editMessageText', OWNER).some((c) => c.body.message_id === p.result.message_id && /Working/.test(String(c.body.text))), 'progress shown', 8000);
    // the request hangs until the bot's client gives up on it; its outcome then edits the preview
    const outcome = () => h!.tg.callsOf('editMessageText', OWNER).some((c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    assert.equal(await helpWhile(h, OWNER, () => !outcome()), true, '/help was answered before the transfer ended');
    await waitUntil(outcome, 'the transfer outcome on the preview', 30_000);
    h.binance.clearFaults();
  });

  it('a /close all hangs on its futures order: the owner\'s next command in that chat comes first, and the outcome arrives after', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live });
    await h.running.launched;
    const { ledger } = h.running.deps;
    await tap(h, '/open BTCUSDT 0.01');
    await waitUntil(() => ledger.openPositions()[0]?.status === 'open' && ledger.pendingIntents().length === 0, 'the position open', 15_000);
    const ordersBefore = h.binance.requestsTo('/fapi/v1/order', 'POST').length;
    h.binance.inject({ path: '/fapi/v1/order', method: 'POST' }, 'hang', { times: 1 });
    const p = await tap(h, '/close all');
    await waitUntil(() => h!.binance.requestsTo('/fapi/v1/order', 'POST').length > ordersBefore, 'the close order on the wire', 8000);
    const summary = () => h!.tg.callsOf('editMessageText', OWNER).some((c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    const unfinished = () => !summary() && ledger.pendingIntents().length > 0;
    assert.equal(await helpWhile(h, OWNER, unfinished), true, '/help was answered while the close still waited on Binance');
    // the hung order times out; the close is settled and the preview gets the summary
    await waitUntil(summary, 'the close-all summary on the preview', 30_000);
  });
});
