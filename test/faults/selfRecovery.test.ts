import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { dec } from '../../src/money.js';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * Fault injection, nobody touching anything: a spot BUY that meets a 503 after the futures
 * short filled leaves the trade unknown; the bot settles it by itself once the order can no
 * longer arrive (flat or hedged, people told). And a trade hanging on Binance does not hold up
 * anybody else's command.
 */

const OWNER = 111;
const PARTNER = 222;
const live = { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET };
const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;

async function tapOpen(h: Harness, text: string): Promise<void> {
  const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined, 8000);
  h.tg.sendText(OWNER, text);
  const p = await reply;
  h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
}

describe('faults: the bot settles what it could not tell, and nobody waits for a trade', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('spot 503 after the futures fill: flat or hedged without any command, and everyone told', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live });
    await h.running.launched;
    const { ledger } = h.running.deps;
    // the spot BUY does not execute and its answer says nothing; its queries fail for a while too
    h.binance.inject({ path: '/api/v3/order', method: 'POST' }, { status: 503, unknown: true });
    h.binance.inject({ path: '/api/v3/order', method: 'GET' }, { status: 503, unknown: true }, { times: 4 });
    await tapOpen(h, '/open BTCUSDT 0.01');
    await waitUntil(() => ledger.snapshot().intents.some((i) => i.status === 'pending' && i.legs.futures.state === 'filled'), 'the trade to be left unknown', 15_000);
    // meanwhile /status does not call the position hedged
    const status = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === PARTNER && /being checked/.test(String(c.body.text)), 8000);
    h.tg.sendText(PARTNER, '/status');
    assert.doesNotMatch(String((await status).body.text), /\bhedged\b/);
    // nobody sends anything from here on
    const short = () => h!.binance.positions.get('BTCUSDT')?.amt ?? dec(0);
    const coins = () => h!.binance.spotBalances.get('BTC')?.free ?? dec(0);
    await waitUntil(() => ledger.snapshot().intents.every((i) => i.status !== 'pending'), 'the bot to settle the trade by itself', 20_000);
    assert.ok(short().isZero() || short().neg().eq(coins()), `flat or hedged: short ${short().toFixed()}, spot ${coins().toFixed()}`);
    await waitUntil(() => !ledger.pauseState().paused, 'the pause the unknown trade set to be lifted', 5000);
    for (const chat of [OWNER, PARTNER]) {
      await waitUntil(() => h!.tg.sentTexts(chat).some((t) => /settled by the bot/.test(t)), `user ${chat} told`, 5000);
    }
  });

  it('while one user\'s command waits on a hung Binance read, another user\'s /help is answered first', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live });
    await h.running.launched;
    // every futures account read hangs (to the client timeout): /margin waits on it
    h.binance.inject({ path: '/fapi/v3/account' }, 'hang', { times: Infinity });
    const ownerAnswers = () => h!.tg.callsOf('sendMessage', OWNER).length;
    const ownerAnswer = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER, 15_000);
    h.tg.sendText(OWNER, '/margin');
    await waitUntil(() => h!.binance.requestsTo('/fapi/v3/account').length > 0, 'the read on the wire', 8000);
    let ownerAnsweredBefore = -1;
    const help = h.tg.nextCall('sendMessage', (c) => {
      if (c.body.chat_id !== PARTNER) return false;
      ownerAnsweredBefore = ownerAnswers();
      return true;
    }, 15_000);
    h.tg.sendText(PARTNER, '/help');
    assert.match(String((await help).body.text), /\/funding/);
    assert.equal(ownerAnsweredBefore, 0, '/help did not wait for /margin');
    h.binance.clearFaults();
    await ownerAnswer;
  });

  it('while a futures order hangs on Binance, another user\'s /help is answered before the trade ends', async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER], env: live });
    await h.running.launched;
    const { ledger } = h.running.deps;
    h.binance.inject({ path: '/fapi/v1/order', method: 'POST' }, 'hang');
    await tapOpen(h, '/open BTCUSDT 0.01');
    await waitUntil(() => h!.binance.requestsTo('/fapi/v1/order', 'POST').length > 0, 'the futures order on the wire', 8000);
    let tradeWhenAnswered: string | undefined;
    let toldWhenAnswered = -1;
    const help = h.tg.nextCall('sendMessage', (c) => {
      if (c.body.chat_id !== PARTNER) return false;
      tradeWhenAnswered = ledger.snapshot().intents[0]?.status;
      toldWhenAnswered = ledger.snapshot().outbox.length;
      return true;
    }, 15_000);
    h.tg.sendText(PARTNER, '/help');
    assert.match(String((await help).body.text), /\/funding/);
    assert.equal(tradeWhenAnswered, 'pending', 'answered while the trade was still waiting on Binance');
    assert.equal(toldWhenAnswered, 0, 'before the trade had any outcome to tell');
    assert.equal(h.binance.requestsTo('/fapi/v1/order', 'POST')[0]!.status, undefined, 'the futures order had no answer yet');
    // let the trade end (timeout → unknown → settled) before closing
    h.binance.clearFaults();
  });
});
