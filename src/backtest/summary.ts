import { Decimal, ZERO, type Decimal as Dec } from '../money.js';
import type { ReplayResult } from './types.js';

/** Figures of one replay (or a sum of them) as the report shows them: money as decimal strings. */
export interface Summary {
  daysInTrade: number;
  entries: number;
  exits: number;
  /** symbols still in a trade at the end (closed there for the figures) */
  openAtEnd: number;
  funding: string;
  fees: string;
  basisPnl: string;
  net: string;
  /** net / capital / days × 365 × 100; capital = notional × (1 + 1/LEVERAGE) per symbol */
  capitalApr: number;
  maxDrawdown: string;
}

export interface Curve {
  times: number[];
  values: Dec[];
}

/** Largest fall from a previous high (the start counts as a high of 0). */
export function maxDrawdown(values: readonly Dec[]): Dec {
  let peak = ZERO;
  let worst = ZERO;
  for (const v of values) {
    if (v.gt(peak)) peak = v;
    else if (peak.minus(v).gt(worst)) worst = peak.minus(v);
  }
  return worst;
}

/** The sum of several symbols' cumulative nets over the union of their settlement times. */
export function mergeCurves(curves: readonly Curve[]): Curve {
  if (curves.length === 1) return curves[0]!;
  const times = [...new Set(curves.flatMap((c) => c.times))].sort((a, b) => a - b);
  const at = curves.map(() => 0);
  const last = curves.map(() => ZERO);
  let total = ZERO;
  const values: Dec[] = [];
  for (const t of times) {
    curves.forEach((c, i) => {
      while (at[i]! < c.times.length && c.times[at[i]!]! <= t) {
        const v = c.values[at[i]!]!;
        total = total.plus(v.minus(last[i]!));
        last[i] = v;
        at[i]! += 1;
      }
    });
    values.push(total);
  }
  return { times, values };
}

export function aprOnCapital(net: Dec, capital: Dec, days: number): number {
  if (!(days > 0) || capital.lte(0)) return 0;
  return net.div(capital).div(days).mul(365 * 100).toDecimalPlaces(2).toNumber();
}

export function summarise(results: readonly ReplayResult[], curve: Curve, capital: Dec, days: number): Summary {
  let funding = ZERO;
  let fees = ZERO;
  let basisPnl = ZERO;
  for (const r of results) {
    funding = funding.plus(r.funding);
    fees = fees.plus(r.fees);
    basisPnl = basisPnl.plus(r.basisPnl);
  }
  const net = funding.minus(fees).plus(basisPnl);
  const cents = (d: Dec) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2);
  return {
    daysInTrade: Math.round(results.reduce((a, r) => a + r.daysInTrade, 0) * 100) / 100,
    entries: results.reduce((a, r) => a + r.entries, 0),
    exits: results.reduce((a, r) => a + r.exits, 0),
    openAtEnd: results.filter((r) => r.openAtEnd).length,
    funding: cents(funding),
    fees: cents(fees),
    basisPnl: cents(basisPnl),
    net: cents(net),
    capitalApr: aprOnCapital(net, capital, days),
    maxDrawdown: cents(results.length === 1 ? results[0]!.maxDrawdown : maxDrawdown(curve.values)),
  };
}
