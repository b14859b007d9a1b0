import { z } from 'zod';
import type {
  AvgPrice,
  BookTicker,
  ExchangeInfo,
  FundingInfo,
  FundingRateRow,
  FuturesBalance,
  FuturesCommission,
  FuturesOrder,
  FuturesTrade,
  IncomeRow,
  Market,
  PositionRisk,
  PremiumIndex,
  Side,
  SpotBalance,
  SpotCommission,
  SpotFill,
  SpotOrder,
  SpotTrade,
  SymbolRules,
} from './types.js';

/**
 * zod schemas for every Binance response carrybot reads, producing exactly the shapes in
 * types.ts (`satisfies` keeps the two in step). Extra fields Binance adds are accepted and
 * stripped (z.object), required fields are checked, decimal
 * strings stay strings. exchangeInfo filters are read by hand rather than through a schema
 * per filter type: ~600 futures / ~2,000 spot symbols must parse in a few milliseconds.
 */

const str = z.string();
const int = z.number();
/**
 * An exchange id (orderId, tradeId, tranId…): a 64-bit integer kept as its decimal string.
 * parseExchangeJson leaves integers a double cannot hold as strings; smaller ones arrive as
 * safe numbers and convert exactly.
 */
export const idSchema = z
  .union([z.string().regex(/^\d{1,20}$/, 'decimal id'), z.number().int().nonnegative().refine(Number.isSafeInteger, 'id beyond 2^53 read as a float')])
  .transform(String);
const id = idSchema;
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
  marketTakeBound: z.union([str, int]).optional(),
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
  let maxPosition: Filter | undefined;
  let percent: Filter | undefined;
  for (const f of s.filters as Filter[]) {
    switch (f.filterType) {
      case 'LOT_SIZE': lot = f; break;
      case 'MARKET_LOT_SIZE': marketLot = f; break;
      case 'PRICE_FILTER': price = f; break;
      case 'NOTIONAL': notional = f; break;
      case 'MIN_NOTIONAL': minNotional = f; break;
      case 'MAX_POSITION': maxPosition = f; break;
      case 'PERCENT_PRICE': percent = f; break;
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
  addLimits(rules, notional, maxPosition, percent, s.marketTakeBound);
  return rules;
}

/** The filters a MARKET leg can still be refused by after LOT_SIZE and the minimum notional. */
function addLimits(rules: SymbolRules, notional: Filter | undefined, maxPosition: Filter | undefined, percent: Filter | undefined, takeBound: string | number | undefined): void {
  const maxNotional = field(notional, 'maxNotional');
  if (maxNotional !== undefined && !isZero(maxNotional)) rules.maxNotional = maxNotional;
  if (notional) {
    rules.applyMinToMarket = notional.applyMinToMarket === true;
    rules.applyMaxToMarket = notional.applyMaxToMarket === true;
    const mins = Number(notional.avgPriceMins);
    if (Number.isFinite(mins)) rules.avgPriceMins = mins;
  }
  const maxPos = field(maxPosition, 'maxPosition');
  if (maxPos !== undefined) rules.maxPosition = maxPos;
  const up = field(percent, 'multiplierUp');
  const down = field(percent, 'multiplierDown');
  if (up !== undefined) rules.multiplierUp = up;
  if (down !== undefined) rules.multiplierDown = down;
  if (takeBound !== undefined) rules.marketTakeBound = String(takeBound);
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

export const premiumIndexSchema = z.object({
  symbol: str,
  markPrice: str,
  indexPrice: str,
  lastFundingRate: str,
  interestRate: str,
  nextFundingTime: int,
  time: int,
}) satisfies z.ZodType<PremiumIndex>;
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

export const fundingInfoSchema = z.object({
  symbol: str,
  adjustedFundingRateCap: str,
  adjustedFundingRateFloor: str,
  fundingIntervalHours: int,
}) satisfies z.ZodType<FundingInfo>;
export const fundingInfoListSchema = z.array(fundingInfoSchema);

export const bookTickerSchema = z.object({
  symbol: str,
  bidPrice: str,
  bidQty: str,
  askPrice: str,
  askQty: str,
}) satisfies z.ZodType<BookTicker>;
export const bookTickerListSchema = z.array(bookTickerSchema);

export const tickerPriceSchema = z.looseObject({ symbol: str, price: str });

// ---------- spot account / orders ----------

export const spotAccountSchema = z
  .looseObject({ balances: z.array(z.object({ asset: str, free: str, locked: str }) satisfies z.ZodType<SpotBalance>) })
  .transform((a) => a.balances);

const spotFill = z.object({
  price: str,
  qty: str,
  commission: str,
  commissionAsset: str,
  tradeId: id.optional(),
}) satisfies z.ZodType<SpotFill>;

export const spotOrderSchema = z.object({
  symbol: str,
  orderId: id,
  clientOrderId: str,
  status: str,
  side,
  type: str,
  executedQty: str,
  cummulativeQuoteQty: str,
  transactTime: int.optional(),
  time: int.optional(),
  fills: z.array(spotFill).optional(),
}) satisfies z.ZodType<SpotOrder>;

export const spotTradeSchema = z.object({
  symbol: str,
  id: id,
  orderId: id,
  price: str,
  qty: str,
  quoteQty: str,
  commission: str,
  commissionAsset: str,
  time: int,
  isBuyer: z.boolean(),
}) satisfies z.ZodType<SpotTrade>;
export const spotTradeListSchema = z.array(spotTradeSchema);

// ---------- futures account / orders ----------

export const futuresOrderSchema = z.object({
  symbol: str,
  orderId: id,
  clientOrderId: str,
  status: str,
  side,
  type: str,
  executedQty: str,
  // RESULT responses may lack these: '0' means "read it from GET /fapi/v1/order"
  avgPrice: str.default('0'),
  cumQuote: str.default('0'),
  reduceOnly: z.boolean().default(false),
  updateTime: int,
}) satisfies z.ZodType<FuturesOrder>;

export const futuresTradeSchema = z.object({
  symbol: str,
  id: id,
  orderId: id,
  side,
  price: str,
  qty: str,
  quoteQty: str,
  commission: str,
  commissionAsset: str,
  realizedPnl: str,
  time: int,
}) satisfies z.ZodType<FuturesTrade>;
export const futuresTradeListSchema = z.array(futuresTradeSchema);

export const incomeRowSchema = z.object({
  symbol: str,
  incomeType: str,
  income: str,
  asset: str,
  time: int,
  tranId: id,
  info: str.optional(),
}) satisfies z.ZodType<IncomeRow>;
export const incomeListSchema = z.array(incomeRowSchema);

export const dualSideSchema = z.looseObject({ dualSidePosition: z.boolean() });

export const positionRiskSchema = z.object({
  symbol: str,
  positionAmt: str,
  entryPrice: str,
  markPrice: str,
  unRealizedProfit: str,
  liquidationPrice: str,
  // /fapi/v3/positionRisk has no leverage (v2 had it); read it when present
  leverage: z.union([str, int]).transform(String).optional(),
  positionSide: str,
}) satisfies z.ZodType<PositionRisk>;
export const positionRiskListSchema = z.array(positionRiskSchema);

export const futuresBalanceSchema = z.object({
  asset: str,
  balance: str,
  availableBalance: str,
  crossWalletBalance: str.optional(),
}) satisfies z.ZodType<FuturesBalance>;
export const futuresBalanceListSchema = z.array(futuresBalanceSchema);

// ---------- commission rates and average price ----------

const rates = z.object({ maker: str, taker: str, buyer: str, seller: str });

/** GET /api/v3/account/commission: taker = standard + tax + special; BNB discounts the standard part. */
export const spotCommissionSchema = z.object({
  symbol: str,
  standardCommission: rates,
  taxCommission: rates,
  specialCommission: rates.optional(),
  discount: z.object({ enabledForAccount: z.boolean(), enabledForSymbol: z.boolean(), discountAsset: str, discount: str }),
}) satisfies z.ZodType<SpotCommission>;

export const futuresCommissionSchema = z.object({ symbol: str, makerCommissionRate: str, takerCommissionRate: str }) satisfies z.ZodType<FuturesCommission>;

export const avgPriceSchema = z.object({ mins: int, price: str, closeTime: int.optional() }) satisfies z.ZodType<AvgPrice>;

export const leverageSchema = z.looseObject({ symbol: str, leverage: int });
