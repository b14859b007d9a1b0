import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { isOutcomeEdit, startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * Fault injection, Telegram side: the outcome of a trade is written to the outbox with the
 * trade and delivered once Telegram takes it (however long it refused), exactly once per chat;
 * a re-delivered update is handled once; a reply survives a short 502; exchange text that
 * reaches a chat is scrubbed of secrets.
 */

const OWNER = 111;
const PARTNER = 222;
const live = { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET };

const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;

async function preview(h: Harness, text: string): Promise<RecordedCall> {
  const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined, 8000);
  h.tg.sendText(OWNER, text);
  return reply;
}

/** accepted (not failed) sends and edits whose text matches, per chat */
const delivered = (h: Harness, re: RegExp, chatId: number) =>
  h.tg.calls.filter((c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.error === undefined && c.body.chat_id === chatId && re.test(String(c.body.text)));

describe('faults: Telegram refuses, the outcome still arrives, once', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('Telegram refuses every message while an open fills: the outcome arrives once it is back, once per chat', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live, timings: { outboxRetryMs: [100, 200] } });
    await h.running.launched;
    const p = await preview(h, '/open BTCUSDT 0.01');
    // from now on Telegram takes no message at all (polling still works: the tap comes in)
    h.tg.inject({ method: /^(sendMessage|editMessageText|answerCallbackQuery)$/, status: 502, description: 'Bad Gateway', times: Infinity });
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    const { ledger } = h.running.deps;
    await waitUntil(() => ledger.snapshot().intents.some((i) => i.status === 'done'), 'the trade to finish', 10_000);
    // long past any reply retry: every attempt at the outcome was refused
    await waitUntil(() => h!.tg.calls.filter((c) => c.error === 502 && /Opened/.test(String(c.body.text))).length >= 8, 'refused attempts', 15_000);
    assert.equal(delivered(h, /Opened BTCUSDT/, PARTNER).length, 0);
    h.tg.clearInjections();
    await waitUntil(() => delivered(h!, /Opened BTCUSDT/, OWNER).length > 0 && delivered(h!, /Opened BTCUSDT/, PARTNER).length > 0, 'the outcome after Telegram is back', 10_000);
    await waitUntil(() => ledger.snapshot().outbox.length === 0, 'every delivered message gone from the outbox');
    // one more poll round: nothing is sent again
    await h.running.deps.ledger.flush();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(delivered(h, /Opened BTCUSDT/, OWNER).length, 1, 'the initiator: once (its preview edited)');
    assert.equal(delivered(h, /Opened BTCUSDT/, PARTNER).length, 1, 'the other user: once');
  });

  it('outcomes owed while Telegram refuses go out in order per chat, each in the language its reader has when it is sent', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live, timings: { outboxRetryMs: [100, 200] } });
    await h.running.launched;
    const { ledger } = h.running.deps;
    const p = await preview(h, '/open BTCUSDT 0.01');
    h.tg.inject({ method: /^(sendMessage|editMessageText)$/, status: 502, description: 'Bad Gateway', times: Infinity });
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    await waitUntil(() => ledger.snapshot().positions[0]?.status === 'open', 'the open', 10_000);
    // the close preview cannot reach the chat: confirm it through the service, as the button would
    const close = await h.running.deps.trading.previewClose(OWNER, OWNER, 'BTCUSDT');
    assert.equal(close.kind, 'preview');
    if (close.kind === 'preview') await h.running.deps.trading.confirm(close.token, OWNER);
    assert.equal(ledger.snapshot().positions[0]?.status, 'closed');
    // the other user switches to Russian while both outcomes still wait for Telegram
    h.tg.sendText(PARTNER, '/lang ru');
    await waitUntil(() => ledger.userSettings(PARTNER)?.lang === 'ru', 'the language saved', 5000);
    h.tg.clearInjections();
    await waitUntil(() => ledger.snapshot().outbox.length === 0, 'everything delivered', 10_000);
    const texts = (chat: number) => h!.tg.calls.filter((c) => ['sendMessage', 'editMessageText'].includes(c.method) && c.error === undefined && c.body.chat_id === chat).map((c) => String(c.body.text));
    const partner = texts(PARTNER).filter((t) => /Открыто|Закрыто|Opened|Closed/.test(t));
    assert.deepEqual(partner.map((t) => (/Открыто BTCUSDT/.test(t) ? 'opened:ru' : /Закрыто BTCUSDT/.test(t) ? 'closed:ru' : t.slice(0, 40))), ['opened:ru', 'closed:ru'], 'in order, in Russian');
    const owner = texts(OWNER).filter((t) => /Opened BTCUSDT|Closed BTCUSDT/.test(t));
    assert.deepEqual(owner.map((t) => (/Opened/.test(t) ? 'opened' : 'closed')), ['opened', 'closed'], 'the initiator: in order, in English');
  });

  it('a slow "sending…" edit is never left over the outcome: the preview ends with the outcome', async () => {
    h = await startHarness({ allowed: [OWNER] });
    await h.running.launched;
    const p = await preview(h, '/open BTCUSDT 0.01');
    // paper fills in a moment: the outcome is written while "sending…" is still on its way
    h.tg.inject({ method: 'editMessageText', delayMs: 400, when: (b) => /Sending orders/.test(String(b.text)) });
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    await waitUntil(() => h!.running.deps.ledger.snapshot().outbox.length === 0 && h!.tg.calls.some((c) => c.method === 'editMessageText' && /Sending orders/.test(String(c.body.text))), 'both edits', 8000);
    const edits = h.tg.calls.filter((c) => c.method === 'editMessageText' && c.error === undefined && c.body.message_id === p.result.message_id);
    assert.deepEqual(edits.map((c) => (/Sending orders/.test(String(c.body.text)) ? 'sending' : /Opened BTCUSDT/.test(String(c.body.text)) ? 'outcome' : 'other')), ['sending', 'outcome']);
  });

  it('an update delivered again (twice, or after a restart) is handled once', async () => {
    h = await startHarness({ allowed: [OWNER] });
    await h.running.launched;
    const replied = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
    const update = h.tg.sendText(OWNER, '/pause');
    await replied;
    const answers = () => h!.tg.callsOf('sendMessage', OWNER).length;
    assert.equal(answers(), 1);
    // the same update again, through the bot's own update handling (a second delivery); a later
    // command of the same chat is handled after it, so its answer means the copy was dealt with
    await h.running.bot.handleUpdate(structuredClone(update));
    const later = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && /Commands/.test(String(c.body.text)));
    h.tg.sendText(OWNER, '/help');
    await later;
    assert.equal(answers(), 2, 'the copy was not answered again ("already paused"); /help was');
    // after a restart on the same store: still known
    const dataFile = h.dataFile;
    await h.running.stop('test');
    const again = await startHarness({ allowed: [OWNER], dataFile });
    try {
      await again.running.launched;
      await again.running.bot.handleUpdate(structuredClone(update));
      // this fake Telegram numbers its updates from 1 again: /help gets an id above every earlier one
      const help = structuredClone(update);
      help.update_id = Number(update.update_id) + 100;
      help.message.text = '/help';
      help.message.entities = [{ type: 'bot_command', offset: 0, length: 5 }];
      const later = again.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && /Commands/.test(String(c.body.text)));
      await again.running.bot.handleUpdate(help);
      await later;
      assert.equal(again.tg.callsOf('sendMessage', OWNER).length, 1, 'not handled after the restart either (only /help was)');
    } finally {
      await again.close();
    }
  });

  it('a reply that meets a short Telegram 502 is retried, not lost', async () => {
    h = await startHarness({ allowed: [OWNER] });
    await h.running.launched;
    h.tg.inject({ method: 'sendMessage', status: 502, description: 'Bad Gateway', times: 3 });
    const answered = h.tg.waitFor('sendMessage', (c) => c.error === undefined && /\/funding/.test(String(c.body.text)), 8000);
    h.tg.sendText(OWNER, '/help');
    await answered;
  });

  it('exchange error text that reaches a chat carries no secret', async () => {
    h = await startHarness({ allowed: [OWNER], env: live });
    await h.running.launched;
    const p = await preview(h, '/open BTCUSDT 0.01');
    // an exchange that echoes the key back in its error message
    h.binance.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010, msg: `Account has insufficient balance for key ${FAKE_API_KEY}` });
    const outcome = h.tg.nextCall('editMessageText', (c) => isOutcomeEdit(c) && /not opened/.test(String(c.body.text)), 8000);
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    const text = String((await outcome).body.text);
    assert.match(text, /insufficient balance/);
    for (const c of h.tg.calls) assert.ok(!JSON.stringify(c.body).includes(FAKE_API_KEY), `${c.method} carried the API key`);
  });
});
