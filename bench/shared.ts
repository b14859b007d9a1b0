import { createBinance, type Binance } from '../src/binance/index.js';
import { createLogger } from '../src/logger.js';
import { startFakeBinance, type FakeBinance } from '../test/fakes/binance.js';

/** Bench plumbing shared by the sections: a silent logger and clients without the 60 % self-limit. */
export const silent = createLogger({ level: 'silent' });

export const MARKET_SIZE = 600;

/** A fake with a 600-symbol market and 7 days of settled history per perpetual. */
export async function bigMarketFake(): Promise<FakeBinance> {
  const fake = await startFakeBinance();
  fake.generateMarket(MARKET_SIZE, { seed: 42, historyDays: 7 });
  return fake;
}

/**
 * Clients for a bench that sends far more than a real minute allows: the weight self-limit would
 * otherwise park the bench until the next minute. Request counts and weights are measured at the
 * fake, so lifting the client's limit changes nothing that is measured.
 */
export function unlimitedClient(fake: FakeBinance, signed = false): Binance {
  const b = createBinance({
    spotUrl: fake.url,
    futuresUrl: fake.url,
    ...(signed ? { apiKey: fake.apiKey, apiSecret: fake.apiSecret } : {}),
    logger: silent,
    timeoutMs: 10_000,
  });
  for (const http of [b.spotHttp, b.futuresHttp]) {
    http.setWeightLimit(1e12);
    // exchangeInfo would put the published limit back; keep it lifted for the bench
    http.setWeightLimit = () => undefined;
  }
  return b;
}
