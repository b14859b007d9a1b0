/**
 * A chart as plain data: what to draw, already in the reader's language and units. Builders in
 * this folder turn funding history, ledger figures or a scan into a ChartSpec; render.ts turns
 * any ChartSpec into a PNG. Nothing here knows Telegram.
 *
 *   const spec: ChartSpec = {
 *     title: 'BTCUSDT · cumulative net, 90 days', locale: 'en',
 *     x: { kind: 'time' },
 *     axes: [{ name: 'USDT', digits: 2 }],
 *     series: [
 *       { name: 'rules', kind: 'line', points: [[t0, 0], [t1, 12.5]] },
 *       { name: 'always in', kind: 'line', points: [[t0, 0], [t1, 8.1]], color: PALETTE.orange },
 *     ],
 *   };
 *   const { png } = await renderChart(spec);
 */

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = {
  blue: '#0072B2',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  black: '#222222',
  grey: '#888888',
} as const;

/** the order series take colours in when they name none */
export const SERIES_COLOURS: readonly string[] = [PALETTE.blue, PALETTE.orange, PALETTE.green, PALETTE.purple, PALETTE.sky, PALETTE.vermillion, PALETTE.black];

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 700;

/** x is epoch ms (UTC) on a time axis, a label on a category axis */
export type Point = [x: number | string, y: number];

export interface SeriesSpec {
  name: string;
  kind: 'line' | 'bar';
  points: Point[];
  /** index into ChartSpec.axes (default 0) */
  axis?: number;
  color?: string;
  /** bars below zero in this colour (lines ignore it) */
  negativeColor?: string;
  /** line width in px (default 3) */
  width?: number;
  dashed?: boolean;
  /** a line that holds its value until the next point (cumulative sums) */
  step?: boolean;
}

export interface AxisSpec {
  /** shown at the top of the axis, e.g. "%" or "USDT" */
  name: string;
  /** fraction digits of the tick labels */
  digits: number;
  /** suffix after each tick label, e.g. " %" */
  suffix?: string;
  /**
   * A second axis that is the first one rescaled (value = first × factor), e.g. an APR axis
   * beside a funding-rate axis: both share their zero and their grid lines.
   */
  scaleOfFirst?: number;
}

/** a vertical rule across the plot at x, labelled */
export interface MarkerSpec {
  x: number | string;
  label: string;
  color?: string;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  /** BCP 47 language for numbers and dates ('en', 'ru') */
  locale: string;
  x: { kind: 'time' } | { kind: 'category'; labels: string[] };
  /** one or two value axes (left, right) */
  axes: AxisSpec[];
  series: SeriesSpec[];
  markers?: MarkerSpec[];
  width?: number;
  height?: number;
}

export interface RenderedChart {
  png: Buffer;
  width: number;
  height: number;
}

/** Renders a spec to a PNG; injectable so handlers can be tested with one that fails. */
export type ChartRenderer = (spec: ChartSpec) => Promise<RenderedChart>;
