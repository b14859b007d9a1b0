import type { BookTicker, FuturesApi, PremiumIndex, SpotApi } from '../binance/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { RateLimitError, UserError, errorMessage } from '../errors.js';
import type { FundingHistory, MarketService, ScanOptions, ScanResult, SymbolSignal } from './types.js';
import { buildSignal, fundingApr, netApr, rankSignals, roundTripFeePct, type SignalParams } from './signals.js';
import { buildUniverse, type Universe, type UniverseEntry } from './universe.js';
import { createTtlCache } from './cache.js';
import type { VenueScanner } from './venueScanner.js';

/**
 * The market service: a whole-market scan costs three bulk requests per tick
 * (premiumIndex, spot and futures bookTicker, all symbols), reference data is cached for an hour,
 * and funding history is fetched only for candidates, a bounded number per tick, and kept until
 * the symbol's next settlement (nothing new can be settled before then).
 */

/** Request weights per Binance docs; counted here so each ScanResult says what it cost. */
export const WEIGHTS = {
  premiumIndexAll: 10,
  premiumIndexOne: 1,
  spotBookTickerAll: 4,
  spotBookTickerOne: 2,
  futuresBookTickerAll: 5,
  futuresBookTickerOne: 2,
  spotExchangeInfo: 20,
  futuresExchangeInfo: 1,
  fundingInfo: 1,
  fundingRate: 1,
} as const;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** History fetched right after a settlement might miss the newest print; recheck shortly after. */
const SETTLEMENT_GRACE_MS = 60_000;
/**
 * How long after a settlement a missing print is still awaited (rechecked every grace period).
 * Past that the history is taken as it is (new listing, interval switch without a print there),
 * so a symbol never costs a request per minute for a whole interval.
 */
const LATE_PRINT_MS = 10 * 60_000;

export interface MarketServiceDeps {
  spot: SpotApi;
  futures: FuturesApi;
  config: Pick<Config, 'symbols' | 'minApr' | 'holdDays' | 'spotTakerFee' | 'futuresTakerFee' | 'leverage'>;
  logger: Logger;
  now?: () => number;
  /** symbols whose history must stay fresh whatever their APR (open positions) */
  keep?: () => Iterable<string>;
  /** exchangeInfo / fundingInfo cache lifetime (default 1 hour) */
  referenceTtlMs?: number;
  /** new history fetches per scan (default 10) so a cold start never bursts hundreds of requests */
  historyBudget?: number;
  /** parallel history requests (default 5) */
  historyConcurrency?: number;
  /** the other venues (VENUES), scanned beside Binance on every tick */
  venues?: VenueScanner;
}

interface Meter {
  requests: number;
  weight: number;
}

interface RefData {
  universe: Universe;
  /** symbols with a non-8h interval (fundingInfo lists only adjusted symbols) */
  intervals: Map<string, number>;
}

interface HistoryEntry {
  rows: FundingHistory['rows'];
  /** startTime the rows were requested from */
  from: number;
  validUntil: number;
  /** the symbol's nextFundingTime when the rows were loaded; a different one now means a settlement passed (or the interval changed) */
  loadedFor: number | undefined;
}

export function createMarketService(deps: MarketServiceDeps): MarketService {
  const { spot, futures, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const ttl = deps.referenceTtlMs ?? HOUR_MS;
  const params: SignalParams = {
    minApr: config.minApr,
    holdDays: config.holdDays,
    spotTakerFee: config.spotTakerFee,
    futuresTakerFee: config.futuresTakerFee,
    leverage: config.leverage,
  };
  const feePct = roundTripFeePct(config.spotTakerFee, config.futuresTakerFee);

  const metered = async <T>(meter: Meter, weight: number, call: () => Promise<T>): Promise<T> => {
    meter.requests += 1;
    meter.weight += weight;
    return call();
  };
  const reference = <T>(name: string, weight: number, load: () => Promise<T>) =>
    createTtlCache<T, Meter>({ name, ttlMs: ttl, now, logger, load: (meter) => metered(meter, weight, load) });
  const spotInfo = reference('spot.exchangeInfo', WEIGHTS.spotExchangeInfo, () => spot.exchangeInfo());
  const futuresInfo = reference('futures.exchangeInfo', WEIGHTS.futuresExchangeInfo, () => futures.exchangeInfo());
  const fundingInfo = reference('futures.fundingInfo', WEIGHTS.fundingInfo, () => futures.fundingInfo());

  let universeMemo: { spot: unknown; futures: unknown; universe: Universe } | undefined;
  async function refData(meter: Meter): Promise<RefData> {
    const [s, f, fi] = await Promise.all([spotInfo.get(meter), futuresInfo.get(meter), fundingInfo.get(meter)]);
    // Rebuild the universe only when either exchangeInfo was actually reloaded.
    if (!universeMemo || universeMemo.spot !== s || universeMemo.futures !== f) {
      universeMemo = { spot: s, futures: f, universe: buildUniverse(s, f, config.symbols) };
    }
    const intervals = new Map(fi.filter((x) => x.fundingIntervalHours > 0).map((x) => [x.symbol, x.fundingIntervalHours]));
    return { universe: universeMemo.universe, intervals };
  }

  const historyCache = new Map<string, HistoryEntry>();
  const historyLoads = new Map<string, Promise<HistoryEntry>>();
  /** last known nextFundingTime per symbol, from premiumIndex */
  const nextFunding = new Map<string, number>();
  /** last known funding interval (hours) per symbol */
  const intervalOf = new Map<string, number>();

  const isFresh = (symbol: string, e: HistoryEntry | undefined, days: number, t: number): e is HistoryEntry => {
    if (e === undefined || !(t < e.validUntil) || e.from > t - days * DAY_MS + 60_000) return false;
    // premiumIndex moved on (a settlement passed, or Binance changed the interval): new prints may exist.
    const next = nextFunding.get(symbol);
    return next === undefined || next === e.loadedFor;
  };

  /** Until when rows loaded at `t` can stand: the next settlement, or shortly when the last print is still missing. */
  function validUntilOf(symbol: string, rows: HistoryEntry['rows'], t: number): number {
    const next = nextFunding.get(symbol);
    if (next === undefined || next <= t) return t + 5 * 60_000; // no known settlement time: 5 minutes
    const expected = next - (intervalOf.get(symbol) ?? 8) * HOUR_MS; // the settlement just before `next`
    const newest = rows.length ? rows[rows.length - 1]!.fundingTime : undefined;
    // Right after a settlement premiumIndex already shows the next time while fundingRate has not
    // published the print yet: recheck soon rather than miss it for a whole interval.
    if ((newest === undefined || newest < expected) && t < expected + LATE_PRINT_MS) return t + SETTLEMENT_GRACE_MS;
    return next + SETTLEMENT_GRACE_MS;
  }

  function loadHistory(symbol: string, days: number, meter: Meter): Promise<HistoryEntry> {
    const key = `${symbol}:${days}`;
    const pending = historyLoads.get(key);
    if (pending) return pending;
    const t = now();
    const from = t - days * DAY_MS;
    const load = metered(meter, WEIGHTS.fundingRate, () => futures.fundingRate({ symbol, startTime: from, limit: 1000 }))
      .then((raw) => {
        const rows = raw
          .map((r) => ({ fundingTime: r.fundingTime, rate: Number(r.fundingRate), ...(r.markPrice ? { markPrice: r.markPrice } : {}) }))
          .sort((a, b) => a.fundingTime - b.fundingTime);
        // Until the next settlement nothing new can appear (unless the newest print is still missing).
        const validUntil = validUntilOf(symbol, rows, t);
        const entry: HistoryEntry = { rows, from, validUntil, loadedFor: nextFunding.get(symbol) };
        const prev = historyCache.get(symbol);
        // A concurrent longer (30-day) load that is still valid covers this one; keep it.
        if (!(prev && prev.from < from && prev.validUntil >= validUntil && prev.loadedFor === entry.loadedFor)) historyCache.set(symbol, entry);
        return entry;
      })
      .finally(() => historyLoads.delete(key));
    historyLoads.set(key, load);
    return load;
  }

  async function historyOf(symbol: string, days: number, meter: Meter): Promise<HistoryEntry> {
    const cached = historyCache.get(symbol);
    return isFresh(symbol, cached, days, now()) ? cached : loadHistory(symbol, Math.max(days, 7), meter);
  }

  /** Fetches up to `budget` histories with bounded parallelism; a rate limit stops the batch. */
  async function fetchHistories(symbols: string[], meter: Meter): Promise<{ failed: number }> {
    let failed = 0;
    let stop = false;
    const queue = [...symbols];
    const worker = async (): Promise<void> => {
      for (let sym = queue.shift(); sym !== undefined && !stop; sym = queue.shift()) {
        try {
          await loadHistory(sym, 7, meter);
        } catch (err) {
          failed += 1;
          if (err instanceof RateLimitError) stop = true;
          logger.warn({ symbol: sym, err: errorMessage(err) }, 'funding history fetch failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.historyConcurrency ?? 5) }, worker));
    return { failed };
  }

  const indexBy = <T extends { symbol: string }>(rows: T[]): Map<string, T> => new Map(rows.map((r) => [r.symbol, r]));

  let last: ScanResult | undefined;
  let inFlight: Promise<ScanResult> | undefined;

  async function runScan(opts: ScanOptions): Promise<ScanResult> {
    const meter: Meter = { requests: 0, weight: 0 };
    const ref = await refData(meter);
    const [premiums, spotBooks, futuresBooks] = await Promise.all([
      metered(meter, WEIGHTS.premiumIndexAll, () => futures.premiumIndex()),
      metered(meter, WEIGHTS.spotBookTickerAll, () => spot.bookTickers()),
      metered(meter, WEIGHTS.futuresBookTickerAll, () => futures.bookTickers()),
    ]);
    const at = now();
    const premiumBy = indexBy(premiums);
    const spotBy = indexBy(spotBooks);
    const futuresBy = indexBy(futuresBooks);

    interface Live {
      entry: UniverseEntry;
      premium: PremiumIndex;
      spotBook: BookTicker;
      futuresBook: BookTicker;
      interval: number;
      apr: number;
    }
    const live: Live[] = [];
    for (const entry of ref.universe.entries) {
      const premium = premiumBy.get(entry.symbol);
      const spotBook = spotBy.get(entry.symbol);
      const futuresBook = futuresBy.get(entry.symbol);
      if (!premium || !spotBook || !futuresBook) continue; // listed but not quoting yet
      nextFunding.set(entry.symbol, premium.nextFundingTime);
      const interval = ref.intervals.get(entry.symbol) ?? 8;
      intervalOf.set(entry.symbol, interval);
      live.push({ entry, premium, spotBook, futuresBook, interval, apr: fundingApr(Number(premium.lastFundingRate), interval) });
    }

    // Candidates: could plausibly reach MIN_APR, or must be watched anyway (positions, signals).
    const keep = new Set<string>([...(opts.keep ?? []), ...(deps.keep?.() ?? []), ...(last?.signals.map((s) => s.symbol) ?? [])]);
    const candidates = live
      .filter((l) => keep.has(l.entry.symbol) || netApr(l.apr, feePct, config.holdDays) >= config.minApr / 2)
      .sort((a, b) => Number(keep.has(b.entry.symbol)) - Number(keep.has(a.entry.symbol)) || b.apr - a.apr);
    const stale = candidates.map((c) => c.entry.symbol).filter((s) => !isFresh(s, historyCache.get(s), 7, at));
    const budget = Math.max(0, opts.historyBudget ?? deps.historyBudget ?? 10);
    const historyMeter: Meter = { requests: 0, weight: 0 };
    const { failed } = await fetchHistories(stale.slice(0, budget), historyMeter);

    const rows: SymbolSignal[] = live.map((l) =>
      buildSignal({
        symbol: l.entry.symbol,
        baseAsset: l.entry.baseAsset,
        intervalHours: l.interval,
        premium: l.premium,
        spotBook: l.spotBook,
        futuresBook: l.futuresBook,
        // A stale copy (budget ran out) still beats none: at most one settlement behind.
        history: historyCache.get(l.entry.symbol)?.rows,
        now: at,
        params,
      }),
    );
    const ranked = rankSignals(rows);
    return {
      at,
      rows: ranked,
      signals: ranked.filter((r) => r.isSignal),
      requests: meter.requests,
      weight: meter.weight,
      universeSize: ref.universe.entries.length,
      historyRequests: historyMeter.requests,
      historyWeight: historyMeter.weight,
      historyPending: Math.max(0, stale.length - budget),
      historyFailed: failed,
      missing: ref.universe.missing,
    };
  }

  /** Binance and the other venues side by side: a venue never fails or delays past its own deadline. */
  async function withVenues(opts: ScanOptions): Promise<ScanResult> {
    if (!deps.venues) return runScan(opts);
    const coinOf = (symbol: string) => symbol.replace(/USDT$/, '');
    const keep = [...(opts.keep ?? []), ...(deps.keep?.() ?? []), ...(last?.signals.map((s) => s.symbol) ?? [])].map(coinOf);
    const venues = deps.venues.scan({ keep, historyBudget: opts.historyBudget === undefined ? undefined : Math.ceil(opts.historyBudget / 2) });
    const [binance, other] = await Promise.all([runScan(opts), venues]);
    return { ...binance, venues: other };
  }

  async function entryOf(symbol: string, meter: Meter): Promise<{ entry: UniverseEntry; interval: number }> {
    const sym = symbol.trim().toUpperCase();
    const ref = await refData(meter);
    const entry = ref.universe.bySymbol.get(sym);
    if (!entry) throw new UserError('core.errors.unknownSymbol', { symbol: sym });
    return { entry, interval: ref.intervals.get(sym) ?? 8 };
  }

  return {
    scan(opts = {}) {
      if (last && opts.maxAgeMs !== undefined && now() - last.at <= opts.maxAgeMs) return Promise.resolve(last);
      inFlight ??= withVenues(opts)
        .then((r) => {
          last = r;
          return r;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },

    async symbol(symbol) {
      const meter: Meter = { requests: 0, weight: 0 };
      const { entry, interval } = await entryOf(symbol, meter);
      const sym = entry.symbol;
      const [premium, spotBook, futuresBook] = await Promise.all([
        metered(meter, WEIGHTS.premiumIndexOne, () => futures.premiumIndexOf(sym)),
        metered(meter, WEIGHTS.spotBookTickerOne, () => spot.bookTicker(sym)),
        metered(meter, WEIGHTS.futuresBookTickerOne, () => futures.bookTicker(sym)),
      ]);
      nextFunding.set(sym, premium.nextFundingTime);
      intervalOf.set(sym, interval);
      const history = await historyOf(sym, 7, meter);
      return buildSignal({ symbol: sym, baseAsset: entry.baseAsset, intervalHours: interval, premium, spotBook, futuresBook, history: history.rows, now: now(), params });
    },

    async history(symbol, days) {
      const meter: Meter = { requests: 0, weight: 0 };
      const { entry, interval } = await entryOf(symbol, meter);
      const h = await historyOf(entry.symbol, days, meter);
      const t = now();
      const from = t - days * DAY_MS;
      return { symbol: entry.symbol, intervalHours: interval, rows: h.rows.filter((r) => r.fundingTime > from && r.fundingTime <= t) };
    },

    lastScan: () => last,

    async venueRows(coin) {
      if (!deps.venues) return { rows: [], status: [], history: [] };
      const c = coin.trim().toUpperCase();
      const scan = await deps.venues.scan({ keep: [c], historyBudget: 1, maxAgeMs: 60_000 });
      return { rows: scan.rows.filter((r) => r.coin === c), status: scan.status, history: deps.venues.historyOf(c) };
    },
  };
}
