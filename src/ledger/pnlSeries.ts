import { ZERO, dec, type Decimal } from '../money.js';
import { ExactSum, periodStart, type Period } from './pnl.js';
import { isHeld } from './queries.js';
import type { Position, StoreData } from './schema.js';

/**
 * /pnl over time: cumulative funding, fees, realized basis PnL and net (funding + basis − fees)
 * from the start of the period to now, for the total and (when few) per position. The same
 * rows and rules as the /pnl report, so each series ends on the report's figure; time is cut
 * into at most BUCKETS steps so a store of 100k funding rows is one pass and a few hundred points.
 */

export const BUCKETS = 240;
/** more positions than this and only the total is drawn */
export const MAX_POSITION_SERIES = 5;

export interface PnlSeriesPoint {
  /** epoch ms: the figures are everything up to and including this time */
  time: number;
  funding: Decimal;
  fees: Decimal;
  basis: Decimal;
  net: Decimal;
}

export interface PnlSeries {
  period: Period;
  start: number;
  now: number;
  total: PnlSeriesPoint[];
  /** per position (empty when more than MAX_POSITION_SERIES were active) */
  positions: Array<{ positionId: string; symbol: string; points: PnlSeriesPoint[] }>;
}

/** per bucket: what happened in it */
interface Buckets {
  funding: ExactSum[];
  fees: ExactSum[];
  basis: Decimal[];
}

const newBuckets = (): Buckets => ({ funding: [], fees: [], basis: [] });

export interface PnlSeriesOptions {
  period: Period;
  now: number;
  mode: Position['mode'];
}

export function pnlSeries(data: StoreData, opts: PnlSeriesOptions): PnlSeries {
  const { now, mode } = opts;
  const since = periodStart(opts.period, now);
  const inWindow = (t: number) => (since === undefined || t >= since) && t <= now;
  const positions = new Map(data.positions.filter((p) => p.mode === mode).map((p) => [p.id, p]));

  const fundingRows = data.funding.filter((r) => r.positionId !== null && positions.has(r.positionId) && inWindow(r.time));
  const fills = data.fills.filter((f) => positions.has(f.positionId));
  const active = new Set<string>([...fundingRows.map((r) => r.positionId!), ...fills.filter((f) => inWindow(f.time)).map((f) => f.positionId)]);
  for (const p of positions.values()) if (isHeld(p) || (p.closedAt !== undefined && inWindow(p.closedAt))) active.add(p.id);

  let start = since ?? now;
  if (since === undefined) {
    for (const id of active) start = Math.min(start, positions.get(id)!.openedAt);
    for (const r of fundingRows) start = Math.min(start, r.time);
  }
  const width = Math.max(1, Math.ceil((now - start) / BUCKETS));
  // bucket k holds (start + k·width, start + (k+1)·width]: its point, at the end, includes it
  const bucketOf = (t: number) => Math.min(BUCKETS - 1, Math.max(0, Math.ceil((t - start) / width) - 1));

  const perPosition = active.size <= MAX_POSITION_SERIES;
  const total = newBuckets();
  const byPosition = new Map<string, Buckets>();
  const targets = (positionId: string): Buckets[] => {
    if (!perPosition) return [total];
    let b = byPosition.get(positionId);
    if (!b) byPosition.set(positionId, (b = newBuckets()));
    return [total, b];
  };

  for (const r of fundingRows) for (const b of targets(r.positionId!)) (b.funding[bucketOf(r.time)] ??= new ExactSum()).add(r.amount);

  const closeFills = new Map<string, number>();
  for (const f of fills) {
    if (f.role !== 'open') closeFills.set(f.positionId, (closeFills.get(f.positionId) ?? 0) + 1);
    if (!inWindow(f.time)) continue;
    const p = positions.get(f.positionId)!;
    const k = bucketOf(f.time);
    const realized = realizedBy(f, p);
    for (const b of targets(f.positionId)) {
      (b.fees[k] ??= new ExactSum()).add(f.feeUsdt);
      if (realized) b.basis[k] = (b.basis[k] ?? ZERO).plus(realized);
    }
  }
  // a closed position recorded without close fills: realized at its exit prices when it closed (as the report does)
  for (const p of positions.values()) {
    if (closeFills.has(p.id) || p.status !== 'closed' || p.closedAt === undefined || !inWindow(p.closedAt)) continue;
    const realized = exitRealized(p);
    const k = bucketOf(p.closedAt);
    for (const b of targets(p.id)) b.basis[k] = (b.basis[k] ?? ZERO).plus(realized);
  }

  const points = (b: Buckets) => cumulative(b, start, width, now);
  return {
    period: opts.period,
    start,
    now,
    total: points(total),
    positions: [...byPosition].map(([id, b]) => ({ positionId: id, symbol: positions.get(id)!.symbol, points: points(b) })),
  };
}

/** basis PnL a close or unwind fill realizes against the position's entry (spot sold, short bought back) */
function realizedBy(f: StoreData['fills'][number], p: Position): Decimal | undefined {
  if (f.role === 'open') return undefined;
  if (f.market === 'spot' && f.side === 'SELL') return dec(f.price).minus(p.spotEntryPrice).mul(f.qty);
  if (f.market === 'futures' && f.side === 'BUY') return dec(p.futuresEntryPrice).minus(f.price).mul(f.qty);
  return undefined;
}

function exitRealized(p: Position): Decimal {
  let r = ZERO;
  if (p.spotExitPrice) r = r.plus(dec(p.spotExitPrice).minus(p.spotEntryPrice).mul(p.spotQty));
  if (p.futuresExitPrice) r = r.plus(dec(p.futuresEntryPrice).minus(p.futuresExitPrice).mul(p.futuresQty));
  return r;
}

/** running sums at the start, at each bucket's end and at now */
function cumulative(b: Buckets, start: number, width: number, now: number): PnlSeriesPoint[] {
  let funding: Decimal = ZERO;
  let fees: Decimal = ZERO;
  let basis: Decimal = ZERO;
  const out: PnlSeriesPoint[] = [{ time: start, funding, fees, basis, net: ZERO }];
  for (let k = 0; k < BUCKETS; k++) {
    const end = Math.min(now, start + (k + 1) * width);
    if (b.funding[k]) funding = funding.plus(b.funding[k]!.value());
    if (b.fees[k]) fees = fees.plus(b.fees[k]!.value());
    if (b.basis[k]) basis = basis.plus(b.basis[k]!);
    out.push({ time: end, funding, fees, basis, net: funding.plus(basis).minus(fees) });
    if (end >= now) break;
  }
  return out;
}
