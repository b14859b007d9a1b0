import type { SymbolSignal } from '../market/types.js';
import type { Translator } from '../notify.js';
import { PALETTE, type ChartSpec, type Point } from './spec.js';

/** The /signals and `npm run scan -- --chart` picture: one bar per symbol, its net APR, best first. */

/** more bars than this stop being readable on a phone */
export const MAX_SIGNAL_BARS = 30;

export function signalsSeries(rows: readonly Pick<SymbolSignal, 'symbol' | 'netApr'>[]): Array<[string, number]> {
  return rows.slice(0, MAX_SIGNAL_BARS).map((r) => [r.symbol, r.netApr]);
}

export function signalsChart(rows: readonly Pick<SymbolSignal, 'symbol' | 'netApr'>[], t: Translator, info: { at: number; now: number; minApr: number }): ChartSpec {
  const points = signalsSeries(rows);
  return {
    title: t.t('charts.signals.title', { count: points.length }),
    subtitle: t.t('charts.signals.subtitle', { time: t.time(info.at, info.now), minApr: t.pct(info.minApr, 0) }),
    locale: t.lang,
    x: { kind: 'category', labels: points.map(([s]) => s) },
    axes: [{ name: t.t('charts.signals.axis'), digits: 0 }],
    series: [{ name: t.t('charts.signals.net'), kind: 'bar', points: points as Point[], color: PALETTE.blue, negativeColor: PALETTE.orange }],
  };
}
