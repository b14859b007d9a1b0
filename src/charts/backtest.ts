import { PALETTE, type ChartSpec, type Point } from './spec.js';

/**
 * The backtest chart: cumulative net of the rules vs "always in" over the window, marked to
 * market at each settlement. Labels come in already translated (chat) or in English (CLI).
 */

export interface BacktestCurve {
  times: number[];
  rules: number[];
  always: number[];
}

export interface BacktestChartText {
  title: string;
  subtitle?: string;
  rules: string;
  always: string;
  axis: string;
}

/** more points than pixels only slows the renderer: keep at most this many per series (and the last) */
const MAX_POINTS = 1500;

function thin(times: number[], values: number[]): Point[] {
  const every = Math.max(1, Math.ceil(times.length / MAX_POINTS));
  const out: Point[] = [];
  for (let i = 0; i < times.length; i += every) out.push([times[i]!, values[i]!]);
  const last = times.length - 1;
  if (last >= 0 && out.at(-1)?.[0] !== times[last]) out.push([times[last]!, values[last]!]);
  return out;
}

export function backtestChart(curve: BacktestCurve, text: BacktestChartText, locale: string): ChartSpec {
  return {
    title: text.title,
    ...(text.subtitle ? { subtitle: text.subtitle } : {}),
    locale,
    x: { kind: 'time' },
    axes: [{ name: text.axis, digits: 0 }],
    series: [
      { name: text.rules, kind: 'line', points: thin(curve.times, curve.rules), color: PALETTE.blue, step: true },
      { name: text.always, kind: 'line', points: thin(curve.times, curve.always), color: PALETTE.orange, step: true, dashed: true },
    ],
  };
}
