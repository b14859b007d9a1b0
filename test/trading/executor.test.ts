import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { dec } from '../../src/money.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { CHAT, OTHER, USER, harness, type Harness } from './helpers.js';

/**
 * The executor and service against the fake Binance in LIVE mode: what crossed the wire, in
 * which order, with what quantities, and what the ledger says afterwards.
 */

let fake: FakeBinance;
let h: Harness;

before(async () => {
  fake = await startFakeBinance();
});
after(async () => {
  await fake.close();
});
beforeEach(async () => {
  await h?.close();
  fake.reset();
  h = await harness({ fakeInstance: fake });
});
after(async () => {
  await h?.close();
});

/** for a test that waits out a hung order: the client gives up after 1 s instead of 5 */
async function shortTimeout(): Promise<void> {
  await h.close();
  h = await harness({ fakeInstance: fake, timeoutMs: 1000 });
}

const futuresOrders = () => h.orders().filter((r) => r.path === '/fapi/v1/order');
const spotOrders = () => h.orders().filter((r) => r.path === '/api/v3/order');

async function openBtc(qty = '0.01') {
  const { token, preview } = await h.trading.previewOpen(USER, CHAT, 'btcusdt', qty);
  fake.clearRequests();
  const result = await h.trading.confirm(token, USER);
  return { token, preview, result };
}

describe('open', () => {
  test('futures SELL goes out before the spot BUY, same quantity, signed; the position is open', async () => {
    const { preview, result } = await openBtc('0.0105');
    assert.equal(preview.qty, '0.01', 'rounded down to the common step');
    assert.equal(result.kind, 'open');
    assert.equal(result.kind === 'open' && result.outcome.kind, 'opened');

    const orders = h.orders();
    assert.equal(orders.length, 2);
    const [f, s] = orders;
    assert.equal(f!.path, '/fapi/v1/order');
    assert.equal(f!.params.side, 'SELL');
    assert.equal(f!.params.type, 'MARKET');
    assert.equal(f!.params.newOrderRespType, 'RESULT');
    assert.equal(f!.params.reduceOnly, undefined);
    assert.equal(s!.path, '/api/v3/order');
    assert.equal(s!.params.side, 'BUY');
    assert.equal(s!.params.newOrderRespType, 'FULL');
    assert.equal(f!.params.quantity, '0.01');
    // the spot fee is taken from the coin: the BUY is grossed up so the net held covers the short
    assert.equal(s!.params.quantity, '0.01002');
    assert.ok(f!.at < s!.at);
    assert.ok(orders.every((o) => o.signatureValid === true));
    assert.match(f!.params.newClientOrderId!, /^cb[A-Za-z0-9]+F$/);
    assert.ok(f!.params.newClientOrderId!.length <= 36);

    const pos = h.ledger.snapshot().positions.find((p) => p.symbol === 'BTCUSDT');
    assert.equal(pos?.status, 'open');
    assert.equal(pos?.futuresQty, '0.01');
    // the fake charges the spot BUY commission in BTC: the grossed-up BUY still leaves ≥ the short
    assert.equal(pos?.spotQty, '0.01000998');
    assert.equal(h.ledger.snapshot().fills.length, 2);
    const spotFill = h.ledger.snapshot().fills.find((x) => x.market === 'spot')!;
    assert.equal(spotFill.commissionAsset, 'BTC');
    assert.ok(dec(spotFill.feeUsdt).gt(0));
    const futFill = h.ledger.snapshot().fills.find((x) => x.market === 'futures')!;
    assert.ok(dec(futFill.price).gt(0));
    // the futures commission comes from userTrades (after the spot order went out)
    const trades = fake.requestsTo('/fapi/v1/userTrades', 'GET');
    assert.equal(trades.length, 1);
    assert.ok(trades[0]!.at > s!.at);
    assert.ok(dec(futFill.commission).eq(fake.orders.find((o) => o.market === 'futures')!.commission));
    assert.ok(dec(spotFill.commission).eq(fake.orders.find((o) => o.market === 'spot')!.commission));
    assert.equal(h.ledger.snapshot().intents[0]?.status, 'done');
  });

  test('a second tap of the same token places nothing more', async () => {
    const { token } = await openBtc();
    const again = await h.trading.confirm(token, USER);
    assert.equal(again.kind, 'expired');
    assert.equal(h.orders().length, 2);
  });

  test('another user cannot confirm; the owner still can', async () => {
    const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    fake.clearRequests();
    assert.equal((await h.trading.confirm(token, OTHER)).kind, 'not_yours');
    assert.equal(h.trading.cancel(token, OTHER), 'not_yours');
    assert.equal(h.orders().length, 0);
    assert.equal((await h.trading.confirm(token, USER)).kind, 'open');
    assert.equal(h.orders().length, 2);
  });

  test('an expired token places nothing', async () => {
    const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    fake.clearRequests();
    h.clock.offset += (h.config.confirmTtlSeconds + 1) * 1000;
    assert.equal((await h.trading.confirm(token, USER)).kind, 'expired');
    assert.equal(h.orders().length, 0);
  });

  test('a cancelled token places nothing', async () => {
    const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    assert.equal(h.trading.cancel(token, USER), 'cancelled');
    assert.equal((await h.trading.confirm(token, USER)).kind, 'expired');
    assert.equal(h.orders().length, 0);
  });

  test('price moved more than 1 % since the preview: refused, nothing sent', async () => {
    const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    fake.setPrice('BTCUSDT', { spotAsk: '117000', spotBid: '116999' });
    const r = await h.trading.confirm(token, USER);
    assert.equal(r.kind, 'refused');
    assert.equal(r.kind === 'refused' && r.error.key, 'trading.error.moved');
    assert.equal(h.orders().length, 0);
  });

  test('funding flipped sign since the preview: refused, nothing sent', async () => {
    const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    fake.setFunding('BTCUSDT', { lastFundingRate: '-0.0001' });
    const r = await h.trading.confirm(token, USER);
    assert.equal(r.kind === 'refused' && r.error.key, 'trading.error.flipped');
    assert.equal(h.orders().length, 0);
  });

  test('futures rejected (-2019): no spot order, no position', async () => {
    fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { code: -2019 });
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'not_placed');
    assert.equal(result.kind === 'open' && result.outcome.kind === 'not_placed' && result.outcome.error.code, -2019);
    assert.equal(spotOrders().length, 0);
    assert.equal(futuresOrders().length, 1);
    assert.equal(h.ledger.snapshot().positions.length, 0);
    assert.equal(h.ledger.snapshot().intents[0]?.status, 'failed');
  });

  test('spot rejected (-2010) after the short filled: the short is bought back reduce-only', async () => {
    fake.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'unwound');
    const outcome = result.kind === 'open' && result.outcome.kind === 'unwound' ? result.outcome : undefined;
    assert.equal(outcome?.spotError.code, -2010);
    const f = futuresOrders();
    assert.equal(f.length, 2);
    assert.equal(f[1]!.params.side, 'BUY');
    assert.equal(f[1]!.params.reduceOnly, 'true');
    assert.equal(f[1]!.params.quantity, f[0]!.params.quantity);
    assert.match(f[1]!.params.newClientOrderId!, /U$/);
    assert.ok(dec(fake.positions.get('BTCUSDT')?.amt ?? 0).eq(0), 'no short left on the exchange');
    const pos = h.ledger.snapshot().positions[0];
    assert.equal(pos?.status, 'closed');
    assert.equal(h.ledger.snapshot().intents[0]?.status, 'unwound');
    assert.equal(h.ledger.snapshot().fills.filter((x) => x.role === 'unwind').length, 1);
    assert.equal(h.ledger.snapshot().paused, false);
  });

  test('spot rejected and the unwind rejected too: critical alert with manual steps, broken, paused', async () => {
    fake.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 });
    fake.inject({ path: '/fapi/v1/order', method: 'POST', when: (r) => r.params.reduceOnly === 'true' }, { code: -2022 }, { times: Infinity });
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'broken');
    assert.equal(h.critical.length, 1);
    const alert = h.critical[0]!;
    assert.equal(alert.chatId, CHAT);
    assert.equal(alert.outcome.kind, 'broken');
    if (alert.outcome.kind === 'broken') {
      assert.deepEqual(alert.outcome.manual, [{ market: 'futures', side: 'BUY', qty: '0.01', symbol: 'BTCUSDT', reduceOnly: true }]);
      assert.equal(alert.outcome.spotError.code, -2010);
      assert.equal(alert.outcome.unwindError.code, -2022);
    }
    assert.equal(h.ledger.snapshot().positions[0]?.status, 'broken');
    assert.equal(h.ledger.snapshot().positions[0]?.futuresQty, '0.01');
    assert.equal(h.ledger.snapshot().paused, true);
    assert.ok(h.ledger.snapshot().pausedReason);
    // and a new open is refused while paused
    await assert.rejects(h.trading.previewOpen(USER, CHAT, 'ETHUSDT', '0.1'), { key: 'trading.error.paused' });
  });

  test('futures answer lost after the fill (fillThenFail): found by client id, not resent', async () => {
    fake.inject({ path: '/fapi/v1/order', method: 'POST' }, 'fillThenFail');
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'opened');
    assert.equal(futuresOrders().length, 1, 'the futures order was not sent twice');
    assert.equal(fake.orders.filter((o) => o.market === 'futures').length, 1);
    const q = fake.requestsTo('/fapi/v1/order', 'GET');
    assert.ok(q.length >= 1);
    assert.equal(q[0]!.params.origClientOrderId, futuresOrders()[0]!.params.newClientOrderId);
    assert.ok(q[0]!.at < spotOrders()[0]!.at, 'queried before the spot leg');
    assert.equal(h.ledger.snapshot().positions[0]?.status, 'open');
  });

  test('-4116 (duplicate client id) means the order exists: it is queried, never read as "not placed", never sent again', async () => {
    fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { fillThenFail: { code: -4116, status: 400 } });
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'opened');
    assert.equal(futuresOrders().length, 1, 'no second futures order');
    const q = fake.requestsTo('/fapi/v1/order', 'GET');
    assert.equal(q[0]?.params.origClientOrderId, futuresOrders()[0]!.params.newClientOrderId);
    assert.equal(spotOrders().length, 1, 'the short found is hedged');
    assert.equal(h.ledger.snapshot().positions[0]?.status, 'open');
  });

  test('futures timeout with nothing executed: not found yet is NOT "never placed" (recvWindow still open): unknown, paused; recovery later concludes absent', async () => {
    await shortTimeout();
    fake.inject({ path: '/fapi/v1/order', method: 'POST' }, 'hang');
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'unknown');
    assert.equal(futuresOrders().length, 1);
    assert.ok(fake.requestsTo('/fapi/v1/order', 'GET').length >= 1);
    assert.equal(spotOrders().length, 0);
    assert.equal(h.ledger.snapshot().paused, true);
    assert.equal(h.ledger.snapshot().intents[0]?.status, 'pending');
    assert.equal(h.ledger.snapshot().positions[0]?.status, 'opening', 'not abandoned while the order may still arrive');
    const reports = await h.trading.recover();
    assert.equal(reports[0]?.outcome.kind, 'not_placed');
    assert.equal(futuresOrders().length, 1, 'never resent');
    assert.equal(h.ledger.snapshot().positions.length, 0);
  });

  test('futures outcome cannot be learned (timeout, then every query fails): no spot, paused, critical alert, intent kept', async () => {
    await shortTimeout();
    fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { fillThenFail: 'hang' });
    fake.inject({ path: '/fapi/v1/order', method: 'GET' }, { status: 503 }, { times: Infinity });
    const { result } = await openBtc();
    assert.equal(result.kind === 'open' && result.outcome.kind, 'unknown');
    assert.equal(futuresOrders().length, 1, 'never resent');
    assert.equal(spotOrders().length, 0, 'no spot leg on an unknown short');
    assert.equal(h.critical.length, 1);
    assert.equal(h.critical[0]!.outcome.kind, 'unknown');
    assert.equal(h.ledger.snapshot().paused, true);
    assert.equal(h.ledger.snapshot().intents[0]?.status, 'pending', 'left for recovery');
    assert.equal(h.ledger.snapshot().positions[0]?.status, 'opening');
    // once Binance answers again, recovery finds the short and unwinds it
    fake.clearFaults();
    fake.clearRequests();
    const reports = await h.trading.recover();
    assert.equal(reports[0]?.outcome.kind, 'unwound');
    assert.equal(h.recovered.length, 1);
    assert.ok(dec(fake.positions.get('BTCUSDT')!.amt.toFixed()).eq(0));
  });

  test('two confirms at once run one after the other (the trading lock): legs never interleave', async () => {
    const a = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    const b = await h.trading.previewOpen(OTHER, OTHER, 'ETHUSDT', '0.1');
    fake.clearRequests();
    const [ra, rb] = await Promise.all([h.trading.confirm(a.token, USER), h.trading.confirm(b.token, OTHER)]);
    assert.equal(ra.kind === 'open' && ra.outcome.kind, 'opened');
    assert.equal(rb.kind === 'open' && rb.outcome.kind, 'opened');
    const seq = h.orders().map((o) => `${o.params.symbol} ${o.path === '/fapi/v1/order' ? 'F' : 'S'}`);
    assert.deepEqual(seq, ['BTCUSDT F', 'BTCUSDT S', 'ETHUSDT F', 'ETHUSDT S']);
  });

  test('an open position in the symbol refuses another open', async () => {
    await openBtc();
    await assert.rejects(h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01'), { key: 'trading.error.already_open' });
  });

  test('hedge mode and short balances are refused at preview with no order', async () => {
    fake.dualSidePosition = true;
    await assert.rejects(h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01'), { key: 'trading.error.hedge_mode' });
    fake.dualSidePosition = false;
    fake.setSpotBalance('USDT', '10');
    await assert.rejects(h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01'), { key: 'trading.error.spot_balance' });
    assert.equal(h.orders().length, 0);
  });

  test('leverage is set once per symbol', async () => {
    await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    const lev = fake.requestsTo('/fapi/v1/leverage', 'POST');
    assert.equal(lev.length, 1);
    assert.equal(lev[0]!.params.leverage, '1');
    assert.equal(h.ledger.snapshot().leverageSet.BTCUSDT, 1);
  });
});

describe('close', () => {
  test('futures BUY reduce-only goes out before the spot SELL; dust recorded; position closed', async () => {
    await openBtc();
    const held = h.ledger.snapshot().positions[0]!.spotQty;
    const r = await h.trading.previewClose(USER, CHAT);
    assert.equal(r.kind, 'preview');
    if (r.kind !== 'preview') return;
    fake.clearRequests();
    const c = await h.trading.confirm(r.token, USER);
    assert.equal(c.kind === 'close' && c.outcome.kind, 'closed');
    const [f, s] = h.orders();
    assert.equal(f!.path, '/fapi/v1/order');
    assert.equal(f!.params.side, 'BUY');
    assert.equal(f!.params.reduceOnly, 'true');
    assert.equal(f!.params.quantity, '0.01');
    assert.equal(s!.path, '/api/v3/order');
    assert.equal(s!.params.side, 'SELL');
    // spot held 0.01000998 BTC (0.01002 bought, commission in BTC); spot step 0.00001 → 0.01 sold
    assert.equal(held, '0.01000998');
    assert.equal(s!.params.quantity, '0.01');
    const closed = h.ledger.snapshot().positions[0]!;
    assert.equal(closed.status, 'closed');
    assert.equal(closed.dustQty, '0.00000998', 'the gross-up surplus below one step stays as dust');
    assert.ok(closed.spotExitPrice && closed.futuresExitPrice);
    assert.ok(dec(fake.positions.get('BTCUSDT')?.amt ?? 0).eq(0));
  });

  test('spot below the lot step stays behind as dust', async () => {
    fake.setFilters('BTCUSDT', 'spot', { stepSize: '0.001', minQty: '0.001' });
    await openBtc();
    const held = h.ledger.snapshot().positions[0]!.spotQty; // 0.011 bought (grossed up to whole steps) − fee = 0.010989
    assert.equal(held, '0.010989');
    const r = await h.trading.previewClose(USER, CHAT, 'BTCUSDT');
    if (r.kind !== 'preview') return assert.fail('expected a preview');
    assert.equal(r.preview.dustQty, dec(held).minus('0.01').toFixed());
    fake.clearRequests();
    await h.trading.confirm(r.token, USER);
    assert.equal(spotOrders()[0]!.params.quantity, '0.01');
    assert.equal(h.ledger.snapshot().positions[0]!.dustQty, dec(held).minus('0.01').toFixed());
    assert.equal(h.ledger.snapshot().positions[0]!.status, 'closed');
  });

  test('spot SELL keeps failing: retried, alerted, position stays closing; /close again sells the spot only', async () => {
    await openBtc();
    fake.inject({ path: '/api/v3/order', method: 'POST' }, { code: -2010 }, { times: 3 });
    const r = await h.trading.previewClose(USER, CHAT, 'BTCUSDT');
    if (r.kind !== 'preview') return assert.fail('expected a preview');
    fake.clearRequests();
    const c = await h.trading.confirm(r.token, USER);
    assert.equal(c.kind === 'close' && c.outcome.kind, 'spot_failed');
    assert.equal(spotOrders().length, 3, 'one try plus two retries');
    assert.equal(new Set(spotOrders().map((o) => o.params.newClientOrderId)).size, 3, 'a new id per attempt');
    assert.equal(h.critical.length, 1);
    const pos = h.ledger.snapshot().positions[0]!;
    assert.equal(pos.status, 'closing');
    assert.equal(pos.futuresQty, '0');

    const again = await h.trading.previewClose(USER, CHAT, 'BTCUSDT');
    if (again.kind !== 'preview') return assert.fail('expected a preview');
    assert.equal(again.preview.futuresQty, '0');
    fake.clearRequests();
    const c2 = await h.trading.confirm(again.token, USER);
    assert.equal(c2.kind === 'close' && c2.outcome.kind, 'closed');
    assert.equal(futuresOrders().length, 0, 'the futures leg is not touched again');
    assert.equal(spotOrders().length, 1);
    assert.equal(h.ledger.snapshot().positions[0]!.status, 'closed');
  });

  test('/close with no position says so; with several offers a choice', async () => {
    await assert.rejects(h.trading.previewClose(USER, CHAT), { key: 'trading.error.no_positions' });
    await openBtc();
    const { token } = await h.trading.previewOpen(USER, CHAT, 'ETHUSDT', '0.1');
    await h.trading.confirm(token, USER);
    const r = await h.trading.previewClose(USER, CHAT);
    assert.deepEqual(r, { kind: 'choose', symbols: ['BTCUSDT', 'ETHUSDT'] });
  });
});
