import { rmSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { FundingSums } from './fundingSums.js';
import { openJournal, readLines, readTail, type Journal } from './journal.js';
import { DAY_MS } from './pnl.js';
import { fillSchema, fundingRowSchema, positionSchema, type Fill, type FundingRow, type Intent, type Position } from './schema.js';
import type { WriteGate } from './writeGate.js';

/**
 * The ledger's history: closed positions, fills, funding rows and finished intents, each an
 * append-only JSON Lines journal beside the state document. In memory: every closed position and
 * fill (thousands, not millions), the funding rows of the recent window (the 7d/30d reports and
 * tranId deduplication) and the running funding sums; never the whole funding history.
 */

export interface HistoryPaths {
  fills: string;
  funding: string;
  intents: string;
  positions: string;
  /** checkpoint of the funding sums */
  sums: string;
}

export function historyPaths(stateFile: string): HistoryPaths {
  const base = stateFile.replace(/\.json$/i, '');
  return { fills: `${base}.fills.jsonl`, funding: `${base}.funding.jsonl`, intents: `${base}.intents.jsonl`, positions: `${base}.positions.jsonl`, sums: `${base}.funding-sums.json` };
}

/** Funding rows kept in memory reach this far back (the longest /pnl window is 30 days). */
export const RECENT_MS = 32 * DAY_MS;

/** What one ledger write adds to history (appended before the state document is written). */
export interface HistoryBatch {
  fills: Fill[];
  funding: FundingRow[];
  intents: Intent[];
  positions: Position[];
}

export const emptyBatch = (): HistoryBatch => ({ fills: [], funding: [], intents: [], positions: [] });

export interface History {
  readonly paths: HistoryPaths;
  readonly closed: Map<string, Position>;
  /** closed positions per symbol, oldest first (funding attribution) */
  readonly closedBySymbol: Map<string, Position[]>;
  /** closed positions, oldest first */
  closedSorted(): Position[];
  /** fills in memory: at open those from `fillsFrom` on (held and recently closed positions'), all after loadAllFills() */
  readonly fills: Map<string, Fill>;
  readonly fillsByPosition: Map<string, Fill[]>;
  readonly fillsFrom: number;
  /** every fill of the journal is in memory */
  allFills(): boolean;
  /** reads the whole fills journal (an all-time report, an old position's fills) */
  loadAllFills(): void;
  /** funding rows with time ≥ recentFrom, in append order */
  readonly recent: FundingRow[];
  readonly recentFrom: number;
  readonly sums: FundingSums;
  /** a funding row with this tranId was recorded (rows older than the window: the journal is read once) */
  knows(row: Pick<FundingRow, 'tranId' | 'time'>): boolean;
  /**
   * Appends and fsyncs the batch. Memory takes it even when the disk refuses it (a full disk):
   * the journals keep what failed and write it, once, before their next append.
   */
  append(batch: HistoryBatch): Promise<void>;
  /** records in memory that their journals have not written yet */
  readonly unwritten: number;
  /** saves the funding sums checkpoint if rows were appended since the last one */
  checkpoint(): void;
  close(): Promise<void>;
}

interface OpenOptions {
  logger?: Logger;
  now: () => number;
  gate?: WriteGate;
  /** rows older than this are never needed in memory (the sync cursors minus a margin) */
  recentFrom: number;
  /** fills of held positions and of positions closed within the report windows */
  fillsFrom: (closed: Iterable<Position>) => number;
}

const parseOr = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown, what: string, logger?: Logger): T | undefined => {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  logger?.error({ record: JSON.stringify(v).slice(0, 200) }, `journal: a ${what} record failed validation and was skipped`);
  return undefined;
};

export async function openHistory(paths: HistoryPaths, opts: OpenOptions): Promise<History> {
  const { logger } = opts;
  const journals = {
    fills: await openJournal(paths.fills, opts),
    funding: await openJournal(paths.funding, opts),
    intents: await openJournal(paths.intents, opts),
    positions: await openJournal(paths.positions, opts),
  } satisfies Record<keyof HistoryBatch, Journal>;

  const closed = new Map<string, Position>();
  readLines(paths.positions, 0, (v) => {
    const p = parseOr(positionSchema, v, 'position', logger);
    if (p) closed.set(p.id, p);
  }, logger);
  const closedBySymbol = new Map<string, Position[]>();
  let sorted: Position[] | undefined;
  const byOpened = (a: Position, b: Position) => a.openedAt - b.openedAt;
  for (const p of [...closed.values()].sort(byOpened)) {
    const l = closedBySymbol.get(p.symbol);
    if (l) l.push(p);
    else closedBySymbol.set(p.symbol, [p]);
  }
  /** a position closed (again): into its symbol's list, in opening order */
  const place = (p: Position) => {
    const prior = closed.get(p.id);
    closed.set(p.id, p);
    sorted = undefined;
    if (prior) {
      const l = closedBySymbol.get(prior.symbol)!;
      l.splice(l.indexOf(prior), 1);
    }
    const l = closedBySymbol.get(p.symbol) ?? [];
    closedBySymbol.set(p.symbol, l);
    let at = l.length;
    while (at > 0 && l[at - 1]!.openedAt > p.openedAt) at--;
    l.splice(at, 0, p);
  };
  const fills = new Map<string, Fill>();
  const fillsByPosition = new Map<string, Fill[]>();
  const index = (f: Fill) => {
    const l = fillsByPosition.get(f.positionId);
    if (l) l.push(f);
    else fillsByPosition.set(f.positionId, [f]);
  };
  // the recent fills, newest first from the end of the journal (a later line of an id wins)
  const fillsFrom = opts.fillsFrom(closed.values());
  const newest: Fill[] = [];
  const seen = new Set<string>();
  let olderFills = 0;
  let complete = true;
  readTail(paths.fills, (v) => {
    const f = parseOr(fillSchema, v, 'fill', logger);
    if (!f || seen.has(f.id)) return;
    seen.add(f.id);
    if (f.time >= fillsFrom) {
      newest.push(f);
      olderFills = 0;
    } else olderFills++;
  }, () => {
    const stop = olderFills >= 2000;
    if (stop) complete = false;
    return stop;
  });
  for (const f of newest.reverse()) {
    fills.set(f.id, f);
    index(f);
  }
  const loadAllFills = () => {
    if (complete) return;
    fills.clear();
    fillsByPosition.clear();
    readLines(paths.fills, 0, (v) => {
      const f = parseOr(fillSchema, v, 'fill', logger);
      if (f) fills.set(f.id, f);
    }, logger);
    for (const f of fills.values()) index(f);
    complete = true;
  };

  // sums: the checkpoint, then every row appended after it
  const checkpoint = FundingSums.load(paths.sums, paths.funding, journals.funding.size, logger);
  const sums = checkpoint?.sums ?? new FundingSums();
  let replayed = 0;
  readLines(paths.funding, checkpoint?.offset ?? 0, (v) => {
    const r = parseOr(fundingRowSchema, v, 'funding', logger);
    if (r) sums.add(r);
    replayed++;
  }, logger);
  let sumsAt = checkpoint && replayed === 0 ? journals.funding.size : -1;

  // the recent window, newest first from the end of the journal
  const recentFrom = opts.recentFrom;
  const newestFirst: FundingRow[] = [];
  let older = 0;
  readTail(paths.funding, (v) => {
    const r = fundingRowSchema.safeParse(v);
    if (!r.success) return;
    if (r.data.time >= recentFrom) {
      newestFirst.push(r.data);
      older = 0;
    } else older++;
    // rows arrive roughly in time order; a long run of old ones means the window is behind us
  }, () => older >= 5000);
  const recent = newestFirst.reverse();
  const tranIds = new Set(recent.map((r) => r.tranId));
  /** every tranId in the journal: built only when a row older than the window shows up */
  let allIds: Set<string> | undefined;

  /** a batch into the in-memory indexes (an id seen before: the later record wins) */
  function remember(batch: HistoryBatch): void {
    for (const p of batch.positions) place(p);
    for (const f of batch.fills) {
      const prior = fills.get(f.id);
      fills.set(f.id, f);
      if (prior) {
        const l = fillsByPosition.get(prior.positionId)!;
        l.splice(l.indexOf(prior), 1, ...(prior.positionId === f.positionId ? [f] : []));
        if (prior.positionId !== f.positionId) index(f);
      } else index(f);
    }
    for (const r of batch.funding) {
      sums.add(r);
      tranIds.add(r.tranId);
      allIds?.add(r.tranId);
      if (r.time >= recentFrom) recent.push(r);
    }
  }

  const history: History = {
    paths,
    closed,
    closedBySymbol,
    closedSorted: () => (sorted ??= [...closed.values()].sort(byOpened)),
    fills,
    fillsByPosition,
    fillsFrom,
    allFills: () => complete,
    loadAllFills,
    recent,
    recentFrom,
    sums,
    knows(row) {
      if (tranIds.has(row.tranId)) return true;
      if (row.time >= recentFrom) return false;
      if (!allIds) {
        const ids = new Set<string>();
        readLines(paths.funding, 0, (v) => void ids.add(String((v as { tranId?: unknown }).tranId)));
        allIds = ids;
      }
      return allIds.has(row.tranId);
    },
    get unwritten() {
      return Object.values(journals).reduce((n, j) => n + j.unwritten, 0);
    },
    async append(batch) {
      const written = await Promise.allSettled((Object.keys(journals) as Array<keyof HistoryBatch>).map((k) => journals[k].append(batch[k])));
      remember(batch);
      const failed = written.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    checkpoint() {
      // the sums hold rows the journal has not written yet: a checkpoint now would count them twice later
      if (sumsAt === journals.funding.size || journals.funding.unwritten) return;
      try {
        sums.save(paths.sums, paths.funding, journals.funding.size);
        sumsAt = journals.funding.size;
      } catch (err) {
        // only a shortcut for the next start (the journal replays without it): a full disk may refuse it
        logger?.warn({ err, file: paths.sums }, 'funding sums checkpoint not saved');
      }
    },
    async close() {
      await Promise.all(Object.values(journals).map((j) => j.close()));
    },
  };
  if (sumsAt < 0) history.checkpoint();
  return history;
}

/** Removes every history file (before a migration writes them afresh). */
export function removeHistory(paths: HistoryPaths): void {
  for (const f of Object.values(paths)) rmSync(f, { force: true });
}
