import { z } from 'zod';
import type {
  BookTicker,
  ExchangeInfo,
  FundingInfo,
  FundingRateRow,
  FuturesBalance,
  FuturesOrder,
  FuturesTrade,
  IncomeRow,
  Market,
  PositionRisk,
  PremiumIndex,
  Side,
  SpotBalance,
  SpotFill,
  SpotOrder,
  SpotTrade,
  SymbolRules,
} from './types.js';

/**
 * zod schemas for every Binance response carrybot reads, producing exactly the shapes in
 * types.ts. Objects are loose (extra fields pass), required fields are checked, decimal
 * strings stay strings. exchangeInfo filters are read by hand rather than through a schema
 * per filter type: ~600 futures / ~2,000 spot symbols must parse in a few milliseconds.
 */

const str = z.string();
const int = z.number();
const side = z.enum(['BUY', 'SELL']) satisfies z.ZodType<Side>;

export const serverTimeSchema = z.looseObject({ serverTime: int });

// ---------- exchangeInfo ----------

const filter = z.looseObject({ filterType: str });
type Filter = z.infer<typeof filter> & Record<string, unknown>;

const rawSymbol = z.looseObject({
  symbol: str,
  status: str,
  baseAsset: str,
  quoteAsset: str,
  contractType: str.optional(),
  filters: z.array(filter),
});

const rateLimit = z.looseObject({ rateLimitType: str, interval: str, intervalNum: int, limit: int });

const isZero = (s: string | undefined) => s === undefined || s === '' || Number(s) === 0;
const field = (f: Filter | undefined, name: string): string | undefined => {
  const v = f?.[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** SymbolRules from one raw symbol; undefined when it has no LOT_SIZE (cannot be sized safely). */
export function symbolRules(market: Market, s: z.infer<typeof rawSymbol>): SymbolRules | undefined {
  let lot: Filter | undefined;
  let marketLot: Filter | undefined;
  let price: Filter | undefined;
  let notional: Filter | undefined;
  let minNotional: Filter | undefined;
  for (const f of s.filters as Filter[]) {
    switch (f.filterType) {
      case 'LOT_SIZE': lot = f; break;
      case 'MARKET_LOT_SIZE': marketLot = f; break;
      case 'PRICE_FILTER': price = f; break;
      case 'NOTIONAL': notional = f; break;
      case 'MIN_NOTIONAL': minNotional = f; break;
      default: break;
    }
  }
  const stepSize = field(lot, 'stepSize');
  const minQty = field(lot, 'minQty');
  const maxQty = field(lot, 'maxQty');
  if (stepSize === undefined || minQty === undefined || maxQty === undefined) return undefined;
  const mStep = field(marketLot, 'stepSize');
  const mMin = field(marketLot, 'minQty');
  const mMax = field(marketLot, 'maxQty');
  const min =
    market === 'futures'
      ? field(minNotional, 'notional') ?? field(minNotional, 'minNotional')
      : field(notional, 'minNotional') ?? field(minNotional, 'minNotional');
  const rules: SymbolRules = {
    symbol: s.symbol,
    market,
    status: s.status,
    baseAsset: s.baseAsset,
    quoteAsset: s.quoteAsset,
    stepSize,
    minQty,
    maxQty,
    marketStepSize: isZero(mStep) ? stepSize : mStep!,
    marketMinQty: isZero(mMin) ? minQty : mMin!,
    marketMaxQty: isZero(mMax) ? maxQty : mMax!,
    minNotional: min ?? '0',
    tickSize: field(price, 'tickSize') ?? '0',
  };
  if (s.contractType !== undefined) rules.contractType = s.contractType;
  return rules;
}

export function exchangeInfoSchema(market: Market): z.ZodType<ExchangeInfo> {
  return z
    .looseObject({ rateLimits: z.array(rateLimit), symbols: z.array(rawSymbol) })
    .transform((raw): ExchangeInfo => {
      const symbols = new Map<string, SymbolRules>();
      for (const s of raw.symbols) {
        const rules = symbolRules(market, s);
        if (rules) symbols.set(rules.symbol, rules);
      }
      const weight = raw.rateLimits.find((r) => r.rateLimitType === 'REQUEST_WEIGHT' && r.interval === 'MINUTE' && r.intervalNum === 1);
      return { market, symbols, weightLimit1m: weight?.limit ?? (market === 'spot' ? 6000 : 2400) };
    }) as unknown as z.ZodType<ExchangeInfo>;
}

// ---------- market data ----------

export const premiumIndexSchema = z.looseObject({
  symbol: str,
  markPrice: str,
  indexPrice: str,
  lastFundingRate: str,
  interestRate: str,
  nextFundingTime: int,
  time: int,
}).transform((p): PremiumIndex => ({
  symbol: p.symbol,
  markPrice: p.markPrice,
  indexPrice: p.indexPrice,
  lastFundingRate: p.lastFundingRate,
  interestRate: p.interestRate,
  nextFundingTime: p.nextFundingTime,
  time: p.time,
}));
export const premiumIndexListSchema = z.array(premiumIndexSchema);

export const fundingRateRowSchema = z.looseObject({
  symbol: str,
  fundingRate: str,
  fundingTime: int,
  markPrice: str.optional(),
}).transform((r): FundingRateRow => {
  const row: FundingRateRow = { symbol: r.symbol, fundingRate: r.fundingRate, fundingTime: r.fundingTime };
  if (r.markPrice !== undefined && r.markPrice !== '') row.markPrice = r.markPrice;
  return row;
});
export const fundingRateListSchema = z.array(fundingRateRowSchema);

export const fundingInfoSchema = z.looseObject({
  symbol: str,
  adjustedFundingRateCap: str,
  adjustedFundingRateFloor: str,
  fundingIntervalHours: int,
}).transform((f): FundingInfo => ({
  symbol: f.symbol,
  fundingIntervalHours: f.fundingIntervalHours,
  adjustedFundingRateCap: f.adjustedFundingRateCap,
  adjustedFundingRateFloor: f.adjustedFundingRateFloor,
}));
export const fundingInfoListSchema = z.array(fundingInfoSchema);

export const bookTickerSchema = z.looseObject({
  symbol: str,
  bidPrice: str,
  bidQty: str,
  askPrice: str,
  askQty: str,
}).transform((b): BookTicker => ({ symbol: b.symbol, bidPrice: b.bidPrice, bidQty: b.bidQty, askPrice: b.askPrice, askQty: b.askQty }));
export const bookTickerListSchema = z.array(bookTickerSchema);

export const tickerPriceSchema = z.looseObject({ symbol: str, price: str });

// ---------- spot account / orders ----------

export const spotAccountSchema = z.looseObject({
  balances: z.array(z.looseObject({ asset: str, free: str, locked: str })),
}).transform((a): SpotBalance[] => a.balances.map((b) => ({ asset: b.asset, free: b.free, locked: b.locked })));

const spotFill = z.looseObject({
  price: str,
  qty: str,
  commission: str,
  commissionAsset: str,
  tradeId: int.optional(),
});

export const spotOrderSchema = z.looseObject({
  symbol: str,
  orderId: int,
  clientOrderId: str,
  status: str,
  side,
  type: str,
  executedQty: str,
  cummulativeQuoteQty: str,
  transactTime: int.optional(),
  time: int.optional(),
  fills: z.array(spotFill).optional(),
}).transform((o): SpotOrder => {
  const out: SpotOrder = {
    symbol: o.symbol,
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    status: o.status,
    side: o.side,
    type: o.type,
    executedQty: o.executedQty,
    cummulativeQuoteQty: o.cummulativeQuoteQty,
  };
  if (o.transactTime !== undefined) out.transactTime = o.transactTime;
  if (o.time !== undefined) out.time = o.time;
  if (o.fills) {
    out.fills = o.fills.map((f) => {
      const fill: SpotFill = { price: f.price, qty: f.qty, commission: f.commission, commissionAsset: f.commissionAsset };
      if (f.tradeId !== undefined) fill.tradeId = f.tradeId;
      return fill;
    });
  }
  return out;
});

export const spotTradeSchema = z.looseObject({
  symbol: str,
  id: int,
  orderId: int,
  price: str,
  qty: str,
  quoteQty: str,
  commission: str,
  commissionAsset: str,
  time: int,
  isBuyer: z.boolean(),
}).transform((t): SpotTrade => ({
  symbol: t.symbol,
  id: t.id,
  orderId: t.orderId,
  price: t.price,
  qty: t.qty,
  quoteQty: t.quoteQty,
  commission: t.commission,
  commissionAsset: t.commissionAsset,
  time: t.time,
  isBuyer: t.isBuyer,
}));
export const spotTradeListSchema = z.array(spotTradeSchema);

// ---------- futures account / orders ----------

export const futuresOrderSchema = z.looseObject({
  symbol: str,
  orderId: int,
  clientOrderId: str,
  status: str,
  side,
  type: str,
  executedQty: str,
  avgPrice: str.optional(),
  cumQuote: str.optional(),
  reduceOnly: z.boolean().optional(),
  updateTime: int,
}).transform((o): FuturesOrder => ({
  symbol: o.symbol,
  orderId: o.orderId,
  clientOrderId: o.clientOrderId,
  status: o.status,
  side: o.side,
  type: o.type,
  executedQty: o.executedQty,
  avgPrice: o.avgPrice ?? '0',
  cumQuote: o.cumQuote ?? '0',
  reduceOnly: o.reduceOnly ?? false,
  updateTime: o.updateTime,
}));

export const futuresTradeSchema = z.looseObject({
  symbol: str,
  id: int,
  orderId: int,
  side,
  price: str,
  qty: str,
  quoteQty: str,
  commission: str,
  commissionAsset: str,
  realizedPnl: str,
  time: int,
}).transform((t): FuturesTrade => ({
  symbol: t.symbol,
  id: t.id,
  orderId: t.orderId,
  side: t.side,
  price: t.price,
  qty: t.qty,
  quoteQty: t.quoteQty,
  commission: t.commission,
  commissionAsset: t.commissionAsset,
  realizedPnl: t.realizedPnl,
  time: t.time,
}));
export const futuresTradeListSchema = z.array(futuresTradeSchema);

export const incomeRowSchema = z.looseObject({
  symbol: str,
  incomeType: str,
  income: str,
  asset: str,
  time: int,
  tranId: z.union([int, str]),
  info: str.optional(),
}).transform((r): IncomeRow => {
  const row: IncomeRow = {
    symbol: r.symbol,
    incomeType: r.incomeType,
    income: r.income,
    asset: r.asset,
    time: r.time,
    tranId: String(r.tranId),
  };
  if (r.info !== undefined) row.info = r.info;
  return row;
});
export const incomeListSchema = z.array(incomeRowSchema);

export const dualSideSchema = z.looseObject({ dualSidePosition: z.boolean() });

export const positionRiskSchema = z.looseObject({
  symbol: str,
  positionAmt: str,
  entryPrice: str,
  markPrice: str,
  unRealizedProfit: str,
  liquidationPrice: str,
  leverage: z.union([str, int]),
  positionSide: str,
}).transform((p): PositionRisk => ({
  symbol: p.symbol,
  positionAmt: p.positionAmt,
  entryPrice: p.entryPrice,
  markPrice: p.markPrice,
  unRealizedProfit: p.unRealizedProfit,
  liquidationPrice: p.liquidationPrice,
  leverage: String(p.leverage),
  positionSide: p.positionSide,
}));
export const positionRiskListSchema = z.array(positionRiskSchema);

export const futuresBalanceSchema = z.looseObject({
  asset: str,
  balance: str,
  availableBalance: str,
  crossWalletBalance: str.optional(),
}).transform((b): FuturesBalance => {
  const out: FuturesBalance = { asset: b.asset, balance: b.balance, availableBalance: b.availableBalance };
  if (b.crossWalletBalance !== undefined) out.crossWalletBalance = b.crossWalletBalance;
  return out;
});
export const futuresBalanceListSchema = z.array(futuresBalanceSchema);

export const leverageSchema = z.looseObject({ symbol: str, leverage: int });
