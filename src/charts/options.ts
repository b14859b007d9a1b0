import type { ChartSpec, Point, SeriesSpec } from './spec.js';
import { PALETTE, SERIES_COLOURS } from './spec.js';

/**
 * ChartSpec → an ECharts option. Phone-sized text (a 1200 px image is shown ~400 px wide),
 * times in UTC, numbers in the reader's locale, no animation (a still image).
 */

/** resvg maps the generic family to the shipped font (it misreads a spaced name in the `font` shorthand ECharts writes) */
export const FONT_FAMILY = 'sans-serif';
const AXIS_FONT = 20;
const DAY_MS = 86_400_000;

type Option = Record<string, unknown>;

/** a round step (1, 2, 2.5, 5 × 10^n) that cuts `span` into about `parts` pieces */
export function niceStep(span: number, parts = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / parts;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10;
  return step * mag;
}

/** decimals a tick step needs to show distinct labels (0.025 → 3) */
const stepDigits = (step: number): number => Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6)) % 1 ? 1 : 0));

/**
 * min/max/interval of the first axis holding its series, plus the second axis's rescaled into
 * first-axis units when the second is a rescaled copy (so both share zero and grid lines).
 */
function firstAxisRange(spec: ChartSpec): { min: number; max: number; interval: number } {
  const factor = spec.axes[1]?.scaleOfFirst;
  let lo = 0;
  let hi = 0;
  for (const s of spec.series) {
    const onFirst = (s.axis ?? 0) === 0;
    if (!onFirst && !factor) continue;
    const k = onFirst ? 1 : 1 / factor!;
    for (const [, y] of s.points) {
      if (!Number.isFinite(y)) continue;
      lo = Math.min(lo, y * k);
      hi = Math.max(hi, y * k);
    }
  }
  if (lo === hi) hi = lo + 1;
  const interval = niceStep(hi - lo);
  return { min: Math.floor(lo / interval) * interval, max: Math.ceil(hi / interval) * interval, interval };
}

function yAxes(spec: ChartSpec): Option[] {
  const range = firstAxisRange(spec);
  return spec.axes.map((a, i) => {
    const k = i === 0 ? 1 : a.scaleOfFirst;
    const fixed = k !== undefined ? { min: range.min * k, max: range.max * k, interval: range.interval * k } : undefined;
    const digits = Math.max(a.digits, fixed ? stepDigits(fixed.interval) : 0);
    const nf = new Intl.NumberFormat(spec.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return {
      type: 'value',
      position: i === 0 ? 'left' : 'right',
      name: a.name,
      nameTextStyle: { fontSize: AXIS_FONT, color: PALETTE.black, align: i === 0 ? 'left' : 'right' },
      axisLabel: { fontSize: AXIS_FONT, color: PALETTE.black, formatter: (v: number) => `${nf.format(v)}${a.suffix ?? ''}` },
      splitLine: { show: i === 0, lineStyle: { color: '#dddddd' } },
      ...fixed,
    };
  });
}

function timeLabels(spec: ChartSpec): (v: number) => string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of spec.series) for (const [x] of s.points) if (typeof x === 'number') (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  const short = hi - lo < 2 * DAY_MS;
  const f = new Intl.DateTimeFormat(spec.locale, short ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return (v) => f.format(v);
}

function xAxis(spec: ChartSpec): Option {
  const common = { axisLabel: { fontSize: AXIS_FONT, color: PALETTE.black, hideOverlap: true }, axisLine: { lineStyle: { color: PALETTE.grey } } };
  if (spec.x.kind === 'category') {
    return { type: 'category', data: spec.x.labels, ...common, axisLabel: { ...common.axisLabel, interval: 0, rotate: spec.x.labels.length > 8 ? 35 : 0 } };
  }
  // markers past the last point (the next settlement) widen the axis so they show
  let markerMax = -Infinity;
  let dataMax = -Infinity;
  for (const m of spec.markers ?? []) if (typeof m.x === 'number') markerMax = Math.max(markerMax, m.x);
  for (const s of spec.series) for (const [x] of s.points) if (typeof x === 'number') dataMax = Math.max(dataMax, x);
  const max = markerMax > dataMax && dataMax > -Infinity ? { max: markerMax + (markerMax - dataMax) * 0.5 } : {};
  return { type: 'time', ...common, axisLabel: { ...common.axisLabel, formatter: timeLabels(spec) }, splitNumber: 6, ...max };
}

function seriesOption(s: SeriesSpec, i: number, spec: ChartSpec): Option {
  const color = s.color ?? SERIES_COLOURS[i % SERIES_COLOURS.length]!;
  const data = (p: Point) => (spec.x.kind === 'category' ? p[1] : p);
  const base = { name: s.name, yAxisIndex: s.axis ?? 0, color, silent: true };
  if (s.kind === 'bar') {
    return {
      ...base,
      type: 'bar',
      barMaxWidth: 24,
      data: s.points.map((p) => ({ value: data(p), itemStyle: { color: s.negativeColor && p[1] < 0 ? s.negativeColor : color } })),
    };
  }
  return {
    ...base,
    type: 'line',
    showSymbol: false,
    step: s.step ? 'end' : false,
    lineStyle: { width: s.width ?? 3, color, type: s.dashed ? 'dashed' : 'solid' },
    data: s.points.map(data),
  };
}

function markLine(spec: ChartSpec): Option | undefined {
  if (!spec.markers?.length) return undefined;
  return {
    symbol: 'none',
    silent: true,
    label: { fontSize: 17, position: 'insideEndTop', color: PALETTE.black },
    data: spec.markers.map((m) => ({ xAxis: m.x, label: { formatter: m.label }, lineStyle: { color: m.color ?? PALETTE.grey, type: 'dashed', width: 2 } })),
  };
}

export function chartOption(spec: ChartSpec): Option {
  const series = spec.series.map((s, i) => seriesOption(s, i, spec));
  const marks = markLine(spec);
  if (marks) series.push({ type: 'line', data: [], yAxisIndex: 0, markLine: marks, silent: true });
  const legend = spec.series.length > 1;
  const legendTop = spec.subtitle ? 92 : 60;
  // about four entries fit a row at this size; more wrap, and the plot moves down under them
  const legendRows = legend ? Math.ceil(spec.series.length / 4) : 0;
  return {
    animation: false,
    useUTC: true,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY },
    title: {
      text: spec.title,
      subtext: spec.subtitle ?? '',
      left: 'center',
      top: 12,
      textStyle: { fontSize: 28, color: PALETTE.black },
      subtextStyle: { fontSize: 19, color: '#555555' },
    },
    legend: legend
      ? { show: true, top: legendTop, left: 'center', width: 1000, itemGap: 36, textStyle: { fontSize: 19 }, itemWidth: 28, itemHeight: 14, data: spec.series.map((s) => s.name) }
      : { show: false },
    grid: { left: 24, right: 24, top: legendTop + legendRows * 46 + 40, bottom: 36, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: xAxis(spec),
    yAxis: yAxes(spec),
    series,
  };
}
