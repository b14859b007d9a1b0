import { fundingChart } from '../src/charts/funding.js';
import { pnlChart } from '../src/charts/pnl.js';
import type { ChartSpec } from '../src/charts/spec.js';
import { documentSeriesSource, pnlSeries } from '../src/ledger/pnlSeries.js';
import { emptyStore, type StoreData } from '../src/ledger/schema.js';
import { createI18n } from '../src/telegram/i18n.js';

/** The charts bench's two pictures, as the bot builds them. */

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 10, 29, 13);

/** /funding: 30 days of 4-hourly settlements after 10 days at 8 h, Russian labels */
export function fundingSpec(): ChartSpec {
  const rows: Array<{ fundingTime: number; rate: number }> = [];
  for (let t = NOW - 30 * DAY; t < NOW; t += t < NOW - 20 * DAY ? 8 * H : 4 * H) rows.push({ fundingTime: t, rate: 0.0001 + 0.00008 * Math.sin(t / (3 * DAY)) });
  return fundingChart({ symbol: 'SOLUSDT', rows, intervalHours: 4, nextFundingTime: NOW + 3 * H, days: 30 }, createI18n().translator('ru'), NOW);
}

/** /pnl all: five positions, a year of 8-hourly funding each (~5,500 rows) */
export function pnlSpec(): ChartSpec {
  const d: StoreData = emptyStore(NOW);
  for (let i = 0; i < 5; i++) {
    const id = `p${i}`;
    const symbol = `C${i}USDT`;
    const openedAt = NOW - 365 * DAY + i * DAY;
    d.positions.push({ id, symbol, baseAsset: `C${i}`, mode: 'paper', status: 'open', openedAt, spotQty: '10', futuresQty: '10', spotEntryPrice: '100', futuresEntryPrice: '100.1' });
    for (let t = openedAt + 8 * H; t < NOW; t += 8 * H) d.funding.push({ tranId: `${id}:${t}`, symbol, amount: (0.0001 * 1000 * (1 + Math.sin(t / 1e9))).toFixed(8), asset: 'USDT', time: t, positionId: id, mode: 'paper' });
  }
  return pnlChart(pnlSeries(documentSeriesSource(d), { period: 'all', now: NOW, mode: 'paper' }), createI18n().translator('en'), { period: 'all time', mode: 'PAPER' });
}
