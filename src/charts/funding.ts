import { meanDailyFunding, type RateRow } from '../market/signals.js';
import type { Translator } from '../notify.js';
import { PALETTE, SERIES_COLOURS, type ChartSpec, type MarkerSpec, type Point } from './spec.js';

/**
 * The /funding chart: each settled rate as a bar (positive blue, negative orange), the trailing
 * 7-day APR as a line on an APR axis beside the rate axis, interval changes (8h → 4h → 1h)
 * and the next settlement as marked rules, other venues' rates as extra lines.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** intervals Binance settles on; any other gap between prints is a missing print, not a change */
const INTERVALS = new Set([1, 2, 4, 8]);

export interface VenueRates {
  /** shown as the line's name, e.g. "Bybit" */
  venue: string;
  rows: readonly RateRow[];
}

export interface FundingChartInput {
  symbol: string;
  /** settled history, oldest first */
  rows: readonly RateRow[];
  /** the current interval */
  intervalHours: number;
  nextFundingTime: number;
  /** window shown, days before the last settlement */
  days: number;
  /** other venues' settled rates for the same symbol, when known */
  venues?: readonly VenueRates[];
}

export interface FundingSeries {
  /** [settlement time, rate in %] */
  rates: Array<[number, number]>;
  /** [settlement time, trailing 7-day APR in %] (mean daily funding × 365 × 100, as the signals compute it) */
  mean7d: Array<[number, number]>;
  intervalChanges: Array<{ time: number; from: number; to: number }>;
  venues: Array<{ venue: string; rates: Array<[number, number]> }>;
  /** APR % per rate % at the current interval (the right axis) */
  aprPerRate: number;
}

/** The figures drawn, from the history as Binance settled it (nothing rounded). */
export function fundingSeries(input: FundingChartInput): FundingSeries {
  const last = input.rows.at(-1)?.fundingTime ?? input.nextFundingTime;
  const from = last - input.days * DAY_MS;
  const shown = input.rows.filter((r) => r.fundingTime > from && Number.isFinite(r.rate));
  const rates = shown.map((r): [number, number] => [r.fundingTime, r.rate * 100]);
  const mean7d: Array<[number, number]> = [];
  for (const r of shown) {
    const { daily } = meanDailyFunding(input.rows, r.fundingTime, 7, input.intervalHours);
    if (daily !== null) mean7d.push([r.fundingTime, daily * 365 * 100]);
  }
  const venues = (input.venues ?? []).map((v) => ({
    venue: v.venue,
    rates: v.rows.filter((r) => r.fundingTime > from && Number.isFinite(r.rate)).map((r): [number, number] => [r.fundingTime, r.rate * 100]),
  }));
  return { rates, mean7d, intervalChanges: intervalChanges(input.rows, from), venues, aprPerRate: (24 / input.intervalHours) * 365 };
}

/** Where the gap between consecutive prints settles on a new interval. */
export function intervalChanges(rows: readonly RateRow[], from = -Infinity): FundingSeries['intervalChanges'] {
  const out: FundingSeries['intervalChanges'] = [];
  let current: number | undefined;
  for (let i = 1; i < rows.length; i++) {
    const hours = (rows[i]!.fundingTime - rows[i - 1]!.fundingTime) / HOUR_MS;
    if (!INTERVALS.has(hours)) continue;
    if (current !== undefined && hours !== current && rows[i]!.fundingTime > from) out.push({ time: rows[i]!.fundingTime, from: current, to: hours });
    current = hours;
  }
  return out;
}

export function fundingChart(input: FundingChartInput, t: Translator, now: number): ChartSpec {
  const s = fundingSeries(input);
  const markers: MarkerSpec[] = s.intervalChanges.map((c) => ({ x: c.time, label: t.t('charts.funding.interval', { from: c.from, to: c.to }) }));
  if (input.nextFundingTime > now) markers.push({ x: input.nextFundingTime, label: t.t('charts.funding.next'), color: PALETTE.green });
  const venueColours = SERIES_COLOURS.filter((c) => c !== PALETTE.blue && c !== PALETTE.orange && c !== PALETTE.black);
  return {
    title: t.t('charts.funding.title', { symbol: input.symbol, days: input.days }),
    subtitle: t.t('charts.funding.subtitle', { time: t.time(input.nextFundingTime, now), interval: input.intervalHours }),
    locale: t.lang,
    x: { kind: 'time' },
    axes: [
      { name: t.t('charts.funding.rateAxis'), digits: 3 },
      { name: t.t('charts.funding.aprAxis'), digits: 0, scaleOfFirst: s.aprPerRate },
    ],
    series: [
      { name: t.t('charts.funding.rate'), kind: 'bar', points: s.rates as Point[], color: PALETTE.blue, negativeColor: PALETTE.orange },
      { name: t.t('charts.funding.mean7d'), kind: 'line', axis: 1, points: s.mean7d as Point[], color: PALETTE.black },
      ...s.venues.map((v, i) => ({ name: v.venue, kind: 'line' as const, points: v.rates as Point[], color: venueColours[i % venueColours.length], width: 2, dashed: true })),
    ],
    markers,
  };
}
