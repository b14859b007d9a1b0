import { ZERO, dec, type Decimal } from '../money.js';
import { ExactSum, periodStart, type Period } from './pnl.js';
import { isHeld } from './queries.js';
import type { Fill, FundingRow, Position, StoreData } from './schema.js';

/**
 * /pnl over time: cumulative funding, fees, realized basis PnL and net (funding + basis − fees)
 * from the start of the period to now, for the total and (when few) per position. The same
 * rows and rules as the /pnl report, so each series ends on the report's figure; time is cut
 * into at most BUCKETS steps so a long history is one pass and a few hundred points.
 *
 * The ledger keeps only recent funding rows in memory (older ones are in the journal, summed):
 * a period reaching further back starts at the oldest row held, with everything before it in
 * the starting values (`carriedFrom` says where) — the end figures stay exact.
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
  /** set when the first point carries the history before `start` (rows not held in memory) */
  carriedFrom?: number;
  total: PnlSeriesPoint[];
  /** per position (empty when more than MAX_POSITION_SERIES were active) */
  positions: Array<{ positionId: string; symbol: string; points: PnlSeriesPoint[] }>;
}

export interface PnlSeriesOptions {
  period: Period;
  now: number;
  mode: Position['mode'];
}

/** What the series is computed from: positions, their fills, and the funding rows held. */
export interface PnlSeriesSource {
  positions: Iterable<Position>;
  fillsOf(positionId: string): readonly Fill[];
  /** funding rows with time ≥ rowsFrom (all of them when rowsFrom is −Infinity) */
  rows: Iterable<FundingRow>;
  rowsFrom: number;
  /** a position's funding over all time, exact (needed when rows do not reach back to the start) */
  fundingTotal?(positionId: string): Decimal;
}

/** A source over a whole ledger document: every row at hand. */
export function documentSeriesSource(data: Pick<StoreData, 'positions' | 'fills' | 'funding'>): PnlSeriesSource {
  const fills = new Map<string, Fill[]>();
  for (const f of data.fills) (fills.get(f.positionId) ?? fills.set(f.positionId, []).get(f.positionId)!).push(f);
  return { positions: data.positions, fillsOf: (id) => fills.get(id) ?? [], rows: data.funding, rowsFrom: -Infinity };
}

/** per bucket: what happened in it */
interface Buckets {
  funding: ExactSum[];
  fees: ExactSum[];
  basis: Decimal[];
  /** everything before the first bucket */
  opening: { funding: Decimal; fees: Decimal; basis: Decimal };
}

const newBuckets = (): Buckets => ({ funding: [], fees: [], basis: [], opening: { funding: ZERO, fees: ZERO, basis: ZERO } });

export function pnlSeries(src: PnlSeriesSource, opts: PnlSeriesOptions): PnlSeries {
  const { now, mode } = opts;
  const since = periodStart(opts.period, now);
  const inWindow = (t: number) => (since === undefined || t >= since) && t <= now;
  const positions = new Map([...src.positions].filter((p) => p.mode === mode).map((p) => [p.id, p]));

  const fundingRows = [...src.rows].filter((r) => r.positionId !== null && positions.has(r.positionId) && inWindow(r.time));
  const fills = [...positions.keys()].flatMap((id) => src.fillsOf(id));
  const active = new Set<string>([...fundingRows.map((r) => r.positionId!), ...fills.filter((f) => inWindow(f.time)).map((f) => f.positionId)]);
  for (const p of positions.values()) if (isHeld(p) || (p.closedAt !== undefined && inWindow(p.closedAt))) active.add(p.id);
  // funding from before the rows held (all-time totals less what the rows hold) opens the series
  const carried = src.rowsFrom > (since ?? -Infinity) && src.fundingTotal !== undefined;

  let start = since ?? now;
  if (since === undefined) {
    for (const id of active) start = Math.min(start, positions.get(id)!.openedAt);
    for (const r of fundingRows) start = Math.min(start, r.time);
  }
  if (carried) start = Math.max(start, src.rowsFrom);
  const width = Math.max(1, Math.ceil((now - start) / BUCKETS));
  // bucket k holds (start + k·width, start + (k+1)·width]: its point, at the end, includes it; before start: the opening
  const bucketOf = (t: number) => (t < start ? -1 : Math.min(BUCKETS - 1, Math.max(0, Math.ceil((t - start) / width) - 1)));

  const perPosition = active.size <= MAX_POSITION_SERIES;
  const total = newBuckets();
  const byPosition = new Map<string, Buckets>();
  const targets = (positionId: string): Buckets[] => {
    if (!perPosition) return [total];
    let b = byPosition.get(positionId);
    if (!b) byPosition.set(positionId, (b = newBuckets()));
    return [total, b];
  };

  const held = new Map<string, ExactSum>();
  for (const r of fundingRows) {
    const k = bucketOf(r.time);
    for (const b of targets(r.positionId!)) (b.funding[Math.max(0, k)] ??= new ExactSum()).add(r.amount);
    if (carried) (held.get(r.positionId!) ?? held.set(r.positionId!, new ExactSum()).get(r.positionId!)!).add(r.amount);
  }
  if (carried) {
    for (const id of active) {
      const before = src.fundingTotal!(id).minus(held.get(id)?.value() ?? ZERO);
      if (!before.isZero()) for (const b of targets(id)) b.opening.funding = b.opening.funding.plus(before);
    }
  }

  const closeFills = new Set<string>();
  for (const f of fills) {
    if (f.role !== 'open') closeFills.add(f.positionId);
    if (!inWindow(f.time)) continue;
    const k = bucketOf(f.time);
    const realized = realizedBy(f, positions.get(f.positionId)!);
    for (const b of targets(f.positionId)) addAt(b, k, f.feeUsdt, realized);
  }
  // a closed position recorded without close fills: realized at its exit prices when it closed (as the report does)
  for (const p of positions.values()) {
    if (closeFills.has(p.id) || p.status !== 'closed' || p.closedAt === undefined || !inWindow(p.closedAt)) continue;
    for (const b of targets(p.id)) addAt(b, bucketOf(p.closedAt), undefined, exitRealized(p));
  }

  const points = (b: Buckets) => cumulative(b, start, width, now);
  return {
    period: opts.period,
    start,
    now,
    ...(carried ? { carriedFrom: start } : {}),
    total: points(total),
    positions: [...byPosition].map(([id, b]) => ({ positionId: id, symbol: positions.get(id)!.symbol, points: points(b) })),
  };
}

/** a fill's fee and realized basis into bucket k (k = −1: before the drawn range, into the opening) */
function addAt(b: Buckets, k: number, fee: string | undefined, realized: Decimal | undefined): void {
  if (k < 0) {
    if (fee !== undefined) b.opening.fees = b.opening.fees.plus(fee);
    if (realized) b.opening.basis = b.opening.basis.plus(realized);
    return;
  }
  if (fee !== undefined) (b.fees[k] ??= new ExactSum()).add(fee);
  if (realized) b.basis[k] = (b.basis[k] ?? ZERO).plus(realized);
}

/** basis PnL a close or unwind fill realizes against the position's entry (spot sold, short bought back) */
function realizedBy(f: Fill, p: Position): Decimal | undefined {
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
  let { funding, fees, basis } = b.opening;
  const out: PnlSeriesPoint[] = [{ time: start, funding, fees, basis, net: funding.plus(basis).minus(fees) }];
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
