import type { PnlSeries, PnlSeriesPoint } from '../ledger/pnlSeries.js';
import type { Translator } from '../notify.js';
import { PALETTE, SERIES_COLOURS, type ChartSpec, type Point, type SeriesSpec } from './spec.js';

/**
 * The /pnl chart: cumulative funding, fees (as a cost, below zero), basis PnL and net over the
 * period, as step lines (a figure holds until the next payment or fill); with 2 to 5 positions
 * each position's net as a thin dashed line too.
 */

type Figure = 'funding' | 'fees' | 'basis' | 'net';

/** the plotted values of one figure: [time, USDT] (fees negated: a cost) */
export function pnlPoints(points: readonly PnlSeriesPoint[], figure: Figure): Array<[number, number]> {
  return points.map((p) => [p.time, figure === 'fees' ? p.fees.neg().toNumber() : p[figure].toNumber()]);
}

export function pnlChart(series: PnlSeries, t: Translator, labels: { period: string; mode: string }): ChartSpec {
  const line = (figure: Figure, color: string, width = 3): SeriesSpec => ({
    name: t.t(`charts.pnl.${figure}`),
    kind: 'line',
    points: pnlPoints(series.total, figure) as Point[],
    color,
    width,
    step: true,
  });
  const perPosition = series.positions.length > 1 ? series.positions : [];
  const extra = [PALETTE.purple, PALETTE.sky, PALETTE.vermillion, SERIES_COLOURS[0]!, PALETTE.grey];
  return {
    title: t.t('charts.pnl.title', labels),
    subtitle: series.carriedFrom === undefined ? t.t('charts.pnl.subtitle') : t.t('charts.pnl.carried', { time: t.time(series.carriedFrom, series.now) }),
    locale: t.lang,
    x: { kind: 'time' },
    axes: [{ name: t.t('charts.pnl.axis'), digits: 2 }],
    series: [
      line('funding', PALETTE.blue),
      line('fees', PALETTE.orange),
      line('basis', PALETTE.green),
      line('net', PALETTE.black, 5),
      ...perPosition.map((p, i): SeriesSpec => ({
        name: t.t('charts.pnl.positionNet', { symbol: p.symbol }),
        kind: 'line',
        points: pnlPoints(p.points, 'net') as Point[],
        color: extra[i % extra.length],
        width: 2,
        dashed: true,
        step: true,
      })),
    ],
  };
}
