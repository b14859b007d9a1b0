import { createConfig } from '../src/config.js';
import { createMarketService } from '../src/market/service.js';
import { buildSignal, rankSignals, type SignalParams } from '../src/market/signals.js';
import { buildUniverse } from '../src/market/universe.js';
import type { FakeBinance } from '../test/fakes/binance.js';
import { median, round, type Figure } from './report.js';
import { bigMarketFake, silent, unlimitedClient } from './shared.js';

/**
 * Scan cost: what one steady-state tick of the real market service puts on the
 * wire, counted at the fake (requests in its log, weight it charged = what its
 * X-MBX-USED-WEIGHT-1M reports), next to a naive per-symbol scan counted the same way; and the
 * pure ranking computation over the same 600-symbol snapshot.
 */

interface Wire {
  requests: number;
  weight: number;
}

function meter(fake: FakeBinance): () => Wire {
  const r0 = fake.requests.length;
  const w0 = fake.totalWeight.spot + fake.totalWeight.futures;
  return () => ({ requests: fake.requests.length - r0, weight: fake.totalWeight.spot + fake.totalWeight.futures - w0 });
}

export async function benchScan(): Promise<Figure[]> {
  const fake = await bigMarketFake();
  const binance = unlimitedClient(fake);
  const config = createConfig({});
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger: silent });
  try {
    // warm: reference data, then every candidate's history (budgeted per tick)
    const cold = meter(fake);
    let result = await market.scan();
    const coldWire = cold();
    for (let i = 0; i < 100 && (result.historyPending ?? 0) > 0; i++) result = await market.scan();
    const universe = result.universeSize;

    const ticks: Wire[] = [];
    for (let i = 0; i < 20; i++) {
      const m = meter(fake);
      await market.scan();
      ticks.push(m());
    }
    const worst = ticks.reduce((a, b) => (b.weight > a.weight || b.requests > a.requests ? b : a));

    // naive: one premiumIndex + spot bookTicker + futures bookTicker per symbol, 8 at a time
    const symbols = result.rows.map((r) => r.symbol);
    const naive = meter(fake);
    const queue = [...symbols];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          await Promise.all([binance.futures.premiumIndexOf(s), binance.spot.bookTicker(s), binance.futures.bookTicker(s)]);
        }
      }),
    );
    const naiveWire = naive();

    const computeMs = await rankingTime(binance, config);

    return [
      { name: 'scan: requests per steady tick', value: worst.requests, unit: 'req', target: 4, note: `${universe}-symbol universe of a ${fake.symbols.size}-symbol market, worst of 20 ticks, counted at the fake` },
      { name: 'scan: weight per steady tick', value: worst.weight, unit: 'weight', target: 20, note: 'charged by the fake = X-MBX-USED-WEIGHT-1M delta' },
      { name: 'scan: cold first tick requests', value: coldWire.requests, unit: 'req', note: `weight ${coldWire.weight}: exchangeInfo ×2, fundingInfo, 3 bulk, ≤10 histories` },
      { name: 'scan: naive per-symbol requests', value: naiveWire.requests, unit: 'req', note: `weight ${naiveWire.weight}` },
      { name: 'scan: naive per-symbol weight', value: naiveWire.weight, unit: 'weight' },
      { name: 'scan: ranking compute (median)', value: computeMs, unit: 'ms', target: 5, note: `buildSignal ×${universe} + rank, pure` },
    ];
  } finally {
    await binance.close();
    await fake.close();
  }
}

/** Median over many runs of the pure per-symbol signal math + ranking on one fetched snapshot. */
async function rankingTime(binance: ReturnType<typeof unlimitedClient>, config: ReturnType<typeof createConfig>): Promise<number> {
  const [spotInfo, futInfo, premiums, spotBooks, futBooks] = await Promise.all([
    binance.spot.exchangeInfo(),
    binance.futures.exchangeInfo(),
    binance.futures.premiumIndex(),
    binance.spot.bookTickers(),
    binance.futures.bookTickers(),
  ]);
  const universe = buildUniverse(spotInfo, futInfo);
  const now = Date.now();
  const histories = new Map<string, Array<{ fundingTime: number; rate: number }>>();
  await Promise.all(
    universe.entries.slice(0, 50).map(async (e) => {
      const rows = await binance.futures.fundingRate({ symbol: e.symbol, startTime: now - 7 * 86_400_000, limit: 1000 });
      histories.set(e.symbol, rows.map((r) => ({ fundingTime: r.fundingTime, rate: Number(r.fundingRate) })));
    }),
  );
  // every symbol gets a history so the mean is computed for all 600, not just candidates
  const anyHistory = [...histories.values()][0] ?? [];
  const params: SignalParams = { minApr: config.minApr, holdDays: config.holdDays, spotTakerFee: config.spotTakerFee, futuresTakerFee: config.futuresTakerFee, leverage: config.leverage };
  const premiumBy = new Map(premiums.map((p) => [p.symbol, p]));
  const spotBy = new Map(spotBooks.map((b) => [b.symbol, b]));
  const futBy = new Map(futBooks.map((b) => [b.symbol, b]));

  const once = (): number => {
    const t0 = performance.now();
    const rows = [];
    for (const e of universe.entries) {
      const premium = premiumBy.get(e.symbol);
      const spotBook = spotBy.get(e.symbol);
      const futuresBook = futBy.get(e.symbol);
      if (!premium || !spotBook || !futuresBook) continue;
      rows.push(buildSignal({ symbol: e.symbol, baseAsset: e.baseAsset, intervalHours: 8, premium, spotBook, futuresBook, history: histories.get(e.symbol) ?? anyHistory, now, params }));
    }
    rankSignals(rows);
    return performance.now() - t0;
  };
  for (let i = 0; i < 50; i++) once(); // JIT warm-up
  const runs = Array.from({ length: 500 }, once);
  return round(median(runs), 3);
}
