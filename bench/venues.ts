import { createConfig } from '../src/config.js';
import { createVenueScanner } from '../src/market/venueScanner.js';
import { createVenueClients } from '../src/venues/index.js';
import { startFakeBybit } from '../test/fakes/bybit.js';
import { startFakeOkx } from '../test/fakes/okx.js';
import { venueCoin, type FakeVenueCoin, type FakeVenueServer } from '../test/fakes/venueServer.js';
import type { Figure } from './report.js';
import { MARKET_SIZE, silent } from './shared.js';

/**
 * Cost of the other venues per scan tick, counted at the Bybit and OKX fakes for a 600-coin
 * market on each: the steady tick (bulk requests only: history is cached until the next
 * settlement), the cold first tick (instrument list, bulk requests and the first histories),
 * and what one request per coin would cost instead. Neither venue publishes request weights:
 * each request counts once against its endpoint's own limit, so weight = requests.
 */

function market(n: number, now: number): FakeVenueCoin[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, (_, i) => {
    const intervalHours = [1, 4, 8, 8, 8][i % 5]!;
    const hot = rand() < 0.1; // a tenth pays enough to be a candidate
    const rate = (hot ? 0.0003 + rand() * 0.0005 : rand() * 0.0001).toFixed(8);
    return venueCoin({ coin: `C${i}`, rate, intervalHours, historyDays: 8, nextFundingTime: now + 90 * 60_000 }, now);
  });
}

export async function benchVenues(): Promise<Figure[]> {
  const now = Date.now();
  const bybit = await startFakeBybit(market(MARKET_SIZE, now));
  const okx = await startFakeOkx(market(MARKET_SIZE, now));
  const config = createConfig({ VENUES: 'binance,bybit,okx' });
  const clients = createVenueClients({ venues: config.venues, urls: { bybit: bybit.url, okx: okx.url }, logger: silent, timeoutMs: 10_000 });
  const scanner = createVenueScanner({ clients, config, logger: silent, timeoutMs: 30_000 });
  const fakes: Array<[string, FakeVenueServer]> = [['Bybit', bybit], ['OKX', okx]];
  try {
    const count = () => fakes.map(([, f]) => f.count());
    const c0 = count();
    await scanner.scan();
    const cold = count().map((c, i) => c - c0[i]!);
    // fetch every candidate's history (a few per tick), then measure steady ticks
    let warmTicks = 1;
    for (; warmTicks < 500; warmTicks++) {
      const scan = await scanner.scan();
      if (scan.status.every((s) => s.historyRequests === 0)) break;
    }
    let worst = [0, 0];
    for (let i = 0; i < 20; i++) {
      const before = count();
      const scan = await scanner.scan();
      if (scan.status.some((s) => !s.ok)) throw new Error(`a venue failed: ${scan.status.map((s) => s.error).join('; ')}`);
      worst = count().map((c, i2) => Math.max(worst[i2]!, c - before[i2]!));
    }
    const perCoin = { Bybit: 2, OKX: 3 } as Record<string, number>;
    return fakes.flatMap(([name], i): Figure[] => [
      { name: `venues: ${name} requests per steady tick`, value: worst[i]!, unit: 'req', target: perCoin[name], note: `${MARKET_SIZE}-coin market, worst of 20 ticks, counted at the fake; = weight (1 per request)` },
      { name: `venues: ${name} cold first tick`, value: cold[i]!, unit: 'req', note: `${name === 'Bybit' ? 'instruments-info (hourly) + 2 tickers' : 'funding-rate ANY + 2 tickers'} + ≤5 histories; every candidate's history after ${warmTicks} ticks` },
      { name: `venues: ${name} one request per coin instead`, value: MARKET_SIZE * perCoin[name]!, unit: 'req', note: 'rate + books per coin: what the bulk calls avoid' },
    ]);
  } finally {
    await scanner.close();
    await bybit.close();
    await okx.close();
  }
}
