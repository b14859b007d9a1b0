import type { RateRow } from '../market/signals.js';
import { dec, type Decimal } from '../money.js';
import { DAY_MS, HOUR_MS, type DataCoverage, type SymbolHistory } from './types.js';

/**
 * Turns a symbol's raw history into the settlements the replay steps through, each with what
 * was known at that moment: the index range of the funding rows up to and including it (never
 * a later one), its funding interval read from the settlement times, and the hourly prices of
 * that hour (the last earlier price when the hour's kline is missing).
 */

/** Intervals Binance uses; a gap that is none of these is a missing print, not a new interval. */
const KNOWN_INTERVALS = [1, 2, 4, 8];
const DEFAULT_INTERVAL = 8;
/** the 7-day window the signal averages over, plus slack for the print before it */
const LOOKBACK_MS = 7 * DAY_MS;

/**
 * One settlement in the window. Its decimals are built on first use and kept: most settlements
 * of a rules replay are spent out of the market and never need them.
 */
export class Step {
  private rateMarkDec?: Decimal;
  private spotDec?: Decimal;
  private gapDec?: Decimal;

  constructor(
    /** index of this settlement in `rows` */
    readonly index: number,
    /** first row the signal may read: the one just before the 7-day window (its gap weighs the first print) */
    readonly lo: number,
    readonly time: number,
    readonly rate: string,
    readonly intervalHours: number,
    /** mark for the funding payment: the print's own, else the futures price of the hour */
    readonly mark: string,
    /** hourly opens at the settlement; undefined before the first kline */
    readonly spot: string | undefined,
    readonly futures: string | undefined,
  ) {}

  get priced(): boolean {
    return this.spot !== undefined && this.futures !== undefined;
  }
  /** funding per unit held: rate × mark */
  get rateMarkD(): Decimal {
    return (this.rateMarkDec ??= dec(this.rate).mul(this.mark));
  }
  /** only on a priced step */
  get spotD(): Decimal {
    return (this.spotDec ??= dec(this.spot!));
  }
  /** futures − spot at this hour; only on a priced step */
  get gapD(): Decimal {
    return (this.gapDec ??= dec(this.futures!).minus(this.spotD));
  }
}

export interface Prepared {
  symbol: string;
  rows: RateRow[];
  steps: Step[];
  coverage: DataCoverage;
}

function priceIndex(points: readonly [number, string][]): Map<number, string> {
  const m = new Map<number, string>();
  for (const [t, p] of points) m.set(t, p);
  return m;
}

/** The price of the hour holding `t`, else the latest earlier hour's within a day. */
function priceAt(index: Map<number, string>, t: number): string | undefined {
  const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
  for (let h = hour; h > hour - DAY_MS; h -= HOUR_MS) {
    const p = index.get(h);
    if (p !== undefined) return p;
  }
  return undefined;
}

function missingHours(index: Map<number, string>, from: number, to: number): number {
  let n = 0;
  for (let h = Math.ceil(from / HOUR_MS) * HOUR_MS; h <= to; h += HOUR_MS) if (!index.has(h)) n += 1;
  return n;
}

export function prepare(h: SymbolHistory): Prepared {
  const funding = [...h.funding].sort((a, b) => a.time - b.time);
  const rows: RateRow[] = funding.map((s) => ({ fundingTime: s.time, rate: Number(s.rate) }));
  const spotIx = priceIndex(h.spot);
  const futIx = priceIndex(h.futures);
  const steps: Step[] = [];
  let interval = DEFAULT_INTERVAL;
  let missing = 0;
  let pending: { gap: number; missing: number } | undefined;
  let unpriced = 0;
  let lo = 0;
  for (let i = 0; i < funding.length; i++) {
    const s = funding[i]!;
    if (i > 0) {
      const gapHours = Math.round((s.time - funding[i - 1]!.time) / HOUR_MS);
      const counted = s.time > h.from;
      if (gapHours === interval) {
        pending = undefined;
      } else if (pending && gapHours === pending.gap) {
        // two gaps alike: the interval changed (e.g. 1h back to 8h), nothing was missing
        interval = gapHours;
        missing -= pending.missing;
        pending = undefined;
      } else if (gapHours > interval && gapHours % interval === 0) {
        // a multiple of the interval: prints missing, unless the next gap shows a new interval
        const k = counted ? gapHours / interval - 1 : 0;
        missing += k;
        pending = { gap: gapHours, missing: k };
      } else if (KNOWN_INTERVALS.includes(gapHours)) {
        interval = gapHours;
        pending = undefined;
      } else if (counted) {
        missing += Math.max(0, Math.round(gapHours / interval) - 1);
      }
    }
    if (s.time <= h.from || s.time > h.to) continue;
    while (lo + 1 < i && funding[lo + 1]!.time <= s.time - LOOKBACK_MS) lo += 1;
    const spot = priceAt(spotIx, s.time);
    const futures = priceAt(futIx, s.time);
    if (spot === undefined || futures === undefined) unpriced += 1;
    const markRaw = s.mark !== undefined && Number(s.mark) > 0 ? s.mark : futures;
    steps.push(new Step(i, lo, s.time, s.rate, interval, markRaw ?? '0', spot, futures));
  }
  return {
    symbol: h.symbol,
    rows,
    steps,
    coverage: {
      firstSettlement: steps[0]?.time ?? null,
      lastSettlement: steps.at(-1)?.time ?? null,
      settlements: steps.length,
      missingSettlements: missing,
      missingSpotKlines: missingHours(spotIx, h.from, h.to),
      missingFuturesKlines: missingHours(futIx, h.from, h.to),
      unpriced,
    },
  };
}
