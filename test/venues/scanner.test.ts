import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { allVenueRows, bestOtherVenue, venueIndex } from '../../src/market/crossVenue.js';
import { createMarketService } from '../../src/market/service.js';
import { createVenueScanner } from '../../src/market/venueScanner.js';
import { createVenueClients } from '../../src/venues/index.js';
import { startFakeBybit, type FakeBybit } from '../fakes/bybit.js';
import { startFakeOkx, type FakeOkx } from '../fakes/okx.js';
import { venueCoin, type VenueFault } from '../fakes/venueServer.js';
import { book, createStubs, info, premium, rules, settlements } from '../market/stubs.js';

/**
 * The market service with Binance (in-memory stubs) and Bybit + OKX (loopback fakes) side by
 * side: the same APR math per venue and interval, coins matched by base coin, and a venue that
 * fails in any way leaving the Binance scan whole.
 */

const H = 3_600_000;
const NOW = Math.floor(Date.now() / H) * H + 30 * 60_000; // hh:30: no settlement within 15 minutes
const config = createConfig({ VENUES: 'binance,bybit,okx' });
const logs: Array<Record<string, unknown>> = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  }),
});

function binanceState() {
  const syms = ['BTCUSDT', 'BNBUSDT'];
  const next8 = Math.ceil(NOW / (8 * H)) * 8 * H;
  return {
    spotInfo: info('spot', syms.map((s) => rules(s, 'spot'))),
    futuresInfo: info('futures', syms.map((s) => rules(s, 'futures'))),
    premium: [premium('BTCUSDT', '0.0001', next8), premium('BNBUSDT', '0.0002', next8)],
    spotBooks: syms.map((s) => book(s, '99.9', '100')),
    futuresBooks: syms.map((s) => book(s, '100.1', '100.2')),
    fundingInfo: [],
    history: new Map([
      ['BTCUSDT', settlements('BTCUSDT', '0.0001', next8 - 8 * H, 21)],
      ['BNBUSDT', settlements('BNBUSDT', '0.0002', next8 - 8 * H, 21)],
    ]),
  };
}

describe('cross-venue scan', () => {
  let bybit: FakeBybit;
  let okx: FakeOkx;
  before(async () => {
    bybit = await startFakeBybit([
      venueCoin({ coin: 'BTC', rate: '0.0001', intervalHours: 1, historyDays: 8 }, NOW),
      venueCoin({ coin: 'ETH', rate: '0.0002', intervalHours: 4, historyDays: 8 }, NOW),
      venueCoin({ coin: 'SOL', rate: '0.0003', intervalHours: 8, historyDays: 8 }, NOW),
    ]);
    okx = await startFakeOkx([venueCoin({ coin: 'BTC', rate: '0.0002', intervalHours: 4, historyDays: 8 }, NOW)]);
  });
  after(async () => {
    await bybit.close();
    await okx.close();
  });
  beforeEach(() => {
    bybit.setFault(null);
    okx.setFault(null);
    logs.length = 0;
  });

  function setup(timeoutMs = 2000, requestTimeoutMs = timeoutMs) {
    const clients = createVenueClients({ venues: config.venues, urls: { bybit: bybit.url, okx: okx.url }, logger, now: () => NOW, timeoutMs: requestTimeoutMs });
    const venues = createVenueScanner({ clients, config, logger, now: () => NOW, timeoutMs, historyBudget: 10 });
    const stubs = createStubs(binanceState());
    const market = createMarketService({ spot: stubs.spot, futures: stubs.futures, config, logger, now: () => NOW, venues });
    return { market, venues };
  }

  it('APR per venue and interval (1h, 4h, 8h) from the same math, 7-day mean from settled history, net of each venue’s fees', async () => {
    const { market, venues } = setup();
    try {
      const scan = await market.scan();
      const row = (venue: string, coin: string) => scan.venues!.rows.find((r) => r.venue === venue && r.coin === coin)!;
      // rate × (24 / interval) × 365 × 100
      assert.equal(row('bybit', 'BTC').apr, 87.6, '0.0001 every hour');
      assert.equal(row('bybit', 'ETH').apr, 43.8, '0.0002 every 4 hours');
      assert.equal(row('bybit', 'SOL').apr, 32.85, '0.0003 every 8 hours');
      assert.equal(row('okx', 'BTC').apr, 43.8, '0.0002 every 4 hours (interval from fundingTime → nextFundingTime)');
      assert.equal(row('bybit', 'BTC').apr7d, 87.6, 'settled history at the same rate');
      assert.equal(row('bybit', 'BTC').settlements7d, 168);
      assert.equal(row('okx', 'BTC').settlements7d, 42);
      // Bybit fees 0.1 % + 0.055 % → round trip 0.31 %; OKX 0.1 % + 0.05 % → 0.3 %, amortised over 30 days
      assert.equal(row('bybit', 'BTC').roundTripFeePct, 0.31);
      assert.equal(row('okx', 'BTC').roundTripFeePct, 0.3);
      assert.equal(row('bybit', 'BTC').netApr, Number((87.6 - (0.31 * 365) / 30).toPrecision(12)));
      assert.equal(row('okx', 'BTC').netApr, Number((43.8 - (0.3 * 365) / 30).toPrecision(12)));
      assert.deepEqual(scan.venues!.status.map((s) => [s.venue, s.ok, s.requests]), [['bybit', true, 3], ['okx', true, 3]], 'instruments + 2 tickers; funding-rate + 2 tickers');
    } finally {
      await venues.close();
    }
  });

  it('a coin listed on one venue only: ranked in /signals all, no other venue beside a Binance-only coin', async () => {
    const { market, venues } = setup();
    try {
      const scan = await market.scan();
      const index = venueIndex(scan);
      const bnb = scan.rows.find((r) => r.symbol === 'BNBUSDT')!;
      assert.equal(bestOtherVenue(bnb, index), undefined, 'BNB trades on Binance only');
      const btc = scan.rows.find((r) => r.symbol === 'BTCUSDT')!;
      assert.deepEqual([bestOtherVenue(btc, index)?.venue, bestOtherVenue(btc, index)?.coin], ['bybit', 'BTC'], 'the best other venue for BTC');
      const all = allVenueRows(scan).map((r) => `${r.venue}:${r.coin}`);
      assert.ok(all.includes('bybit:SOL'), 'SOL (Bybit only) is ranked across venues');
      assert.ok(!scan.rows.some((r) => r.baseAsset === 'SOL'), 'and is not a Binance row');
      assert.deepEqual(all.slice(0, 3), ['bybit:BTC', 'okx:BTC', 'bybit:ETH'], 'net APR after each venue’s fees');
    } finally {
      await venues.close();
    }
  });

  for (const fault of ['500', 'hang', 'garbage', 'badShape', 'rateLimit'] as VenueFault[]) {
    it(`Bybit answering ${fault}: Binance and OKX rows as usual, Bybit down this tick, warned once, back next tick`, async () => {
      // only the hang needs the deadline: the others fail at once (a short one would flake under load)
      const { market, venues } = setup(fault === 'hang' ? 500 : 5000);
      try {
        bybit.setFault(fault);
        const scan = await market.scan();
        assert.deepEqual(scan.rows.map((r) => r.symbol).sort(), ['BNBUSDT', 'BTCUSDT'], 'the Binance scan is whole');
        assert.deepEqual(scan.venues!.status.map((s) => [s.venue, s.ok]), [['bybit', false], ['okx', true]]);
        assert.ok(!scan.venues!.rows.some((r) => r.venue === 'bybit'));
        await market.scan();
        assert.equal(logs.filter((l) => l.msg === 'venue unavailable; shown as — and retried next tick').length, 1, 'warned once per outage');
        bybit.setFault(null);
        if (fault === 'rateLimit') return; // backing off: the next ticks stay quiet until it ends
        const again = await market.scan();
        assert.equal(again.venues!.status[0]!.ok, true, 'retried and back on the next tick');
      } finally {
        await venues.close();
      }
    });
  }

  it('a venue slow past its deadline: bulk requests hanging show it down; history hanging leaves rows without a 7-day mean', { timeout: 20_000 }, async () => {
    // each request may take 30 s, the venue's whole tick only 500 ms
    const { market, venues } = setup(500, 30_000);
    try {
      bybit.setFault('hang', '/v5/market/tickers');
      let scan = await market.scan();
      assert.deepEqual(scan.rows.map((r) => r.symbol).sort(), ['BNBUSDT', 'BTCUSDT'], 'the Binance scan is whole');
      assert.equal(scan.venues!.status[0]!.ok, false);
      assert.match(scan.venues!.status[0]!.error ?? '', /no answer within 500 ms/);

      bybit.setFault('hang', '/v5/market/funding/history');
      scan = await market.scan();
      assert.equal(scan.venues!.status[0]!.ok, true, 'the bulk answers arrived');
      const btc = scan.venues!.rows.find((r) => r.venue === 'bybit' && r.coin === 'BTC')!;
      assert.equal(btc.apr, 87.6);
      assert.equal(btc.apr7d, null, 'its history is still on the way');
    } finally {
      bybit.setFault(null);
      await venues.close();
    }
  });
});
