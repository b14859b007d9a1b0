import type { SpotFill } from '../binance/types.js';
import { Decimal, dec, floorToStep, sum, toPlain, ZERO, type DecimalLike } from '../money.js';

/**
 * Commission valuation: fees in USDT, base-asset commissions valued at the fill price. A
 * commission in a third asset (BNB) is valued at that asset's USDT price at fill time when it is
 * known (`prices`); without it, it is estimated at the taker rate on the quote amount — close,
 * never zero, and marked as an estimate.
 */
export function feeInUsdt(args: { commission: string; asset: string; price: string; baseAsset: string; quoteQty: string; feeRate: string; prices?: ReadonlyMap<string, string> }): string {
  const { commission, asset, price, baseAsset, quoteQty, feeRate, prices } = args;
  if (asset === 'USDT') return toPlain(commission);
  if (asset === baseAsset) return toPlain(dec(commission).mul(price));
  const assetPrice = prices?.get(asset);
  if (assetPrice !== undefined) return toPlain(dec(commission).mul(assetPrice));
  return toPlain(dec(quoteQty).mul(feeRate));
}

/** true when every commission is in USDT, the base asset, or an asset with a known price */
export const feesValued = (assets: Iterable<string>, baseAsset: string, prices?: ReadonlyMap<string, string>): boolean =>
  [...assets].every((a) => a === 'USDT' || a === baseAsset || prices?.has(a) === true);

/** Sums a spot FULL response's fills (or myTrades rows) into one commission figure. */
export function sumSpotFills(fills: readonly SpotFill[], baseAsset: string, feeRate: string, prices?: ReadonlyMap<string, string>): {
  commission: string;
  commissionAsset: string;
  feeUsdt: string;
  baseCommission: string;
} {
  if (!fills.length) return { commission: '0', commissionAsset: 'USDT', feeUsdt: '0', baseCommission: '0' };
  const assets = new Set(fills.map((f) => f.commissionAsset));
  const feeUsdt = sum(
    fills.map((f) =>
      feeInUsdt({ commission: f.commission, asset: f.commissionAsset, price: f.price, baseAsset, quoteQty: dec(f.qty).mul(f.price).toFixed(), feeRate, ...(prices ? { prices } : {}) }),
    ),
  );
  const baseCommission = sum(fills.filter((f) => f.commissionAsset === baseAsset).map((f) => f.commission));
  const single = assets.size === 1 ? [...assets][0]! : undefined;
  return {
    // mixed assets cannot be added up; the USDT value is then the commission
    commission: single ? toPlain(sum(fills.map((f) => f.commission))) : toPlain(feeUsdt),
    commissionAsset: single ?? 'USDT',
    feeUsdt: toPlain(feeUsdt),
    baseCommission: toPlain(baseCommission),
  };
}

/** Average price of an execution; '0' when nothing executed. */
export function avgPrice(quoteQty: string, executedQty: string): string {
  const q = dec(executedQty);
  return q.gt(0) ? toPlain(dec(quoteQty).div(q).toDecimalPlaces(12)) : toPlain(ZERO);
}

/**
 * The spot BUY that hedges `short` when the commission is taken from the coin bought: the
 * smallest multiple of `step` whose net (qty × (1 − rate)) is ≥ the short. The net then stays
 * below short + one step, so the hedge is never short by the fee and never a step too long.
 * Without a base-asset fee (BNB, quote, paper) it is the short rounded down to the step.
 */
export function spotBuyQty(short: DecimalLike, step: DecimalLike, baseFeeRate: DecimalLike | undefined): Decimal {
  const s = dec(step);
  if (baseFeeRate === undefined || dec(baseFeeRate).lte(0)) return floorToStep(short, step);
  const want = dec(short).div(dec(1).minus(baseFeeRate));
  if (s.lte(0)) return want;
  let q = want.div(s).ceil().mul(s);
  // the exchange rounds the commission up to 8 decimals: one more step if that eats the margin
  while (netOfBaseFee(q, baseFeeRate).lt(short)) q = q.plus(s);
  return q;
}

/** What a BUY of `gross` leaves in the wallet when `baseFeeRate` of it is taken as the fee. */
export const netOfBaseFee = (gross: DecimalLike, baseFeeRate: DecimalLike | undefined): Decimal =>
  // the commission is charged with 8 decimals, rounded up
  baseFeeRate === undefined ? dec(gross) : dec(gross).minus(dec(gross).mul(baseFeeRate).toDecimalPlaces(8, Decimal.ROUND_UP));
