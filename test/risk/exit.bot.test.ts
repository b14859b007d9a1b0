import assert from 'node:assert/strict';
import { isOutcomeEdit } from '../telegram/harness.js';
import { test } from 'node:test';
import type { FakeBinance, FakeRequest } from '../fakes/binance.js';
import { OWNER, PARTNER, buttonsOf, seedShort, startRiskBot } from './harness.js';

/**
 * Automatic exit and the kill switch through the real bot: the orders that reached the fake
 * exchange, in order, and what people were told. Time moves on an injected clock.
 */

const MINUTE = 60_000;

const leg = (r: FakeRequest) => `${r.path === '/fapi/v1/order' ? 'futures' : 'spot'} ${r.params.side} ${r.params.symbol}${r.params.reduceOnly === 'true' ? ' reduceOnly' : ''}`;

function holdBtc(fake: FakeBinance): void {
  fake.setPosition('BTCUSDT', '-0.01', '114000');
  fake.setSpotBalance('BTC', '0.01');
  fake.setFunding('BTCUSDT', { lastFundingRate: '-0.00010000' });
}

const seedBtc = (d: Parameters<typeof seedShort>[0], now: number) =>
  seedShort(d, { id: 'pbtc', symbol: 'BTCUSDT', mode: 'live', qty: '0.01', entry: '114000' }, now - 3_600_000);

test('AUTO_EXIT_MINUTES=1, negative funding: closed futures-first after the delay, not before', async () => {
  const bot = await startRiskBot({ mode: 'live', env: { AUTO_EXIT_MINUTES: '1' }, seed: seedBtc, setup: holdBtc });
  try {
    await bot.scan();
    const alert = bot.tg.callsOf('sendMessage', OWNER).find((c) => /Exit alert|exit/i.test(String(c.body.text)) && buttonsOf(c).length);
    assert.ok(alert, 'an exit alert');
    assert.match(String(alert.body.text), /Closing automatically in 1 min unless you tap <b>Keep open<\/b>/);
    assert.deepEqual(buttonsOf(alert).map((b) => b.text), ['Close BTCUSDT', 'Keep open']);
    assert.equal(bot.orders().length, 0, 'nothing before the delay');

    bot.clock.advance(30_000);
    await bot.scan();
    assert.equal(bot.orders().length, 0, 'still nothing after 30 s');

    bot.clock.advance(31_000);
    await bot.scan();
    assert.deepEqual(bot.orders().map(leg), ['futures BUY BTCUSDT reduceOnly', 'spot SELL BTCUSDT']);
    await bot.tg.waitFor('sendMessage', (c) => c.body.chat_id === PARTNER && /BTCUSDT<\/b>: closed automatically/.test(String(c.body.text)));
    assert.equal(bot.running.deps.ledger.snapshot().positions[0]!.status, 'closed');
  } finally {
    await bot.close();
  }
});

test('Keep open holds the position; paused trading holds an automatic close too', async () => {
  const bot = await startRiskBot({ mode: 'live', env: { AUTO_EXIT_MINUTES: '1' }, seed: seedBtc, setup: holdBtc });
  try {
    await bot.scan();
    const alert = bot.tg.callsOf('sendMessage', PARTNER).find((c) => buttonsOf(c).some((b) => b.text === 'Keep open'))!;
    const keep = buttonsOf(alert).find((b) => b.text === 'Keep open')!;
    const answer = await bot.tap(keep.callback_data, PARTNER, alert.result.message_id);
    assert.match(String(answer.body.text), /Kept open/);
    bot.clock.advance(5 * MINUTE);
    await bot.scan();
    assert.equal(bot.orders().length, 0, 'kept open');

    // the condition clears, then comes back: a new alert schedules again — but trading is paused
    bot.fake.setFunding('BTCUSDT', { lastFundingRate: '0.00010000' });
    await bot.scan();
    bot.fake.setFunding('BTCUSDT', { lastFundingRate: '-0.00020000' });
    await bot.scan();
    await bot.running.deps.ledger.pause('test');
    bot.clock.advance(2 * MINUTE);
    await bot.scan();
    assert.equal(bot.orders().length, 0, 'never while paused');
    await bot.running.deps.ledger.resume();
    await bot.scan();
    assert.deepEqual(bot.orders().map(leg), ['futures BUY BTCUSDT reduceOnly', 'spot SELL BTCUSDT']);
  } finally {
    await bot.close();
  }
});

test('/close all on three positions: each futures BUY reduce-only then its spot SELL, one summary; works while paused', async () => {
  const symbols = [
    { id: 'p1', symbol: 'BTCUSDT', qty: '0.01', entry: '114000' },
    { id: 'p2', symbol: 'ETHUSDT', qty: '0.5', entry: '4500' },
    { id: 'p3', symbol: 'SOLUSDT', qty: '10', entry: '238' },
  ];
  const bot = await startRiskBot({
    mode: 'live',
    seed: (d, now) => {
      for (const s of symbols) seedShort(d, { ...s, mode: 'live' }, now - 3_600_000);
      d.paused = true;
      d.pausedReason = 'test';
    },
    setup: (fake) => {
      for (const s of symbols) {
        fake.setPosition(s.symbol, `-${s.qty}`, s.entry);
        fake.setSpotBalance(s.symbol.replace(/USDT$/, ''), s.qty);
      }
    },
  });
  try {
    const p = await bot.say('/close all');
    const text = String(p.body.text);
    for (const s of symbols) assert.match(text, new RegExp(s.symbol));
    assert.match(text, /paused/);
    const [ok] = buttonsOf(p);
    assert.equal(buttonsOf(p).length, 2);
    assert.equal(bot.orders().length, 0);

    const edit = bot.tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    await bot.tap(ok!.callback_data, OWNER, p.result.message_id);
    const summary = String((await edit).body.text);
    assert.match(summary, /Close all<\/b>: 3 of 3 closed/);
    assert.deepEqual(bot.orders().map(leg), [
      'futures BUY BTCUSDT reduceOnly', 'spot SELL BTCUSDT',
      'futures BUY ETHUSDT reduceOnly', 'spot SELL ETHUSDT',
      'futures BUY SOLUSDT reduceOnly', 'spot SELL SOLUSDT',
    ]);
    assert.equal(bot.tg.callsOf('editMessageText', OWNER).filter(isOutcomeEdit).length, 1, 'one summary for the initiator');
    await bot.tg.waitFor('sendMessage', (c) => c.body.chat_id === PARTNER && /Close all/.test(String(c.body.text)));
    assert.equal(bot.tg.sentTexts(PARTNER).filter((t) => /Close all/.test(t)).length, 1, 'one summary for the others');
    assert.ok(bot.running.deps.ledger.snapshot().positions.every((x) => x.status === 'closed'));
  } finally {
    await bot.close();
  }
});
