import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { DomainEvent } from '../../src/events.js';
import type { FakeBinance } from '../fakes/binance.js';
import type { FakeTelegram } from '../fakes/telegram.js';
import { OWNER, PARTNER, buttonsOf, seedShort, startRiskBot, type RiskBot } from '../risk/harness.js';
import { delivered, isOutcomeEdit, startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * Fault injection for pushes (alerts, signals): each is in the outbox with the state that says
 * it was due, so Telegram refusing for a while, or a restart before it was sent, delays it but
 * never loses it or sends it twice; its button still works when it arrives late; and a backlog of
 * signal pushes after an outage collapses into the newest one without holding up an alert.
 */

const ENTRY = '100000';

function shortBtc(fake: FakeBinance): void {
  fake.setPosition('BTCUSDT', '-0.5', ENTRY);
  fake.setSpotBalance('BTC', '0.5');
  // the fake puts a 2x short's liquidation at entry × 1.496: 49.6 % above a mark at entry
  fake.setLeverage('BTCUSDT', 2);
  fake.setPrice('BTCUSDT', { markPrice: ENTRY });
}

/** accepted (not refused) messages to a chat whose text matches */
const accepted = (tg: FakeTelegram, chatId: number, re: RegExp) => tg.callsOf('sendMessage', chatId).filter((c) => re.test(String(c.body.text)));
/** attempts Telegram refused */
const refused = (tg: FakeTelegram, chatId: number, re = /./) =>
  tg.calls.filter((c) => c.method === 'sendMessage' && c.error !== undefined && Number(c.body.chat_id) === chatId && re.test(String(c.body.text)));

const refuseMessages = (tg: FakeTelegram) => tg.inject({ method: 'sendMessage', status: 502, description: 'Bad Gateway', times: Infinity });

/** the scan tick with its hooks (margin watch), without waiting for delivery */
const tick = (bot: RiskBot) => bot.running.jobs.find((j) => j.name === 'signals')!.runNow();

describe('faults: alerts survive Telegram outages and restarts', () => {
  let bot: RiskBot | undefined;
  afterEach(async () => {
    await bot?.close();
    bot = undefined;
  });

  it('Telegram refuses for a while: the margin alert arrives once when it is back, and its Move button is still confirm-gated and works', async () => {
    bot = await startRiskBot({ mode: 'live', seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', entry: ENTRY }, now), setup: shortBtc, timings: { outboxRetryMs: [50, 100] } });
    const { tg, fake } = bot;
    await bot.scan(); // the signal push of a first scan out of the way
    refuseMessages(tg);
    fake.setPrice('BTCUSDT', { markPrice: '120000' });
    await tick(bot);
    await waitUntil(() => refused(tg, OWNER, /margin low/).length >= 5 && refused(tg, PARTNER, /margin low/).length >= 5, 'refused attempts at the alert', 10_000);
    // the outage lasts longer than any confirm window: nothing about the button may have been made up front
    bot.clock.advance(30 * 60_000);
    await tick(bot); // the same level again meanwhile: nothing new is owed
    tg.clearInjections();
    await delivered(bot, 10_000);
    const alerts = accepted(tg, OWNER, /margin low/);
    assert.equal(alerts.length, 1, 'the owner: once');
    assert.equal(accepted(tg, PARTNER, /margin low/).length, 1, 'the partner: once');
    await tick(bot);
    await delivered(bot);
    assert.equal(accepted(tg, OWNER, /margin low/).length, 1, 'no repeat on the next scan');

    const [move] = buttonsOf(alerts[0]!);
    assert.match(move!.callback_data, /^risk:mv:\d+(\.\d+)?$/, 'the stored button is data: an amount, no token');
    const preview = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
    await bot.tap(move!.callback_data, OWNER, alerts[0]!.result.message_id);
    const p = await preview;
    const [ok] = buttonsOf(p);
    assert.match(ok!.callback_data, /^risk:ok:[A-Za-z0-9_-]{16}$/);
    assert.equal(bot.transfers().length, 0, 'the tap alone moves nothing');
    const foreign = await bot.tap(ok!.callback_data, PARTNER, p.result.message_id);
    assert.match(String(foreign.body.text), /belongs to someone else/);
    assert.equal(bot.transfers().length, 0);
    const edit = tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    assert.match(String((await edit).body.text), /Moved/);
    assert.equal(bot.transfers().length, 1, 'exactly one transfer');
    const again = await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    assert.match(String(again.body.text), /expired/i);
    assert.equal(bot.transfers().length, 1, 'a second tap sends nothing');
  });

  it('a restart between the alert write and its sending: delivered once after the restart, not alerted again', async () => {
    bot = await startRiskBot({ mode: 'live', seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', entry: ENTRY }, now), setup: shortBtc, timings: { outboxRetryMs: [50, 100] } });
    const { tg, fake } = bot;
    refuseMessages(tg);
    fake.setPrice('BTCUSDT', { markPrice: '120000' });
    await tick(bot);
    const { ledger } = bot.running.deps;
    const owed = [OWNER, PARTNER].flatMap((chat) => ledger.queuedFor(chat)).filter((e) => (e.event as unknown as DomainEvent).type === 'risk');
    assert.equal(owed.length, 2, 'owed to both users, on disk');
    await bot.restart();
    tg.clearInjections();
    await delivered(bot, 10_000);
    assert.equal(accepted(tg, OWNER, /margin low/).length, 1);
    assert.equal(accepted(tg, PARTNER, /margin low/).length, 1);
    await bot.scan();
    assert.equal(accepted(tg, OWNER, /margin low/).length, 1, 'the stored alert state came with it: no repeat');
  });

  it('an exit alert delivered after an outage: its Close button opens a fresh preview, confirm-gated to the tapper', async () => {
    const holdBtc = (fake: FakeBinance) => {
      fake.setPosition('BTCUSDT', '-0.01', '114000');
      fake.setSpotBalance('BTC', '0.01');
      fake.setFunding('BTCUSDT', { lastFundingRate: '-0.00010000' });
    };
    bot = await startRiskBot({ mode: 'live', seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.01', entry: '114000' }, now - 3_600_000), setup: holdBtc, timings: { outboxRetryMs: [50, 100] } });
    const { tg } = bot;
    refuseMessages(tg);
    await tick(bot);
    await waitUntil(() => refused(tg, OWNER).length >= 3, 'refused attempts', 10_000);
    bot.clock.advance(30 * 60_000); // longer than any confirm window
    tg.clearInjections();
    await delivered(bot, 10_000);
    const alerts = accepted(tg, OWNER, /Exit alert|exit/i).filter((c) => buttonsOf(c).length);
    assert.equal(alerts.length, 1, 'the exit alert: once');
    const [close] = buttonsOf(alerts[0]!);
    assert.equal(close!.callback_data, 'trade:cl:BTCUSDT', 'the stored button is data: the symbol');
    const preview = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined);
    await bot.tap(close!.callback_data, OWNER, alerts[0]!.result.message_id);
    const p = await preview;
    const [ok] = buttonsOf(p);
    assert.match(ok!.callback_data, /^trade:ok:/);
    assert.equal(bot.orders().length, 0, 'the tap alone sends nothing');
    const foreign = await bot.tap(ok!.callback_data, PARTNER, p.result.message_id);
    assert.match(String(foreign.body.text), /belongs to someone else/);
    assert.equal(bot.orders().length, 0);
    await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    await waitUntil(() => bot!.orders().length === 2, 'the close', 10_000);
    assert.deepEqual(bot.orders().map((r) => `${r.path} ${r.params.side}`), ['/fapi/v1/order BUY', '/api/v3/order SELL']);
  });
});

describe('faults: a backlog of signal pushes after an outage', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('superseded signal pushes are left out, the newest says so, and an alert queued among them still arrives, in order', async () => {
    h = await startHarness({ allowed: [OWNER], timings: { outboxRetryMs: [50, 100] } });
    await h.running.launched;
    const { ledger } = h.running.deps;
    refuseMessages(h.tg);
    const signals = (symbol: string): DomainEvent => ({ type: 'signals', at: Date.now(), entered: [], left: [{ symbol }] });
    const drift: DomainEvent = {
      type: 'drift',
      drift: { symbol: 'BTCUSDT', baseAsset: 'BTC', ledgerFutures: '0.5', exchangeFutures: '0.3', ledgerSpot: '0.5', exchangeSpot: '0.5', futuresDrift: true, spotDrift: false, fingerprint: 'f' },
    };
    for (const event of [signals('AAAUSDT'), drift, signals('BBBUSDT'), signals('CCCUSDT')]) await ledger.publish([{ event, chats: [OWNER] }]);
    await waitUntil(() => refused(h!.tg, OWNER).length > 0, 'a refused attempt');
    h.tg.clearInjections();
    await delivered(h, 10_000);
    const texts = h.tg.sentTexts(OWNER);
    assert.equal(texts.length, 2, texts.join('\n---\n'));
    assert.match(texts[0]!, /BTCUSDT/, 'the alert first: it was queued before the newest push');
    assert.match(texts[1]!, /2 earlier signal updates were left out/);
    assert.match(texts[1]!, /CCCUSDT/);
    assert.ok(!texts.some((t) => /AAAUSDT|BBBUSDT/.test(t)), 'superseded pushes are not sent');
  });
});
