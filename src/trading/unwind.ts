import type { Intent } from '../ledger/schema.js';
import { Decimal, dec, toPlain } from '../money.js';
import { clientOrderId, legPatch, type ExecutorContext, type Placed } from './executorContext.js';
import type { ErrorInfo } from './executorTypes.js';
import { expiredSince, place, resolveByQuery } from './orders.js';
import { isFinalStatus, type LegFill } from './port.js';

const MAX_UNWIND_ATTEMPTS = 3;
const UNWIND_MAX_WAIT_MS = 10_000;

/**
 * Buys back `qty` of the short with reduceOnly (it can only ever reduce the short). Each
 * attempt has its own deterministic id; with `queryFirst` (recovery) earlier attempts are
 * looked up before anything is sent, so a crash mid-unwind never doubles it.
 */
export async function unwindFutures(ctx: ExecutorContext, intent: Intent, qty: Decimal, queryFirst: boolean): Promise<{ ok: true; fills: LegFill[] } | { ok: false; fills: LegFill[]; error: ErrorInfo; unknown: boolean; clientOrderId: string }> {
  const { port, ledger, now, sleep } = ctx;
  let remaining = qty;
  const fills: LegFill[] = [];
  let lastError: ErrorInfo = { message: 'unwind not attempted' };
  for (let attempt = 1; attempt <= MAX_UNWIND_ATTEMPTS && remaining.gt(0); attempt++) {
    const cid = clientOrderId(intent.id, 'U', attempt);
    let p: Placed | undefined;
    if (queryFirst) {
      const q = await port.queryOrder('futures', intent.symbol, cid).catch(() => undefined);
      if (q === undefined) return { ok: false, fills, error: { message: `could not query ${cid}` }, unknown: true, clientOrderId: cid };
      if (q) p = isFinalStatus(q.status) ? { ok: true, fill: q } : await resolveByQuery(ctx, 'futures', intent.symbol, cid, { message: q.status }, ctx.recoverySentAt);
      // not found, and the exchange might still accept it: sending anything now could double it
      else if (!expiredSince(ctx, ctx.recoverySentAt)) return { ok: false, fills, error: { message: `order ${cid} not found yet (it may still arrive)` }, unknown: true, clientOrderId: cid };
    }
    p ??= await place(ctx, 'futures', { symbol: intent.symbol, side: 'BUY', qty: toPlain(remaining), clientOrderId: cid, reduceOnly: true });
    await ledger.updateTrade(intent.id, ({ intent: i }) => {
      i.legs.unwind ??= { market: 'futures', side: 'BUY', clientOrderId: cid, qty: toPlain(qty), reduceOnly: true, state: 'pending', attempts: 0 };
      const leg = i.legs.unwind;
      legPatch(leg, p);
      leg.clientOrderId = cid;
      i.updatedAt = now();
    });
    if (p.ok) {
      remaining = remaining.minus(p.fill.executedQty);
      if (dec(p.fill.executedQty).gt(0)) fills.push(p.fill);
      continue;
    }
    lastError = p.error;
    if (p.kind === 'unknown') return { ok: false, fills, error: lastError, unknown: true, clientOrderId: cid };
    // a short rate-limit backoff is worth waiting out: the short is naked meanwhile
    if (p.kind === 'rejected' && p.error.retryAfterMs !== undefined && p.error.retryAfterMs <= UNWIND_MAX_WAIT_MS) {
      await sleep(p.error.retryAfterMs);
      continue;
    }
    if (p.kind !== 'absent') break; // a definite rejection: do not pile on orders
  }
  return remaining.lte(0) ? { ok: true, fills } : { ok: false, fills, error: lastError, unknown: false, clientOrderId: clientOrderId(intent.id, 'U') };
}
