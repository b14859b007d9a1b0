import type { Decimal } from '../../money.js';
import type { Translator } from '../../notify.js';

/**
 * Number formatting for the ledger views. Money is shown EXACTLY as the ledger holds it (at
 * least 2, at most 8 fraction digits): funding of a small position is 0.0375, not 0.04, and a
 * sum the trader checks by hand must match to the last digit.
 */

export function fractionDigits(v: string, min = 2, max = 8): number {
  const frac = (v.split('.')[1] ?? '').replace(/0+$/, '');
  return Math.max(min, Math.min(max, frac.length));
}

/** "+6.25121 USDT" / "−90.753925 USDT" (locale grouping, forced sign) */
export function money(t: Translator, v: Decimal, opts: { sign?: boolean } = { sign: true }): string {
  const s = v.toFixed();
  return t.usdt(s, { sign: opts.sign, digits: fractionDigits(s) });
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
