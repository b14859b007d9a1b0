import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Binance } from '../../src/binance/index.js';
import type { FakeBinance, FakeRequest } from '../fakes/binance.js';
import { fakePerFile } from './helpers.js';

/** The fake's own contract, which every other test and the bench rely on. */

let fake: FakeBinance;
let binance: Binance;
fakePerFile((s) => ({ fake, binance } = s));

test('default market: spot listing, intervals and fundingInfo membership', async () => {
  const [fInfo, sInfo, fundingInfo] = await Promise.all([binance.futures.exchangeInfo(), binance.spot.exchangeInfo(), binance.futures.fundingInfo()]);
  assert.ok(fInfo.symbols.has('1000PEPEUSDT'));
  assert.equal(sInfo.symbols.has('1000PEPEUSDT'), false, 'perpetual-only symbol is absent on spot');
  const byInterval: Record<string, number> = Object.fromEntries(fundingInfo.map((f) => [f.symbol, f.fundingIntervalHours]));
  assert.equal(byInterval.BTCUSDT, undefined, 'standard 8h symbols are not listed');
  assert.deepEqual(byInterval, { SOLUSDT: 4, LPTUSDT: 4, TRBUSDT: 1, GTCUSDT: 8 });
  const xrp = await binance.futures.premiumIndexOf('XRPUSDT');
  assert.ok(Number(xrp.lastFundingRate) < 0);
  assert.ok(xrp.nextFundingTime > fake.now());
});

test('setFunding to a 4h interval lists the symbol in fundingInfo; setPrice moves the books', async () => {
  fake.setFunding('BTCUSDT', { intervalHours: 4, lastFundingRate: '0.0003' });
  fake.setPrice('BTCUSDT', { spotAsk: '100000.01', futuresBid: '100100' });
  assert.ok((await binance.futures.fundingInfo()).some((f) => f.symbol === 'BTCUSDT' && f.fundingIntervalHours === 4));
  assert.equal((await binance.spot.bookTicker('BTCUSDT')).askPrice, '100000.01');
  assert.equal((await binance.futures.bookTicker('BTCUSDT')).bidPrice, '100100');
  assert.equal((await binance.futures.premiumIndexOf('BTCUSDT')).lastFundingRate, '0.0003');
});

test('fundingRate: latest `limit` without bounds, first `limit` from startTime, ascending', async () => {
  fake.setSymbol({ symbol: 'ABCUSDT', futures: { markPrice: '1' }, fundingHistory: [] });
  fake.addFundingHistory('ABCUSDT', [1, 2, 3, 4, 5].map((i) => ({ fundingTime: i * 1000, fundingRate: `0.000${i}` })));
  const latest = await binance.futures.fundingRate({ symbol: 'ABCUSDT', limit: 2 });
  assert.deepEqual(latest.map((r) => r.fundingTime), [4000, 5000]);
  const fromStart = await binance.futures.fundingRate({ symbol: 'ABCUSDT', startTime: 2000, limit: 2 });
  assert.deepEqual(fromStart.map((r) => r.fundingTime), [2000, 3000]);
  const window = await binance.futures.fundingRate({ symbol: 'ABCUSDT', startTime: 2000, endTime: 3500 });
  assert.deepEqual(window.map((r) => r.fundingRate), ['0.0002', '0.0003']);
});

test('income: FUNDING_FEE rows ascending with tranId, paged by startTime/endTime/limit; settleFunding pays shorts', async () => {
  fake.setPosition('BTCUSDT', '-0.5', '110000');
  const t0 = fake.now() - 3 * 3_600_000;
  for (let i = 0; i < 5; i += 1) fake.settleFunding('BTCUSDT', { rate: '0.0001', time: t0 + i * 1000 });
  const page1 = await binance.futures.income({ incomeType: 'FUNDING_FEE', startTime: t0, limit: 3 });
  assert.equal(page1.length, 3);
  assert.ok(page1.every((r, i) => i === 0 || r.time > page1[i - 1]!.time));
  assert.ok(Number(page1[0]!.income) > 0, 'a short receives positive funding');
  assert.equal(typeof page1[0]!.tranId, 'string');
  const page2 = await binance.futures.income({ incomeType: 'FUNDING_FEE', startTime: page1[2]!.time + 1, limit: 3 });
  assert.equal(page2.length, 2);
  const ids = new Set([...page1, ...page2].map((r) => r.tranId));
  assert.equal(ids.size, 5);
  const bounded = await binance.futures.income({ incomeType: 'FUNDING_FEE', startTime: t0, endTime: t0 + 1000 });
  assert.equal(bounded.length, 2);
});

test('every response carries X-MBX-USED-WEIGHT-1M with real endpoint weights, per market', async () => {
  await binance.futures.premiumIndex(); // 10
  await binance.futures.bookTickers(); // 5
  await binance.futures.fundingInfo(); // 1
  await binance.spot.bookTickers(); // 4
  assert.equal(fake.usedWeight.futures, 16);
  assert.equal(fake.usedWeight.spot, 4);
  assert.equal(binance.stats().futures.usedWeight1m, 16);
});

test('onRequest / request event fires with a monotonic timestamp; requests log parses params', async () => {
  const seen: FakeRequest[] = [];
  const onReq = (r: FakeRequest) => seen.push(r);
  fake.on('request', onReq);
  try {
    const before = performance.now();
    await binance.futures.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', newClientOrderId: 'evt-1', newOrderRespType: 'RESULT' });
    const order = seen.find((r) => r.path === '/fapi/v1/order');
    assert.ok(order);
    assert.ok(order.at >= before && order.at <= performance.now());
    assert.equal(order.params.newClientOrderId, 'evt-1');
    assert.equal(order.signatureValid, true);
    assert.equal(fake.orders[0]?.clientOrderId, 'evt-1');
  } finally {
    fake.off('request', onReq);
  }
});

test('generateMarket(600): realistic, deterministic, and a full scan costs ≤ 4 requests and ≤ 20 weight', async () => {
  fake.generateMarket(600);
  const startReq = binance.stats();
  const [prem, spotBook, futBook, info] = await Promise.all([
    binance.futures.premiumIndex(),
    binance.spot.bookTickers(),
    binance.futures.bookTickers(),
    binance.futures.fundingInfo(),
  ]);
  assert.equal(prem.length, 600);
  assert.equal(futBook.length, 600);
  assert.ok(spotBook.length > 450 && spotBook.length < 600, `spot listings ${spotBook.length}`);
  assert.ok(info.length > 50 && info.length < 250, `adjusted ${info.length}`);
  assert.ok(prem.some((p) => Number(p.lastFundingRate) < 0));
  assert.ok(prem.every((p) => Number(p.markPrice) > 0));
  const s = binance.stats();
  const requests = s.futures.requests + s.spot.requests - startReq.futures.requests - startReq.spot.requests;
  const weight = s.futures.weightSent + s.spot.weightSent - startReq.futures.weightSent - startReq.spot.weightSent;
  assert.equal(requests, 4);
  assert.ok(weight <= 20, `weight ${weight}`);
  const first = prem[0]!.symbol;
  fake.generateMarket(600);
  assert.equal((await binance.futures.premiumIndex())[0]!.symbol, first, 'same seed, same market');
  const hist = await binance.futures.fundingRate({ symbol: first, limit: 1000 });
  assert.ok(hist.length >= 7 * 3);
});

test('reset restores the initial market, accounts and log', async () => {
  fake.setPrice('BTCUSDT', { futuresBid: '1' });
  fake.inject('/fapi/v1/time', 'malformed', { times: Infinity });
  fake.clockOffsetMs = 99_999;
  fake.reset();
  assert.equal(fake.requests.length, 0);
  assert.equal((await binance.futures.bookTicker('BTCUSDT')).bidPrice, '114867.50');
  assert.ok((await binance.futures.time()) > 0);
});
