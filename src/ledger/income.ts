import type { FuturesApi, FundingRateRow, IncomeRow } from '../binance/types.js';
import type { Logger } from '../logger.js';
import { ZERO, dec, toPlain, type Decimal } from '../money.js';
import type { Audience } from '../events.js';
import type { Ledger } from './ledger.js';
import { isHeld } from './queries.js';
import type { Fill, FundingRow, Position } from './schema.js';

/**
 * Funding income into the ledger.
 *
 * Live: `GET /fapi/v1/income?incomeType=FUNDING_FEE` from the stored cursor, paged by time until
 * caught up. Rows are deduplicated by tranId (pages overlap on the boundary millisecond on
 * purpose) and attributed to the position open in that symbol at that time. Each page's rows and
 * the cursor move together in one ledger write, so the cursor never gets ahead of what is saved.
 *
 * Paper: each settled funding print after the last one accrued is credited to the paper short
 * open at that time: amount = rate × short qty × mark price (a short receives a positive rate and
 * pays a negative one). tranId `paper:<positionId>:<fundingTime>` makes it exactly-once.
 */

const DAY_MS = 86_400_000;
/** Binance keeps income for 3 months; never ask further back than that. */
const INCOME_RETENTION_MS = 89 * DAY_MS;
const PAGE_LIMIT = 1000;
const MAX_PAGES = 200;

export interface IncomeSyncDeps {
  ledger: Ledger;
  futures: Pick<FuturesApi, 'income'>;
  logger?: Logger;
  now?: () => number;
  /** rows per page (Binance max 1000) */
  pageLimit?: number;
  /** told (once per stale cursor) when the cursor is older than Binance keeps income */
  audience?: Pick<Audience, 'all'>;
}

export interface IncomeSyncResult {
  pages: number;
  fetched: number;
  added: number;
  duplicates: number;
  unattributed: number;
  cursor?: number;
  /** the stored cursor was older than Binance's retention: rows before it may be lost */
  staleCursor?: boolean;
}

/** the stale cursor already alerted per ledger, so a failing sync does not repeat the push every run */
const staleAlerted = new WeakMap<Ledger, number>();

function firstStart(ledger: Ledger, now: number): number {
  let from = Infinity;
  for (const p of ledger.allPositions('live')) from = Math.min(from, p.openedAt);
  return Math.max(from === Infinity ? ledger.createdAt : from, now - INCOME_RETENTION_MS);
}

function liveRow(ledger: Ledger, r: IncomeRow): FundingRow {
  return {
    tranId: r.tranId,
    symbol: r.symbol,
    amount: toPlain(r.income),
    asset: r.asset,
    time: r.time,
    positionId: ledger.positionAt(r.symbol, r.time, 'live')?.id ?? null,
    mode: 'live',
  };
}

/** Live funding sync. Safe to run again at any time: it only adds rows it has not seen. */
export async function syncIncome(deps: IncomeSyncDeps): Promise<IncomeSyncResult> {
  const { ledger, futures, logger } = deps;
  const now = deps.now ?? Date.now;
  const limit = deps.pageLimit ?? PAGE_LIMIT;
  const result: IncomeSyncResult = { pages: 0, fetched: 0, added: 0, duplicates: 0, unattributed: 0 };
  const stored = ledger.incomeCursor();
  let startTime = stored ?? firstStart(ledger, now());
  if (stored !== undefined && stored < now() - INCOME_RETENTION_MS) {
    // Binance keeps 3 months: funding between the cursor and then may be gone for good.
    const days = Math.floor((now() - stored) / DAY_MS);
    result.staleCursor = true;
    logger?.error({ cursor: stored, days }, 'income cursor is older than Binance keeps income (3 months): funding rows may be missing from the ledger');
    if (deps.audience && staleAlerted.get(ledger) !== stored) {
      staleAlerted.set(ledger, stored);
      await ledger
        .publish([{ event: { type: 'income_stale', days }, chats: deps.audience.all() }])
        .catch((err: unknown) => logger?.warn({ err }, 'stale income cursor: alert not saved'));
    }
  }

  for (;;) {
    const page = (await futures.income({ incomeType: 'FUNDING_FEE', startTime, limit })).filter((r) => r.incomeType === 'FUNDING_FEE');
    result.pages++;
    result.fetched += page.length;
    const caughtUp = page.length < limit || result.pages >= MAX_PAGES;
    let cursor = ledger.incomeCursor() ?? startTime;
    for (const r of page) if (r.time > cursor) cursor = r.time;
    // Caught up (a short page: every row from the cursor on is here) from a cursor older than
    // Binance keeps: move it to a day ago (late rows are still re-read; tranId dedupes) rather
    // than report the same gap every run.
    if (page.length < limit && cursor < now() - INCOME_RETENTION_MS) cursor = now() - DAY_MS;
    const rows = await ledger.appendFunding(() => page.map((r) => liveRow(ledger, r)), { incomeTime: cursor, syncedAt: now() });
    result.cursor = cursor;
    result.duplicates += page.length - rows.length;
    result.unattributed += rows.filter((r) => r.positionId === null).length;
    const added = rows.length;
    result.added += added;
    if (caughtUp || added === 0) break;
    const next = result.cursor ?? startTime;
    if (next <= startTime) {
      // a full page inside one millisecond: step past it rather than loop forever
      logger?.warn({ startTime }, 'income page full within one millisecond; stepping past it');
      startTime = startTime + 1;
    } else startTime = next;
  }
  logger?.info(result, 'funding income synced');
  return result;
}

export interface PaperAccrualDeps {
  ledger: Ledger;
  futures: Pick<FuturesApi, 'fundingRate' | 'premiumIndexOf'>;
  logger?: Logger;
  now?: () => number;
}

export interface PaperAccrualResult {
  credited: number;
  symbols: string[];
  amount: Decimal;
}

/** The short quantity a paper position held at time t: from its futures fills, else its record. */
export function shortQtyAt(p: Position, fills: readonly Fill[], t: number): Decimal {
  const fut = fills.filter((f) => f.positionId === p.id && f.market === 'futures');
  if (!fut.length) return dec(p.futuresQty);
  let q = ZERO;
  for (const f of fut) {
    if (f.time > t) continue;
    q = f.side === 'SELL' ? q.plus(f.qty) : q.minus(f.qty);
  }
  return q.gt(0) ? q : ZERO;
}

async function settledSince(futures: PaperAccrualDeps['futures'], symbol: string, after: number, now: number): Promise<FundingRateRow[]> {
  const out: FundingRateRow[] = [];
  let startTime = after + 1;
  for (let i = 0; i < 50; i++) {
    const page = await futures.fundingRate({ symbol, startTime, limit: PAGE_LIMIT });
    for (const r of page) if (r.fundingTime > after && r.fundingTime <= now) out.push(r);
    if (page.length < PAGE_LIMIT) break;
    const last = Math.max(...page.map((r) => r.fundingTime));
    if (last < startTime) break;
    startTime = last + 1;
  }
  return out.sort((a, b) => a.fundingTime - b.fundingTime);
}

/** Paper funding accrual over every settlement passed since the last run; exactly once each. */
export async function accruePaperFunding(deps: PaperAccrualDeps): Promise<PaperAccrualResult> {
  const { ledger, futures, logger } = deps;
  const now = (deps.now ?? Date.now)();
  // symbols with a paper position that is still held, or closed after the last accrued settlement
  const from = new Map<string, number>();
  for (const p of ledger.allPositions('paper')) {
    const cursor = ledger.paperCursor(p.symbol) ?? -Infinity;
    if (!isHeld(p) && (p.closedAt === undefined || p.closedAt <= cursor)) continue;
    const start = Math.max(cursor, p.openedAt);
    from.set(p.symbol, Math.min(from.get(p.symbol) ?? Infinity, start));
  }

  const result: PaperAccrualResult = { credited: 0, symbols: [], amount: ZERO };
  for (const [symbol, after] of from) {
    let settled: FundingRateRow[];
    try {
      settled = await settledSince(futures, symbol, after, now);
    } catch (err) {
      logger?.warn({ err, symbol }, 'paper funding: history fetch failed; will retry next run');
      continue;
    }
    if (!settled.length) continue;
    let fallbackMark: string | undefined;
    if (settled.some((r) => r.markPrice === undefined || dec(r.markPrice).isZero())) {
      try {
        fallbackMark = (await futures.premiumIndexOf(symbol)).markPrice;
      } catch (err) {
        // like a failed history fetch: this symbol waits for the next run (cursor unchanged), the others go on
        logger?.warn({ err, symbol }, 'paper funding: mark price fetch failed; will retry next run');
        continue;
      }
    }
    const build = (): FundingRow[] => {
      const rows: FundingRow[] = [];
      for (const s of settled) {
        const pos = ledger.positionAt(symbol, s.fundingTime, 'paper');
        if (!pos || s.fundingTime <= pos.openedAt) continue;
        const tranId = `paper:${pos.id}:${s.fundingTime}`;
        const qty = shortQtyAt(pos, ledger.fillsOf(pos.id), s.fundingTime);
        if (qty.isZero()) continue;
        const mark = s.markPrice !== undefined && !dec(s.markPrice).isZero() ? s.markPrice : (fallbackMark ?? '0');
        const amount = dec(s.fundingRate).mul(qty).mul(mark);
        rows.push({ tranId, symbol, amount: toPlain(amount), asset: 'USDT', time: s.fundingTime, positionId: pos.id, mode: 'paper', rate: toPlain(s.fundingRate), markPrice: toPlain(mark) });
      }
      return rows;
    };
    const credited = await ledger.appendFunding(build, { paperFunding: { symbol, time: settled[settled.length - 1]!.fundingTime }, syncedAt: now });
    if (credited.length) {
      result.credited += credited.length;
      result.symbols.push(symbol);
      for (const r of credited) result.amount = result.amount.plus(r.amount);
    }
  }
  if (from.size === 0) await ledger.recordIncomeSync(now);
  logger?.info({ credited: result.credited, symbols: result.symbols }, 'paper funding accrued');
  return result;
}
