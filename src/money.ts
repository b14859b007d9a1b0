import { Decimal as DecimalBase } from 'decimal.js';

/**
 * The one decimal type for money: quantities, prices, fees, funding, PnL. 40 significant digits
 * so no realistic sum ever rounds; values cross the wire and the store as strings.
 */
export const Decimal = DecimalBase.clone({ precision: 40, rounding: DecimalBase.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalLike = Decimal | string | number;

export const dec = (v: DecimalLike): Decimal => new Decimal(v);
export const ZERO = new Decimal(0);

/** Largest multiple of `step` that is ≤ `qty` (step > 0). Exact: 0.077 on 0.001 stays 0.077. */
export function floorToStep(qty: DecimalLike, step: DecimalLike): Decimal {
  const q = dec(qty);
  const s = dec(step);
  if (s.lte(0)) return q;
  return q.div(s).floor().mul(s);
}

/** Sum of decimal strings/values, exact. */
export function sum(values: Iterable<DecimalLike>): Decimal {
  let acc = ZERO;
  for (const v of values) acc = acc.plus(v);
  return acc;
}

/** Plain (non-exponent) string with trailing zeros removed: what Binance accepts as a quantity. */
export function toPlain(v: DecimalLike): string {
  return dec(v).toFixed();
}
