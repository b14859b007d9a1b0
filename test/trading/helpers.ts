import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { createBinance, type Binance } from '../../src/binance/index.js';
import { createConfig, type Config } from '../../src/config.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logger.js';
import { createMarketService } from '../../src/market/service.js';
import type { TradeEvent } from '../../src/events.js';
import type { Outcome } from '../../src/trading/executor.js';

/** outcomes everyone must hear about at once (they need a person's attention) */
const CRITICAL = new Set(['broken', 'unknown', 'spot_failed']);
import { createTrading, type Trading } from '../../src/trading/index.js';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions, type FakeRequest } from '../fakes/binance.js';

export const silent = createLogger({ level: 'silent' });

export interface Harness {
  fake: FakeBinance;
  binance: Binance;
  ledger: Ledger;
  config: Config;
  trading: Trading;
  file: string;
  /** added to Date.now() for the trading clock (token expiry) */
  clock: { offset: number; now: () => number };
  critical: Array<{ outcome: Outcome; chatId: number }>;
  /** recovery reports in the outbox */
  recovered: TradeEvent[];
  /** order POSTs in arrival order */
  orders(): FakeRequest[];
  signed(): FakeRequest[];
  close(): Promise<void>;
}

export const USER = 1001;
export const OTHER = 2002;
export const CHAT = 1001;

/**
 * `timeoutMs`: the Binance client's request timeout. The default is the client's own (5 s): on a
 * loaded machine a loopback read can stall for hundreds of ms, and a read that times out turns
 * an open into a refusal. Only a test that waits for a hung request to time out sets it short.
 */
export async function harness(opts: { env?: Record<string, string>; fake?: FakeBinanceOptions; file?: string; fakeInstance?: FakeBinance; timeoutMs?: number } = {}): Promise<Harness> {
  const fake = opts.fakeInstance ?? (await startFakeBinance(opts.fake));
  const dir = opts.file ? undefined : await mkdtemp(join(tmpdir(), 'carrybot-trading-'));
  const file = opts.file ?? join(dir!, 'store.json');
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
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const binance = createBinance({
    spotUrl: fake.url,
    futuresUrl: fake.url,
    apiKey: config.mode === 'live' ? fake.apiKey : undefined,
    apiSecret: config.mode === 'live' ? fake.apiSecret : undefined,
    logger: silent,
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  const ledger = await openLedger(file, { logger: silent });
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger: silent });
  const trading = createTrading({
    config,
    ledger,
    market,
    binance,
    logger: silent,
    now: clock.now,
    // no real waiting: a sleep moves the trading clock on (recovery waits out recvWindow)
    sleep: async (ms) => void (clock.offset += Math.max(0, ms)),
    queryDelaysMs: [0, 0, 0],
    sellRetryDelaysMs: [0, 0],
  });
  const isOrder = (r: FakeRequest) => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/api/v3/order');
  return {
    fake,
    binance,
    ledger,
    config,
    trading,
    file,
    clock,
    // what the trades told people: the outbox (one entry per chat; the chat a trade came from here)
    get critical() {
      return ledger.snapshot().outbox
        .map((e) => ({ chatId: e.chatId, event: e.event as unknown as TradeEvent }))
        .filter(({ event }) => !event.recovery && CRITICAL.has(event.outcome.kind))
        .map(({ chatId, event }) => ({ chatId, outcome: event.outcome }));
    },
    get recovered() {
      return ledger.snapshot().outbox.map((e) => e.event as unknown as TradeEvent).filter((e) => e.recovery !== undefined);
    },
    orders: () => fake.requests.filter(isOrder),
    signed: () => fake.requests.filter((r) => 'signature' in r.params || r.headers['x-mbx-apikey'] !== undefined),
    async close() {
      // no recovery retry of this harness may outlive it and act on a fake shared with the next test
      trading.shutdown();
      await ledger.close();
      await binance.close();
      if (!opts.fakeInstance) await fake.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One fake Binance for the test file, a fresh harness over it (the fake reset, then `setup`) for
 * every test; both closed after the file. Read `fake` and `h` inside tests (set by the hooks).
 */
export function harnessPerTest(opts: { env?: Record<string, string>; setup?: (fake: FakeBinance) => void } = {}): { readonly fake: FakeBinance; readonly h: Harness } {
  let fake: FakeBinance | undefined;
  let h: Harness | undefined;
  before(async () => {
    fake = await startFakeBinance();
  });
  after(async () => {
    await h?.close();
    await fake?.close();
  });
  beforeEach(async () => {
    await h?.close();
    fake!.reset();
    opts.setup?.(fake!);
    h = await harness({ fakeInstance: fake!, ...(opts.env ? { env: opts.env } : {}) });
  });
  return {
    get fake() {
      return fake!;
    },
    get h() {
      return h!;
    },
  };
}
