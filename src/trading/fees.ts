import type { SpotFill } from '../binance/types.js';
import { dec, sum, toPlain, ZERO } from '../money.js';

/**
 * Commission valuation (fees in USDT, base-asset commissions valued at the fill
 * price). A commission in a third asset (BNB) cannot be valued without its price, so it is
 * estimated at the configured taker rate on the quote amount — close, and never zero.
 */
export function feeInUsdt(args: { commission: string; asset: string; price: string; baseAsset: string; quoteQty: string; feeRate: string }): string {
  const { commission, asset, price, baseAsset, quoteQty, feeRate } = args;
  if (asset === 'USDT') return toPlain(commission);
  if (asset === baseAsset) return toPlain(dec(commission).mul(price));
  return toPlain(dec(quoteQty).mul(feeRate));
}

/** Sums a spot FULL response's fills (or myTrades rows) into one commission figure. */
export function sumSpotFills(fills: readonly SpotFill[], baseAsset: string, feeRate: string): {
  commission: string;
  commissionAsset: string;
  feeUsdt: string;
  baseCommission: string;
} {
  if (!fills.length) return { commission: '0', commissionAsset: 'USDT', feeUsdt: '0', baseCommission: '0' };
  const assets = new Set(fills.map((f) => f.commissionAsset));
  const feeUsdt = sum(
    fills.map((f) =>
      feeInUsdt({ commission: f.commission, asset: f.commissionAsset, price: f.price, baseAsset, quoteQty: dec(f.qty).mul(f.price).toFixed(), feeRate }),
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
