import type { BookTicker, PremiumIndex } from '../binance/types.js';
import type { SignalWarning, SymbolSignal } from './types.js';

/**
 * Pure funding-signal math. Everything here is a ratio for display and ranking,
 * so plain numbers are fine; Binance decimal strings are parsed with Number() only at this
 * boundary. Nothing computed here is ever sent to the exchange or added to the ledger.
 */

const DAY_MS = 86_400_000;
/** Warn when the next settlement is this close: entering now means paying fees for one print. */
export const SETTLEMENT_SOON_MS = 15 * 60_000;
/** "Compressing": the current rate has fallen below this share of the 7-day mean. */
export const COMPRESSING_RATIO = 0.5;

/**
 * Strips binary-float noise (0.0001 × 3 × 36500 = 10.950000000000001) so hand-computed
 * figures compare exactly and tables never print ...0000001. 12 significant digits is far
 * beyond what any funding ratio means.
 */
const clean = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(12)) : x);

export function periodsPerDay(intervalHours: number): number {
  return 24 / intervalHours;
}

/** Funding APR in % on the hedged notional: rate × periods per day × 365 × 100. */
export function fundingApr(rate: number, intervalHours: number): number {
  return clean(rate * periodsPerDay(intervalHours) * 365 * 100);
}

export interface RateRow {
  fundingTime: number;
  rate: number;
}

/**
 * Mean settled rate over the `days` before `now` (window (now − days, now]). `mean` is null when
 * no settlement falls in the window, so callers can tell "no data" from "zero funding".
 */
export function meanRate(rows: readonly RateRow[], now: number, days = 7): { mean: number | null; count: number } {
  const from = now - days * DAY_MS;
  let total = 0;
  let count = 0;
  for (const r of rows) {
    if (r.fundingTime > from && r.fundingTime <= now && Number.isFinite(r.rate)) {
      total += r.rate;
      count += 1;
    }
  }
  return { mean: count ? clean(total / count) : null, count };
}

/**
 * Mean DAILY funding (a fraction per day) from the settlements in the window (now − days, now].
 * Each settlement pays for the time since the previous one, so the figure stays right when
 * Binance changes a symbol's interval mid-window (8h → 1h when funding hits the cap): 8h-era
 * prints count as 8 hours, hourly ones as 1 hour. The first settlement covers the gap to its
 * predecessor when the rows hold one (even outside the window), else the current interval.
 * With a constant interval this is exactly mean rate × periods per day.
 * `daily` is null when no settlement falls in the window.
 */
export function meanDailyFunding(
  rows: readonly RateRow[],
  now: number,
  days: number,
  intervalHours: number,
): { daily: number | null; count: number } {
  // one pass, no allocation: history comes oldest first (a copy is sorted only if it does not)
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.fundingTime < rows[i - 1]!.fundingTime) {
      return meanDailyFunding([...rows].sort((a, b) => a.fundingTime - b.fundingTime), now, days, intervalHours);
    }
  }
  const from = now - days * DAY_MS;
  let total = 0;
  let coveredMs = 0;
  let count = 0;
  let prev: number | undefined;
  for (const r of rows) {
    if (!Number.isFinite(r.rate)) continue;
    if (r.fundingTime > now) break;
    if (r.fundingTime > from) {
      const gap = prev !== undefined ? r.fundingTime - prev : 0;
      total += r.rate;
      coveredMs += gap > 0 ? gap : intervalHours * 3_600_000;
      count += 1;
    }
    prev = r.fundingTime;
  }
  return { daily: count && coveredMs > 0 ? clean(total / (coveredMs / DAY_MS)) : null, count };
}

/** Entry basis % = (futures bid − spot ask) / spot ask × 100; 0 when the spot book is empty. */
export function basisPct(futuresBid: string | number, spotAsk: string | number): number {
  const bid = Number(futuresBid);
  const ask = Number(spotAsk);
  if (!(ask > 0) || !(bid > 0)) return 0;
  return clean(((bid - ask) / ask) * 100);
}

/** Round-trip taker fees in % of notional: open and close both legs = 2 × (spot + futures) × 100. */
export function roundTripFeePct(spotFee: string | number, futuresFee: string | number): number {
  return clean(2 * (Number(spotFee) + Number(futuresFee)) * 100);
}

/** Days of funding at a daily rate (fraction per day) needed to pay the round trip; null when funding does not pay. */
export function breakEvenDaysDaily(feePct: number, daily: number | null): number | null {
  if (daily === null || !(daily > 0)) return null;
  return clean(feePct / (daily * 100));
}

/** Days of funding at the mean rate per settlement of a constant interval needed to pay the round trip. */
export function breakEvenDays(feePct: number, mean: number | null, intervalHours: number): number | null {
  return breakEvenDaysDaily(feePct, mean === null ? null : mean * periodsPerDay(intervalHours));
}

/** APR after amortising the round-trip fees over the planned holding period. */
export function netApr(apr7d: number, feePct: number, holdDays: number): number {
  return clean(apr7d - (feePct * 365) / holdDays);
}

/** Return on the capital actually tied up: spot notional plus futures margin (notional / leverage). */
export function capitalApr(net: number, leverage: number): number {
  return clean(net / (1 + 1 / leverage));
}

export interface SignalParams {
  minApr: number;
  holdDays: number;
  spotTakerFee: string | number;
  futuresTakerFee: string | number;
  leverage: number;
}

export interface SignalInput {
  symbol: string;
  baseAsset: string;
  intervalHours: number;
  premium: Pick<PremiumIndex, 'lastFundingRate' | 'markPrice' | 'nextFundingTime'>;
  spotBook: Pick<BookTicker, 'bidPrice' | 'askPrice'>;
  futuresBook: Pick<BookTicker, 'bidPrice' | 'askPrice'>;
  /** settled funding rows; undefined when history was not fetched (yet) */
  history?: readonly RateRow[];
  now: number;
  params: SignalParams;
}

export interface DecisionInput {
  intervalHours: number;
  /** the current funding rate as a fraction */
  rate: number;
  /** settled funding rows; undefined when history was not fetched (yet) */
  history?: readonly RateRow[];
  now: number;
  params: Pick<SignalParams, 'minApr' | 'holdDays' | 'spotTakerFee' | 'futuresTakerFee'>;
}

export interface Decision {
  rate: number;
  apr: number;
  apr7d: number | null;
  /** mean daily funding (fraction per day) of the 7-day window; null without settlements */
  daily: number | null;
  settlements7d: number;
  feePct: number;
  netApr: number;
  isSignal: boolean;
}

/**
 * The decision alone, from the rate and the history available at `now`: what the scan shows as
 * a signal and what the backtest replays at each settlement. Exit is `exitConditions` on it.
 */
export function decide(input: DecisionInput): Decision {
  const { intervalHours, rate, params, now } = input;
  const apr = fundingApr(rate, intervalHours);
  const feePct = roundTripFeePct(params.spotTakerFee, params.futuresTakerFee);
  // Daily, not per settlement × the current periods per day: the interval may have changed in the window.
  const stats = input.history ? meanDailyFunding(input.history, now, 7, intervalHours) : { daily: null, count: 0 };
  const apr7d = stats.daily === null ? null : clean(stats.daily * 365 * 100);
  // Without history the current APR stands in so the row still ranks, but it is never a signal.
  const net = netApr(apr7d ?? apr, feePct, params.holdDays);
  const signal = isSignal({ netApr: net, rate, apr7d, settlements7d: stats.count, periodsPerDay: periodsPerDay(intervalHours) }, params.minApr);
  return { rate, apr, apr7d, daily: stats.daily, settlements7d: stats.count, feePct, netApr: net, isSignal: signal };
}

/** Assembles one row of the scan: the figures, the warnings and the signal decision. */
export function buildSignal(input: SignalInput): SymbolSignal {
  const { intervalHours, premium, params, now } = input;
  const rate = Number(premium.lastFundingRate);
  const d = decide({ intervalHours, rate, history: input.history, now, params });
  const { apr, apr7d, feePct, netApr: net } = d;
  const stats = { daily: d.daily, count: d.settlements7d };

  const warnings: SignalWarning[] = [];
  const untilSettlement = premium.nextFundingTime - now;
  if (premium.nextFundingTime > 0 && untilSettlement <= SETTLEMENT_SOON_MS) warnings.push('settlement_soon');
  // Compared per day, so a 1h print is not "compressing" against 8h-era prints.
  if (stats.daily !== null && stats.daily > 0 && clean(rate * periodsPerDay(intervalHours)) < clean(stats.daily * COMPRESSING_RATIO)) warnings.push('compressing');
  if (intervalHours <= 1) warnings.push('capped_1h');
  if (rate < 0) warnings.push('negative_funding');
  // One settlement of slack: a window edge can cut a print that is milliseconds late.
  if (input.history && stats.count < 7 * periodsPerDay(intervalHours) - 1) warnings.push('thin_history');

  return {
    symbol: input.symbol,
    baseAsset: input.baseAsset,
    intervalHours,
    periodsPerDay: periodsPerDay(intervalHours),
    rate,
    apr,
    apr7d,
    settlements7d: stats.count,
    basisPct: basisPct(input.futuresBook.bidPrice, input.spotBook.askPrice),
    roundTripFeePct: feePct,
    breakEvenDays: breakEvenDaysDaily(feePct, stats.daily),
    netApr: net,
    capitalApr: capitalApr(net, params.leverage),
    markPrice: premium.markPrice,
    spotAsk: input.spotBook.askPrice,
    spotBid: input.spotBook.bidPrice,
    futuresBid: input.futuresBook.bidPrice,
    futuresAsk: input.futuresBook.askPrice,
    nextFundingTime: premium.nextFundingTime,
    warnings,
    isSignal: d.isSignal,
  };
}

/**
 * The signal rule: net APR ≥ MIN_APR, funding paying now, and a 7-day history behind it of at
 * least one full day of settlements (never decide on a single snapshot). Fewer
 * than 7 days is still only the thin_history warning.
 */
export function isSignal(
  row: Pick<SymbolSignal, 'netApr' | 'rate' | 'apr7d' | 'settlements7d' | 'periodsPerDay'>,
  minApr: number,
): boolean {
  return row.apr7d !== null && row.settlements7d >= row.periodsPerDay && row.rate > 0 && row.netApr >= minApr;
}

export type ExitCondition = 'negative' | 'low_apr';

/**
 * The exit rule for a held position: funding negative now, or the 7-day APR below EXIT_APR.
 * A row without a 7-day APR (no history) says nothing about low_apr.
 */
export function exitConditions(sig: Pick<SymbolSignal, 'rate' | 'apr7d'>, exitApr: number): ExitCondition[] {
  const out: ExitCondition[] = [];
  if (sig.rate < 0) out.push('negative');
  if (sig.apr7d !== null && sig.apr7d < exitApr) out.push('low_apr');
  return out;
}

/** Highest net APR first; ties by symbol so the order is stable across ticks. */
export function rankSignals<T extends Pick<SymbolSignal, 'netApr' | 'symbol'>>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => b.netApr - a.netApr || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
