import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../src/logger.js';
import { RateLimitError } from '../../src/errors.js';
import { createBybit } from '../../src/venues/bybit.js';
import { createOkx } from '../../src/venues/okx.js';
import { bybitFundingHistory, bybitInstruments, bybitLinearTickers, bybitSpotTickers } from '../../src/venues/bybitSchemas.js';
import { okxFundingHistory, okxFundingRates, okxTickers } from '../../src/venues/okxSchemas.js';
import { startFakeBybit, type FakeBybit } from '../fakes/bybit.js';
import { startFakeOkx, type FakeOkx } from '../fakes/okx.js';
import { venueCoin } from '../fakes/venueServer.js';

const logger = createLogger({ level: 'silent' });
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/venues/${name}`, import.meta.url), 'utf8')) as { result?: unknown; data?: unknown };

describe('venue schemas accept the documented responses', () => {
  it('Bybit v5: tickers (linear shape, spot), instruments-info, funding history', () => {
    assert.equal(bybitLinearTickers.parse(fixture('bybit-tickers-inverse.json').result).list[0]!.nextFundingTime, 1672387200000);
    assert.equal(bybitSpotTickers.parse(fixture('bybit-tickers-spot.json').result).list[0]!.ask1Price, '20527.77');
    assert.equal(bybitInstruments.parse(fixture('bybit-instruments-linear.json').result).list[0]!.fundingInterval, 480);
    assert.equal(bybitFundingHistory.parse(fixture('bybit-funding-history.json').result).list[0]!.fundingRateTimestamp, 1672041600000);
  });
  it('OKX v5: funding-rate, funding-rate-history, tickers', () => {
    const r = okxFundingRates.parse(fixture('okx-funding-rate.json').data)[0]!;
    assert.equal((r.nextFundingTime - r.fundingTime) / 3_600_000, 8, 'the interval follows from the two times');
    assert.equal(okxFundingHistory.parse(fixture('okx-funding-rate-history.json').data)[1]!.realizedRate, '0.0002279755647389');
    assert.equal(okxTickers.parse(fixture('okx-tickers-swap.json').data)[0]!.bidPx, '8888.88');
    // a swap listed but not settled yet must not fail the whole answer (the client skips it)
    const fresh = { ...(fixture('okx-funding-rate.json').data as object[])[0], instId: 'NEW-USDT-SWAP', fundingRate: '', fundingTime: '', nextFundingTime: '' };
    assert.equal(okxFundingRates.parse([fresh])[0]!.fundingTime, 0);
  });
});

describe('venue clients against the fakes', () => {
  let bybit: FakeBybit;
  let okx: FakeOkx;
  before(async () => {
    const now = Date.now();
    bybit = await startFakeBybit([
      venueCoin({ coin: 'BTC', rate: '0.0001', intervalHours: 1 }, now),
      venueCoin({ coin: 'ETH', rate: '0.0002', intervalHours: 4 }, now),
      venueCoin({ coin: 'SOL', rate: '0.0003', intervalHours: 8 }, now),
      venueCoin({ coin: 'PERPONLY', spot: false }, now),
    ]);
    okx = await startFakeOkx([venueCoin({ coin: 'BTC', rate: '0.0002', intervalHours: 4 }, now), venueCoin({ coin: 'OKXONLY', intervalHours: 8, historyDays: 7 }, now)]);
  });
  after(async () => {
    await bybit.close();
    await okx.close();
  });

  it('Bybit: instruments paged with cursor, one linear + one spot tickers call; coins without spot are left out', async () => {
    bybit.maxPage = 2;
    bybit.requests.length = 0;
    const client = createBybit({ baseUrl: bybit.url, logger });
    try {
      const meter = { requests: 0, weight: 0 };
      const quotes = await client.snapshot(meter);
      assert.deepEqual(quotes.map((q) => [q.coin, q.intervalHours]).sort(), [['BTC', 1], ['ETH', 4], ['SOL', 8]]);
      const pages = bybit.requests.filter((r) => r.path === '/v5/market/instruments-info');
      assert.deepEqual(pages.map((r) => r.query.get('cursor')), [null, '2'], 'second page asked with the cursor');
      assert.equal(bybit.count('/v5/market/tickers'), 2);
      assert.equal(meter.requests, 4);
      // within the hour only the two tickers calls
      bybit.requests.length = 0;
      await client.snapshot(meter);
      assert.deepEqual(bybit.requests.map((r) => `${r.path}?${r.query}`).sort(), ['/v5/market/tickers?category=linear', '/v5/market/tickers?category=spot']);
    } finally {
      bybit.maxPage = 1000;
      await client.close();
    }
  });

  it('OKX: three bulk calls; the interval comes from fundingTime → nextFundingTime', async () => {
    okx.requests.length = 0;
    const client = createOkx({ baseUrl: okx.url, logger });
    try {
      const quotes = await client.snapshot({ requests: 0, weight: 0 });
      assert.deepEqual(quotes.map((q) => [q.symbol, q.intervalHours]).sort(), [['BTC-USDT-SWAP', 4], ['OKXONLY-USDT-SWAP', 8]]);
      assert.deepEqual(okx.requests.map((r) => `${r.path}?${r.query}`).sort(), [
        '/api/v5/market/tickers?instType=SPOT',
        '/api/v5/market/tickers?instType=SWAP',
        '/api/v5/public/funding-rate?instId=ANY',
      ]);
      const hist = await client.history('OKXONLY-USDT-SWAP', Date.now() - 8 * 86_400_000, Date.now(), { requests: 0, weight: 0 });
      assert.equal(hist.length, 21);
      assert.ok(hist[0]!.fundingTime < hist[20]!.fundingTime, 'oldest first');
    } finally {
      await client.close();
    }
  });

  it('Bybit 10006 and OKX 50011 stop every request until the backoff ends', async () => {
    const b = createBybit({ baseUrl: bybit.url, logger });
    const o = createOkx({ baseUrl: okx.url, logger });
    try {
      bybit.setFault('rateLimit');
      okx.setFault('rateLimit');
      await assert.rejects(b.snapshot({ requests: 0, weight: 0 }), RateLimitError);
      await assert.rejects(o.snapshot({ requests: 0, weight: 0 }), RateLimitError);
      bybit.setFault(null);
      okx.setFault(null);
      const sentB = bybit.count();
      const sentO = okx.count();
      await assert.rejects(b.snapshot({ requests: 0, weight: 0 }), RateLimitError);
      await assert.rejects(o.snapshot({ requests: 0, weight: 0 }), RateLimitError);
      assert.equal(bybit.count(), sentB, 'nothing sent to Bybit while backing off');
      assert.equal(okx.count(), sentO, 'nothing sent to OKX while backing off');
    } finally {
      bybit.setFault(null);
      okx.setFault(null);
      await b.close();
      await o.close();
    }
  });
});
