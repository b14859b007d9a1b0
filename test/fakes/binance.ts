import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Decimal, dec, ZERO } from '../../src/money.js';
import {
  buildSymbol,
  defaultSymbols,
  generateSymbols,
  makeHistory,
  prng,
  type FakeFundingRow,
  type FakeFuturesMarket,
  type FakeSpotMarket,
  type FakeSymbol,
  type FakeSymbolInit,
} from './binanceMarket.js';
import { FakeKlines, fakeKlineWeight } from './binanceKlines.js';

export * from './binanceMarket.js';
export * from './binanceKlines.js';

/**
 * A loopback fake of Binance spot (/api/v3/*) and USDⓈ-M futures (/fapi/*) on one node:http
 * server. Point both base URLs at `fake.url`.
 *
 *   const fake = await startFakeBinance();                 // default market, 100k USDT each side
 *   const binance = createBinance({ spotUrl: fake.url, futuresUrl: fake.url,
 *                                   apiKey: fake.apiKey, apiSecret: fake.apiSecret, logger });
 *   fake.setPrice('BTCUSDT', { futuresBid: '115000' });
 *   fake.inject({ path: '/fapi/v1/order', method: 'POST' }, 'fillThenFail');
 *   ... fake.requests / fake.orders ...
 *   await fake.close();
 *
 * What it does like the real thing: exact endpoint paths and response shapes (loose extra
 * fields included), HMAC signature / API key / recvWindow checks on signed endpoints, real
 * request weights with X-MBX-USED-WEIGHT-1M per market per minute, MARKET fills at the top of
 * the book with commissions, filters, duplicate client ids, reduceOnly, margin, one-way /
 * hedge mode, funding income. What it does not: order books deeper than one level, LIMIT
 * orders, cancels, WebSocket streams, the order-count limits.
 */

// ---------- public types ----------

export type FakeMarketName = 'spot' | 'futures';

export interface FakeRequest {
  method: string;
  /** path without the query string, e.g. /fapi/v1/order */
  path: string;
  market: FakeMarketName;
  /** query and form body merged, in arrival order */
  params: Record<string, string>;
  /** the raw query string (without '?') */
  query: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request arrived (ms, monotonic, same clock as the caller's) */
  at: number;
  /** signed endpoints only: did the HMAC verify */
  signatureValid?: boolean;
  /** the status the fake answered (set when answered; undefined for hang / reset) */
  status?: number;
  /** performance.now() right after the answer was handed to the socket (bench: fill → next order) */
  answeredAt?: number;
}

export interface FakeOrder {
  market: FakeMarketName;
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: 'BUY' | 'SELL';
  type: string;
  origQty: string;
  executedQty: string;
  /** average fill price */
  avgPrice: string;
  cumQuote: string;
  status: string;
  reduceOnly: boolean;
  commission: string;
  commissionAsset: string;
  realizedPnl: string;
  tradeId: number;
  time: number;
  /** the params as received */
  params: Record<string, string>;
}

export interface FakeIncomeRow {
  symbol: string;
  incomeType: string;
  income: string;
  asset: string;
  info: string;
  time: number;
  tranId: number;
  tradeId: string;
}

export interface FakeTransfer {
  tranId: number;
  type: string;
  asset: string;
  amount: string;
  time: number;
}

export interface FakePosition {
  amt: Decimal;
  entry: Decimal;
}

/** A fault the fake answers with instead of (or, for fillThenFail, after) the real work. */
export type FakeFault =
  | { status: 429 | 418; retryAfter?: number; code?: number; msg?: string }
  | { status: number; code?: number; msg?: string; unknown?: boolean }
  | { code: number; status?: number; msg?: string }
  | 'reset'
  | 'hang'
  | 'malformed'
  | 'wrongSchema'
  | 'fillThenFail'
  | { fillThenFail: FillThenFailVariant };

/**
 * What a 'fillThenFail' answers after executing the order: 503 "unknown", a reset, a hang, a
 * malformed 200 body, or an error code (e.g. { code: -1007 }: "timeout, execution status unknown").
 */
export type FillThenFailVariant = 503 | 'reset' | 'hang' | 'malformed' | { code: number; status?: number; msg?: string };

export interface FaultMatch {
  path: string;
  method?: string;
  when?: (req: FakeRequest) => boolean;
}

export interface FaultHandle {
  /** how many requests this fault answered */
  readonly hits: number;
  remove(): void;
}

export interface FakeBinanceOptions {
  apiKey?: string;
  apiSecret?: string;
  /** initial symbols (default: defaultSymbols()) */
  symbols?: FakeSymbolInit[];
  /** the server's clock before clockOffsetMs (default Date.now) */
  now?: () => number;
  spotBalances?: Record<string, string>;
  futuresBalances?: Record<string, string>;
  /** spot taker rate (default 0.001) and futures taker rate (default 0.0005) */
  spotCommissionRate?: string;
  futuresCommissionRate?: string;
  /** spot BUY commission asset: 'base' like a real account without BNB (default), or 'quote' */
  spotBuyCommissionIn?: 'base' | 'quote';
  defaultLeverage?: number;
  /** called synchronously when a request arrives: query params parsed, body not yet read */
  onRequest?: (req: FakeRequest) => void;
}

export const FAKE_API_KEY = 'fakeApiKey0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789';
export const FAKE_API_SECRET = 'fakeApiSecret0123456789abcdefABCDEF0123456789abcdefABCDEF012345';

// ---------- internals ----------

export class Reject extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

const DEFAULT_MSG: Record<number, string> = {
  [-1000]: 'An unknown error occurred while processing the request.',
  [-1003]: 'Too many requests; current limit is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.',
  [-1007]: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
  [-1008]: 'Server is currently overloaded with other requests. Please try again in a few minutes.',
  [-1013]: 'Filter failure: LOT_SIZE',
  [-1021]: 'Timestamp for this request is outside of the recvWindow.',
  [-1022]: 'Signature for this request is not valid.',
  [-1102]: 'Mandatory parameter was not sent, was empty/null, or malformed.',
  [-1111]: 'Precision is over the maximum defined for this asset.',
  [-1121]: 'Invalid symbol.',
  [-2010]: 'Account has insufficient balance for requested action.',
  [-2013]: 'Order does not exist.',
  [-2015]: 'Invalid API-key, IP, or permissions for action.',
  [-2019]: 'Margin is insufficient.',
  [-2022]: 'ReduceOnly Order is rejected.',
  [-4061]: "Order's position side does not match user's setting.",
  [-4116]: 'ClientOrderId is duplicated.',
  [-4164]: "Order's notional must be no smaller than 5 (unless you choose reduce only).",
};

type Handler = (req: FakeRequest) => unknown;
interface Route {
  signed: boolean;
  weight: (p: Record<string, string>) => number;
  handler: Handler;
}

interface ActiveFault {
  match: FaultMatch;
  fault: FakeFault;
  remaining: number;
  hits: number;
}

const MINUTE = 60_000;

function isStep(qty: Decimal, step: string): boolean {
  const s = dec(step);
  return s.lte(0) || qty.mod(s).eq(0);
}
const effective = (market: string, lot: string) => (dec(market).eq(0) ? lot : market);
const s8 = (d: Decimal) => d.toFixed(8);

/**
 * The fake. State is public and mutable on purpose: tests may poke `fake.symbols`,
 * `fake.positions`, `fake.spotBalances` directly when a helper does not fit.
 */
export class FakeBinance extends EventEmitter {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** base URL for both markets, e.g. http://127.0.0.1:43121 */
  url = '';
  /** ms added to the server clock: set it to make the client's timestamps fall outside recvWindow */
  clockOffsetMs = 0;
  /** every request in arrival order */
  requests: FakeRequest[] = [];
  /** every executed order in arrival order (rejected orders are not here; see `requests`) */
  orders: FakeOrder[] = [];
  symbols = new Map<string, FakeSymbol>();
  spotBalances = new Map<string, { free: Decimal; locked: Decimal }>();
  /** futures wallet balance per asset */
  futuresWallet = new Map<string, Decimal>();
  positions = new Map<string, FakePosition>();
  leverage = new Map<string, number>();
  dualSidePosition = false;
  income: FakeIncomeRow[] = [];
  /** margin: ADL quantile per symbol (0–4), the key's universal-transfer permission, transfers done */
  adl = new Map<string, number>();
  universalTransfer = true;
  transfers: FakeTransfer[] = [];
  spotCommissionRate: string;
  futuresCommissionRate: string;
  spotBuyCommissionIn: 'base' | 'quote';
  /** weight used this minute, per market (what X-MBX-USED-WEIGHT-1M reports) */
  usedWeight: Record<FakeMarketName, number> = { spot: 0, futures: 0 };
  /** total weight ever charged, per market */
  totalWeight: Record<FakeMarketName, number> = { spot: 0, futures: 0 };

  private server: Server;
  private readonly baseNow: () => number;
  private readonly opts: FakeBinanceOptions;
  private faults: ActiveFault[] = [];
  private hung = new Set<ServerResponse>();
  private weightMinute: Record<FakeMarketName, number> = { spot: 0, futures: 0 };
  private nextOrderId = 1;
  private nextTradeId = 1;
  private nextTranId = 9_689_322_392;
  private routes = new Map<string, Route>();
  /** hourly klines of both markets (fake.klines.hourly(...)); cleared by reset() */
  readonly klines = new FakeKlines();

  constructor(opts: FakeBinanceOptions = {}) {
    super();
    this.opts = opts;
    this.apiKey = opts.apiKey ?? FAKE_API_KEY;
    this.apiSecret = opts.apiSecret ?? FAKE_API_SECRET;
    this.baseNow = opts.now ?? Date.now;
    this.spotCommissionRate = opts.spotCommissionRate ?? '0.001';
    this.futuresCommissionRate = opts.futuresCommissionRate ?? '0.0005';
    this.spotBuyCommissionIn = opts.spotBuyCommissionIn ?? 'base';
    if (opts.onRequest) this.on('request', opts.onRequest);
    this.registerRoutes();
    this.restoreState();
    this.server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
  }

  /** The server clock (epoch ms): `now()` option + clockOffsetMs. */
  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  get spotUrl(): string {
    return this.url;
  }
  get futuresUrl(): string {
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Back to the initial state: market, accounts, no orders, no faults, empty log, clock offset 0. */
  reset(): void {
    this.requests = [];
    this.orders = [];
    this.faults = [];
    this.clockOffsetMs = 0;
    this.usedWeight = { spot: 0, futures: 0 };
    this.totalWeight = { spot: 0, futures: 0 };
    this.klines.clear();
    this.restoreState();
  }

  /** Empties the request log only. */
  clearRequests(): void {
    this.requests = [];
  }

  /** Requests to one path (and method), e.g. fake.requestsTo('/fapi/v1/order', 'POST'). */
  requestsTo(path: string, method?: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path && (!method || r.method === method));
  }

  // ---------- market helpers ----------

  /** Adds or replaces a symbol; missing fields are derived from its prices. */
  setSymbol(init: FakeSymbolInit): FakeSymbol {
    const s = buildSymbol(init, this.now(), prng(this.symbols.size + 7));
    this.symbols.set(s.symbol, s);
    return s;
  }

  removeSymbol(symbol: string): void {
    this.symbols.delete(symbol);
  }

  /** Replaces the whole market with `n` generated symbols (deterministic for a seed). */
  generateMarket(n: number, opts: { seed?: number; historyDays?: number } = {}): void {
    this.symbols.clear();
    const rand = prng((opts.seed ?? 42) + 1);
    for (const init of generateSymbols(n, this.now(), opts)) {
      const s = buildSymbol(init, this.now(), rand);
      this.symbols.set(s.symbol, s);
    }
  }

  /** Moves prices. Spot fields need a spot listing, futures fields a perpetual. */
  setPrice(
    symbol: string,
    p: {
      spotBid?: string;
      spotAsk?: string;
      spotLast?: string;
      futuresBid?: string;
      futuresAsk?: string;
      markPrice?: string;
      indexPrice?: string;
    },
  ): void {
    const s = this.mustSymbol(symbol);
    if (p.spotBid !== undefined || p.spotAsk !== undefined || p.spotLast !== undefined) {
      if (!s.spot) throw new Error(`fake: ${symbol} has no spot market`);
      if (p.spotBid !== undefined) s.spot.bid = p.spotBid;
      if (p.spotAsk !== undefined) s.spot.ask = p.spotAsk;
      s.spot.last = p.spotLast ?? p.spotAsk ?? s.spot.last;
    }
    if (p.futuresBid !== undefined || p.futuresAsk !== undefined || p.markPrice !== undefined || p.indexPrice !== undefined) {
      if (!s.futures) throw new Error(`fake: ${symbol} has no futures market`);
      if (p.futuresBid !== undefined) s.futures.bid = p.futuresBid;
      if (p.futuresAsk !== undefined) s.futures.ask = p.futuresAsk;
      if (p.markPrice !== undefined) s.futures.markPrice = p.markPrice;
      if (p.indexPrice !== undefined) s.futures.indexPrice = p.indexPrice;
    }
  }

  /** Funding state of a perpetual. Setting intervalHours ≠ 8 lists it in fundingInfo. */
  setFunding(
    symbol: string,
    f: { lastFundingRate?: string; nextFundingTime?: number; intervalHours?: number; adjusted?: boolean; cap?: string; floor?: string },
  ): void {
    const fut = this.mustFutures(symbol);
    if (f.lastFundingRate !== undefined) fut.lastFundingRate = f.lastFundingRate;
    if (f.nextFundingTime !== undefined) fut.nextFundingTime = f.nextFundingTime;
    if (f.intervalHours !== undefined) {
      fut.intervalHours = f.intervalHours;
      fut.adjusted = f.adjusted ?? (fut.adjusted || f.intervalHours !== 8);
    } else if (f.adjusted !== undefined) fut.adjusted = f.adjusted;
    if (f.cap !== undefined) fut.fundingCap = f.cap;
    if (f.floor !== undefined) fut.fundingFloor = f.floor;
  }

  /** Spot or futures trading status, e.g. 'BREAK'. */
  setStatus(symbol: string, market: FakeMarketName, status: string): void {
    const s = this.mustSymbol(symbol);
    const m = market === 'spot' ? s.spot : s.futures;
    if (!m) throw new Error(`fake: ${symbol} has no ${market} market`);
    m.status = status;
  }

  /** Overrides filters of one market (stepSize, minQty, minNotional, tickSize, ...). */
  setFilters(symbol: string, market: 'spot', f: Partial<FakeSpotMarket>): void;
  setFilters(symbol: string, market: 'futures', f: Partial<FakeFuturesMarket>): void;
  setFilters(symbol: string, market: FakeMarketName, f: Partial<FakeSpotMarket> | Partial<FakeFuturesMarket>): void {
    const s = this.mustSymbol(symbol);
    const m = market === 'spot' ? s.spot : s.futures;
    if (!m) throw new Error(`fake: ${symbol} has no ${market} market`);
    Object.assign(m, f);
  }

  /**
   * Appends settled funding rows (kept ascending). Either explicit rows, or
   * `{ days, rate }` to generate a history on the symbol's interval ending now.
   */
  addFundingHistory(symbol: string, rows: Array<Partial<FakeFundingRow> & { fundingTime: number; fundingRate: string }> | { days: number; rate?: string }): void {
    const s = this.mustSymbol(symbol);
    const fut = this.mustFutures(symbol);
    const add: FakeFundingRow[] = Array.isArray(rows)
      ? rows.map((r) => ({ fundingTime: r.fundingTime, fundingRate: r.fundingRate, markPrice: r.markPrice ?? fut.markPrice }))
      : makeHistory(prng(s.fundingHistory.length + 3), {
          now: this.now(),
          intervalHours: fut.intervalHours,
          days: rows.days,
          rate: Number(rows.rate ?? fut.lastFundingRate),
          markPrice: Number(fut.markPrice),
        });
    s.fundingHistory.push(...add);
    s.fundingHistory.sort((a, b) => a.fundingTime - b.fundingTime);
  }

  /**
   * A funding settlement: appends the history row, pays/charges every open position a
   * FUNDING_FEE income row (−positionAmt × markPrice × rate) and moves nextFundingTime on.
   */
  settleFunding(symbol: string, o: { rate?: string; time?: number } = {}): FakeIncomeRow | undefined {
    const s = this.mustSymbol(symbol);
    const fut = this.mustFutures(symbol);
    const rate = o.rate ?? fut.lastFundingRate;
    const time = o.time ?? fut.nextFundingTime;
    s.fundingHistory.push({ fundingTime: time, fundingRate: rate, markPrice: fut.markPrice });
    s.fundingHistory.sort((a, b) => a.fundingTime - b.fundingTime);
    fut.nextFundingTime = time + fut.intervalHours * 3_600_000;
    const pos = this.positions.get(symbol);
    if (!pos || pos.amt.eq(0)) return undefined;
    const amount = pos.amt.neg().mul(fut.markPrice).mul(rate);
    this.futuresWallet.set('USDT', (this.futuresWallet.get('USDT') ?? ZERO).plus(amount));
    return this.addIncome({ symbol, incomeType: 'FUNDING_FEE', income: s8(amount), time });
  }

  // ---------- account helpers ----------

  setSpotBalance(asset: string, free: string, locked = '0'): void {
    this.spotBalances.set(asset, { free: dec(free), locked: dec(locked) });
  }

  setFuturesBalance(asset: string, walletBalance: string): void {
    this.futuresWallet.set(asset, dec(walletBalance));
  }

  /** One-way position: amt negative for a short. */
  setPosition(symbol: string, amt: string, entryPrice: string): void {
    this.positions.set(symbol, { amt: dec(amt), entry: dec(entryPrice) });
  }

  setLeverage(symbol: string, leverage: number): void {
    this.leverage.set(symbol, leverage);
  }

  /** Appends an income row (tranId assigned when absent); kept ascending by time. */
  addIncome(row: Partial<FakeIncomeRow> & { symbol: string; income: string; time: number }): FakeIncomeRow {
    const full: FakeIncomeRow = {
      incomeType: 'FUNDING_FEE',
      asset: 'USDT',
      info: row.incomeType && row.incomeType !== 'FUNDING_FEE' ? '' : 'FUNDING_FEE',
      tranId: this.nextTranId++,
      tradeId: '',
      ...row,
    };
    this.income.push(full);
    this.income.sort((a, b) => a.time - b.time);
    return full;
  }

  // ---------- faults ----------

  /**
   * Answers the next `times` (default 1; Infinity allowed) requests matching `match` with
   * `fault`. A string match is a path. Faults are checked in the order they were added.
   */
  inject(match: string | FaultMatch, fault: FakeFault, opts: { times?: number } = {}): FaultHandle {
    const f: ActiveFault = { match: typeof match === 'string' ? { path: match } : match, fault, remaining: opts.times ?? 1, hits: 0 };
    this.faults.push(f);
    return {
      get hits() {
        return f.hits;
      },
      remove: () => {
        this.faults = this.faults.filter((x) => x !== f);
      },
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  // ---------- HTTP ----------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const market: FakeMarketName = url.pathname.startsWith('/fapi/') ? 'futures' : 'spot';
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(query)) params[k] = v;
    const record: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      market,
      params,
      query,
      body: '',
      headers: req.headers,
      at,
    };
    this.requests.push(record);
    this.emit('request', record);

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      record.body = Buffer.concat(chunks).toString('utf8');
      if (record.body) for (const [k, v] of new URLSearchParams(record.body)) params[k] = v;
      this.dispatch(record, req, res);
    });
  }

  private dispatch(record: FakeRequest, req: IncomingMessage, res: ServerResponse): void {
    const route = this.routes.get(`${record.method} ${record.path}`);
    const weight = route ? route.weight(record.params) : 1;
    this.chargeWeight(record.market, weight);

    const fault = this.takeFault(record);
    if (fault && fault !== 'fillThenFail' && !(typeof fault === 'object' && 'fillThenFail' in fault)) {
      this.answerFault(fault, record, req, res);
      return;
    }
    if (!route) {
      this.send(res, record, 404, { code: -1000, msg: `fake Binance: no such endpoint ${record.method} ${record.path}` });
      return;
    }
    let status = 200;
    let body: unknown;
    try {
      if (route.signed) this.authenticate(record);
      body = route.handler(record);
    } catch (err) {
      // a bug in the fake answers 500 rather than crashing the test process
      status = err instanceof Reject ? err.status : 500;
      body = err instanceof Reject ? { code: err.code, msg: err.message } : { code: -1000, msg: `fake Binance bug: ${(err as Error)?.stack ?? String(err)}` };
    }
    if (fault) {
      const variant = fault === 'fillThenFail' ? 503 : (fault as { fillThenFail: FillThenFailVariant }).fillThenFail;
      if (variant === 503) this.answerFault({ status: 503, unknown: true }, record, req, res);
      else this.answerFault(variant, record, req, res);
      return;
    }
    this.send(res, record, status, body);
  }

  private takeFault(record: FakeRequest): FakeFault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.match.path !== record.path) continue;
      if (f.match.method && f.match.method.toUpperCase() !== record.method) continue;
      if (f.match.when && !f.match.when(record)) continue;
      f.remaining -= 1;
      f.hits += 1;
      return f.fault;
    }
    return undefined;
  }

  private answerFault(fault: FakeFault, record: FakeRequest, req: IncomingMessage, res: ServerResponse): void {
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault === 'malformed') {
      this.sendRaw(res, record, 200, '{"symbol":"BTCUSDT","price":', 'application/json');
      return;
    }
    if (fault === 'wrongSchema') {
      this.send(res, record, 200, { unexpected: true, data: [] });
      return;
    }
    if (typeof fault !== 'object' || 'fillThenFail' in fault) return;
    const status = fault.status ?? (fault.code === -1007 ? 408 : 400);
    const headers: Record<string, string> = {};
    if ('retryAfter' in fault && fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
    let code = fault.code;
    let msg = fault.msg;
    if (code === undefined) {
      if (status === 429 || status === 418) code = -1003;
      else if (status >= 500) code = 'unknown' in fault && fault.unknown ? -1000 : -1008;
    }
    if (msg === undefined) {
      if (status === 418) msg = `Way too many requests; IP banned until ${this.now() + 120_000}. Please use the websocket for live updates to avoid bans.`;
      else if (status >= 500 && 'unknown' in fault && fault.unknown) msg = 'Unknown error, please check your request or try again later.';
      else if (status >= 500) msg = 'Service Unavailable.';
      else msg = code !== undefined ? DEFAULT_MSG[code] ?? 'Rejected (fake)' : 'Rejected (fake)';
    }
    this.send(res, record, status, code !== undefined ? { code, msg } : { msg }, headers);
  }

  private send(res: ServerResponse, record: FakeRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.sendRaw(res, record, status, JSON.stringify(body), 'application/json;charset=UTF-8', headers);
  }

  private sendRaw(res: ServerResponse, record: FakeRequest, status: number, text: string, type: string, headers: Record<string, string> = {}): void {
    record.status = status;
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(text),
      'X-MBX-USED-WEIGHT-1M': String(this.usedWeight[record.market]),
      ...headers,
    });
    res.end(text);
    record.answeredAt = performance.now();
  }

  private chargeWeight(market: FakeMarketName, weight: number): void {
    const minute = Math.floor(this.now() / MINUTE);
    if (minute !== this.weightMinute[market]) {
      this.weightMinute[market] = minute;
      this.usedWeight[market] = 0;
    }
    this.usedWeight[market] += weight;
    this.totalWeight[market] += weight;
  }

  /** API key, then signature, then timestamp: the order Binance checks them in. */
  private authenticate(r: FakeRequest): void {
    const key = r.headers['x-mbx-apikey'];
    if (key !== this.apiKey) throw new Reject(401, -2015, DEFAULT_MSG[-2015]!);
    const strip = (s: string) =>
      s
        .split('&')
        .filter((p) => p !== '' && !p.startsWith('signature='))
        .join('&');
    const payload = strip(r.query) + strip(r.body);
    const given = r.params.signature ?? '';
    const expected = createHmac('sha256', this.apiSecret).update(payload).digest('hex');
    r.signatureValid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (!r.signatureValid) throw new Reject(400, -1022, DEFAULT_MSG[-1022]!);
    const ts = Number(r.params.timestamp);
    const recvWindow = Number(r.params.recvWindow ?? 5000);
    if (!Number.isFinite(ts)) throw new Reject(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    if (!(recvWindow > 0 && recvWindow <= 60_000)) throw new Reject(400, -1131, 'recvWindow must be less than 60000');
    const server = this.now();
    if (ts >= server + 1000 || server - ts > recvWindow) throw new Reject(400, -1021, DEFAULT_MSG[-1021]!);
  }

  // ---------- state ----------

  private restoreState(): void {
    const now = this.now();
    this.symbols.clear();
    let i = 0;
    for (const init of this.opts.symbols ?? defaultSymbols()) {
      const s = buildSymbol(init, now, prng(++i));
      this.symbols.set(s.symbol, s);
    }
    this.spotBalances.clear();
    for (const [a, v] of Object.entries(this.opts.spotBalances ?? { USDT: '100000' })) this.setSpotBalance(a, v);
    this.futuresWallet.clear();
    for (const [a, v] of Object.entries(this.opts.futuresBalances ?? { USDT: '100000' })) this.setFuturesBalance(a, v);
    this.positions.clear();
    this.leverage.clear();
    this.dualSidePosition = false;
    this.income = [];
    this.orders = [];
    this.adl.clear();
    this.universalTransfer = true;
    this.transfers = [];
  }

  private mustSymbol(symbol: string): FakeSymbol {
    const s = this.symbols.get(symbol);
    if (!s) throw new Error(`fake: unknown symbol ${symbol}`);
    return s;
  }

  private mustFutures(symbol: string): FakeFuturesMarket {
    const f = this.mustSymbol(symbol).futures;
    if (!f) throw new Error(`fake: ${symbol} has no futures market`);
    return f;
  }

  private lev(symbol: string): number {
    return this.leverage.get(symbol) ?? this.opts.defaultLeverage ?? 20;
  }

  private unrealized(): { pnl: Decimal; margin: Decimal } {
    let pnl = ZERO;
    let margin = ZERO;
    for (const [symbol, p] of this.positions) {
      const fut = this.symbols.get(symbol)?.futures;
      if (!fut || p.amt.eq(0)) continue;
      pnl = pnl.plus(dec(fut.markPrice).minus(p.entry).mul(p.amt));
      margin = margin.plus(p.amt.abs().mul(fut.markPrice).div(this.lev(symbol)));
    }
    return { pnl, margin };
  }

  private availableUsdt(): Decimal {
    const { pnl, margin } = this.unrealized();
    const avail = (this.futuresWallet.get('USDT') ?? ZERO).plus(pnl).minus(margin);
    return Decimal.max(avail, 0);
  }

  // ---------- routes ----------

  private registerRoutes(): void {
    const r = (method: string, path: string, signed: boolean, weight: number | ((p: Record<string, string>) => number), handler: Handler) =>
      this.routes.set(`${method} ${path}`, { signed, weight: typeof weight === 'number' ? () => weight : weight, handler });
    const one = (a: number, all: number) => (p: Record<string, string>) => (p.symbol ? a : all);

    // spot
    r('GET', '/api/v3/time', false, 1, () => ({ serverTime: this.now() }));
    r('GET', '/api/v3/exchangeInfo', false, 20, (q) => this.spotExchangeInfo(q.params.symbol));
    r('GET', '/api/v3/ticker/price', false, one(2, 4), (q) =>
      this.spotList(q.params.symbol, (s, m) => ({ symbol: s.symbol, price: m.last })),
    );
    r('GET', '/api/v3/ticker/bookTicker', false, one(2, 4), (q) =>
      this.spotList(q.params.symbol, (s, m) => ({ symbol: s.symbol, bidPrice: m.bid, bidQty: m.bidQty, askPrice: m.ask, askQty: m.askQty })),
    );
    r('GET', '/api/v3/account', true, 20, (q) => this.spotAccount(q.params.omitZeroBalances === 'true'));
    r('GET', '/api/v3/order', true, 4, (q) => this.spotOrderView(this.findOrder('spot', q.params)));
    r('GET', '/api/v3/myTrades', true, (p) => (p.orderId ? 5 : 20), (q) => this.spotTrades(q.params));
    r('POST', '/api/v3/order', true, 1, (q) => this.spotNewOrder(q.params));

    // klines (hourly history for the backtest)
    const rejectKline = (status: number, code: number, msg: string) => new Reject(status, code, msg);
    r('GET', '/api/v3/klines', false, fakeKlineWeight.spot, (q) => this.klines.answer('spot', q.params, (s) => !!this.symbols.get(s)?.spot, rejectKline));
    r('GET', '/fapi/v1/klines', false, fakeKlineWeight.futures, (q) => this.klines.answer('futures', q.params, (s) => !!this.symbols.get(s)?.futures, rejectKline));

    // futures
    r('GET', '/fapi/v1/time', false, 1, () => ({ serverTime: this.now() }));
    r('GET', '/fapi/v1/exchangeInfo', false, 1, () => this.futuresExchangeInfo());
    r('GET', '/fapi/v1/premiumIndex', false, one(1, 10), (q) => this.futuresList(q.params.symbol, (s, f) => this.premiumIndexRow(s, f)));
    r('GET', '/fapi/v1/fundingRate', false, 1, (q) => this.fundingRates(q.params));
    r('GET', '/fapi/v1/fundingInfo', false, 1, () => this.fundingInfo());
    r('GET', '/fapi/v1/ticker/bookTicker', false, one(2, 5), (q) =>
      this.futuresList(q.params.symbol, (s, f) => ({
        symbol: s.symbol,
        bidPrice: f.bid,
        bidQty: f.bidQty,
        askPrice: f.ask,
        askQty: f.askQty,
        time: this.now(),
        lastUpdateId: 8_597_004_445_456 + this.requests.length,
      })),
    );
    r('GET', '/fapi/v1/order', true, 1, (q) => this.futuresOrderView(this.findOrder('futures', q.params)));
    r('GET', '/fapi/v1/userTrades', true, 5, (q) => this.futuresTrades(q.params));
    r('GET', '/fapi/v1/income', true, 30, (q) => this.incomeRows(q.params));
    r('GET', '/fapi/v1/positionSide/dual', true, 30, () => ({ dualSidePosition: this.dualSidePosition }));
    r('GET', '/fapi/v2/positionRisk', true, 5, (q) => this.positionRisk(q.params.symbol));
    r('GET', '/fapi/v2/balance', true, 5, () => this.futuresBalance());
    r('POST', '/fapi/v1/order', true, 0, (q) => this.futuresNewOrder(q.params));
    r('POST', '/fapi/v1/leverage', true, 1, (q) => {
      const symbol = q.params.symbol ?? '';
      const lev = Number(q.params.leverage);
      if (!this.symbols.get(symbol)?.futures) throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
      if (!Number.isInteger(lev) || lev < 1 || lev > 125) throw new Reject(400, -4028, 'Leverage is not valid');
      this.leverage.set(symbol, lev);
      return { symbol, leverage: lev, maxNotionalValue: '480000000' };
    });
    this.registerMarginRoutes(r);
  }

  // ---------- margin: futures account, ADL quantile, spot → futures transfer ----------

  /** maintenance margin rate the fake's liquidation prices imply */
  static readonly MMR = '0.004';

  private registerMarginRoutes(r: (method: string, path: string, signed: boolean, weight: number, handler: Handler) => void): void {
    r('GET', '/fapi/v3/account', true, 5, () => this.futuresAccountV3());
    r('GET', '/fapi/v1/adlQuantile', true, 5, (q) =>
      [...this.positions]
        .filter(([symbol, p]) => !p.amt.eq(0) && (!q.params.symbol || q.params.symbol === symbol))
        .map(([symbol]) => {
          const n = this.adl.get(symbol) ?? 1;
          return { symbol, adlQuantile: { LONG: n, SHORT: n, BOTH: n } };
        }),
    );
    r('POST', '/sapi/v1/asset/transfer', true, 1, (q) => this.assetTransfer(q.params));
  }

  private futuresAccountV3(): unknown {
    const { pnl, margin } = this.unrealized();
    const wallet = this.futuresWallet.get('USDT') ?? ZERO;
    const positions = [...this.positions].filter(([, p]) => !p.amt.eq(0)).map(([symbol, p]) => {
      const mark = this.symbols.get(symbol)?.futures?.markPrice ?? '0';
      const notional = p.amt.mul(mark);
      return {
        symbol,
        positionSide: 'BOTH',
        positionAmt: p.amt.toFixed(),
        unrealizedProfit: s8(dec(mark).minus(p.entry).mul(p.amt)),
        isolatedMargin: '0',
        notional: s8(notional),
        isolatedWallet: '0',
        initialMargin: s8(notional.abs().div(this.lev(symbol))),
        maintMargin: s8(notional.abs().mul(FakeBinance.MMR)),
        updateTime: this.now(),
      };
    });
    const maint = positions.reduce((a, p) => a.plus(p.maintMargin), ZERO);
    return {
      totalInitialMargin: s8(margin),
      totalMaintMargin: s8(maint),
      totalWalletBalance: s8(wallet),
      totalUnrealizedProfit: s8(pnl),
      totalMarginBalance: s8(wallet.plus(pnl)),
      totalPositionInitialMargin: s8(margin),
      totalOpenOrderInitialMargin: '0.00000000',
      totalCrossWalletBalance: s8(wallet),
      totalCrossUnPnl: s8(pnl),
      availableBalance: s8(this.availableUsdt()),
      maxWithdrawAmount: s8(this.availableUsdt()),
      assets: [],
      positions,
    };
  }

  /** Binance: the key needs "Permits Universal Transfer"; the amount must be covered by spot free. */
  private assetTransfer(p: Record<string, string>): unknown {
    if (!this.universalTransfer) throw new Reject(401, -1002, 'You are not authorized to execute this request.');
    if (!p.type || !p.asset || !p.amount) throw new Reject(400, -1102, 'Mandatory parameter was not sent, was empty/null, or malformed.');
    if (p.type !== 'MAIN_UMFUTURE') throw new Reject(400, -1102, 'Mandatory parameter was not sent, was empty/null, or malformed.');
    if (!/^\d+(\.\d{1,8})?$/.test(p.amount) || dec(p.amount).lte(0)) throw new Reject(400, -1100, "Illegal characters found in parameter 'amount'.");
    const amount = dec(p.amount);
    const bal = this.spotBalances.get(p.asset);
    if (!bal || bal.free.lt(amount)) throw new Reject(400, -5013, 'Asset transfer failed: insufficient balance');
    bal.free = bal.free.minus(amount);
    this.futuresWallet.set(p.asset, (this.futuresWallet.get(p.asset) ?? ZERO).plus(amount));
    const t: FakeTransfer = { tranId: this.nextTranId++, type: p.type, asset: p.asset, amount: amount.toFixed(), time: this.now() };
    this.transfers.push(t);
    return { tranId: t.tranId };
  }

  private spotList<T>(symbol: string | undefined, row: (s: FakeSymbol, m: FakeSpotMarket) => T): T | T[] {
    if (symbol !== undefined) {
      const s = this.symbols.get(symbol);
      if (!s?.spot) throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
      return row(s, s.spot);
    }
    const out: T[] = [];
    for (const s of this.symbols.values()) if (s.spot) out.push(row(s, s.spot));
    return out;
  }

  private futuresList<T>(symbol: string | undefined, row: (s: FakeSymbol, f: FakeFuturesMarket) => T): T | T[] {
    if (symbol !== undefined) {
      const s = this.symbols.get(symbol);
      if (!s?.futures) throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
      return row(s, s.futures);
    }
    const out: T[] = [];
    for (const s of this.symbols.values()) if (s.futures) out.push(row(s, s.futures));
    return out;
  }

  private spotExchangeInfo(symbol?: string): unknown {
    const list = [...this.symbols.values()].filter((s) => s.spot && (!symbol || s.symbol === symbol));
    if (symbol && list.length === 0) throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
    return {
      timezone: 'UTC',
      serverTime: this.now(),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [],
      symbols: list.map((s) => {
        const m = s.spot!;
        return {
          symbol: s.symbol,
          status: m.status,
          baseAsset: s.baseAsset,
          baseAssetPrecision: 8,
          quoteAsset: s.quoteAsset,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          baseCommissionPrecision: 8,
          quoteCommissionPrecision: 8,
          orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
          icebergAllowed: true,
          ocoAllowed: true,
          quoteOrderQtyMarketAllowed: true,
          allowTrailingStop: true,
          cancelReplaceAllowed: true,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: true,
          filters: [
            { filterType: 'PRICE_FILTER', minPrice: m.tickSize, maxPrice: '1000000.00000000', tickSize: m.tickSize },
            { filterType: 'LOT_SIZE', minQty: m.minQty, maxQty: m.maxQty, stepSize: m.stepSize },
            { filterType: 'ICEBERG_PARTS', limit: 10 },
            { filterType: 'MARKET_LOT_SIZE', minQty: m.marketMinQty, maxQty: m.marketMaxQty, stepSize: m.marketStepSize },
            { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
            { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
            { filterType: 'NOTIONAL', minNotional: m.minNotional, applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
            { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
            { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
          ],
          permissions: [],
          permissionSets: [['SPOT', 'MARGIN']],
          defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
          allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
        };
      }),
    };
  }

  private futuresExchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: this.now(),
      futuresType: 'U_MARGINED',
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
        { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
      ],
      exchangeFilters: [],
      assets: [
        { asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' },
        { asset: 'BTC', marginAvailable: true, autoAssetExchange: '-0.10000000' },
      ],
      symbols: [...this.symbols.values()]
        .filter((s) => s.futures)
        .map((s) => {
          const f = s.futures!;
          return {
            symbol: s.symbol,
            pair: s.symbol,
            contractType: 'PERPETUAL',
            deliveryDate: 4133404800000,
            onboardDate: 1569398400000,
            status: f.status,
            maintMarginPercent: '2.5000',
            requiredMarginPercent: '5.0000',
            baseAsset: s.baseAsset,
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
            pricePrecision: 8,
            quantityPrecision: 8,
            baseAssetPrecision: 8,
            quotePrecision: 8,
            underlyingType: 'COIN',
            underlyingSubType: [],
            settlePlan: 0,
            triggerProtect: '0.0500',
            liquidationFee: '0.012500',
            marketTakeBound: '0.05',
            maxMoveOrderLimit: 10000,
            filters: [
              { filterType: 'PRICE_FILTER', minPrice: f.tickSize, maxPrice: '4529764', tickSize: f.tickSize },
              { filterType: 'LOT_SIZE', minQty: f.minQty, maxQty: f.maxQty, stepSize: f.stepSize },
              { filterType: 'MARKET_LOT_SIZE', minQty: f.marketMinQty, maxQty: f.marketMaxQty, stepSize: f.marketStepSize },
              { filterType: 'MAX_NUM_ORDERS', limit: 200 },
              { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
              { filterType: 'MIN_NOTIONAL', notional: f.minNotional },
              { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
            ],
            orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
            timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
            permissionSets: ['GRID', 'COPY'],
          };
        }),
    };
  }

  private premiumIndexRow(s: FakeSymbol, f: FakeFuturesMarket): unknown {
    return {
      symbol: s.symbol,
      markPrice: f.markPrice,
      indexPrice: f.indexPrice,
      estimatedSettlePrice: f.indexPrice,
      lastFundingRate: f.lastFundingRate,
      interestRate: f.interestRate,
      nextFundingTime: f.nextFundingTime,
      time: this.now(),
    };
  }

  /** Binance semantics: no time bounds → the latest `limit`; startTime → the first `limit` from it. */
  private fundingRates(p: Record<string, string>): unknown {
    const limit = Math.min(Number(p.limit ?? 100) || 100, 1000);
    const start = p.startTime !== undefined ? Number(p.startTime) : undefined;
    const end = p.endTime !== undefined ? Number(p.endTime) : undefined;
    let rows: Array<FakeFundingRow & { symbol: string }> = [];
    for (const s of this.symbols.values()) {
      if (p.symbol !== undefined && s.symbol !== p.symbol) continue;
      for (const r of s.fundingHistory) rows.push({ symbol: s.symbol, ...r });
    }
    rows = rows.filter((r) => (start === undefined || r.fundingTime >= start) && (end === undefined || r.fundingTime <= end));
    rows.sort((a, b) => a.fundingTime - b.fundingTime);
    rows = start !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
    return rows.map((r) => ({ symbol: r.symbol, fundingTime: r.fundingTime, fundingRate: r.fundingRate, markPrice: r.markPrice }));
  }

  private fundingInfo(): unknown {
    const out: unknown[] = [];
    for (const s of this.symbols.values()) {
      const f = s.futures;
      if (!f || !(f.adjusted || f.intervalHours !== 8)) continue;
      out.push({
        symbol: s.symbol,
        adjustedFundingRateCap: f.fundingCap,
        adjustedFundingRateFloor: f.fundingFloor,
        fundingIntervalHours: f.intervalHours,
        disclaimer: false,
        updateTime: 1752854309429,
      });
    }
    return out;
  }

  private spotAccount(omitZero: boolean): unknown {
    const balances = [...this.spotBalances.entries()]
      .map(([asset, b]) => ({ asset, free: s8(b.free), locked: s8(b.locked) }))
      .filter((b) => !omitZero || Number(b.free) !== 0 || Number(b.locked) !== 0);
    return {
      makerCommission: 10,
      takerCommission: 10,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: { maker: '0.00100000', taker: s8(dec(this.spotCommissionRate)), buyer: '0.00000000', seller: '0.00000000' },
      canTrade: true,
      canWithdraw: true,
      canDeposit: true,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: this.now(),
      accountType: 'SPOT',
      balances,
      permissions: ['SPOT'],
      uid: 354937868,
    };
  }

  private findOrder(market: FakeMarketName, p: Record<string, string>): FakeOrder {
    if (!p.symbol) throw new Reject(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    if (!p.origClientOrderId && !p.orderId) throw new Reject(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    const o = this.orders.find(
      (x) =>
        x.market === market &&
        x.symbol === p.symbol &&
        (p.orderId ? String(x.orderId) === p.orderId : x.clientOrderId === p.origClientOrderId),
    );
    if (!o) throw new Reject(400, -2013, DEFAULT_MSG[-2013]!);
    return o;
  }

  private quantity(p: Record<string, string>): Decimal {
    const raw = p.quantity;
    if (raw === undefined || raw === '') throw new Reject(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new Reject(400, -1100, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
    const q = dec(raw);
    if (q.lte(0)) throw new Reject(400, -4003, 'Quantity less than or equal to zero.');
    return q;
  }

  private commonOrderChecks(p: Record<string, string>, market: FakeMarketName): void {
    if (p.side !== 'BUY' && p.side !== 'SELL') throw new Reject(400, -1102, "Mandatory parameter 'side' was not sent, was empty/null, or malformed.");
    if (p.type !== 'MARKET') throw new Reject(400, -1116, 'Invalid orderType (the fake supports MARKET only).');
    if (p.newClientOrderId !== undefined && !/^[.A-Z:/a-z0-9_-]{1,36}$/.test(p.newClientOrderId)) {
      throw new Reject(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    }
    if (p.newClientOrderId !== undefined && this.orders.some((o) => o.market === market && o.clientOrderId === p.newClientOrderId)) {
      if (market === 'spot') throw new Reject(400, -2010, 'Duplicate order sent.');
      throw new Reject(400, -4116, DEFAULT_MSG[-4116]!);
    }
  }

  private spotNewOrder(p: Record<string, string>): unknown {
    const s = this.symbols.get(p.symbol ?? '');
    if (!s?.spot || s.spot.status !== 'TRADING') throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
    const m = s.spot;
    this.commonOrderChecks(p, 'spot');
    const qty = this.quantity(p);
    const side = p.side as 'BUY' | 'SELL';
    const step = effective(m.marketStepSize, m.stepSize);
    const minQty = effective(m.marketMinQty, m.minQty);
    const maxQty = effective(m.marketMaxQty, m.maxQty);
    if (!isStep(qty, step) || qty.lt(minQty) || qty.gt(maxQty)) throw new Reject(400, -1013, 'Filter failure: LOT_SIZE');
    const price = dec(side === 'BUY' ? m.ask : m.bid);
    const quote = qty.mul(price);
    if (quote.lt(m.minNotional)) throw new Reject(400, -1013, 'Filter failure: NOTIONAL');

    const rate = dec(this.spotCommissionRate);
    const baseBal = this.spotBalances.get(s.baseAsset) ?? { free: ZERO, locked: ZERO };
    const quoteBal = this.spotBalances.get(s.quoteAsset) ?? { free: ZERO, locked: ZERO };
    let commission: Decimal;
    let commissionAsset: string;
    if (side === 'BUY') {
      const feeInQuote = this.spotBuyCommissionIn === 'quote';
      commission = feeInQuote ? quote.mul(rate) : qty.mul(rate);
      commissionAsset = feeInQuote ? s.quoteAsset : s.baseAsset;
      const cost = feeInQuote ? quote.plus(commission) : quote;
      if (quoteBal.free.lt(cost)) throw new Reject(400, -2010, DEFAULT_MSG[-2010]!);
      quoteBal.free = quoteBal.free.minus(cost);
      baseBal.free = baseBal.free.plus(feeInQuote ? qty : qty.minus(commission));
    } else {
      if (baseBal.free.lt(qty)) throw new Reject(400, -2010, DEFAULT_MSG[-2010]!);
      commission = quote.mul(rate);
      commissionAsset = s.quoteAsset;
      baseBal.free = baseBal.free.minus(qty);
      quoteBal.free = quoteBal.free.plus(quote.minus(commission));
    }
    this.spotBalances.set(s.baseAsset, baseBal);
    this.spotBalances.set(s.quoteAsset, quoteBal);

    const order = this.record('spot', s.symbol, p, {
      side,
      origQty: s8(qty),
      executedQty: s8(qty),
      avgPrice: s8(price),
      cumQuote: s8(quote),
      reduceOnly: false,
      commission: s8(commission),
      commissionAsset,
      realizedPnl: '0',
    });
    const ack = { symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId: order.clientOrderId, transactTime: order.time };
    const respType = p.newOrderRespType ?? 'FULL';
    if (respType === 'ACK') return ack;
    const result = {
      ...ack,
      price: '0.00000000',
      origQty: order.origQty,
      executedQty: order.executedQty,
      origQuoteOrderQty: '0.00000000',
      cummulativeQuoteQty: order.cumQuote,
      status: 'FILLED',
      timeInForce: 'GTC',
      type: 'MARKET',
      side,
      workingTime: order.time,
      selfTradePreventionMode: 'EXPIRE_MAKER',
    };
    if (respType === 'RESULT') return result;
    return {
      ...result,
      fills: [{ price: order.avgPrice, qty: order.executedQty, commission: order.commission, commissionAsset, tradeId: order.tradeId }],
    };
  }

  private spotOrderView(o: FakeOrder): unknown {
    return {
      symbol: o.symbol,
      orderId: o.orderId,
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      price: '0.00000000',
      origQty: o.origQty,
      executedQty: o.executedQty,
      cummulativeQuoteQty: o.cumQuote,
      status: o.status,
      timeInForce: 'GTC',
      type: o.type,
      side: o.side,
      stopPrice: '0.00000000',
      icebergQty: '0.00000000',
      time: o.time,
      updateTime: o.time,
      isWorking: true,
      workingTime: o.time,
      origQuoteOrderQty: '0.00000000',
      selfTradePreventionMode: 'EXPIRE_MAKER',
    };
  }

  private spotTrades(p: Record<string, string>): unknown {
    if (!p.symbol) throw new Reject(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    return this.orders
      .filter((o) => o.market === 'spot' && o.symbol === p.symbol && (!p.orderId || String(o.orderId) === p.orderId))
      .map((o) => ({
        symbol: o.symbol,
        id: o.tradeId,
        orderId: o.orderId,
        orderListId: -1,
        price: o.avgPrice,
        qty: o.executedQty,
        quoteQty: o.cumQuote,
        commission: o.commission,
        commissionAsset: o.commissionAsset,
        time: o.time,
        isBuyer: o.side === 'BUY',
        isMaker: false,
        isBestMatch: true,
      }));
  }

  private futuresNewOrder(p: Record<string, string>): unknown {
    const s = this.symbols.get(p.symbol ?? '');
    if (!s?.futures || s.futures.status !== 'TRADING') throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
    const f = s.futures;
    const positionSide = p.positionSide ?? 'BOTH';
    if (this.dualSidePosition ? positionSide === 'BOTH' : positionSide !== 'BOTH') throw new Reject(400, -4061, DEFAULT_MSG[-4061]!);
    this.commonOrderChecks(p, 'futures');
    let qty = this.quantity(p);
    const side = p.side as 'BUY' | 'SELL';
    const reduceOnly = p.reduceOnly === 'true';
    if (!isStep(qty, f.marketStepSize)) throw new Reject(400, -1111, DEFAULT_MSG[-1111]!);
    if (qty.lt(f.marketMinQty)) throw new Reject(400, -4003, 'Quantity less than or equal to zero.');
    if (qty.gt(f.marketMaxQty)) throw new Reject(400, -4005, 'Quantity greater than max quantity.');

    const pos = this.positions.get(s.symbol) ?? { amt: ZERO, entry: ZERO };
    const signed = side === 'BUY' ? qty : qty.neg();
    if (reduceOnly) {
      // reduce-only may only shrink the position; a larger quantity is cut to the position size
      if (pos.amt.eq(0) || pos.amt.isPos() === signed.isPos()) throw new Reject(400, -2022, DEFAULT_MSG[-2022]!);
      if (qty.gt(pos.amt.abs())) qty = pos.amt.abs();
    }
    const price = dec(side === 'BUY' ? f.ask : f.bid);
    const notional = qty.mul(price);
    if (!reduceOnly && notional.lt(f.minNotional)) {
      throw new Reject(400, -4164, `Order's notional must be no smaller than ${f.minNotional} (unless you choose reduce only).`);
    }

    const delta = side === 'BUY' ? qty : qty.neg();
    const newAmt = pos.amt.plus(delta);
    const commission = notional.mul(this.futuresCommissionRate);
    const increase = Decimal.max(newAmt.abs().minus(pos.amt.abs()), 0);
    if (increase.gt(0) && increase.mul(price).div(this.lev(s.symbol)).plus(commission).gt(this.availableUsdt())) {
      throw new Reject(400, -2019, DEFAULT_MSG[-2019]!);
    }

    // realised PnL on the closed part; entry price re-averaged on the added part
    let realized = ZERO;
    let entry = pos.entry;
    const sameDir = pos.amt.eq(0) || pos.amt.isPos() === delta.isPos();
    if (sameDir) {
      entry = pos.amt.abs().mul(pos.entry).plus(qty.mul(price)).div(newAmt.abs());
    } else {
      const closed = Decimal.min(qty, pos.amt.abs());
      realized = price.minus(pos.entry).mul(closed).mul(pos.amt.isPos() ? 1 : -1);
      if (newAmt.eq(0)) entry = ZERO;
      else if (newAmt.isPos() !== pos.amt.isPos()) entry = price; // flipped
    }
    this.positions.set(s.symbol, { amt: newAmt, entry });
    this.futuresWallet.set('USDT', (this.futuresWallet.get('USDT') ?? ZERO).plus(realized).minus(commission));

    const order = this.record('futures', s.symbol, p, {
      side,
      origQty: dec(p.quantity!).toFixed(),
      executedQty: qty.toFixed(),
      avgPrice: price.toFixed(),
      cumQuote: notional.toFixed(),
      reduceOnly,
      commission: s8(commission),
      commissionAsset: 'USDT',
      realizedPnl: s8(realized),
    });
    if ((p.newOrderRespType ?? 'ACK') === 'ACK') {
      // what Binance answers for ACK: the order as accepted, before any fill is known
      return { ...(this.futuresOrderView(order) as object), status: 'NEW', executedQty: '0', cumQty: '0', cumQuote: '0.00000', avgPrice: '0.00' };
    }
    return this.futuresOrderView(order);
  }

  private futuresOrderView(o: FakeOrder): unknown {
    return {
      orderId: o.orderId,
      symbol: o.symbol,
      status: o.status,
      clientOrderId: o.clientOrderId,
      price: '0.00',
      avgPrice: o.avgPrice,
      origQty: o.origQty,
      executedQty: o.executedQty,
      cumQty: o.executedQty,
      cumQuote: o.cumQuote,
      timeInForce: 'GTC',
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: false,
      side: o.side,
      positionSide: o.params.positionSide ?? 'BOTH',
      stopPrice: '0.00',
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: o.type,
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      goodTillDate: 0,
      time: o.time,
      updateTime: o.time,
    };
  }

  private futuresTrades(p: Record<string, string>): unknown {
    if (!p.symbol) throw new Reject(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    return this.orders
      .filter((o) => o.market === 'futures' && o.symbol === p.symbol && (!p.orderId || String(o.orderId) === p.orderId))
      .map((o) => ({
        buyer: o.side === 'BUY',
        commission: o.commission,
        commissionAsset: o.commissionAsset,
        id: o.tradeId,
        maker: false,
        orderId: o.orderId,
        price: o.avgPrice,
        qty: o.executedQty,
        quoteQty: o.cumQuote,
        realizedPnl: o.realizedPnl,
        side: o.side,
        positionSide: o.params.positionSide ?? 'BOTH',
        symbol: o.symbol,
        time: o.time,
      }));
  }

  /** Ascending by time within [startTime, endTime] (default: the last 7 days), first `limit`. */
  private incomeRows(p: Record<string, string>): unknown {
    const limit = Math.min(Number(p.limit ?? 100) || 100, 1000);
    const end = p.endTime !== undefined ? Number(p.endTime) : Number.MAX_SAFE_INTEGER;
    const start = p.startTime !== undefined ? Number(p.startTime) : p.endTime !== undefined ? 0 : this.now() - 7 * 86_400_000;
    return this.income
      .filter(
        (r) =>
          r.time >= start &&
          r.time <= end &&
          (!p.incomeType || r.incomeType === p.incomeType) &&
          (!p.symbol || r.symbol === p.symbol),
      )
      .slice(0, limit);
  }

  private positionRisk(symbol?: string): unknown {
    const list = [...this.symbols.values()].filter((s) => s.futures && (!symbol || s.symbol === symbol));
    if (symbol && list.length === 0) throw new Reject(400, -1121, DEFAULT_MSG[-1121]!);
    return list.map((s) => {
      const f = s.futures!;
      const p = this.positions.get(s.symbol) ?? { amt: ZERO, entry: ZERO };
      const lev = this.lev(s.symbol);
      const liq = p.amt.eq(0)
        ? ZERO
        : p.entry.mul(p.amt.isNeg() ? dec(1).plus(dec(1).div(lev)).minus('0.004') : dec(1).minus(dec(1).div(lev)).plus('0.004'));
      return {
        symbol: s.symbol,
        positionAmt: p.amt.toFixed(),
        entryPrice: p.entry.toFixed(),
        breakEvenPrice: p.entry.toFixed(),
        markPrice: f.markPrice,
        unRealizedProfit: s8(dec(f.markPrice).minus(p.entry).mul(p.amt)),
        liquidationPrice: liq.toFixed(8),
        leverage: String(lev),
        maxNotionalValue: '480000000',
        marginType: 'cross',
        isolatedMargin: '0.00000000',
        isAutoAddMargin: 'false',
        positionSide: 'BOTH',
        notional: s8(p.amt.mul(f.markPrice)),
        isolatedWallet: '0',
        updateTime: this.now(),
      };
    });
  }

  private futuresBalance(): unknown {
    const { pnl } = this.unrealized();
    const avail = this.availableUsdt();
    return [...this.futuresWallet.entries()].map(([asset, wallet]) => ({
      accountAlias: 'SgsR',
      asset,
      balance: s8(wallet),
      crossWalletBalance: s8(wallet),
      crossUnPnl: asset === 'USDT' ? s8(pnl) : '0.00000000',
      availableBalance: asset === 'USDT' ? s8(avail) : s8(wallet),
      maxWithdrawAmount: asset === 'USDT' ? s8(avail) : s8(wallet),
      marginAvailable: true,
      updateTime: this.now(),
    }));
  }

  private record(
    market: FakeMarketName,
    symbol: string,
    p: Record<string, string>,
    o: Pick<FakeOrder, 'side' | 'origQty' | 'executedQty' | 'avgPrice' | 'cumQuote' | 'reduceOnly' | 'commission' | 'commissionAsset' | 'realizedPnl'>,
  ): FakeOrder {
    const prefix = market === 'spot' ? 'web_' : 'ios_';
    const order: FakeOrder = {
      market,
      symbol,
      orderId: this.nextOrderId++,
      clientOrderId: p.newClientOrderId ?? `${prefix}${Math.random().toString(36).slice(2, 22)}`,
      type: p.type ?? 'MARKET',
      status: 'FILLED',
      tradeId: this.nextTradeId++,
      time: this.now(),
      params: { ...p },
      ...o,
    };
    this.orders.push(order);
    this.emit('order', order);
    return order;
  }
}

/** Starts a fake on a random loopback port. */
export async function startFakeBinance(opts: FakeBinanceOptions = {}): Promise<FakeBinance> {
  return new FakeBinance(opts).listen();
}
