import { DuplicateOrderError, RateLimitError, RejectedError, RetryableError, errorMessage } from '../errors.js';
import type { TradeRecord } from '../ledger/ledger.js';
import type { Intent } from '../ledger/schema.js';
import { Decimal, dec } from '../money.js';
import { publish, releaseWrites, type ExecutorContext, type Placed } from './executorContext.js';
import type { ErrorInfo } from './executorTypes.js';
import { isFinalStatus, type Leg, type LegFill, type OrderRequest } from './port.js';

/**
 * Placing one order and finding out what became of it. An unknown outcome is queried by client
 * order id, never resent; "not found" only counts as "never placed" once the exchange can no
 * longer accept the request (sent + recvWindow + margin).
 */

/** recvWindow (5 s, the client default) + 2 s margin for clock offset */
export const ABSENT_AFTER_MS = 7_000;

/** "POST /api/v3/order: -2010 Account has insufficient balance" → { code: -2010, message: "Account has…" } */
export function errorInfo(err: unknown): ErrorInfo {
  const raw = errorMessage(err)
    .replace(/^(GET|POST|DELETE) \S+: /, '')
    .replace(/^-?\d+ /, '')
    .replace(/\.$/, '')
    .slice(0, 200);
  const code = (err as { code?: unknown })?.code;
  const info: ErrorInfo = typeof code === 'number' ? { message: raw, code } : { message: raw };
  if (err instanceof RateLimitError && !err.banned) info.retryAfterMs = err.retryAfterMs;
  return info;
}

/** true once an order sent (at the latest) at `sentAt` can no longer be accepted */
export function expiredSince(ctx: ExecutorContext, sentAt: number): boolean {
  const { now, absentAfterMs } = ctx;
  return now() > sentAt + absentAfterMs;
}

/**
 * Polls an order by client id until it is final. Never sends anything. `sentAt` is the latest
 * moment the order may have been sent: "not found" means "never placed" only once the exchange
 * can no longer accept that request (see absentAfterMs); until then the outcome stays unknown.
 */
export async function resolveByQuery(ctx: ExecutorContext, market: Leg, symbol: string, cid: string, cause: ErrorInfo, sentAt: number): Promise<Placed> {
  const { queryDelays, sleep, port, logger } = ctx;
  let seen: LegFill | null = null;
  let answered = 0;
  let lastErr: ErrorInfo = cause;
  for (const delay of queryDelays) {
    await sleep(delay);
    try {
      const q = await port.queryOrder(market, symbol, cid);
      answered += 1;
      if (q && isFinalStatus(q.status)) return { ok: true, fill: q };
      if (q) seen = q;
    } catch (err) {
      lastErr = errorInfo(err);
      logger.warn({ market, symbol, clientOrderId: cid, err: lastErr.message }, 'order query failed');
    }
  }
  if (!seen && answered === queryDelays.length) {
    if (expiredSince(ctx, sentAt)) {
      logger.warn({ market, symbol, clientOrderId: cid }, 'order absent after querying: treated as not placed');
      return { ok: false, kind: 'absent', error: cause };
    }
    logger.warn({ market, symbol, clientOrderId: cid }, 'order not found yet, but the exchange may still accept it: outcome unknown');
    return { ok: false, kind: 'unknown', error: { message: `order ${cid} not found yet (it may still arrive)` } };
  }
  return { ok: false, kind: 'unknown', error: seen ? { message: `order ${cid} still ${seen.status}` } : lastErr };
}

export async function place(ctx: ExecutorContext, market: Leg, req: OrderRequest): Promise<Placed> {
  const { now, port, logger } = ctx;
  let fill: LegFill;
  ctx.lastSentAt = now();
  try {
    fill = market === 'futures' ? await port.placeFutures(req) : await port.placeSpot(req);
  } catch (err) {
    if (market === 'spot') releaseWrites(ctx);
    // The HTTP layer may sign later than this call (a clock sync first, a -1021 re-send), so the
    // "could it still arrive" window starts when the answer failed, which is after any signing.
    const sentAt = now();
    ctx.lastSentAt = sentAt;
    if (err instanceof DuplicateOrderError) {
      // an order with this id exists (an earlier send did arrive): it is ours; read it, send nothing
      logger.warn({ market, symbol: req.symbol, clientOrderId: req.clientOrderId, err: errorMessage(err) }, 'duplicate client order id: querying the existing order');
      const found = await resolveByQuery(ctx, market, req.symbol, req.clientOrderId, errorInfo(err), sentAt);
      return found.ok || found.kind !== 'absent' ? found : { ok: false, kind: 'unknown', error: { message: `order ${req.clientOrderId} exists (duplicate id) but was not found` } };
    }
    if (err instanceof RejectedError || err instanceof RetryableError) {
      // A rejection, a 429/418 or a request never sent: nothing exists on the exchange.
      logger.warn({ market, symbol: req.symbol, clientOrderId: req.clientOrderId, err: errorMessage(err) }, 'order not placed');
      return { ok: false, kind: 'rejected', error: errorInfo(err) };
    }
    logger.warn({ market, symbol: req.symbol, clientOrderId: req.clientOrderId, err: errorMessage(err) }, 'order outcome unknown: querying by client order id');
    return resolveByQuery(ctx, market, req.symbol, req.clientOrderId, errorInfo(err), sentAt);
  }
  // the second leg is out: writes held behind it may go on
  if (market === 'spot') releaseWrites(ctx);
  if (isFinalStatus(fill.status)) return { ok: true, fill };
  return resolveByQuery(ctx, market, req.symbol, req.clientOrderId, { message: `status ${fill.status}` }, now());
}

/** A placed order that executed nothing (EXPIRED with 0) is as good as not placed. */
export const executedOf = (p: Placed): Decimal => (p.ok ? dec(p.fill.executedQty) : dec(0));

/**
 * Could not tell whether an order exists: stop new opens, keep the intent for recovery (the bot
 * retries it on its own), tell everyone — once: a recovery retry that still cannot tell is quiet.
 */
export async function undetermined(ctx: ExecutorContext, intent: Intent, market: Leg, cid: string, p: Placed, extra: (t: TradeRecord) => void): Promise<{ kind: 'unknown'; symbol: string; market: Leg; clientOrderId: string; error: ErrorInfo }> {
  const { now } = ctx;
  const error = p.ok ? { message: 'unknown' } : p.error;
  const outcome = { kind: 'unknown' as const, symbol: intent.symbol, market, clientOrderId: cid, error };
  const retry = ctx.recovery?.trigger === 'auto';
  await ctx.record(intent.id, (t) => {
    extra(t);
    t.pause(`${intent.symbol}: ${market} order ${cid} outcome unknown`, { auto: true });
    // recovery only queries: the intent's "could it still arrive" window does not move
    if (!ctx.recovery) t.intent.updatedAt = now();
    if (!retry) publish(ctx, t, outcome);
  });
  return outcome;
}
