import { createBinance, type Binance, type BinanceOptions } from '../../src/binance/index.js';
import { after, before, beforeEach } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../fakes/binance.js';

export const silentLogger = createLogger({ level: 'silent' });

/** A controllable clock: `now()` returns `t`, `sleep(ms)` advances it and records the wait. */
export function manualClock(start = Date.now()) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    advance: (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** A fake plus a client pointed at it. */
export async function setup(
  fakeOpts: FakeBinanceOptions = {},
  clientOpts: Partial<BinanceOptions> = {},
): Promise<{ fake: FakeBinance; binance: Binance; close: () => Promise<void> }> {
  const fake = await startFakeBinance(fakeOpts);
  const binance = createBinance({
    spotUrl: fake.url,
    futuresUrl: fake.url,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    logger: silentLogger,
    ...clientOpts,
  });
  return {
    fake,
    binance,
    close: async () => {
      await binance.close();
      await fake.close();
    },
  };
}

/** One fake and client for the test file (handed to `use` once started), the fake reset before every test, both closed after. */
export function fakePerFile(use: (s: { fake: FakeBinance; binance: Binance }) => void): void {
  let fake: FakeBinance | undefined;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const s = await setup();
    ({ fake, close } = s);
    use(s);
  });
  after(() => close?.());
  beforeEach(() => fake?.reset());
}
