import type { BookLevel } from './binance.js';
/**
 * Market data for the fake Binance: the symbol model, the default handful of realistic symbols
 * (numbers from the seeds' real September 2025 responses) and a generator for full-size
 * markets (the 600-symbol scan bench). Everything is deterministic given a seed.
 */

export interface FakeFundingRow {
  fundingTime: number;
  fundingRate: string;
  markPrice: string;
}

export interface FakeSpotMarket {
  status: string;
  bid: string;
  ask: string;
  bidQty: string;
  askQty: string;
  /** last trade price (ticker/price); defaults to the ask */
  last: string;
  tickSize: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  /** MARKET_LOT_SIZE as real spot sends it: often all zeros, meaning "use LOT_SIZE" */
  marketStepSize: string;
  marketMinQty: string;
  marketMaxQty: string;
  /** NOTIONAL minNotional */
  minNotional: string;
  /** /api/v3/avgPrice (the avgPriceMins average NOTIONAL checks MARKET orders against); defaults to `last` */
  avgPrice?: string;
  /** NOTIONAL maxNotional (default 9000000) and whether min / max apply to MARKET orders (default true / false) */
  maxNotional?: string;
  applyMinToMarket?: boolean;
  applyMaxToMarket?: boolean;
  /** MAX_POSITION filter (listed only when set): base asset held after a BUY */
  maxPosition?: string;
  /** a thin book (fake.setBook): MARKET orders take these levels and EXPIRE the rest */
  asks?: BookLevel[];
  bids?: BookLevel[];
}

export interface FakeFuturesMarket {
  status: string;
  bid: string;
  ask: string;
  bidQty: string;
  askQty: string;
  markPrice: string;
  indexPrice: string;
  lastFundingRate: string;
  interestRate: string;
  nextFundingTime: number;
  intervalHours: number;
  /** listed in fundingInfo (true automatically when intervalHours ≠ 8) */
  adjusted: boolean;
  fundingCap: string;
  fundingFloor: string;
  tickSize: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  marketStepSize: string;
  marketMinQty: string;
  marketMaxQty: string;
  /** MIN_NOTIONAL notional */
  minNotional: string;
  /** a thin book (fake.setBook): MARKET orders take these levels and EXPIRE the rest */
  asks?: BookLevel[];
  bids?: BookLevel[];
  /** exchangeInfo marketTakeBound (default 0.05): a MARKET order whose best price is further from the mark gets -4131 */
  marketTakeBound?: string;
  /** PERCENT_PRICE multipliers for LIMIT prices (default 1.05 / 0.95) */
  multiplierUp?: string;
  multiplierDown?: string;
}

export interface FakeSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** null: not listed on spot at all */
  spot: FakeSpotMarket | null;
  /** null: no perpetual */
  futures: FakeFuturesMarket | null;
  /** settled funding, ascending by fundingTime */
  fundingHistory: FakeFundingRow[];
}

export interface FakeSymbolInit {
  symbol: string;
  baseAsset?: string;
  spot?: Partial<FakeSpotMarket> | null;
  futures?: Partial<FakeFuturesMarket> | null;
  fundingHistory?: FakeFundingRow[];
  /** generate this many days of settled history around lastFundingRate (ignored when fundingHistory given) */
  historyDays?: number;
}

const HOUR = 3_600_000;

/** mulberry32: small deterministic PRNG so generated markets are identical run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** First settlement strictly after `now` on a UTC-aligned grid of `intervalHours`. */
export function nextSettlement(now: number, intervalHours: number): number {
  const step = intervalHours * HOUR;
  return Math.floor(now / step) * step + step;
}

function decimalsOf(step: string): number {
  const i = step.indexOf('.');
  if (i < 0) return 0;
  const frac = step.slice(i + 1).replace(/0+$/, '');
  return frac.length;
}

/** A power of ten as a plain decimal string: pow10(-3) = "0.001", pow10(2) = "100". */
export function pow10(e: number): string {
  return e >= 0 ? `1${'0'.repeat(e)}` : `0.${'0'.repeat(-e - 1)}1`;
}

/** `price` rounded to `tick` (a power of ten) as a string. */
export function onTick(price: number, tick: string): string {
  return price.toFixed(decimalsOf(tick));
}

function tickFor(price: number): string {
  return pow10(Math.floor(Math.log10(price)) - 4);
}

/** Settled history: `days` of rows on the interval grid, ending at the last settlement ≤ now. */
export function makeHistory(
  rand: () => number,
  opts: { now: number; intervalHours: number; days: number; rate: number; markPrice: number },
): FakeFundingRow[] {
  const step = opts.intervalHours * HOUR;
  const last = nextSettlement(opts.now, opts.intervalHours) - step;
  const n = Math.round((opts.days * 24) / opts.intervalHours);
  const rows: FakeFundingRow[] = [];
  for (let i = n - 1; i >= 0; i -= 1) {
    const noise = 1 + (rand() - 0.5) * 0.6;
    // Binance stamps settlements a few ms after the hour
    rows.push({
      fundingTime: last - i * step + Math.floor(rand() * 7),
      fundingRate: (opts.rate * noise).toFixed(8),
      markPrice: (opts.markPrice * (1 + (rand() - 0.5) * 0.04)).toFixed(8),
    });
  }
  return rows;
}

/** Fills every missing field of a symbol from its prices. */
export function buildSymbol(init: FakeSymbolInit, now: number, rand: () => number = prng(1)): FakeSymbol {
  const base = init.baseAsset ?? init.symbol.replace(/USDT$/, '');
  const refPrice = Number(init.futures?.markPrice ?? init.futures?.bid ?? init.spot?.ask ?? init.spot?.bid ?? '100');

  let futures: FakeFuturesMarket | null = null;
  if (init.futures !== null) {
    const f = init.futures ?? {};
    const tick = f.tickSize ?? tickFor(refPrice);
    const step = f.stepSize ?? pow10(Math.max(-3, Math.min(0, Math.ceil(-Math.log10(refPrice)) + 1)));
    const bid = f.bid ?? onTick(refPrice, tick);
    const ask = f.ask ?? onTick(Number(bid) + Number(tick), tick);
    const interval = f.intervalHours ?? 8;
    futures = {
      status: f.status ?? 'TRADING',
      bid,
      ask,
      bidQty: f.bidQty ?? '10',
      askQty: f.askQty ?? '10',
      markPrice: f.markPrice ?? bid,
      indexPrice: f.indexPrice ?? f.markPrice ?? bid,
      lastFundingRate: f.lastFundingRate ?? '0.00010000',
      interestRate: f.interestRate ?? '0.00010000',
      nextFundingTime: f.nextFundingTime ?? nextSettlement(now, interval),
      intervalHours: interval,
      adjusted: f.adjusted ?? interval !== 8,
      fundingCap: f.fundingCap ?? (interval === 1 ? '0.02000000' : '0.03000000'),
      fundingFloor: f.fundingFloor ?? (interval === 1 ? '-0.02000000' : '-0.03000000'),
      tickSize: tick,
      stepSize: step,
      minQty: f.minQty ?? step,
      maxQty: f.maxQty ?? '1000000',
      marketStepSize: f.marketStepSize ?? step,
      marketMinQty: f.marketMinQty ?? f.minQty ?? step,
      marketMaxQty: f.marketMaxQty ?? '100000',
      minNotional: f.minNotional ?? '5',
    };
  }

  let spot: FakeSpotMarket | null = null;
  if (init.spot !== null) {
    const s = init.spot ?? {};
    const tick = s.tickSize ?? tickFor(refPrice);
    const step = s.stepSize ?? pow10(Math.max(-8, Math.min(0, Math.ceil(-Math.log10(refPrice)) - 1)));
    const ask = s.ask ?? onTick(refPrice * 0.9995, tick);
    const bid = s.bid ?? onTick(Number(ask) - Number(tick), tick);
    spot = {
      status: s.status ?? 'TRADING',
      bid,
      ask,
      bidQty: s.bidQty ?? '10',
      askQty: s.askQty ?? '10',
      last: s.last ?? ask,
      tickSize: tick,
      stepSize: step,
      minQty: s.minQty ?? step,
      maxQty: s.maxQty ?? '9000000',
      marketStepSize: s.marketStepSize ?? '0.00000000',
      marketMinQty: s.marketMinQty ?? '0.00000000',
      marketMaxQty: s.marketMaxQty ?? '0.00000000',
      minNotional: s.minNotional ?? '5',
    };
  }

  const history =
    init.fundingHistory ??
    (futures && init.historyDays
      ? makeHistory(rand, {
          now,
          intervalHours: futures.intervalHours,
          days: init.historyDays,
          rate: Number(futures.lastFundingRate),
          markPrice: Number(futures.markPrice),
        })
      : []);

  return { symbol: init.symbol, baseAsset: base, quoteAsset: 'USDT', spot, futures, fundingHistory: history };
}

/**
 * The default market: a handful of real symbols at real September 2025 prices (BTCUSDT's
 * premiumIndex, bookTicker and filters are the seed notebook's live responses). Chosen to
 * cover every case the scanner must handle:
 *   BTCUSDT  8h, modest positive funding (below a 15% signal)
 *   ETHUSDT  8h, 0.01% baseline
 *   SOLUSDT  4h interval, positive: a signal (~26% APR)
 *   LPTUSDT  4h interval, high positive: a strong signal (~55% APR)
 *   XRPUSDT  negative funding
 *   1000PEPEUSDT  perpetual only, absent on spot (not in the universe)
 *   TRBUSDT  1h interval (capped), adjusted cap/floor ±2%
 *   GTCUSDT  8h but adjusted cap: listed in fundingInfo with fundingIntervalHours 8, as for real
 * Each has 8 days of settled history around its current rate.
 */
export function defaultSymbols(): FakeSymbolInit[] {
  const days = 8;
  return [
    {
      symbol: 'BTCUSDT',
      spot: { bid: '114850.00', ask: '114850.01', bidQty: '3.21', askQty: '1.87', tickSize: '0.01', stepSize: '0.00001', minQty: '0.00001', maxQty: '9000.00000000', minNotional: '5.00000000' },
      futures: {
        bid: '114867.50', ask: '114867.60', bidQty: '4.414', askQty: '17.364',
        markPrice: '114873.40000000', indexPrice: '114915.30608696', lastFundingRate: '0.00008425',
        tickSize: '0.10', stepSize: '0.001', minQty: '0.001', maxQty: '1000', marketMaxQty: '120', minNotional: '100',
      },
      historyDays: days,
    },
    {
      symbol: 'ETHUSDT',
      spot: { bid: '4512.35', ask: '4512.36', tickSize: '0.01', stepSize: '0.0001', minQty: '0.0001', minNotional: '5.00000000' },
      futures: {
        bid: '4514.20', ask: '4514.21', markPrice: '4514.03000000', indexPrice: '4512.90000000', lastFundingRate: '0.00010000',
        tickSize: '0.01', stepSize: '0.001', minQty: '0.001', maxQty: '10000', marketMaxQty: '2000', minNotional: '20',
      },
      historyDays: days,
    },
    {
      symbol: 'SOLUSDT',
      spot: { bid: '238.41', ask: '238.42', tickSize: '0.01', stepSize: '0.001', minQty: '0.001', minNotional: '5.00000000' },
      futures: {
        bid: '238.55', ask: '238.56', markPrice: '238.55500000', indexPrice: '238.44000000', lastFundingRate: '0.00012000',
        intervalHours: 4, tickSize: '0.01', stepSize: '0.01', minQty: '0.01', maxQty: '1000000', marketMaxQty: '5000', minNotional: '5',
      },
      historyDays: days,
    },
    {
      symbol: 'LPTUSDT',
      spot: { bid: '7.12', ask: '7.13', tickSize: '0.01', stepSize: '0.01', minQty: '0.01', minNotional: '5.00000000' },
      futures: {
        bid: '7.145', ask: '7.146', markPrice: '7.14520000', indexPrice: '7.12800000', lastFundingRate: '0.00025000',
        intervalHours: 4, fundingCap: '0.02000000', fundingFloor: '-0.02000000',
        tickSize: '0.001', stepSize: '0.1', minQty: '0.1', maxQty: '1000000', marketMaxQty: '30000', minNotional: '5',
      },
      historyDays: days,
    },
    {
      symbol: 'XRPUSDT',
      spot: { bid: '3.0412', ask: '3.0413', tickSize: '0.0001', stepSize: '0.1', minQty: '0.1', minNotional: '5.00000000' },
      futures: {
        bid: '3.0398', ask: '3.0399', markPrice: '3.03985000', indexPrice: '3.04120000', lastFundingRate: '-0.00004500',
        tickSize: '0.0001', stepSize: '0.1', minQty: '0.1', maxQty: '10000000', marketMaxQty: '2000000', minNotional: '5',
      },
      historyDays: days,
    },
    {
      symbol: '1000PEPEUSDT',
      baseAsset: '1000PEPE',
      spot: null,
      futures: {
        bid: '0.0112340', ask: '0.0112350', markPrice: '0.01123450', indexPrice: '0.01123100', lastFundingRate: '0.00010000',
        tickSize: '0.0000001', stepSize: '1', minQty: '1', maxQty: '800000000', marketMaxQty: '120000000', minNotional: '5',
      },
      historyDays: days,
    },
    {
      symbol: 'TRBUSDT',
      spot: { bid: '27.31', ask: '27.32', tickSize: '0.01', stepSize: '0.001', minQty: '0.001', minNotional: '5.00000000' },
      futures: {
        bid: '27.352', ask: '27.353', markPrice: '27.35200000', indexPrice: '27.31500000', lastFundingRate: '0.00035000',
        intervalHours: 1, fundingCap: '0.02000000', fundingFloor: '-0.02000000',
        tickSize: '0.001', stepSize: '0.1', minQty: '0.1', maxQty: '1000000', marketMaxQty: '20000', minNotional: '5',
      },
      historyDays: days,
    },
    {
      symbol: 'GTCUSDT',
      spot: { bid: '0.295', ask: '0.296', tickSize: '0.001', stepSize: '0.1', minQty: '0.1', minNotional: '5.00000000' },
      futures: {
        bid: '0.2952', ask: '0.2953', markPrice: '0.29525000', indexPrice: '0.29510000', lastFundingRate: '0.00005000',
        adjusted: true, fundingCap: '0.03000000', fundingFloor: '-0.03000000',
        tickSize: '0.0001', stepSize: '1', minQty: '1', maxQty: '10000000', marketMaxQty: '500000', minNotional: '5',
      },
      historyDays: days,
    },
  ];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * `n` realistic symbols: log-uniform prices from 0.0001 to 100,000, funding mostly at the 0.01%
 * baseline with a negative tail and a hot tail, 80% 8h / 17% 4h / 3% 1h intervals, ~12% without
 * a spot pair, basis within ±0.3%, and `historyDays` of settled history each.
 */
export function generateSymbols(n: number, _now: number, opts: { seed?: number; historyDays?: number } = {}): FakeSymbolInit[] {
  const rand = prng(opts.seed ?? 42);
  const used = new Set<string>();
  const out: FakeSymbolInit[] = [];
  while (out.length < n) {
    const len = 3 + Math.floor(rand() * 3);
    let base = '';
    for (let i = 0; i < len; i += 1) base += LETTERS[Math.floor(rand() * 26)];
    if (used.has(base)) continue;
    used.add(base);

    const price = 10 ** (-4 + rand() * 9);
    const r = rand();
    const rate = r < 0.45 ? 0.0001 : r < 0.7 ? 0.00001 + rand() * 0.00009 : r < 0.88 ? -rand() * 0.0005 : 0.0002 + rand() * 0.0018;
    const iv = rand();
    const intervalHours = iv < 0.8 ? 8 : iv < 0.97 ? 4 : 1;
    const tick = tickFor(price);
    const basis = (rand() - 0.3) * 0.006;
    const spotAsk = price;
    const futBid = spotAsk * (1 + basis);
    const hasSpot = rand() > 0.12;
    out.push({
      symbol: `${base}USDT`,
      baseAsset: base,
      spot: hasSpot
        ? { ask: onTick(spotAsk, tick), bid: onTick(spotAsk - Number(tick), tick), tickSize: tick }
        : null,
      futures: {
        bid: onTick(futBid, tick),
        ask: onTick(futBid + Number(tick), tick),
        markPrice: futBid.toFixed(8),
        indexPrice: spotAsk.toFixed(8),
        lastFundingRate: rate.toFixed(8),
        intervalHours,
        adjusted: intervalHours !== 8 || rand() < 0.05,
        tickSize: tick,
      },
      historyDays: opts.historyDays ?? 7,
    });
  }
  return out;
}
