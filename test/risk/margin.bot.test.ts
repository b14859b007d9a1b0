import assert from 'node:assert/strict';
import { isOutcomeEdit } from '../telegram/harness.js';
import { test } from 'node:test';
import { dec } from '../../src/money.js';
import { OWNER, PARTNER, buttonsOf, seedShort, startRiskBot } from './harness.js';

/**
 * The margin guardrails through the real bot and the fake exchange: what was pushed, and
 * exactly what transfer requests reached Binance.
 */

const ENTRY = '100000';

function shortBtc(fake: import('../fakes/binance.js').FakeBinance): void {
  fake.setPosition('BTCUSDT', '-0.5', ENTRY);
  fake.setSpotBalance('BTC', '0.5');
  // the fake puts a 2x short's liquidation at entry × 1.496: 49.6 % above a mark at entry
  fake.setLeverage('BTCUSDT', 2);
  fake.setPrice('BTCUSDT', { markPrice: ENTRY });
}

test('live: a mark move under MARGIN_ALERT_PCT pushes ONE alert; Move previews, confirms once, for the tapper only', async () => {
  const bot = await startRiskBot({
    mode: 'live',
    seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', entry: ENTRY }, now),
    setup: shortBtc,
  });
  try {
    const { tg, fake } = bot;
    await bot.scan();
    assert.equal(tg.sentTexts(OWNER).filter((t) => /margin low/.test(t)).length, 0, 'no alert at 49.6 %');

    // mark +20 %: liquidation 149600 is 24.7 % above it
    fake.setPrice('BTCUSDT', { markPrice: '120000' });
    await bot.scan();
    fake.setPrice('BTCUSDT', { markPrice: '121000' }); // still the same level: no repeat
    await bot.scan();
    const alerts = tg.callsOf('sendMessage', OWNER).filter((c) => /margin low/.test(String(c.body.text)));
    assert.equal(alerts.length, 1, 'one alert, not one per tick');
    assert.equal(tg.callsOf('sendMessage', PARTNER).filter((c) => /margin low/.test(String(c.body.text))).length, 1, 'to every allowlisted user');
    const alert = alerts[0]!;
    assert.match(String(alert.body.text), /24\.7/);
    const [move] = buttonsOf(alert);
    assert.ok(move, 'a Move button');
    const amount = /^risk:mv:(\d+(?:\.\d+)?)$/.exec(move.callback_data)![1]!;
    // LP to 160 % of mark 120000 = 192000: (192000 − 149600) × 0.5 × (1 + 0.004)
    assert.equal(amount, dec(192000 - 149600).mul('0.5').mul('1.004').toDecimalPlaces(2, 0).toFixed());
    assert.match(move.text, new RegExp(`Move 21,284\\.80 USDT to futures`));

    // tapping Move sends nothing yet: a preview with confirm / cancel
    const preview = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
    await bot.tap(move.callback_data, OWNER, alert.result.message_id);
    const p = await preview;
    assert.match(String(p.body.text), /Move 21,284\.80 USDT to futures/);
    const [ok, cancel] = buttonsOf(p);
    assert.match(ok!.callback_data, /^risk:ok:[A-Za-z0-9_-]{16}$/);
    assert.match(cancel!.callback_data, /^risk:no:/);
    assert.equal(bot.transfers().length, 0);

    // another allowlisted user cannot confirm someone else's preview
    const foreign = await bot.tap(ok!.callback_data, PARTNER, p.result.message_id);
    assert.match(String(foreign.body.text), /belongs to someone else/);
    assert.equal(bot.transfers().length, 0);

    const edit = tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    assert.match(String((await edit).body.text), /Moved <b>21284\.8 USDT|Moved <b>21,284\.80 USDT/);
    const sent = bot.transfers();
    assert.equal(sent.length, 1, 'exactly one transfer');
    assert.equal(sent[0]!.params.type, 'MAIN_UMFUTURE');
    assert.equal(sent[0]!.params.asset, 'USDT');
    assert.equal(sent[0]!.params.amount, amount);

    const second = await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    assert.match(String(second.body.text), /expired/i);
    assert.equal(bot.transfers().length, 1, 'a second tap sends nothing');
    assert.equal(bot.running.deps.ledger.snapshot().transfers.length, 1, 'the move is in the ledger');
    assert.equal(bot.running.deps.ledger.snapshot().transfers[0]!.amount, amount);

    // ten more points down: alerted again, once
    fake.setPrice('BTCUSDT', { markPrice: '131000' }); // 14.2 %
    await bot.scan();
    await bot.scan();
    assert.equal(tg.callsOf('sendMessage', OWNER).filter((c) => /margin low/.test(String(c.body.text))).length, 2);

    // the ADL queue: quantile 4 is pushed once, and again only after it fell back and returned
    const adlAlerts = () => tg.sentTexts(OWNER).filter((t) => /ADL quantile 4<\/b>/.test(t)).length;
    fake.adl.set('BTCUSDT', 3);
    await bot.scan();
    assert.equal(adlAlerts(), 0);
    fake.adl.set('BTCUSDT', 4);
    await bot.scan();
    await bot.scan();
    assert.equal(adlAlerts(), 1);
    fake.adl.set('BTCUSDT', 2);
    await bot.scan();
    fake.adl.set('BTCUSDT', 4);
    await bot.scan();
    assert.equal(adlAlerts(), 2);
  } finally {
    await bot.close();
  }
});

test('live: /topup without the universal-transfer permission gets a clear reply and moves nothing', async () => {
  const bot = await startRiskBot({
    mode: 'live',
    seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', entry: ENTRY }, now),
    setup: shortBtc,
  });
  try {
    bot.fake.universalTransfer = false;
    assert.match(String((await bot.say('/topup abc')).body.text), /Usage: <code>\/topup N<\/code>/);
    assert.match(String((await bot.say('/topup 1000000')).body.text), /has 100,000\.00000000 USDT free|100000\.00000000 USDT free/);
    const p = await bot.say('/topup 250');
    const [ok] = buttonsOf(p);
    const edit = bot.tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    const text = String((await edit).body.text);
    assert.match(text, /Permits Universal Transfer/);
    assert.match(text, /Nothing was moved/);
    assert.equal(bot.fake.transfers.length, 0);
    assert.equal(bot.running.deps.ledger.snapshot().transfers.length, 0, 'a refused move is not in the ledger');
  } finally {
    await bot.close();
  }
});

test('live: AUTO_TOPUP_USDT moves by itself below half the threshold, never more than its budget per 24 h', async () => {
  const bot = await startRiskBot({
    mode: 'live',
    env: { AUTO_TOPUP_USDT: '100' },
    seed: (d, now) => seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', entry: ENTRY }, now),
    setup: shortBtc,
  });
  try {
    const { fake, clock } = bot;
    fake.setPrice('BTCUSDT', { markPrice: '120000' }); // 24.7 %: an alert, no automatic move
    await bot.scan();
    assert.equal(bot.transfers().length, 0);

    fake.setPrice('BTCUSDT', { markPrice: '135000' }); // 10.8 %: below 15
    await bot.scan();
    fake.setPrice('BTCUSDT', { markPrice: '138000' });
    clock.advance(3_600_000);
    await bot.scan();
    clock.advance(20 * 3_600_000);
    await bot.scan();
    const moved = () => bot.transfers().map((r) => ({ amount: dec(r.params.amount!), at: Number(r.params.timestamp) }));
    assert.deepEqual(moved().map((m) => m.amount.toFixed()), ['100'], 'the whole budget once, then nothing within 24 h');
    const told = await bot.tg.waitFor('sendMessage', (c) => c.body.chat_id === OWNER && /by itself/.test(String(c.body.text)));
    assert.match(String(told.body.text), /Moved <b>100(\.00)? USDT<\/b>.*100(\.00)? of 100(\.00)? USDT used in 24 h/);
    await bot.scan(); // the outbox has gone round again: the report was published once, with the transfer
    assert.equal(bot.tg.sentTexts(OWNER).filter((t) => /by itself/.test(t)).length, 1, 'told once');

    clock.advance(4 * 3_600_000); // 25 h after the first move: the budget is free again
    await bot.scan();
    assert.equal(moved().length, 2);
    for (const m of moved()) {
      const window = moved().filter((x) => x.at > m.at - 86_400_000 && x.at <= m.at);
      assert.ok(window.reduce((a, x) => a.plus(x.amount), dec(0)).lte(100), 'at most 100 USDT in any 24 h');
    }
    assert.equal(bot.running.deps.ledger.snapshot().transfers.filter((t) => t.auto).length, 2, 'every automatic move is in the ledger');
  } finally {
    await bot.close();
  }
});
