import type { VenueId } from '../venues/types.js';
import { rankSignals } from './signals.js';
import type { ScanResult, SymbolSignal, VenueSignal } from './types.js';

/**
 * The cross-venue view of one scan, pure: Binance rows matched to the other venues by base
 * coin (Bybit BTCUSDT, OKX BTC-USDT-SWAP and Binance BTCUSDT are all "BTC").
 */

export type VenueIndex = Map<string, VenueSignal[]>;

export function venueIndex(scan: Pick<ScanResult, 'venues'>): VenueIndex {
  const index: VenueIndex = new Map();
  for (const r of scan.venues?.rows ?? []) {
    const list = index.get(r.coin);
    if (list) list.push(r);
    else index.set(r.coin, [r]);
  }
  return index;
}

/** The other venue paying the most for this coin, when it beats Binance's net APR. */
export function bestOtherVenue(row: Pick<SymbolSignal, 'baseAsset' | 'netApr'>, index: VenueIndex): VenueSignal | undefined {
  let best: VenueSignal | undefined;
  for (const r of index.get(row.baseAsset) ?? []) if (r.netApr > row.netApr && (!best || r.netApr > best.netApr)) best = r;
  return best;
}

/** Every venue's rows in one ranking (`/signals all`). */
export function allVenueRows(scan: Pick<ScanResult, 'rows' | 'venues'>): VenueSignal[] {
  const binance = scan.rows.map((r): VenueSignal => ({ ...r, venue: 'binance', coin: r.baseAsset }));
  return rankSignals([...binance, ...(scan.venues?.rows ?? [])]);
}

export interface VenueGap {
  symbol: string;
  coin: string;
  venue: VenueId;
  /** the venue's 7-day funding APR, % */
  venueApr: number;
  /** Binance's 7-day funding APR (its current APR while its history is not loaded), % */
  binanceApr: number;
  /** venueApr − binanceApr, points */
  gap: number;
}

/**
 * Binance symbols whose coin pays at least `minGap` APR points more on another venue. The venue
 * side must stand on settled history (7-day APR over at least a day of prints, paying now),
 * never on one snapshot; per symbol the widest gap wins.
 */
export function venueGaps(scan: Pick<ScanResult, 'rows' | 'venues'>, minGap: number): Map<string, VenueGap> {
  const index = venueIndex(scan);
  const gaps = new Map<string, VenueGap>();
  for (const row of scan.rows) {
    const binanceApr = row.apr7d ?? row.apr;
    for (const v of index.get(row.baseAsset) ?? []) {
      if (v.venue === 'binance' || v.apr7d === null || v.settlements7d < v.periodsPerDay || !(v.rate > 0)) continue;
      const gap = v.apr7d - binanceApr;
      const prev = gaps.get(row.symbol);
      if (gap >= minGap && (!prev || gap > prev.gap)) gaps.set(row.symbol, { symbol: row.symbol, coin: row.baseAsset, venue: v.venue, venueApr: v.apr7d, binanceApr, gap });
    }
  }
  return gaps;
}
