/**
 * Child process of the scale bench: runs N scan ticks of the real market service and prints
 * `{"tick":n,"rss":bytes,"heapUsed":bytes}` lines at each checkpoint, so the RSS measured is the
 * scanner's alone (the fake, and its request log, live in the parent). Run with --expose-gc it
 * adds `rssGc` / `heapGc` / `externalGc`, read right after two full collections: what the
 * process really retains, as opposed to garbage V8 has not collected yet.
 *
 *   node <build>/bench/scaleTicks.js <fakeUrl> <http|snapshot> <ticks> <checkpointEvery>
 *
 * It runs compiled (tsc, like `npm start`), not under tsx: the tsx loader alone adds ~60 MB of
 * RSS that the production process does not carry. Imports only src/ so the build stays small.
 *
 * http:     every tick is the three bulk requests against the fake (real parsing, real pools).
 * snapshot: the market is fetched from the fake once; the real service then scans in-memory
 *           copies of it (prices jittered, fresh objects every tick) on a clock advancing one
 *           minute per tick, so hourly reference reloads and 8-hourly history refreshes happen.
 */
import type { BookTicker, FundingRateRow, FuturesApi, PremiumIndex, SpotApi } from '../src/binance/types.js';
import { createConfig } from '../src/config.js';
import { createMarketService } from '../src/market/service.js';
import { createBinance } from '../src/binance/index.js';
import { createLogger } from '../src/logger.js';

const [url, mode, ticksArg, everyArg] = process.argv.slice(2);
if (!url || (mode !== 'http' && mode !== 'snapshot')) throw new Error('usage: scaleTicks.ts <url> <http|snapshot> <ticks> <every>');
const ticks = Number(ticksArg ?? 10_000);
const every = Number(everyArg ?? 2_500);

const silent = createLogger({ level: 'silent' });
const binance = createBinance({ spotUrl: url, futuresUrl: url, logger: silent, timeoutMs: 10_000 });
for (const http of [binance.spotHttp, binance.futuresHttp]) {
  http.setWeightLimit(1e12);
  http.setWeightLimit = () => undefined;
}
const config = createConfig({});
const HOUR = 3_600_000;

let spot: SpotApi = binance.spot;
let futures: FuturesApi = binance.futures;
let clock = Date.now();
let now = () => Date.now();

if (mode === 'snapshot') {
  const [spotInfo, futInfo, premiums, spotBooks, futBooks, fundingInfo] = await Promise.all([
    binance.spot.exchangeInfo(),
    binance.futures.exchangeInfo(),
    binance.futures.premiumIndex(),
    binance.spot.bookTickers(),
    binance.futures.bookTickers(),
    binance.futures.fundingInfo(),
  ]);
  await binance.close();
  now = () => clock;
  let n = 0;
  const jitter = (p: string): string => (Number(p) * (1 + ((n++ % 7) - 3) * 1e-5)).toPrecision(8);
  const books = (list: BookTicker[]) => () => Promise.resolve(list.map((b) => ({ ...b, bidPrice: jitter(b.bidPrice), askPrice: jitter(b.askPrice) })));
  const next8h = () => Math.floor(clock / (8 * HOUR)) * 8 * HOUR + 8 * HOUR;
  const fail = () => Promise.reject(new Error('not used by the scan'));
  spot = { ...binance.spot, exchangeInfo: () => Promise.resolve(spotInfo), bookTickers: books(spotBooks), bookTicker: fail };
  futures = {
    ...binance.futures,
    exchangeInfo: () => Promise.resolve(futInfo),
    fundingInfo: () => Promise.resolve(fundingInfo.map((f) => ({ ...f }))),
    bookTickers: books(futBooks),
    premiumIndex: () =>
      Promise.resolve(premiums.map((p): PremiumIndex => ({ ...p, markPrice: jitter(p.markPrice), nextFundingTime: next8h(), time: clock }))),
    fundingRate: (q) => {
      const rate = premiums.find((p) => p.symbol === q.symbol)?.lastFundingRate ?? '0.0001';
      const rows: FundingRateRow[] = [];
      const from = q.startTime ?? clock - 7 * 24 * HOUR;
      for (let t = Math.ceil(from / (8 * HOUR)) * 8 * HOUR; t <= clock; t += 8 * HOUR) rows.push({ symbol: q.symbol, fundingRate: rate, fundingTime: t });
      return Promise.resolve(rows);
    },
  };
}

const market = createMarketService({ spot, futures, config, logger: silent, now });
const t0 = performance.now();
for (let i = 1; i <= ticks; i++) {
  await market.scan();
  clock += 60_000;
  if (i % every === 0) {
    const ms = Math.round(performance.now() - t0);
    // as the process stands (garbage included: what the OS sees), then after a full GC (what is
    // actually retained) when run with --expose-gc: a leak grows the second, garbage only the first
    const m = process.memoryUsage();
    const sample: Record<string, number> = { tick: i, rss: m.rss, heapUsed: m.heapUsed, ms };
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      gc();
      const g = process.memoryUsage();
      Object.assign(sample, { rssGc: g.rss, heapGc: g.heapUsed, externalGc: g.external });
    }
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  }
}
if (mode === "http") await binance.close();
