import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHAT, USER, harnessPerTest } from './helpers.js';

/** MARKET orders on a thin book fill in part and EXPIRE the rest: the hedge follows what filled. */

const s = harnessPerTest();

async function open(qty: string) {
  const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', qty);
  s.fake.clearRequests();
  const result = await s.h.trading.confirm(token, USER);
  if (result.kind !== 'open') return assert.fail(`expected an open, got ${result.kind}`);
  return result.outcome;
}
const posts = (path: string) => s.fake.requestsTo(path, 'POST');

test('spot fills in part (thin book, EXPIRED): exactly the excess short is bought back; the user is told both quantities', async () => {
  s.fake.setBook('BTCUSDT', 'spot', { asks: [{ price: '114850.01', qty: '0.006' }] });
  const outcome = await open('0.01');
  const spotOrder = s.fake.orders.find((o) => o.market === 'spot')!;
  assert.equal(spotOrder.status, 'EXPIRED');
  assert.equal(spotOrder.executedQty, '0.00600000');
  const net = s.fake.spotBalances.get('BTC')!.free; // 0.006 − 0.000006 fee
  assert.equal(net.toFixed(), '0.005994');
  const futures = posts('/fapi/v1/order');
  assert.equal(futures.length, 2, 'the short, then one buy-back');
  assert.equal(futures[1]!.params.side, 'BUY');
  assert.equal(futures[1]!.params.reduceOnly, 'true');
  // what the spot did not cover, in whole futures steps (0.001): 0.01 − 0.005994 → 0.004
  assert.equal(futures[1]!.params.quantity, '0.004');
  assert.equal(s.fake.positions.get('BTCUSDT')!.amt.toFixed(), '-0.006');
  assert.equal(outcome.kind, 'opened');
  if (outcome.kind !== 'opened') return;
  assert.equal(outcome.futuresHeld, '0.006');
  assert.equal(outcome.spotHeld, '0.005994');
  assert.equal(outcome.excess?.executedQty, '0.004');
  const pos = s.h.ledger.snapshot().positions[0]!;
  assert.equal(pos.futuresQty, '0.006');
  assert.equal(pos.spotQty, '0.005994');
});

test('futures fills in part (thin book, EXPIRED): the spot buys what was actually shorted, grossed up for its fee', async () => {
  s.fake.setBook('BTCUSDT', 'futures', { bids: [{ price: '114867.50', qty: '0.006' }] });
  const outcome = await open('0.01');
  const short = s.fake.orders.find((o) => o.market === 'futures')!;
  assert.equal(short.status, 'EXPIRED');
  assert.equal(short.executedQty, '0.006');
  const spot = posts('/api/v3/order');
  assert.equal(spot.length, 1);
  assert.equal(spot[0]!.params.quantity, '0.00601', '0.006 / (1 − 0.001), up to the step');
  assert.equal(posts('/fapi/v1/order').length, 1, 'nothing to buy back');
  assert.equal(outcome.kind, 'opened');
  if (outcome.kind !== 'opened') return;
  assert.equal(outcome.futuresHeld, '0.006');
  assert.ok(Number(outcome.spotHeld) >= 0.006);
});
