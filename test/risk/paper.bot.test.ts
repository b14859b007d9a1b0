import assert from 'node:assert/strict';
import { isOutcomeEdit } from '../telegram/harness.js';
import { test } from 'node:test';
import { row } from '../ledger/botHarness.js';
import { OWNER, buttonsOf, seedShort, startRiskBot } from './harness.js';

const NB = '\u00a0';

test('paper: /margin and /status from the simulated wallet; /topup moves it and nothing reaches Binance', async () => {
  const bot = await startRiskBot({
    mode: 'paper',
    env: { LEVERAGE: '3', PAPER_FUTURES_USDT: '500' },
    seed: (d, now) => seedShort(d, { id: 'peth', symbol: 'ETHUSDT', mode: 'paper', qty: '2', entry: '4500' }, now),
    setup: (fake) => fake.setPrice('ETHUSDT', { markPrice: '4500' }),
  });
  try {
    // wallet = 2 × 4500 / 3 + 500 = 3500; LP = (3500 + 9000) / (2 × 1.01) = 6188.12 → 37.5 %
    const margin = String((await bot.say('/margin')).body.text);
    assert.match(margin, /PAPER/);
    assert.equal(row(margin, 'Wallet balance'), `3,500.00${NB}USDT`);
    assert.equal(row(margin, 'Liq. price'), '6,188.11881188');
    assert.equal(row(margin, 'To liquidation'), '37.5%');
    assert.ok(row(margin, 'To 60%'), 'USDT to twice the alert threshold');

    const status = String((await bot.say('/status')).body.text);
    assert.equal(row(status, 'Liq. price'), '6,188.11881188');
    assert.equal(row(status, 'Liq. distance'), '+37.5%');

    const p = await bot.say('/topup 202');
    assert.match(String(p.body.text), /ETHUSDT: 37\.5\s?% → 39\.7\s?%/);
    const edit = bot.tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && isOutcomeEdit(c));
    await bot.tap(buttonsOf(p)[0]!.callback_data, OWNER, p.result.message_id);
    assert.match(String((await edit).body.text), /simulated futures wallet/);
    assert.equal(row(String((await bot.say('/margin')).body.text), 'Wallet balance'), `3,702.00${NB}USDT`);
    assert.equal(bot.fake.requests.filter((r) => r.params.signature !== undefined).length, 0, 'paper never signs a request');

    const junk = String((await bot.say('/margin FOO')).body.text);
    assert.match(junk, /Usage: <code>\/margin<\/code> \(no arguments\)/, 'an argument /margin does not take gets the usage');

    const help = String((await bot.say('/help')).body.text);
    assert.match(help, /\/margin/);
    assert.match(help, /\/topup N/);
    assert.match(help, /\/close \[SYMBOL\|all\]/);
  } finally {
    await bot.close();
  }
});
