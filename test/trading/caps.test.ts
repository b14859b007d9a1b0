import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import { dec } from '../../src/money.js';
import { CHAT, USER, harnessPerTest } from './helpers.js';

/**
 * MAX_POSITION_USDT / MAX_TOTAL_USDT judge the spot BUY that will be sent: with the fee taken
 * from the coin it is grossed up (0.01 BTC → 0.01002 BTC), and that is what the caps see, at
 * preview and again at confirm. BTCUSDT: spot ask 114850.01, futures bid 114867.50, so 0.01 is
 * 1148.50 net, 1150.80 gross, 1148.68 on futures.
 */

const s = harnessPerTest({ env: { MAX_POSITION_USDT: '1150', MAX_TOTAL_USDT: '1152' } });
const orderPosts = () => s.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/order'));

test('MAX_POSITION_USDT at preview: the grossed-up spot BUY above the cap is refused, no order sent', async () => {
  await assert.rejects(s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01'), (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.key, 'trading.error.max_position');
    assert.equal(err.params?.notional, '1150.80', 'the gross BUY: 0.01002 × 114850.01');
    return true;
  });
  assert.equal(orderPosts().length, 0);
});

test('MAX_TOTAL_USDT at confirm: the grossed-up BUY counts, as at preview; nothing sent', async () => {
  const btc = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.009');
  assert.equal(btc.preview.spotGrossQty, '0.00901');
  assert.equal(btc.preview.spotNotional, dec('0.00901').mul('114850.01').toFixed(), 'the preview shows the gross BUY');
  // another position opens between this preview and its confirm
  const eth = await s.h.trading.previewOpen(USER, CHAT, 'ETHUSDT', '0.026');
  const opened = await s.h.trading.confirm(eth.token, USER);
  assert.equal(opened.kind === 'open' && opened.outcome.kind, 'opened');
  const held = s.h.ledger.openPositions()[0]!;
  const ethNotional = dec(held.spotQty).mul(held.spotEntryPrice);
  const [gross, net] = [dec(btc.preview.spotNotional), dec(btc.preview.futuresNotional)]; // net spot 1033.65 < futures 1033.81
  assert.ok(ethNotional.plus(net).lte('1152') && ethNotional.plus(gross).gt('1152'), `the cap falls between net and gross (ETH ${ethNotional})`);
  s.fake.clearRequests();
  const r = await s.h.trading.confirm(btc.token, USER);
  assert.equal(r.kind === 'refused' && r.error.key, 'trading.error.max_total');
  assert.equal(orderPosts().length, 0);
});
