import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dec } from '../../src/money.js';
import { CHAT, USER, harnessPerTest } from './helpers.js';

/**
 * A refused buy-back is not given up at once: smaller MARKET slices, then LIMIT IOC orders at
 * most 2 % through the mark, re-reading the short each time, before the position is broken.
 */

const s = harnessPerTest();

/** A fast market: the perp's ask `pct` % above the mark, MARKET orders bounded to 0.3 % of it (-4131 beyond). */
function askAboveMark(pct: string) {
  const f = s.fake.symbols.get('BTCUSDT')!.futures!;
  f.ask = dec(f.markPrice).mul(dec(1).plus(dec(pct).div(100))).toDecimalPlaces(1).toFixed();
  f.marketTakeBound = '0.003';
}

async function openWithSpotRejected() {
  const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
  s.fake.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
  s.fake.clearRequests();
  const result = await s.h.trading.confirm(token, USER);
  if (result.kind !== 'open') return assert.fail(`expected an open, got ${result.kind}`);
  return result.outcome;
}
const buyBacks = () => s.fake.requestsTo('/fapi/v1/order', 'POST').filter((r) => r.params.reduceOnly === 'true');

test('MARKET buy-back refused with -4131: slices refused too, then a LIMIT IOC within 2 % of the mark fills; flat, not broken', async () => {
  askAboveMark('0.4');
  const outcome = await openWithSpotRejected();
  const sent = buyBacks();
  assert.deepEqual(sent.map((r) => [r.params.type, r.params.quantity, r.status]), [
    ['MARKET', '0.01', 400],
    ['MARKET', '0.005', 400],
    ['MARKET', '0.002', 400],
    ['LIMIT', '0.01', 200],
  ]);
  const mark = dec(s.fake.symbols.get('BTCUSDT')!.futures!.markPrice);
  const ioc = sent[3]!;
  assert.equal(ioc.params.timeInForce, 'IOC');
  assert.ok(dec(ioc.params.price!).lte(mark.mul('1.02')), 'never more than 2 % through the mark');
  assert.equal(new Set(sent.map((r) => r.params.newClientOrderId)).size, sent.length, 'a new client id for every order');
  assert.ok(s.fake.requestsTo('/fapi/v3/positionRisk').length >= 3, 'the short re-read before each escalated order');
  assert.equal(s.fake.positions.get('BTCUSDT')!.amt.toFixed(), '0', 'the account is flat');
  assert.equal(outcome.kind, 'unwound');
  assert.equal(s.h.ledger.snapshot().positions[0]?.status ?? 'closed', 'closed');
  assert.equal(s.h.ledger.snapshot().paused, false, 'not broken: opens are not paused');
  assert.equal(s.h.critical.length, 0);
});

test('nothing the exchange accepts within 2 % of the mark: broken, and the alert lists every order tried and the short still open', async () => {
  askAboveMark('3');
  const outcome = await openWithSpotRejected();
  assert.equal(outcome.kind, 'broken');
  const sent = buyBacks();
  assert.equal(sent.length, 6, 'three MARKET sizes, three IOC prices, then it stops');
  for (const r of sent.filter((x) => x.params.type === 'LIMIT')) {
    assert.ok(dec(r.params.price!).lte(dec(s.fake.symbols.get('BTCUSDT')!.futures!.markPrice).mul('1.02')));
  }
  const alert = s.h.critical[0]?.outcome;
  assert.equal(alert?.kind, 'broken');
  if (alert?.kind !== 'broken') return;
  assert.equal(alert.tried?.length, 6);
  assert.match(alert.tried![0]!, /^MARKET BUY 0\.01: -4131 /);
  assert.match(alert.tried![5]!, /^LIMIT IOC BUY 0\.01 @ [\d.]+: EXPIRED 0$/);
  assert.deepEqual(alert.manual, [{ market: 'futures', side: 'BUY', qty: '0.01', symbol: 'BTCUSDT', reduceOnly: true }]);
  assert.equal(s.fake.positions.get('BTCUSDT')!.amt.toFixed(), '-0.01', 'nothing was over-bought');
});

test('the short is re-read before each escalated order: a buy-back never asks for more than is still short', async () => {
  askAboveMark('0.4');
  // part of the short is bought back by hand while the first buy-back is being refused
  const shrink = (r: { path: string; method: string; params: Record<string, string> }) => {
    if (r.path === '/fapi/v1/order' && r.method === 'POST' && r.params.reduceOnly === 'true') {
      s.fake.setPosition('BTCUSDT', '-0.004', s.fake.positions.get('BTCUSDT')!.entry.toFixed());
      s.fake.off('request', shrink);
    }
  };
  s.fake.on('request', shrink);
  await openWithSpotRejected();
  const [first, ...escalated] = buyBacks();
  assert.equal(first!.params.quantity, '0.01');
  assert.ok(escalated.length > 0);
  for (const r of escalated) assert.ok(dec(r.params.quantity!).lte('0.004'), `${r.params.type} ${r.params.quantity} asks for more than the 0.004 short`);
  assert.equal(s.fake.positions.get('BTCUSDT')!.amt.toFixed(), '0');
});

test('the escalation is bounded in time: past the budget (15 s) no further order is sent; broken, alerted, opens paused', async () => {
  askAboveMark('0.4'); // the first LIMIT IOC would fill
  // a congested exchange: every buy-back takes 6 s of the trading clock before it is refused
  const slow = (r: { path: string; method: string; params: Record<string, string> }) => {
    if (r.path === '/fapi/v1/order' && r.method === 'POST' && r.params.reduceOnly === 'true') s.h.clock.offset += 6000;
  };
  s.fake.on('request', slow);
  const outcome = await openWithSpotRejected();
  s.fake.off('request', slow);
  // sent at 0, 6 and 12 s; at 18 s the budget is spent: the IOC that would have filled is never sent
  assert.deepEqual(buyBacks().map((r) => r.params.type), ['MARKET', 'MARKET', 'MARKET']);
  assert.equal(outcome.kind, 'broken');
  const alert = s.h.critical[0]?.outcome;
  assert.equal(alert?.kind === 'broken' && alert.unwindError.message, 'not bought back within the unwind time budget (15 s)');
  assert.equal(alert?.kind === 'broken' && alert.tried?.length, 3);
  assert.equal(s.h.ledger.snapshot().positions[0]!.status, 'broken');
  assert.equal(s.h.ledger.snapshot().paused, true, 'opens paused');
  assert.equal(s.fake.positions.get('BTCUSDT')!.amt.toFixed(), '-0.01');
});
