import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBinance, type Binance } from '../../src/binance/index.js';
import { DuplicateOrderError, RejectedError } from '../../src/errors.js';
import { dec } from '../../src/money.js';
import type { FakeBinance } from '../fakes/binance.js';
import { fakePerFile, silentLogger } from './helpers.js';

let fake: FakeBinance;
let binance: Binance;
fakePerFile((s) => ({ fake, binance } = s));

test('futures MARKET SELL fills at the bid; getOrder by client id; userTrades commission in USDT', async () => {
  const placed = await binance.futures.newOrder({
    symbol: 'ETHUSDT',
    side: 'SELL',
    type: 'MARKET',
    quantity: '1.5',
    newClientOrderId: 'cb-open-eth-fut',
    newOrderRespType: 'RESULT',
  });
  assert.equal(placed.status, 'FILLED');
  assert.equal(placed.clientOrderId, 'cb-open-eth-fut');
  assert.equal(placed.executedQty, '1.5');
  assert.equal(placed.avgPrice, '4514.2'); // the bid
  assert.equal(placed.reduceOnly, false);

  const got = await binance.futures.getOrder({ symbol: 'ETHUSDT', origClientOrderId: 'cb-open-eth-fut' });
  assert.deepEqual(got, placed);
  assert.equal(await binance.futures.getOrder({ symbol: 'ETHUSDT', origClientOrderId: 'never-sent' }), null);

  const trades = await binance.futures.userTrades('ETHUSDT', placed.orderId);
  assert.equal(trades.length, 1);
  assert.equal(trades[0]?.commissionAsset, 'USDT');
  assert.equal(dec(trades[0]!.commission).toFixed(), dec('1.5').mul('4514.2').mul('0.0005').toFixed());

  const [pos] = await binance.futures.positionRisk('ETHUSDT');
  assert.equal(pos?.positionAmt, '-1.5');
  assert.equal(pos?.positionSide, 'BOTH');
});

test('futures reduceOnly BUY closes the short and is sent as reduceOnly=true; increasing is rejected -2022', async () => {
  await binance.futures.newOrder({ symbol: 'SOLUSDT', side: 'SELL', type: 'MARKET', quantity: '10', newClientOrderId: 'sol-open', newOrderRespType: 'RESULT' });
  await assert.rejects(
    binance.futures.newOrder({ symbol: 'SOLUSDT', side: 'SELL', type: 'MARKET', quantity: '1', newClientOrderId: 'sol-bad', reduceOnly: true, newOrderRespType: 'RESULT' }),
    (e) => e instanceof RejectedError && e.code === -2022,
  );
  const closed = await binance.futures.newOrder({
    symbol: 'SOLUSDT', side: 'BUY', type: 'MARKET', quantity: '10', newClientOrderId: 'sol-close', reduceOnly: true, newOrderRespType: 'RESULT',
  });
  assert.equal(closed.reduceOnly, true);
  assert.equal(closed.avgPrice, '238.56'); // the ask
  assert.equal(fake.requests.find((r) => r.params.newClientOrderId === 'sol-close')?.params.reduceOnly, 'true');
  assert.deepEqual(await binance.futures.positionRisk('SOLUSDT'), [], 'v3 lists only symbols with a position');
});

test('a client id still open is refused as a duplicate (DuplicateOrderError, never a rejection); a finished one is reusable, as on Binance', async () => {
  const fut = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.002', newClientOrderId: 'dup-1', newOrderRespType: 'RESULT' } as const;
  await binance.futures.newOrder(fut);
  fake.orders.at(-1)!.status = 'NEW'; // still working
  await assert.rejects(binance.futures.newOrder(fut), (e) => e instanceof DuplicateOrderError && e.code === -4116);
  const spot = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.002', newClientOrderId: 'dup-1', newOrderRespType: 'FULL' } as const;
  await binance.spot.newOrder(spot);
  fake.orders.at(-1)!.status = 'PARTIALLY_FILLED';
  await assert.rejects(binance.spot.newOrder(spot), (e) => e instanceof DuplicateOrderError && e.code === -2010 && /Duplicate/.test(e.message));
  assert.equal(fake.orders.length, 2);
  // Binance only keeps ids unique among OPEN orders: a filled order's id takes a second order
  fake.orders.at(-1)!.status = 'FILLED';
  await binance.spot.newOrder(spot);
  assert.equal(fake.orders.length, 3, 'which is why the bot never reuses a client id');
});

test('spot MARKET BUY fills at the ask with commission in the base asset; myTrades; getOrder', async () => {
  const o = await binance.spot.newOrder({
    symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.05', newClientOrderId: 'cb-open-btc-spot', newOrderRespType: 'FULL',
  });
  assert.equal(o.status, 'FILLED');
  assert.equal(o.fills?.length, 1);
  const fill = o.fills![0]!;
  assert.equal(dec(fill.price).toFixed(), '114850.01');
  assert.equal(fill.commissionAsset, 'BTC');
  assert.equal(dec(fill.commission).toFixed(), '0.00005');
  assert.equal(dec(o.cummulativeQuoteQty).toFixed(), dec('0.05').mul('114850.01').toFixed());

  const trades = await binance.spot.myTrades('BTCUSDT', o.orderId);
  assert.equal(trades.length, 1);
  assert.equal(trades[0]?.isBuyer, true);
  assert.equal(dec(trades[0]!.commission).toFixed(), '0.00005');

  const got = await binance.spot.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'cb-open-btc-spot' });
  assert.equal(got?.orderId, o.orderId);
  assert.equal(got?.fills, undefined);
  assert.equal(await binance.spot.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'nope' }), null);

  const balances = await binance.spot.balances();
  const btc = balances.find((b) => b.asset === 'BTC');
  assert.equal(dec(btc!.free).toFixed(), '0.04995');
  assert.ok(fake.requestsTo('/api/v3/account')[0]?.params.omitZeroBalances === 'true');
});

test('spot SELL fills at the bid with commission in USDT; filters enforced', async () => {
  fake.setSpotBalance('ETH', '2');
  const o = await binance.spot.newOrder({ symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: '1', newClientOrderId: 's1', newOrderRespType: 'FULL' });
  assert.equal(dec(o.fills![0]!.price).toFixed(), '4512.35');
  assert.equal(o.fills![0]!.commissionAsset, 'USDT');
  await assert.rejects(
    binance.spot.newOrder({ symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: '0.00005', newClientOrderId: 's2', newOrderRespType: 'FULL' }),
    (e) => e instanceof RejectedError && e.code === -1013,
  );
  await assert.rejects(
    binance.spot.newOrder({ symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: '5', newClientOrderId: 's3', newOrderRespType: 'FULL' }),
    (e) => e instanceof RejectedError && e.code === -2010,
  );
});

test('market data and account reads round-trip', async () => {
  assert.equal(await binance.spot.tickerPrice('BTCUSDT'), '114850.01');
  assert.equal((await binance.spot.bookTicker('ETHUSDT')).bidPrice, '4512.35');
  assert.equal((await binance.futures.bookTicker('BTCUSDT')).askPrice, '114867.60');
  assert.equal((await binance.futures.premiumIndexOf('BTCUSDT')).lastFundingRate, '0.00008425');
  const rates = await binance.futures.fundingRate({ symbol: 'SOLUSDT', limit: 42 });
  assert.equal(rates.length, 42);
  assert.ok(rates.every((r, i) => i === 0 || r.fundingTime > rates[i - 1]!.fundingTime));
  assert.equal(await binance.futures.dualSidePosition(), false);
  await binance.futures.setLeverage('BTCUSDT', 3);
  assert.equal(fake.leverage.get('BTCUSDT'), 3);
  assert.ok((await binance.spot.time()) > 0);
  const bal = await binance.futures.balances();
  assert.equal(bal[0]?.availableBalance, '100000.00000000');
});

test('client order ids with the full allowed alphabet ([A-Za-z0-9._:/-]) sign and round-trip', async () => {
  const id = 'cb:7/open.BTC_fut-1';
  const o = await binance.futures.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', newClientOrderId: id, newOrderRespType: 'RESULT' });
  assert.equal(o.clientOrderId, id);
  assert.equal((await binance.futures.getOrder({ symbol: 'BTCUSDT', origClientOrderId: id }))?.orderId, o.orderId);
  assert.ok(fake.requests.every((r) => r.signatureValid !== false));
});

test('signed calls without keys are rejected locally, nothing sent', async () => {
  const keyless = createBinance({ spotUrl: fake.url, futuresUrl: fake.url, logger: silentLogger });
  try {
    await assert.rejects(keyless.futures.balances(), RejectedError);
    assert.equal(fake.requests.length, 0);
    assert.equal((await keyless.futures.premiumIndex()).length, 8, 'public endpoints need no keys');
  } finally {
    await keyless.close();
  }
});
