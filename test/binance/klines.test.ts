import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKlineApi, type KlineApi } from '../../src/binance/klines.js';
import { RejectedError } from '../../src/errors.js';
import type { FakeBinance } from '../fakes/binance.js';
import { setup } from './helpers.js';

/** The kline endpoints on the wire: parameters, published weights, and the fake as strict as Binance. */

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 1);
let env: Awaited<ReturnType<typeof setup>>;
let fake: FakeBinance;
let klines: KlineApi;

before(async () => {
  env = await setup();
  fake = env.fake;
  klines = createKlineApi(env.binance.spotHttp, env.binance.futuresHttp);
  fake.klines.hourly('BTCUSDT', 'futures', T, T + 1499 * HOUR, (t) => `${100000 + (t - T) / HOUR}.10`);
  fake.klines.hourly('BTCUSDT', 'spot', T, T + 9 * HOUR, () => '99999.99');
});
after(async () => env.close());

test('futures klines: 1h from startTime, prices kept as strings, weight by page size', async () => {
  fake.clearRequests();
  const usedBefore = fake.totalWeight.futures;
  const page = await klines.futures({ symbol: 'BTCUSDT', startTime: T + 2 * HOUR, endTime: T + 2000 * HOUR, limit: 1000 });
  assert.equal(page.length, 1000);
  assert.deepEqual(page[0], { openTime: T + 2 * HOUR, open: '100002.10' });
  const [req] = fake.requestsTo('/fapi/v1/klines');
  assert.equal(req!.query, `symbol=BTCUSDT&interval=1h&startTime=${T + 2 * HOUR}&endTime=${T + 2000 * HOUR}&limit=1000`);
  assert.equal(fake.totalWeight.futures - usedBefore, 5);
  const small = await klines.futures({ symbol: 'BTCUSDT', startTime: T, limit: 99 });
  assert.equal(small.length, 99);
  assert.equal(fake.totalWeight.futures - usedBefore, 6);
});

test('spot klines: weight 2, endTime bounds the page', async () => {
  const usedBefore = fake.totalWeight.spot;
  const page = await klines.spot({ symbol: 'BTCUSDT', startTime: T, endTime: T + 4 * HOUR, limit: 1000 });
  assert.deepEqual(page.map((k) => k.openTime), [0, 1, 2, 3, 4].map((h) => T + h * HOUR));
  assert.equal(fake.totalWeight.spot - usedBefore, 2);
});

test('the fake refuses what Binance refuses', async () => {
  await assert.rejects(klines.spot({ symbol: 'BTCUSDT', startTime: T, limit: 1001 }), (e: unknown) => e instanceof RejectedError && e.code === -1130);
  await assert.rejects(klines.futures({ symbol: 'NOPEUSDT', startTime: T, limit: 10 }), (e: unknown) => e instanceof RejectedError && e.code === -1121);
  const res = await fetch(`${fake.url}/fapi/v1/klines?symbol=BTCUSDT`);
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { code: number }).code, -1102);
});
