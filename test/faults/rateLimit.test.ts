import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createBinance, type Binance } from '../../src/binance/index.js';
import { RateLimitError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';

/**
 * Fault injection, exchange level (rate limits): after a 429 nothing is sent until
 * the backoff (Retry-After, else 2 s doubling) has passed, and after a 418 nothing at all — not
 * even an order — until the ban ends. Asserted on the fake's request log; the client runs on an
 * injected clock so no test sleeps.
 */

const silent = createLogger({ level: 'silent' });

describe('faults: 429 backoff and 418 ban', () => {
  let fake: FakeBinance;
  let binance: Binance;
  let clock: number;
  let bans: number[];

  before(async () => {
    fake = await startFakeBinance();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    await binance?.close();
    fake.reset();
    clock = Date.now();
    bans = [];
    binance = createBinance({
      spotUrl: fake.url,
      futuresUrl: fake.url,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      logger: silent,
      timeoutMs: 2000,
      now: () => clock,
      onBan: (until) => bans.push(until),
    });
  });
  after(async () => {
    await binance?.close();
  });

  const premium = () => fake.requestsTo('/fapi/v1/premiumIndex');

  it('429 with Retry-After: nothing is sent until Retry-After has passed, then requests resume', async () => {
    fake.inject('/fapi/v1/premiumIndex', { status: 429, retryAfter: 7 });
    await assert.rejects(binance.futures.premiumIndex(), (e: unknown) => e instanceof RateLimitError && !e.banned);
    assert.equal(premium().length, 1);

    const t429 = clock;
    for (const at of [t429, t429 + 1000, t429 + 6999]) {
      clock = at;
      await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
      await assert.rejects(binance.futures.bookTickers(), RateLimitError);
    }
    assert.equal(premium().length, 1, 'no premiumIndex request during the Retry-After window');
    assert.equal(fake.requestsTo('/fapi/v1/ticker/bookTicker').length, 0, 'the gate covers every futures endpoint');

    clock = t429 + 7000;
    const rows = await binance.futures.premiumIndex();
    assert.ok(rows.length > 0);
    assert.equal(premium().length, 2, 'one request once the window has passed');
  });

  it('429 without Retry-After: 2 s, then 4 s (doubling) with nothing sent inside either window', async () => {
    fake.inject('/fapi/v1/premiumIndex', { status: 429 }, { times: 2 });
    const t0 = clock;
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
    clock = t0 + 1999;
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
    assert.equal(premium().length, 1, 'nothing sent within the first 2 s');

    clock = t0 + 2000;
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError); // the second 429
    assert.equal(premium().length, 2);
    const t1 = clock;
    clock = t1 + 3999;
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
    assert.equal(premium().length, 2, 'nothing sent within the doubled 4 s');

    clock = t1 + 4000;
    await binance.futures.premiumIndex();
    assert.equal(premium().length, 3);
  });

  it('418: NO request at all during the ban — not data, not a signed order — and onBan fires once', async () => {
    await binance.futures.positionRisk('BTCUSDT'); // clock synced, signed path warm
    fake.clearRequests();
    fake.inject('/fapi/v1/premiumIndex', { status: 418, retryAfter: 120 });
    await assert.rejects(binance.futures.premiumIndex(), (e: unknown) => e instanceof RateLimitError && e.banned);
    assert.equal(bans.length, 1);
    assert.equal(bans[0], clock + 120_000);
    const banStart = clock;

    for (const at of [banStart, banStart + 60_000, banStart + 119_999]) {
      clock = at;
      await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
      await assert.rejects(binance.futures.fundingInfo(), RateLimitError);
      await assert.rejects(
        binance.futures.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', newClientOrderId: 'cbBanTestF', newOrderRespType: 'RESULT' }),
        RateLimitError,
      );
    }
    assert.equal(fake.requests.length, 1, `only the banned request crossed the wire, saw ${fake.requests.map((r) => r.path).join(', ')}`);
    assert.equal(fake.orders.length, 0, 'no order reached the exchange during the ban');
    assert.equal(binance.stats().futures.bannedUntil, banStart + 120_000);

    clock = banStart + 120_000;
    await binance.futures.premiumIndex();
    assert.equal(fake.requests.length, 2, 'requests resume when the ban ends');
    assert.equal(bans.length, 1);
  });

  it('418 without Retry-After: the ban end is read from the message', async () => {
    const until = clock + 300_000;
    fake.inject('/fapi/v1/premiumIndex', { status: 418, msg: `Way too many requests; IP banned until ${until}. Please use the websocket.` });
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
    assert.deepEqual(bans, [until]);
    clock = until - 1;
    await assert.rejects(binance.futures.premiumIndex(), RateLimitError);
    assert.equal(premium().length, 1);
    clock = until;
    await binance.futures.premiumIndex();
    assert.equal(premium().length, 2);
  });
});
