import { Decimal } from '../../money.js';
import type { Translator } from '../../notify.js';

/**
 * Number formatting for the ledger views. Money in /status and /pnl is rounded for a person:
 * to the cent, and a figure under 1 USDT to four significant digits (funding of a small
 * position is "+0.03752 USDT", not "+0.04"), always with its sign and unit. The ledger keeps
 * every digit, and /fills shows quantities, prices and fees exactly as they were filled.
 */

export function fractionDigits(v: string, min = 2, max = 8): number {
  const frac = (v.split('.')[1] ?? '').replace(/0+$/, '');
  return Math.max(min, Math.min(max, frac.length));
}

/** "+6.25 USDT", "−90.75 USDT", "+0.03752 USDT" (locale grouping, forced sign, half-up rounding) */
export function money(t: Translator, v: Decimal, opts: { sign?: boolean } = { sign: true }): string {
  const rounded = v.abs().lt(1) ? v.toSignificantDigits(4, Decimal.ROUND_HALF_UP) : v.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const s = rounded.toFixed();
  return t.usdt(s, { sign: opts.sign, digits: fractionDigits(s, 2, 12) });
}

/** a quantity with as many digits as it has: "0.5 BTC" */
export function qty(t: Translator, v: string | Decimal, asset?: string, opts: { sign?: boolean } = {}): string {
  const s = typeof v === 'string' ? v : v.toFixed();
  const n = t.num(s, fractionDigits(s, 0), opts);
  return asset ? `${n} ${asset}` : n;
}

/** a price with its own digits (at least 2) */
export function price(t: Translator, v: string): string {
  return t.num(v, fractionDigits(v, 2));
}

/** "10.4" days, one decimal */
export function days(t: Translator, d: number): string {
  return t.num(d, 1);
}

const dateFmt = new Intl.DateTimeFormat('en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** "05/01 14:02" (UTC) for compact tables */
export function shortDate(ms: number): string {
  return dateFmt.format(ms).replace(',', '');
}
