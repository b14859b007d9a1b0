import type {
  BookTicker,
  ExchangeInfo,
  FundingInfo,
  FundingRateRow,
  FuturesApi,
  Market,
  PremiumIndex,
  SpotApi,
  SymbolRules,
} from '../../src/binance/types.js';

/**
 * In-memory SpotApi / FuturesApi for market-service tests: market data comes from a mutable
 * `MarketState`, every call is counted by method name, and anything the service must not call
 * throws. Not an HTTP fake: the wire format is the binance engineer's test/fakes/binance.ts.
 */

export function rules(symbol: string, market: Market, over: Partial<SymbolRules> = {}): SymbolRules {
  return {
    symbol,
    market,
    status: 'TRADING',
    baseAsset: symbol.replace(/USDT$/, ''),
    quoteAsset: 'USDT',
    stepSize: '0.001',
    minQty: '0.001',
    maxQty: '1000',
    marketStepSize: '0.001',
    marketMinQty: '0.001',
    marketMaxQty: '1000',
    minNotional: market === 'spot' ? '5' : '100',
    tickSize: '0.01',
    ...(market === 'futures' ? { contractType: 'PERPETUAL' } : {}),
    ...over,
  };
}

export function info(market: Market, list: SymbolRules[]): ExchangeInfo {
  return { market, symbols: new Map(list.map((r) => [r.symbol, r])), weightLimit1m: market === 'spot' ? 6000 : 2400 };
}

export interface MarketState {
  spotInfo: ExchangeInfo;
  futuresInfo: ExchangeInfo;
  premium: PremiumIndex[];
  spotBooks: BookTicker[];
  futuresBooks: BookTicker[];
  fundingInfo: FundingInfo[];
  /** settled rows per symbol, oldest first */
  history: Map<string, FundingRateRow[]>;
}

export const book = (symbol: string, bid: string, ask: string): BookTicker => ({ symbol, bidPrice: bid, bidQty: '10', askPrice: ask, askQty: '10' });

export const premium = (symbol: string, rate: string, nextFundingTime: number, markPrice = '100'): PremiumIndex => ({
  symbol,
  markPrice,
  indexPrice: markPrice,
  lastFundingRate: rate,
  interestRate: '0.0001',
  nextFundingTime,
  time: nextFundingTime - 3_600_000,
});

/** `count` settlements of `rate`, every `intervalHours`, the last one at `lastTime`. */
export function settlements(symbol: string, rate: string, lastTime: number, count: number, intervalHours = 8): FundingRateRow[] {
  return Array.from({ length: count }, (_, i) => ({
    symbol,
    fundingRate: rate,
    fundingTime: lastTime - (count - 1 - i) * intervalHours * 3_600_000,
    markPrice: '100',
  }));
}

export type Calls = Map<string, number>;

export interface Stubs {
  spot: SpotApi;
  futures: FuturesApi;
  calls: Calls;
  /** fundingRate queries in order */
  historyQueries: Array<{ symbol: string; startTime?: number; limit?: number }>;
  total(): number;
  reset(): void;
  /** resolve pending bulk calls only when released (to prove concurrent scans share one) */
  hold(): () => void;
}

export function createStubs(state: MarketState): Stubs {
  const calls: Calls = new Map();
  const historyQueries: Stubs['historyQueries'] = [];
  let gate: Promise<void> | undefined;
  const hit = async (name: string): Promise<void> => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    if (gate) await gate;
  };
  const find = <T extends { symbol: string }>(rows: T[], symbol: string): T => {
    const r = rows.find((x) => x.symbol === symbol);
    if (!r) throw new Error(`stub: no ${symbol}`);
    return r;
  };
  const unused = (name: string) => (): never => {
    throw new Error(`stub: ${name} must not be called by the market service`);
  };

  const spot: SpotApi = {
    time: unused('spot.time'),
    exchangeInfo: async () => (await hit('spot.exchangeInfo'), state.spotInfo),
    tickerPrice: unused('spot.tickerPrice'),
    bookTickers: async () => (await hit('spot.bookTickers'), state.spotBooks),
    bookTicker: async (s) => (await hit('spot.bookTicker'), find(state.spotBooks, s)),
    balances: unused('spot.balances'),
    newOrder: unused('spot.newOrder'),
    getOrder: unused('spot.getOrder'),
    myTrades: unused('spot.myTrades'),
    commission: unused('spot.commission'),
    avgPrice: unused('spot.avgPrice'),
  };
  const futures: FuturesApi = {
    time: unused('futures.time'),
    exchangeInfo: async () => (await hit('futures.exchangeInfo'), state.futuresInfo),
    premiumIndex: async () => (await hit('futures.premiumIndex'), state.premium),
    premiumIndexOf: async (s) => (await hit('futures.premiumIndexOf'), find(state.premium, s)),
    fundingRate: async (q) => {
      await hit('futures.fundingRate');
      historyQueries.push({ symbol: q.symbol, startTime: q.startTime, limit: q.limit });
      return (state.history.get(q.symbol) ?? []).filter((r) => q.startTime === undefined || r.fundingTime >= q.startTime);
    },
    fundingInfo: async () => (await hit('futures.fundingInfo'), state.fundingInfo),
    bookTickers: async () => (await hit('futures.bookTickers'), state.futuresBooks),
    bookTicker: async (s) => (await hit('futures.bookTicker'), find(state.futuresBooks, s)),
    newOrder: unused('futures.newOrder'),
    getOrder: unused('futures.getOrder'),
    userTrades: unused('futures.userTrades'),
    income: unused('futures.income'),
    dualSidePosition: unused('futures.dualSidePosition'),
    positionRisk: unused('futures.positionRisk'),
    balances: unused('futures.balances'),
    setLeverage: unused('futures.setLeverage'),
    commissionRate: unused('futures.commissionRate'),
  };
  return {
    spot,
    futures,
    calls,
    historyQueries,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => {
      calls.clear();
      historyQueries.length = 0;
    },
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}
