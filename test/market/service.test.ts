import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMarketService, type MarketServiceDeps } from '../../src/market/service.js';
import { createLogger } from '../../src/logger.js';
import { RateLimitError, UserError } from '../../src/errors.js';
import { book, createStubs, info, premium, rules, settlements, type MarketState } from './stubs.js';

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 10, 9, 0, 0); // 09:00 UTC; last 8h settlement 08:00, next 16:00
const LAST8 = Date.UTC(2025, 0, 10, 8, 0, 0);
const NEXT8 = Date.UTC(2025, 0, 10, 16, 0, 0);
const NEXT4 = Date.UTC(2025, 0, 10, 12, 0, 0);
const logger = createLogger({ level: 'silent' });
const config = { symbols: undefined, minApr: 15, holdDays: 30, spotTakerFee: '0.001', futuresTakerFee: '0.0005', leverage: 1 };

/**
 * BTC 0.0005/8h (54.75 % APR: candidate), SOL 0.0002/4h (43.8 %: candidate), ETH 0.0001/8h
 * (10.95 %, net of fees 7.3 < MIN_APR/2: not a candidate), DOGE negative, and noise the
 * universe must drop (a perp without spot, a delivery contract).
 */
function market(): MarketState {
  const syms = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT'];
  return {
    spotInfo: info('spot', syms.map((s) => rules(s, 'spot'))),
    futuresInfo: info('futures', [...syms.map((s) => rules(s, 'futures')), rules('PERPONLYUSDT', 'futures'), rules('BTCUSDT_250627', 'futures', { contractType: 'CURRENT_QUARTER' })]),
    premium: [
      premium('BTCUSDT', '0.0005', NEXT8),
      premium('ETHUSDT', '0.0001', NEXT8),
      premium('SOLUSDT', '0.0002', NEXT4),
      premium('DOGEUSDT', '-0.0001', NEXT8),
      premium('PERPONLYUSDT', '0.003', NEXT8),
      premium('BTCUSDT_250627', '0', 0),
    ],
    spotBooks: syms.map((s) => book(s, '99.9', '100')),
    futuresBooks: [...syms.map((s) => book(s, '100.1', '100.2')), book('PERPONLYUSDT', '1', '1')],
    fundingInfo: [{ symbol: 'SOLUSDT', fundingIntervalHours: 4, adjustedFundingRateCap: '0.02', adjustedFundingRateFloor: '-0.02' }],
    history: new Map([
      ['BTCUSDT', settlements('BTCUSDT', '0.0005', LAST8, 40)],
      ['SOLUSDT', settlements('SOLUSDT', '0.0002', LAST8, 42, 4)],
      ['ETHUSDT', settlements('ETHUSDT', '0.0001', LAST8, 21)],
    ]),
  };
}

/** BTC's history requests (other symbols settle on their own schedule in these scenarios). */
const btcQueries = (stubs: { historyQueries: Array<{ symbol: string }> }) => stubs.historyQueries.map((q) => q.symbol).filter((x) => x === 'BTCUSDT');

function setup(state = market(), over: Partial<MarketServiceDeps> = {}) {
  const clock = { t: T0 };
  const stubs = createStubs(state);
  const svc = createMarketService({ spot: stubs.spot, futures: stubs.futures, config, logger, now: () => clock.t, ...over });
  return { clock, stubs, svc, state };
}

describe('market service scan', () => {
  it('costs three bulk requests (19 weight) per steady tick; reference data only on the first', async () => {
    const { clock, stubs, svc } = setup();
    const first = await svc.scan();
    assert.equal(first.requests, 6, 'exchangeInfo ×2 + fundingInfo + 3 bulk');
    assert.equal(first.weight, 20 + 1 + 1 + 10 + 4 + 5);
    assert.equal(first.historyRequests, 2);

    stubs.reset();
    clock.t += 5 * 60_000;
    const second = await svc.scan();
    assert.equal(second.requests, 3);
    assert.equal(second.weight, 19);
    assert.equal(second.historyRequests, 0, 'history cached until the next settlement');
    assert.deepEqual(Object.fromEntries(stubs.calls), { 'futures.premiumIndex': 1, 'spot.bookTickers': 1, 'futures.bookTickers': 1 });
  });

  it('ranks the universe and marks signals from 7-day history', async () => {
    const { svc } = setup();
    const r = await svc.scan();
    assert.equal(r.universeSize, 4);
    assert.deepEqual(
      r.rows.map((x) => x.symbol),
      ['BTCUSDT', 'SOLUSDT', 'ETHUSDT', 'DOGEUSDT'],
    );
    const [btc, sol, eth] = r.rows;
    assert.equal(btc?.apr7d, 54.75);
    assert.equal(btc?.settlements7d, 21, 'only the last 7 days of the 40 rows');
    assert.equal(sol?.intervalHours, 4, 'from fundingInfo');
    assert.equal(sol?.apr7d, 43.8);
    assert.equal(eth?.apr7d, null, 'not a candidate: no history fetched');
    assert.deepEqual(
      r.signals.map((x) => x.symbol),
      ['BTCUSDT', 'SOLUSDT'],
    );
    assert.equal(r.historyPending, 0);
  });

  it('fetches history only for candidates, from 7 days back', async () => {
    const { stubs, svc } = setup();
    await svc.scan();
    assert.deepEqual(
      stubs.historyQueries.map((q) => q.symbol).sort(),
      ['BTCUSDT', 'SOLUSDT'],
    );
    for (const q of stubs.historyQueries) {
      assert.equal(q.startTime, T0 - 7 * 24 * H);
      assert.equal(q.limit, 1000);
    }
  });

  it('refetches a symbol’s history only after its next settlement passes', async () => {
    const { clock, stubs, svc, state } = setup();
    await svc.scan();
    stubs.reset();
    clock.t = NEXT4 + 2 * 60_000; // SOL settled at 12:00, BTC not until 16:00
    state.premium = state.premium.map((p) => (p.symbol === 'SOLUSDT' ? { ...p, nextFundingTime: NEXT4 + 4 * H } : p));
    const r = await svc.scan();
    assert.deepEqual(
      stubs.historyQueries.map((q) => q.symbol),
      ['SOLUSDT'],
    );
    assert.equal(r.historyRequests, 1);
  });

  it('picks up a settlement print published late, instead of missing it for a whole interval', async () => {
    const { clock, stubs, svc, state } = setup();
    await svc.scan();
    // 16:00 settled; premiumIndex already shows 00:00 but fundingRate has not published the 16:00 print.
    state.premium = state.premium.map((p) => (p.symbol === 'BTCUSDT' ? { ...p, nextFundingTime: NEXT8 + 8 * H } : p));
    clock.t = NEXT8 + 65_000;
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), ['BTCUSDT'], 'the settlement passed: refetch');
    // Published a little later: the next tick past the grace picks it up.
    state.history.set('BTCUSDT', settlements('BTCUSDT', '0.0005', NEXT8, 41));
    clock.t = NEXT8 + 130_000;
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), ['BTCUSDT'], 'the newest print was missing: recheck after the grace');
    const week = await svc.history('BTCUSDT', 7);
    assert.equal(week.rows.at(-1)?.fundingTime, NEXT8);
    // Complete now: cached until the next settlement.
    clock.t = NEXT8 + 3 * H;
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), []);
  });

  it('a print that never comes is awaited only briefly (new listing, interval switch)', async () => {
    const { clock, stubs, svc, state } = setup();
    await svc.scan();
    state.premium = state.premium.map((p) => (p.symbol === 'BTCUSDT' ? { ...p, nextFundingTime: NEXT8 + 8 * H } : p));
    clock.t = NEXT8 + 11 * 60_000; // more than LATE_PRINT_MS after the settlement, still no print
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), ['BTCUSDT']);
    clock.t += 2 * 60_000;
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), [], 'no request per minute for the rest of the interval');
  });

  it('follows an 8h → 1h switch: hourly prints are fetched as they settle, not at the old 8h time', async () => {
    const { clock, stubs, svc, state } = setup();
    await svc.scan(); // 09:00, BTC next 16:00
    // Funding hit the cap: Binance moves BTC to 1h; next settlement 10:00.
    state.fundingInfo = [...state.fundingInfo, { symbol: 'BTCUSDT', fundingIntervalHours: 1, adjustedFundingRateCap: '0.02', adjustedFundingRateFloor: '-0.02' }];
    state.premium = state.premium.map((p) => (p.symbol === 'BTCUSDT' ? { ...p, nextFundingTime: T0 + H } : p));
    clock.t = T0 + 30 * 60_000;
    await svc.scan();
    // 10:00 settled hourly and was published; premiumIndex shows 11:00.
    state.history.set('BTCUSDT', [...settlements('BTCUSDT', '0.0005', LAST8, 40), { symbol: 'BTCUSDT', fundingRate: '0.0005', fundingTime: T0 + H, markPrice: '100' }]);
    state.premium = state.premium.map((p) => (p.symbol === 'BTCUSDT' ? { ...p, nextFundingTime: T0 + 2 * H } : p));
    clock.t = T0 + H + 2 * 60_000;
    stubs.reset();
    await svc.scan();
    assert.deepEqual(btcQueries(stubs), ['BTCUSDT'], 'not cached until the old 16:00');
    const week = await svc.history('BTCUSDT', 7);
    assert.equal(week.rows.at(-1)?.fundingTime, T0 + H);
  });

  it('keeps history fresh for symbols in the keep set even when they are not candidates', async () => {
    const { stubs, svc } = setup(market(), { keep: () => ['ETHUSDT'] });
    const r = await svc.scan({ keep: ['DOGEUSDT'] });
    assert.deepEqual(
      stubs.historyQueries.map((q) => q.symbol),
      ['ETHUSDT', 'DOGEUSDT', 'BTCUSDT', 'SOLUSDT'],
      'kept symbols first, then by current APR',
    );
    assert.equal(r.rows.find((x) => x.symbol === 'ETHUSDT')?.apr7d, 10.95);
  });

  it('bounds new history fetches per tick so a cold start never bursts', async () => {
    const state = market();
    const syms = Array.from({ length: 25 }, (_, i) => `C${String(i).padStart(2, '0')}USDT`);
    state.spotInfo = info('spot', syms.map((s) => rules(s, 'spot')));
    state.futuresInfo = info('futures', syms.map((s) => rules(s, 'futures')));
    state.premium = syms.map((s, i) => premium(s, String(0.001 - i * 0.00001), NEXT8));
    state.spotBooks = syms.map((s) => book(s, '1', '1'));
    state.futuresBooks = syms.map((s) => book(s, '1', '1'));
    state.fundingInfo = [];
    state.history = new Map(syms.map((s) => [s, settlements(s, '0.001', LAST8, 21)]));
    const { clock, stubs, svc } = setup(state);

    const a = await svc.scan();
    assert.equal(a.historyRequests, 10);
    assert.equal(a.historyPending, 15);
    assert.deepEqual(
      stubs.historyQueries.map((q) => q.symbol),
      syms.slice(0, 10),
      'highest current APR first',
    );
    clock.t += 60_000;
    const b = await svc.scan();
    assert.equal(b.historyRequests, 10);
    assert.equal(b.historyPending, 5);
    clock.t += 60_000;
    const c = await svc.scan({ historyBudget: 100 });
    assert.equal(c.historyRequests, 5);
    assert.equal(c.historyPending, 0);
    assert.equal(c.requests, 3);
    assert.equal(stubs.calls.get('futures.fundingRate'), 25, 'each symbol fetched once');
  });

  it('a rate limit on history stops the batch but not the scan', async () => {
    const { stubs, svc } = setup(market(), { historyConcurrency: 1 });
    stubs.futures.fundingRate = async () => {
      stubs.calls.set('futures.fundingRate', (stubs.calls.get('futures.fundingRate') ?? 0) + 1);
      throw new RateLimitError('429', 1000, false);
    };
    const r = await svc.scan();
    assert.equal(stubs.calls.get('futures.fundingRate'), 1);
    assert.equal(r.historyFailed, 1);
    assert.equal(r.signals.length, 0, 'no history, no signal');
    assert.equal(r.rows.length, 4);
  });

  it('refreshes reference data after an hour, and survives a failed refresh with the old copy', async () => {
    const { clock, stubs, svc } = setup();
    await svc.scan();
    stubs.reset();
    clock.t += H + 1;
    const refreshed = await svc.scan();
    assert.equal(refreshed.requests, 6);
    assert.equal(stubs.calls.get('spot.exchangeInfo'), 1);

    clock.t += H + 1;
    stubs.spot.exchangeInfo = async () => {
      throw new Error('boom');
    };
    const stale = await svc.scan();
    assert.equal(stale.universeSize, 4);
  });

  it('shares one in-flight scan between concurrent callers and reuses a young one', async () => {
    const { clock, stubs, svc } = setup();
    await svc.scan(); // warm reference data + history
    stubs.reset();
    const release = stubs.hold();
    const a = svc.scan();
    const b = svc.scan();
    release();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra, rb);
    assert.equal(stubs.calls.get('futures.premiumIndex'), 1);

    clock.t += 30_000;
    const c = await svc.scan({ maxAgeMs: 60_000 });
    assert.equal(c, ra, 'young enough: no requests');
    assert.equal(stubs.calls.get('futures.premiumIndex'), 1);
    assert.equal(svc.lastScan(), ra);
    const d = await svc.scan({ maxAgeMs: 10_000 });
    assert.notEqual(d, ra);
    assert.equal(stubs.calls.get('futures.premiumIndex'), 2);
  });

  it('scans a 600-symbol market in ≤ 4 requests and ≤ 20 weight per steady tick', async () => {
    const syms = Array.from({ length: 600 }, (_, i) => `S${i}USDT`);
    const state: MarketState = {
      spotInfo: info('spot', syms.map((s) => rules(s, 'spot'))),
      futuresInfo: info('futures', syms.map((s) => rules(s, 'futures'))),
      // 12 candidates (every 50th symbol pays 54.75 %), the rest 10.95 %.
      premium: syms.map((s, i) => premium(s, i % 50 === 0 ? '0.0005' : '0.0001', NEXT8)),
      spotBooks: syms.map((s) => book(s, '1', '1')),
      futuresBooks: syms.map((s) => book(s, '1', '1')),
      fundingInfo: [],
      history: new Map(syms.map((s) => [s, settlements(s, '0.0005', LAST8, 21)])),
    };
    const { clock, svc } = setup(state);
    for (let i = 0; i < 3; i++) {
      await svc.scan();
      clock.t += 60_000;
    }
    const steady = await svc.scan();
    assert.equal(steady.universeSize, 600);
    assert.ok(steady.requests <= 4 && steady.weight <= 20, `${steady.requests} requests, ${steady.weight} weight`);
    assert.equal(steady.historyRequests, 0);
    assert.equal(steady.signals.length, 12);
  });
});

describe('market service per symbol', () => {
  it('symbol() reads fresh prices for one symbol and reuses cached history', async () => {
    const { stubs, svc, state } = setup();
    await svc.scan();
    stubs.reset();
    state.premium = state.premium.map((p) => (p.symbol === 'BTCUSDT' ? { ...p, lastFundingRate: '0.0004' } : p));
    const s = await svc.symbol('btcusdt');
    assert.equal(s.symbol, 'BTCUSDT');
    assert.equal(s.rate, 0.0004, 'fresh, not the scan snapshot');
    assert.equal(s.apr7d, 54.75);
    assert.deepEqual(Object.fromEntries(stubs.calls), { 'futures.premiumIndexOf': 1, 'spot.bookTicker': 1, 'futures.bookTicker': 1 });
  });

  it('symbol() fetches history when none is cached', async () => {
    const { stubs, svc } = setup();
    const s = await svc.symbol('ETHUSDT');
    assert.equal(s.apr7d, 10.95);
    assert.equal(stubs.calls.get('futures.fundingRate'), 1);
    assert.equal(stubs.calls.get('futures.premiumIndex'), undefined, 'never the all-symbols call for one symbol');
  });

  it('symbol() and history() refuse symbols outside the universe', async () => {
    const { svc } = setup();
    for (const bad of ['PERPONLYUSDT', 'NOPEUSDT']) {
      await assert.rejects(svc.symbol(bad), (err: unknown) => err instanceof UserError && err.key === 'core.errors.unknownSymbol' && err.params.symbol === bad);
      await assert.rejects(svc.history(bad, 7), UserError);
    }
  });

  it('history() returns the window asked for, oldest first, with the interval', async () => {
    const { stubs, svc, state } = setup();
    state.history.set('BTCUSDT', settlements('BTCUSDT', '0.0003', LAST8, 100));
    const month = await svc.history('BTCUSDT', 30);
    assert.equal(stubs.historyQueries[0]?.startTime, T0 - 30 * 24 * H);
    assert.equal(month.rows.length, 90);
    assert.equal(month.intervalHours, 8);
    assert.ok(month.rows.every((r, i) => i === 0 || r.fundingTime > (month.rows[i - 1]?.fundingTime ?? 0)));
    const week = await svc.history('BTCUSDT', 7);
    assert.equal(week.rows.length, 21);
    assert.equal(stubs.calls.get('futures.fundingRate'), 1, 'the 30-day copy covers 7 days');
    const sol = await svc.history('SOLUSDT', 7);
    assert.equal(sol.intervalHours, 4);
  });
});
