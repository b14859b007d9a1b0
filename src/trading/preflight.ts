import type { SymbolRules } from '../binance/types.js';
import { UserError } from '../errors.js';
import { type Decimal, dec } from '../money.js';

/**
 * The exchange filters that can still refuse a leg after LOT_SIZE and the minimum notional:
 * checked at preview, so a spot BUY Binance would refuse is never found out after the short
 * has filled. Each refusal names the filter. Pure: the reads (avgPrice, balance) are the caller's.
 */
export interface MarketFilterInput {
  symbol: string;
  spot: SymbolRules;
  futures: SymbolRules;
  /** the spot BUY as it will be sent (grossed up) */
  spotQty: Decimal;
  /** the futures SELL */
  futuresQty: Decimal;
  /** GET /api/v3/avgPrice: what NOTIONAL checks MARKET orders against when it applies to them */
  avgPrice?: string;
  /** base asset already held on spot (MAX_POSITION counts it) */
  baseHeld?: string;
  futuresBid: string;
  markPrice: string;
}

const fail = (key: string, params: Record<string, string | number>): never => {
  throw new UserError(`trading.error.filter_${key}`, params);
};

export function checkMarketFilters(x: MarketFilterInput): void {
  const { spot, futures, symbol } = x;
  const asset = spot.baseAsset;
  if (x.avgPrice !== undefined) {
    const notional = x.spotQty.mul(x.avgPrice);
    const shown = { symbol, notional: notional.toFixed(2), avg: x.avgPrice, mins: spot.avgPriceMins ?? 5 };
    if (spot.applyMinToMarket && notional.lt(spot.minNotional)) fail('notional_min', { ...shown, min: spot.minNotional });
    if (spot.applyMaxToMarket && spot.maxNotional !== undefined && notional.gt(spot.maxNotional)) fail('notional_max', { ...shown, max: spot.maxNotional });
  }
  if (spot.maxPosition !== undefined && x.baseHeld !== undefined) {
    const after = dec(x.baseHeld).plus(x.spotQty);
    if (after.gt(spot.maxPosition)) fail('max_position', { symbol, asset, after: after.toFixed(), held: dec(x.baseHeld).toFixed(), max: spot.maxPosition });
  }
  // a MARKET SELL takes the best bid: further below the mark than marketTakeBound is -4131
  if (futures.marketTakeBound !== undefined) {
    const mark = dec(x.markPrice);
    const floor = mark.mul(dec(1).minus(futures.marketTakeBound));
    if (mark.gt(0) && dec(x.futuresBid).lt(floor)) fail('percent_price', { symbol, bid: x.futuresBid, mark: x.markPrice, bound: dec(futures.marketTakeBound).mul(100).toFixed() });
  }
}
