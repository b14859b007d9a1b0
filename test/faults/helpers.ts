import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBinance, type Binance } from '../../src/binance/index.js';
import { createConfig, type Config } from '../../src/config.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { OpenStoreOptions } from '../../src/ledger/store.js';
import { createLogger } from '../../src/logger.js';
import { createMarketService } from '../../src/market/service.js';
import { createTrading, type Trading } from '../../src/trading/index.js';
import type { FakeBinance, FakeRequest } from '../fakes/binance.js';

/** A live trading stack over a given fake, with the store's writeText hook exposed. */
export const silent = createLogger({ level: 'silent' });

export interface Rig {
  dir: string;
  file: string;
  ledger: Ledger;
  config: Config;
  binance: Binance;
  trading: Trading;
  close(): Promise<void>;
}

export async function tradingRig(fake: FakeBinance, opts: { env?: Record<string, string>; writeText?: (file: string) => NonNullable<OpenStoreOptions['writeText']>; absentAfterMs?: number } = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-faults-'));
  const file = join(dir, 'store.json');
  const config = createConfig({
    TRADING_MODE: 'live',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.apiSecret,
    BINANCE_SPOT_URL: fake.url,
    BINANCE_FUTURES_URL: fake.url,
    DATA_FILE: file,
    VENUES: 'binance',
    ...opts.env,
  });
  const binance = createBinance({ spotUrl: fake.url, futuresUrl: fake.url, apiKey: fake.apiKey, apiSecret: fake.apiSecret, logger: silent, timeoutMs: 1000 });
  // tests fire far more than a real minute's weight; the 60 % self-limit would park them until the next minute
  for (const http of [binance.spotHttp, binance.futuresHttp]) {
    http.setWeightLimit(1e12);
    http.setWeightLimit = () => undefined;
  }
  const ledger = await openLedger(file, { logger: silent, ...(opts.writeText ? { writeText: opts.writeText(file) } : {}) });
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger: silent });
  const trading = createTrading({ config, ledger, market, binance, logger: silent, sleep: async () => undefined, queryDelaysMs: [0, 0, 0], sellRetryDelaysMs: [0, 0], ...(opts.absentAfterMs !== undefined ? { absentAfterMs: opts.absentAfterMs } : {}) });
  return {
    dir,
    file,
    ledger,
    config,
    binance,
    trading,
    async close() {
      trading.shutdown();
      await ledger.close().catch(() => undefined);
      await binance.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const isOrderPost = (r: FakeRequest): boolean => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/api/v3/order');
