/**
 * Parsed shapes of the Binance responses carrybot uses (what the zod schemas in schemas.ts
 * produce). Prices, quantities and rates stay decimal strings exactly as Binance sent them.
 */

export type Market = 'spot' | 'futures';
export type Side = 'BUY' | 'SELL';

/** Trading rules of one symbol on one market, from exchangeInfo filters. */
export interface SymbolRules {
  symbol: string;
  market: Market;
  status: string; // 'TRADING' when tradable
  baseAsset: string;
  quoteAsset: string;
  /** LOT_SIZE */
  stepSize: string;
  minQty: string;
  maxQty: string;
  /** MARKET_LOT_SIZE (falls back to LOT_SIZE when absent or zero) */
  marketStepSize: string;
  marketMinQty: string;
  marketMaxQty: string;
  /** spot NOTIONAL/MIN_NOTIONAL minNotional; futures MIN_NOTIONAL notional; '0' when absent */
  minNotional: string;
  tickSize: string;
  /** futures only: 'PERPETUAL' etc. */
  contractType?: string;
}

export interface ExchangeInfo {
  market: Market;
  symbols: Map<string, SymbolRules>;
  /** REQUEST_WEIGHT per minute from rateLimits (spot 6000, futures 2400 typically) */
  weightLimit1m: number;
}

export interface PremiumIndex {
  symbol: string;
  markPrice: string;
  indexPrice: string;
  lastFundingRate: string;
  interestRate: string;
  nextFundingTime: number;
  time: number;
}

export interface BookTicker {
  symbol: string;
  bidPrice: string;
  bidQty: string;
  askPrice: string;
  askQty: string;
}

/** fundingInfo lists only symbols with adjusted cap/floor/interval; all others are 8h. */
export interface FundingInfo {
  symbol: string;
  fundingIntervalHours: number;
  adjustedFundingRateCap: string;
  adjustedFundingRateFloor: string;
}

export interface FundingRateRow {
  symbol: string;
  fundingRate: string;
  fundingTime: number;
  markPrice?: string;
}

export interface SpotFill {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId?: number;
}

export interface SpotOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  status: string; // NEW, FILLED, PARTIALLY_FILLED, EXPIRED, REJECTED, CANCELED...
  side: Side;
  type: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  transactTime?: number;
  time?: number;
  fills?: SpotFill[];
}

export interface FuturesOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  status: string;
  side: Side;
  type: string;
  executedQty: string;
  avgPrice: string; // '0' or '0.00000' when unknown
  cumQuote: string;
  reduceOnly: boolean;
  updateTime: number;
}

export interface SpotTrade {
  symbol: string;
  id: number;
  orderId: number;
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
}

export interface FuturesTrade {
  symbol: string;
  id: number;
  orderId: number;
  side: Side;
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  realizedPnl: string;
  time: number;
}

export interface IncomeRow {
  symbol: string;
  incomeType: string;
  income: string;
  asset: string;
  time: number;
  tranId: string; // normalised to string (Binance sends a number)
  info?: string;
}

export interface SpotBalance {
  asset: string;
  free: string;
  locked: string;
}

export interface FuturesBalance {
  asset: string;
  balance: string;
  availableBalance: string;
  crossWalletBalance?: string;
}

export interface PositionRisk {
  symbol: string;
  positionAmt: string;
  entryPrice: string;
  markPrice: string;
  unRealizedProfit: string;
  liquidationPrice: string;
  leverage: string;
  positionSide: string;
}

export interface NewSpotOrder {
  symbol: string;
  side: Side;
  type: 'MARKET';
  quantity: string;
  newClientOrderId: string;
  newOrderRespType: 'FULL' | 'RESULT';
}

export interface NewFuturesOrder {
  symbol: string;
  side: Side;
  type: 'MARKET';
  quantity: string;
  newClientOrderId: string;
  reduceOnly?: boolean;
  newOrderRespType: 'RESULT';
}

export interface OrderRef {
  symbol: string;
  origClientOrderId: string;
}

/** Spot endpoints. Signed calls need keys; public ones do not. */
export interface SpotApi {
  time(): Promise<number>;
  exchangeInfo(): Promise<ExchangeInfo>;
  tickerPrice(symbol: string): Promise<string>;
  bookTickers(): Promise<BookTicker[]>;
  bookTicker(symbol: string): Promise<BookTicker>;
  balances(): Promise<SpotBalance[]>;
  newOrder(order: NewSpotOrder): Promise<SpotOrder>;
  /** null when the exchange says the order does not exist (-2013) */
  getOrder(ref: OrderRef): Promise<SpotOrder | null>;
  myTrades(symbol: string, orderId: number): Promise<SpotTrade[]>;
}

/** USDⓈ-M futures endpoints. */
export interface FuturesApi {
  time(): Promise<number>;
  exchangeInfo(): Promise<ExchangeInfo>;
  premiumIndex(): Promise<PremiumIndex[]>;
  premiumIndexOf(symbol: string): Promise<PremiumIndex>;
  fundingRate(q: { symbol: string; startTime?: number; endTime?: number; limit?: number }): Promise<FundingRateRow[]>;
  fundingInfo(): Promise<FundingInfo[]>;
  bookTickers(): Promise<BookTicker[]>;
  bookTicker(symbol: string): Promise<BookTicker>;
  newOrder(order: NewFuturesOrder): Promise<FuturesOrder>;
  getOrder(ref: OrderRef): Promise<FuturesOrder | null>;
  userTrades(symbol: string, orderId: number): Promise<FuturesTrade[]>;
  income(q: { incomeType: 'FUNDING_FEE'; startTime?: number; endTime?: number; limit?: number }): Promise<IncomeRow[]>;
  /** true when the account is in hedge (dual-side) mode */
  dualSidePosition(): Promise<boolean>;
  positionRisk(symbol?: string): Promise<PositionRisk[]>;
  balances(): Promise<FuturesBalance[]>;
  setLeverage(symbol: string, leverage: number): Promise<void>;
}

/** Health figures the HTTP layer exposes for /status and the bench. */
export interface HttpStats {
  requests: number;
  /** sum of the request weights this client has sent */
  weightSent: number;
  /** last X-MBX-USED-WEIGHT-1M the exchange reported */
  usedWeight1m: number;
  weightLimit1m: number;
  bannedUntil: number; // epoch ms, 0 when not banned
}
