import type { SymbolRules } from './types.js';
import { Decimal, dec, floorToStep } from '../money.js';

/**
 * Exchange-filter rounding for the hedge (pre-flight). The same quantity is sent to
 * both markets, so it must satisfy BOTH symbols' LOT_SIZE and MARKET_LOT_SIZE steps and limits and
 * both legs' minimum notional. Decimal only: a binary float here is a rejected order.
 */

export type FilterReason = 'invalid_quantity' | 'unknown_symbol' | 'not_trading' | 'below_min_qty' | 'above_max_qty' | 'below_min_notional';

export type HedgeQuantity =
  | { ok: true; qty: Decimal; spotNotional: Decimal; futuresNotional: Decimal }
  | { ok: false; reason: FilterReason; params: Record<string, string> };

export interface HedgeQuantityInput {
  /** what the user typed */
  qty: string;
  spot?: SymbolRules;
  futures?: SymbolRules;
  /** prices the notional is valued at (spot ask, futures bid for an open) */
  spotPrice: string;
  futuresPrice: string;
}

const MAX_DECIMALS = 18;
const PLAIN_DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/** Largest multiple of `step` ≤ qty (rounding down never buys more than asked). */
export function roundToStep(qty: string | Decimal, step: string | Decimal): Decimal {
  return floorToStep(qty, step);
}

const decimalsOf = (d: Decimal): number => Math.max(0, d.decimalPlaces());

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

/**
 * Least common multiple of decimal steps (0 = "no step", ignored). 0.001 and 0.01 → 0.01, but
 * 0.4 and 0.3 → 1.2: the coarser step alone is not always a multiple of the finer one.
 */
export function lcmStep(...steps: Array<string | Decimal>): Decimal {
  const ds = steps.map((s) => dec(s)).filter((s) => s.gt(0));
  if (!ds.length) return dec(0);
  const scale = Math.max(...ds.map(decimalsOf));
  const factor = dec(10).pow(scale);
  let acc = 1n;
  for (const d of ds) {
    const n = BigInt(d.mul(factor).toFixed(0));
    acc = (acc / gcd(acc, n)) * n;
  }
  return dec(acc.toString()).div(factor);
}

const maxOf = (values: string[]): Decimal => values.map(dec).reduce((a, b) => (b.gt(a) ? b : a), dec(0));

/** Smallest positive max (0 means "no limit" in Binance filters); null when none is set. */
const minPositive = (values: string[]): Decimal | null => {
  const ds = values.map(dec).filter((d) => d.gt(0));
  return ds.length ? ds.reduce((a, b) => (b.lt(a) ? b : a)) : null;
};

const fail = (reason: FilterReason, params: Record<string, string>): HedgeQuantity => ({ ok: false, reason, params });

export function roundHedgeQuantity(input: HedgeQuantityInput): HedgeQuantity {
  const raw = input.qty.trim();
  if (!PLAIN_DECIMAL.test(raw) || (raw.split('.')[1]?.length ?? 0) > MAX_DECIMALS || dec(raw).lte(0)) {
    return fail('invalid_quantity', { qty: input.qty });
  }
  const legs: Array<['spot' | 'futures', SymbolRules | undefined]> = [
    ['spot', input.spot],
    ['futures', input.futures],
  ];
  for (const [market, rules] of legs) {
    if (!rules) return fail('unknown_symbol', { market });
    if (rules.status !== 'TRADING') return fail('not_trading', { market, symbol: rules.symbol, status: rules.status });
  }
  const spot = input.spot as SymbolRules;
  const futures = input.futures as SymbolRules;

  const step = lcmStep(spot.stepSize, spot.marketStepSize, futures.stepSize, futures.marketStepSize);
  const qty = step.gt(0) ? roundToStep(raw, step) : dec(raw);
  const common = { qty: raw, rounded: qty.toFixed(), step: step.toFixed() };

  for (const [market, rules] of [['spot', spot], ['futures', futures]] as const) {
    const minQty = maxOf([rules.minQty, rules.marketMinQty]);
    if (qty.lt(minQty) || qty.lte(0)) {
      const shown = minQty.gt(0) ? minQty : step;
      return fail('below_min_qty', { ...common, market, minQty: shown.toFixed() });
    }
    const maxQty = minPositive([rules.maxQty, rules.marketMaxQty]);
    if (maxQty && qty.gt(maxQty)) return fail('above_max_qty', { ...common, market, maxQty: maxQty.toFixed() });
  }

  const spotNotional = qty.mul(input.spotPrice);
  const futuresNotional = qty.mul(input.futuresPrice);
  for (const [market, notional, rules] of [
    ['spot', spotNotional, spot],
    ['futures', futuresNotional, futures],
  ] as const) {
    const minNotional = dec(rules.minNotional || '0');
    if (notional.lt(minNotional)) {
      return fail('below_min_notional', { ...common, market, notional: notional.toFixed(), minNotional: minNotional.toFixed() });
    }
  }
  return { ok: true, qty, spotNotional, futuresNotional };
}
