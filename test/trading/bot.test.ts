import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dec } from '../../src/money.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { isOutcomeEdit, startHarness, type Harness } from '../telegram/harness.js';

/**
 * /open and /close through the real bot (src/main.ts startBot) against the fake Bot API and the
 * fake Binance: what the user sees, and what did (or did not) reach the exchange.
 */

const OWNER = 111;
const PARTNER = 222; // allowlisted too, but not the one who asked
const STRANGER = 999;

const isOrder = (h: Harness) => h.binance.requests.filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/api/v3/order'));
const isSigned = (r: { params: Record<string, string>; headers: Record<string, unknown> }) => 'signature' in r.params || r.headers['x-mbx-apikey'] !== undefined;

function buttonsOf(call: RecordedCall): Array<{ text: string; callback_data: string }> {
  return (call.body.reply_markup?.inline_keyboard ?? []).flat();
}

async function say(h: Harness, text: string, from = OWNER): Promise<RecordedCall> {
  const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === from);
  h.tg.sendText(from, text);
  return reply;
}

/** A button tap; waits for its answer and, when `edited`, for the preview message's edit. */
async function tap(h: Harness, data: string, from: number, messageId: number, edited = true): Promise<{ answer: RecordedCall; edit?: RecordedCall }> {
  const answer = h.tg.nextCall('answerCallbackQuery');
  const edit = edited ? h.tg.nextCall('editMessageText', (c) => c.body.message_id === messageId && isOutcomeEdit(c)) : undefined;
  h.tg.sendCallback(from, data, { messageId, chatId: OWNER });
  return { answer: await answer, edit: await edit };
}

describe('paper mode through the bot', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER, PARTNER] });
    await h.running.launched;
  });
  after(async () => {
    await h.close();
  });

  test('bad input gets one clear reply and no order', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/open BTCUSDT abc', /not a quantity[\s\S]*Usage/],
      ['/open BTCUSDT -1', /not a quantity/],
      ['/open BTCUSDT 0.0000001', /below the (Spot|Futures) minimum/],
      ['/open NOPEUSDT 1', /NOPEUSDT is not listed/],
      ['/open BTCUSDT', /Usage: <code>\/open SYMBOL QTY<\/code>/],
      ['/open', /Usage/],
      ['/open BTC-USD 1', /not a symbol/],
      ['/open BTCUSDT 1', /above MAX_POSITION_USDT/],
      ['/open BTCUSDT 1000', /above the Futures maximum/],
      ['/close ETHUSDT', /no open position in ETHUSDT/],
      ['/close', /No open positions/],
    ];
    for (const [text, expected] of cases) {
      const reply = await say(h, text);
      assert.match(String(reply.body.text), expected, text);
      assert.equal(buttonsOf(reply).length, 0, `${text}: no buttons`);
    }
    assert.equal(isOrder(h).length, 0);
  });

  test('preview shows the legs, funding, fees, mode and exactly two buttons: confirm first, cancel second', async () => {
    const preview = await say(h, '/open btcusdt 0,01'); // a decimal comma is accepted
    const text = String(preview.body.text);
    for (const part of [/Open BTCUSDT/, /PAPER/, /0\.01 BTC/, /Spot BUY/, /Perp SELL/, /USDT/, /Funding/, /\/ 8h/, /APR now/, /APR 7d/, /Basis/, /Break-even/, /Next funding/, /Fees/, /Confirm within 60 s/]) {
      assert.match(text, part);
    }
    const buttons = buttonsOf(preview);
    assert.equal(buttons.length, 2);
    assert.match(buttons[0]!.callback_data, /^trade:ok:[A-Za-z0-9_-]{16}$/);
    assert.match(buttons[1]!.callback_data, /^trade:no:[A-Za-z0-9_-]{16}$/);
    assert.ok(Buffer.byteLength(buttons[0]!.callback_data) <= 64);
    assert.match(buttons[0]!.text, /Confirm/);
    assert.match(buttons[1]!.text, /Cancel/);
    // cancel it: nothing is sent, and the confirm button is dead afterwards
    const id = Number(preview.result.message_id);
    const c = await tap(h, buttons[1]!.callback_data, OWNER, id);
    assert.match(String(c.edit?.body.text), /Cancelled/);
    const late = await tap(h, buttons[0]!.callback_data, OWNER, id, false);
    assert.match(String(late.answer.body.text), /Expired/);
    assert.equal(isOrder(h).length, 0);
  });

  test('strangers and other users cannot confirm; the owner can, once; paper sends nothing signed', async () => {
    h.binance.clearRequests();
    const preview = await say(h, '/open BTCUSDT 0.01');
    const id = Number(preview.result.message_id);
    const ok = buttonsOf(preview)[0]!.callback_data;

    const stranger = await tap(h, ok, STRANGER, id, false);
    assert.match(String(stranger.answer.body.text), /999/);
    const partner = await tap(h, ok, PARTNER, id, false);
    assert.match(String(partner.answer.body.text), /someone else/);
    assert.equal(isOrder(h).length, 0);

    const mine = await tap(h, ok, OWNER, id);
    assert.match(String(mine.edit?.body.text), /Opened BTCUSDT/);
    assert.match(String(mine.edit?.body.text), /PAPER/);
    assert.equal(buttonsOf(mine.edit!).length, 0, 'the outcome has no buttons');
    const again = await tap(h, ok, OWNER, id, false);
    assert.match(String(again.answer.body.text), /Expired/);

    assert.deepEqual(h.binance.requests.filter(isSigned).map((r) => r.path), [], 'no signed request in paper mode');
    assert.equal(h.binance.orders.length, 0);
    const ledger = h.running.deps.ledger.snapshot();
    assert.equal(ledger.positions.filter((p) => p.status === 'open').length, 1);
    assert.equal(ledger.fills.length, 2);
    assert.ok(ledger.fills.every((f) => f.mode === 'paper'));
    // paper fills at the book: open = spot ask / futures bid
    const sym = h.binance.symbols.get('BTCUSDT')!;
    assert.ok(dec(ledger.fills.find((f) => f.market === 'spot')!.price).eq(sym.spot!.ask));
    assert.ok(dec(ledger.fills.find((f) => f.market === 'futures')!.price).eq(sym.futures!.bid));
  });

  test('/close previews the one open position; confirmed, both legs close at the book (paper)', async () => {
    const preview = await say(h, '/close');
    assert.match(String(preview.body.text), /Close BTCUSDT/);
    const [ok, no] = buttonsOf(preview);
    assert.match(ok!.callback_data, /^trade:ok:/);
    assert.match(no!.callback_data, /^trade:no:/);
    const done = await tap(h, ok!.callback_data, OWNER, Number(preview.result.message_id));
    assert.match(String(done.edit?.body.text), /Closed BTCUSDT/);
    const ledger = h.running.deps.ledger.snapshot();
    assert.equal(ledger.positions.find((p) => p.symbol === 'BTCUSDT')?.status, 'closed');
    const sym = h.binance.symbols.get('BTCUSDT')!;
    const closeFills = ledger.fills.filter((f) => f.role === 'close');
    assert.ok(dec(closeFills.find((f) => f.market === 'futures')!.price).eq(sym.futures!.ask));
    assert.ok(dec(closeFills.find((f) => f.market === 'spot')!.price).eq(sym.spot!.bid));
    assert.equal(h.binance.requests.filter(isSigned).length, 0);
  });

  test('several positions: /close offers a keyboard; the close button starts the preview', async () => {
    for (const [sym, qty] of [['ETHUSDT', '0.1'], ['SOLUSDT', '1']] as const) {
      const p = await say(h, `/open ${sym} ${qty}`);
      await tap(h, buttonsOf(p)[0]!.callback_data, OWNER, Number(p.result.message_id));
    }
    const choose = await say(h, '/close');
    const buttons = buttonsOf(choose);
    assert.deepEqual(buttons.map((b) => b.callback_data), ['trade:cl:ETHUSDT', 'trade:cl:SOLUSDT']);
    const next = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
    h.tg.sendCallback(OWNER, 'trade:cl:SOLUSDT', { messageId: Number(choose.result.message_id) });
    const preview = await next;
    assert.match(String(preview.body.text), /Close SOLUSDT/);
    assert.equal(buttonsOf(preview).length, 2);
  });
});

describe('live mode through the bot', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      allowed: [OWNER],
      env: { TRADING_MODE: 'live', BINANCE_API_KEY: 'fakeApiKey0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789', BINANCE_API_SECRET: 'fakeApiSecret0123456789abcdefABCDEF0123456789abcdefABCDEF012345' },
    });
    await h.running.launched;
  });
  after(async () => {
    await h.close();
  });

  test('spot rejected: the user is told what failed (with the code) and that the short was bought back', async () => {
    h.binance.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
    const preview = await say(h, '/open BTCUSDT 0.01');
    assert.match(String(preview.body.text), /LIVE/);
    h.binance.clearRequests();
    const done = await tap(h, buttonsOf(preview)[0]!.callback_data, OWNER, Number(preview.result.message_id));
    const text = String(done.edit?.body.text);
    assert.match(text, /not opened/);
    assert.match(text, /spot BUY failed/);
    assert.match(text, /-2010/);
    assert.match(text, /bought back reduce-only/);
    const orders = isOrder(h);
    assert.deepEqual(orders.map((o) => `${o.path} ${o.params.side}${o.params.reduceOnly ? ' RO' : ''}`), ['/fapi/v1/order SELL', '/api/v3/order BUY', '/fapi/v1/order BUY RO']);
    assert.ok(orders.filter((o) => o.status === 200).every((o) => o.signatureValid));
  });

  test('unwind fails too: critical alert with the manual step, paused', async () => {
    h.binance.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
    h.binance.inject({ path: '/fapi/v1/order', method: 'POST', when: (r) => r.params.reduceOnly === 'true' }, { code: -2022 }, { times: 3 });
    const preview = await say(h, '/open ETHUSDT 0.1');
    h.tg.clearCalls();
    const done = await tap(h, buttonsOf(preview)[0]!.callback_data, OWNER, Number(preview.result.message_id));
    assert.match(String(done.edit?.body.text), /On Binance Futures, BUY 0\.1 ETHUSDT reduce-only MARKET to close the naked short/);
    // the initiator reads it in the preview, once: no second copy as a message of its own
    assert.deepEqual(h.tg.sentTexts(OWNER).filter((t) => /NAKED SHORT/.test(t)), []);
    assert.equal(h.running.deps.ledger.snapshot().paused, true);
    const refused = await say(h, '/open SOLUSDT 1');
    assert.match(String(refused.body.text), /paused/);
  });
});
