import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createBinance } from '../../src/binance/index.js';
import { createBinanceHttp } from '../../src/binance/http.js';
import { premiumIndexListSchema } from '../../src/binance/schemas.js';
import {
  RateLimitError,
  RejectedError,
  ResponseError,
  RetryableError,
  UnknownOutcomeError,
} from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { manualClock, silentLogger } from './helpers.js';

const FUT_ORDER = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01', newOrderRespType: 'RESULT' } as const;
let n = 0;
const cid = () => `test-${process.pid}-${++n}`;

let fake: FakeBinance;
before(async () => {
  fake = await startFakeBinance();
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

/** A client on the fake; closed by the caller through `using`-style try/finally. */
function client(opts: Partial<Parameters<typeof createBinance>[0]> = {}) {
  return createBinance({ spotUrl: fake.url, futuresUrl: fake.url, apiKey: fake.apiKey, apiSecret: fake.apiSecret, logger: silentLogger, ...opts });
}

describe('signed requests', () => {
  test('carry the API key header, recvWindow, a server-offset timestamp and a signature the fake verifies', async () => {
    fake.clockOffsetMs = 42_000; // the server runs 42 s ahead of us: the offset must be applied
    const b = client();
    try {
      const balances = await b.futures.balances();
      assert.equal(balances[0]?.asset, 'USDT');
      const [timeReq, balReq] = fake.requests;
      assert.equal(timeReq?.path, '/fapi/v1/time', 'clock synced lazily before the first signed call');
      assert.ok(balReq);
      assert.equal(balReq.path, '/fapi/v3/balance');
      assert.equal(balReq.headers['x-mbx-apikey'], fake.apiKey);
      assert.equal(balReq.signatureValid, true);
      assert.equal(balReq.params.recvWindow, '5000');
      assert.ok(Math.abs(Number(balReq.params.timestamp) - fake.now()) < 1000, 'timestamp is server time, not local time');
      assert.match(balReq.query, /^recvWindow=5000&timestamp=\d+&signature=[0-9a-f]{64}$/);
    } finally {
      await b.close();
    }
  });

  test('params go on the wire in the given order, before recvWindow and timestamp', async () => {
    const b = client();
    try {
      await b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: 'ord-1' });
      const req = fake.requestsTo('/fapi/v1/order', 'POST')[0];
      assert.ok(req);
      assert.match(
        req.query,
        /^symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0\.01&newClientOrderId=ord-1&newOrderRespType=RESULT&recvWindow=5000&timestamp=\d+&signature=[0-9a-f]{64}$/,
      );
      assert.equal(req.body, '');
      assert.equal(req.params.reduceOnly, undefined, 'reduceOnly only sent when set');
    } finally {
      await b.close();
    }
  });

  test('a wrong secret is a RejectedError -1022', async () => {
    const b = client({ apiSecret: 'not-the-secret-0123456789' });
    try {
      await assert.rejects(b.futures.balances(), (e) => e instanceof RejectedError && e.code === -1022 && e.status === 400);
      assert.equal(fake.requestsTo('/fapi/v3/balance')[0]?.signatureValid, false);
    } finally {
      await b.close();
    }
  });

  test('a wrong API key is a RejectedError -2015', async () => {
    const b = client({ apiKey: 'wrong-key-0123456789' });
    try {
      await assert.rejects(b.spot.balances(), (e) => e instanceof RejectedError && e.code === -2015);
    } finally {
      await b.close();
    }
  });

  test('-1021: the clock is re-synced and the request retried once, successfully', async () => {
    const b = client();
    try {
      await b.futures.balances(); // syncs at offset 0
      fake.clockOffsetMs = 30_000; // server jumps ahead: our timestamps are now 30 s stale
      const rows = await b.futures.balances();
      assert.equal(rows[0]?.asset, 'USDT');
      const paths = fake.requests.map((r) => `${r.path}:${r.status}`);
      assert.deepEqual(paths, ['/fapi/v1/time:200', '/fapi/v3/balance:200', '/fapi/v3/balance:400', '/fapi/v1/time:200', '/fapi/v3/balance:200']);
    } finally {
      await b.close();
    }
  });

  test('-1021 twice in a row: RejectedError after the single retry', async () => {
    const b = client();
    try {
      fake.inject('/fapi/v3/balance', { status: 400, code: -1021 }, { times: 2 });
      await assert.rejects(b.futures.balances(), (e) => e instanceof RejectedError && e.code === -1021);
      assert.equal(fake.requestsTo('/fapi/v3/balance').length, 2);
    } finally {
      await b.close();
    }
  });

  test('logs never contain the key, the secret or a signature', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ level: 'debug', destination: sink });
    const b = client({ logger });
    try {
      await b.futures.balances();
      fake.inject('/fapi/v1/order', { status: 400, code: -2019 });
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }));
      const all = lines.join('');
      assert.ok(all.includes('/fapi/v3/balance'), 'requests are logged');
      assert.ok(!all.includes(fake.apiKey));
      assert.ok(!all.includes(fake.apiSecret));
      assert.ok(!/signature/i.test(all));
    } finally {
      await b.close();
    }
  });
});

describe('error mapping', () => {
  test('429 with Retry-After: RateLimitError, and nothing is sent until it has passed', async () => {
    const clock = manualClock();
    const b = client({ now: clock.now, sleep: clock.sleep });
    try {
      fake.inject('/fapi/v1/premiumIndex', { status: 429, retryAfter: 7 });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && !e.banned && e.retryAfterMs === 7000 && e.status === 429);
      const sent = fake.requests.length;
      clock.advance(6_000);
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.retryAfterMs === 1000);
      await assert.rejects(b.futures.balances(), RateLimitError); // signed calls too
      assert.equal(fake.requests.length, sent, 'no request reached the fake during the backoff');
      clock.advance(1_000);
      assert.equal((await b.futures.premiumIndex()).length, 8);
      // spot has its own limit and was never blocked
      await b.spot.bookTickers();
    } finally {
      await b.close();
    }
  });

  test('403 (the WAF) is backed off like a 429, never read as a definite rejection', async () => {
    const clock = manualClock();
    const b = client({ now: clock.now, sleep: clock.sleep });
    try {
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { status: 403, msg: 'Forbidden' });
      const order = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.002', newClientOrderId: 'waf-1', newOrderRespType: 'RESULT' } as const;
      await assert.rejects(b.futures.newOrder(order), (e) => e instanceof RateLimitError && !e.banned && e.status === 403 && e.retryAfterMs === 2000);
      const sent = fake.requests.length;
      await assert.rejects(b.futures.premiumIndex(), RateLimitError);
      assert.equal(fake.requests.length, sent, 'nothing sent while backing off');
      clock.advance(2_000);
      assert.equal((await b.futures.premiumIndex()).length, 8);
    } finally {
      await b.close();
    }
  });

  test('429 without Retry-After: 2 s, then 4 s, reset after a success', async () => {
    const clock = manualClock();
    const b = client({ now: clock.now, sleep: clock.sleep });
    try {
      fake.inject('/fapi/v1/premiumIndex', { status: 429 }, { times: 2 });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.retryAfterMs === 2000);
      clock.advance(2000);
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.retryAfterMs === 4000);
      clock.advance(3999);
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.retryAfterMs === 1);
      clock.advance(1);
      await b.futures.premiumIndex();
      fake.inject('/fapi/v1/premiumIndex', { status: 429 });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.retryAfterMs === 2000);
      assert.equal(fake.requestsTo('/fapi/v1/premiumIndex').length, 4);
    } finally {
      await b.close();
    }
  });

  test('429 backoff is capped at 60 s', async () => {
    const clock = manualClock();
    const b = client({ now: clock.now, sleep: clock.sleep });
    try {
      fake.inject('/fapi/v1/premiumIndex', { status: 429 }, { times: Infinity });
      const waits: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const err = await b.futures.premiumIndex().catch((e: unknown) => e);
        assert.ok(err instanceof RateLimitError);
        waits.push(err.retryAfterMs);
        clock.advance(err.retryAfterMs);
      }
      assert.deepEqual(waits, [2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    } finally {
      await b.close();
    }
  });

  test('418: banned RateLimitError, onBan called once, nothing sent during the ban', async () => {
    const clock = manualClock();
    const bans: number[] = [];
    const b = client({ now: clock.now, sleep: clock.sleep, onBan: (until) => bans.push(until) });
    try {
      fake.inject('/fapi/v1/premiumIndex', { status: 418, retryAfter: 300 });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.banned && e.retryAfterMs === 300_000);
      assert.deepEqual(bans, [clock.t + 300_000]);
      assert.equal(b.stats().futures.bannedUntil, clock.t + 300_000);
      const sent = fake.requests.length;
      clock.advance(299_000);
      await assert.rejects(b.futures.fundingInfo(), (e) => e instanceof RateLimitError && e.banned && e.retryAfterMs === 1000);
      assert.equal(fake.requests.length, sent);
      assert.equal(bans.length, 1);
      clock.advance(1000);
      await b.futures.fundingInfo();
      assert.equal(b.stats().futures.bannedUntil, 0);
    } finally {
      await b.close();
    }
  });

  test('418 without Retry-After: "banned until <ms>" from the message, else 2 minutes', async () => {
    const clock = manualClock();
    const bans: number[] = [];
    const b = client({ now: clock.now, onBan: (u) => bans.push(u) });
    try {
      const until = clock.t + 600_000;
      fake.inject('/fapi/v1/premiumIndex', { status: 418, code: -1003, msg: `Way too many requests; IP(127.0.0.1) banned until ${until}. Please use the websocket.` });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.banned && e.retryAfterMs === 600_000);
      assert.deepEqual(bans, [until]);
      clock.advance(600_000);
      fake.inject('/fapi/v1/premiumIndex', { status: 418, msg: 'banned' });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RateLimitError && e.banned && e.retryAfterMs === 240_000);
    } finally {
      await b.close();
    }
  });

  test('5xx on a read is RetryableError; on order placement UnknownOutcomeError', async () => {
    const b = client();
    try {
      fake.inject('/fapi/v1/premiumIndex', { status: 503 });
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RetryableError && !(e instanceof RateLimitError) && e.status === 503);
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { status: 503, unknown: true });
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), (e) => e instanceof UnknownOutcomeError && e.status === 503);
      fake.inject({ path: '/api/v3/order', method: 'POST' }, { status: 500 });
      await assert.rejects(
        b.spot.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: cid(), newOrderRespType: 'FULL' }),
        UnknownOutcomeError,
      );
      // a 5xx on a non-order POST (leverage) is safe to retry
      fake.inject('/fapi/v1/leverage', { status: 502 });
      await assert.rejects(b.futures.setLeverage('BTCUSDT', 1), (e) => e instanceof RetryableError);
    } finally {
      await b.close();
    }
  });

  test('-1007 backend timeout: UnknownOutcomeError for orders, RetryableError for reads', async () => {
    const b = client();
    try {
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { code: -1007 });
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), (e) => e instanceof UnknownOutcomeError && e.code === -1007);
      fake.inject({ path: '/fapi/v1/order', method: 'GET' }, { code: -1007 });
      await assert.rejects(b.futures.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'x' }), (e) => e instanceof RetryableError && e.code === -1007);
    } finally {
      await b.close();
    }
  });

  test('fillThenFail: the order exists although the answer was a 503; it can be found by client id', async () => {
    const b = client();
    try {
      const id = cid();
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, 'fillThenFail');
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: id }), UnknownOutcomeError);
      assert.equal(fake.orders.length, 1);
      const found = await b.futures.getOrder({ symbol: 'BTCUSDT', origClientOrderId: id });
      assert.equal(found?.status, 'FILLED');
      assert.equal(found?.executedQty, '0.01');
    } finally {
      await b.close();
    }
  });

  test('timeout (hang): RetryableError on a read, UnknownOutcomeError on an order, within timeoutMs', async () => {
    const b = client({ timeoutMs: 200 });
    try {
      fake.inject('/fapi/v1/premiumIndex', 'hang');
      // the message names the per-request timeout (not a socket close or the test runner's limit)
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RetryableError && /timeout/i.test(e.message));
      await b.futures.balances(); // sync first so the order itself is what hangs
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { fillThenFail: 'hang' });
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), (e) => e instanceof UnknownOutcomeError && /timeout/i.test(e.message));
      assert.equal(fake.orders.length, 1, 'the hung order was executed');
      // the pool recovers: the next request works
      assert.equal((await b.futures.premiumIndex()).length, 8);
    } finally {
      await b.close();
    }
  });

  test('connection reset: RetryableError on a read, UnknownOutcomeError on an order', async () => {
    const b = client();
    try {
      fake.inject('/api/v3/ticker/bookTicker', 'reset');
      await assert.rejects(b.spot.bookTickers(), (e) => e instanceof RetryableError && !(e instanceof RateLimitError));
      await b.spot.balances();
      fake.inject({ path: '/api/v3/order', method: 'POST' }, 'reset');
      await assert.rejects(
        b.spot.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: cid(), newOrderRespType: 'FULL' }),
        UnknownOutcomeError,
      );
      assert.equal(fake.orders.length, 0, 'plain reset: nothing executed');
      assert.equal((await b.spot.bookTickers()).length, 7);
    } finally {
      await b.close();
    }
  });

  test('connection refused: RetryableError on a read, UnknownOutcomeError on an order', async () => {
    const doomed = await startFakeBinance();
    const b = createBinance({ spotUrl: doomed.url, futuresUrl: doomed.url, apiKey: doomed.apiKey, apiSecret: doomed.apiSecret, logger: silentLogger });
    try {
      await b.futures.balances(); // clock synced while it was up
      await doomed.close();
      await assert.rejects(b.futures.premiumIndex(), (e) => e instanceof RetryableError && !(e instanceof RateLimitError));
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), UnknownOutcomeError);
    } finally {
      await b.close();
    }
  });

  test('definite rejections: -2019 margin, -2010 rejected, -1013 filter, -4061 position side', async () => {
    const b = client();
    try {
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, { status: 400, code: -2019 });
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), (e) => e instanceof RejectedError && e.code === -2019 && /Margin is insufficient/.test(e.message));
      fake.inject({ path: '/api/v3/order', method: 'POST' }, { status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.' });
      await assert.rejects(
        b.spot.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: cid(), newOrderRespType: 'FULL' }),
        (e) => e instanceof RejectedError && e.code === -2010,
      );
      // real rejections produced by the fake's own checks
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, quantity: '0.0015', newClientOrderId: cid() }), (e) => e instanceof RejectedError && e.code === -1111);
      fake.dualSidePosition = true;
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), (e) => e instanceof RejectedError && e.code === -4061);
      fake.dualSidePosition = false;
      fake.setFuturesBalance('USDT', '10');
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, quantity: '1', newClientOrderId: cid() }), (e) => e instanceof RejectedError && e.code === -2019);
      assert.equal(fake.orders.length, 0);
    } finally {
      await b.close();
    }
  });

  test('malformed JSON: ResponseError on a read, UnknownOutcomeError on an order', async () => {
    const b = client();
    try {
      fake.inject('/api/v3/ticker/price', 'malformed');
      await assert.rejects(b.spot.tickerPrice('BTCUSDT'), (e) => e instanceof ResponseError && /not JSON/.test(e.message));
      fake.inject({ path: '/fapi/v1/order', method: 'POST' }, 'malformed');
      await assert.rejects(b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() }), UnknownOutcomeError);
    } finally {
      await b.close();
    }
  });

  test('wrong schema: ResponseError on a read, UnknownOutcomeError on an order', async () => {
    const b = client();
    try {
      fake.inject('/fapi/v1/fundingInfo', 'wrongSchema');
      await assert.rejects(b.futures.fundingInfo(), ResponseError);
      fake.inject('/fapi/v3/positionRisk', 'wrongSchema');
      await assert.rejects(b.futures.positionRisk(), ResponseError);
      fake.inject({ path: '/api/v3/order', method: 'POST' }, 'wrongSchema');
      await assert.rejects(
        b.spot.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: cid(), newOrderRespType: 'FULL' }),
        UnknownOutcomeError,
      );
    } finally {
      await b.close();
    }
  });
});

describe('weight', () => {
  test('X-MBX-USED-WEIGHT-1M is tracked, with requests and weightSent counters', async () => {
    const b = client();
    try {
      await b.futures.premiumIndex(); // 10
      await b.futures.bookTickers(); // 5
      await b.spot.bookTickers(); // 4
      const s = b.stats();
      assert.equal(s.futures.requests, 2);
      assert.equal(s.futures.weightSent, 15);
      assert.equal(s.futures.usedWeight1m, fake.usedWeight.futures);
      assert.equal(s.spot.usedWeight1m, fake.usedWeight.spot);
      assert.equal(s.spot.weightSent, 4);
      assert.equal(s.futures.weightLimit1m, 2400);
      await b.futures.exchangeInfo();
      assert.equal(b.stats().futures.weightLimit1m, 2400, 'updated from rateLimits');
    } finally {
      await b.close();
    }
  });

  test('self-limit: above 60% of the limit a read waits for the next minute; orders never wait', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 15));
    const b = client({ now: clock.now, sleep: clock.sleep });
    try {
      await b.futures.fundingInfo();
      fake.usedWeight.futures = 1435; // next header: 1435 + 1
      await b.futures.fundingInfo();
      assert.equal(b.stats().futures.usedWeight1m, 1436);
      assert.deepEqual(clock.sleeps, []);
      await b.futures.balances(); // 1436 + 5 > 1440 (60% of 2400): waits first
      assert.deepEqual(clock.sleeps, [45_000], 'waited until the next minute');
      assert.equal(fake.requestsTo('/fapi/v3/balance').length, 1, 'then sent');
      assert.ok(b.stats().futures.usedWeight1m > 1440);
      clock.sleeps.length = 0;
      await b.futures.newOrder({ ...FUT_ORDER, newClientOrderId: cid() });
      assert.deepEqual(clock.sleeps, [], 'an order is never delayed by the self-limit');
    } finally {
      await b.close();
    }
  });

  test('setWeightLimit changes the self-limit threshold', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 50));
    const http = createBinanceHttp({ market: 'futures', baseUrl: fake.url, logger: silentLogger, now: clock.now, sleep: clock.sleep });
    try {
      http.setWeightLimit(20); // 60% = 12
      await http.get('/fapi/v1/premiumIndex', {}, premiumIndexListSchema, 10);
      await http.get('/fapi/v1/premiumIndex', {}, premiumIndexListSchema, 10);
      assert.deepEqual(clock.sleeps, [10_000]);
    } finally {
      await http.close();
    }
  });
});
