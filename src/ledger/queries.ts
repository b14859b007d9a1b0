import type { Fill, FundingRow, Position, StoreData } from './schema.js';

/**
 * Read-only questions over the store. Pure functions of `StoreData`, so the services, the
 * Telegram commands and the tests all ask them the same way and nothing else reads lowdb shapes.
 */

type Mode = Position['mode'];

/** A position still holding (or possibly holding) a leg: everything not closed. */
export function isHeld(p: Position): boolean {
  return p.status !== 'closed';
}

/** Positions not closed, optionally of one mode, oldest first. */
export function openPositions(data: StoreData, mode?: Mode): Position[] {
  return data.positions.filter((p) => isHeld(p) && (mode === undefined || p.mode === mode)).sort((a, b) => a.openedAt - b.openedAt);
}

/**
 * The position of `mode` open in `symbol` at `time` (openedAt ≤ time ≤ closedAt): who a funding
 * payment belongs to. When two windows touch at one instant the later-opened position wins.
 */
export function positionAt(data: Pick<StoreData, 'positions'>, symbol: string, time: number, mode: Mode): Position | undefined {
  let found: Position | undefined;
  for (const p of data.positions) {
    if (p.symbol !== symbol || p.mode !== mode) continue;
    if (p.openedAt > time) continue;
    if (p.closedAt !== undefined ? p.closedAt < time : p.status === 'closed') continue;
    if (!found || p.openedAt > found.openedAt) found = p;
  }
  return found;
}

export interface FillQuery {
  symbol?: string;
  mode?: Mode;
  positionId?: string;
  limit?: number;
}

/** Fills, newest first. */
export function latestFills(data: Pick<StoreData, 'fills'>, q: FillQuery = {}): Fill[] {
  const rows = data.fills.filter(
    (f) => (q.symbol === undefined || f.symbol === q.symbol) && (q.mode === undefined || f.mode === q.mode) && (q.positionId === undefined || f.positionId === q.positionId),
  );
  rows.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return q.limit === undefined ? rows : rows.slice(0, q.limit);
}

export interface FundingQuery {
  /** inclusive lower bound (epoch ms) */
  since?: number;
  /** inclusive upper bound */
  until?: number;
  symbol?: string;
  mode?: Mode;
  /** a position id, or null for the unattributed rows */
  positionId?: string | null;
}

export function fundingRows(data: StoreData, q: FundingQuery = {}): FundingRow[] {
  return data.funding.filter(
    (r) =>
      (q.since === undefined || r.time >= q.since) &&
      (q.until === undefined || r.time <= q.until) &&
      (q.symbol === undefined || r.symbol === q.symbol) &&
      (q.mode === undefined || r.mode === q.mode) &&
      (q.positionId === undefined || r.positionId === q.positionId),
  );
}

