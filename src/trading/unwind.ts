import type { Intent } from '../ledger/schema.js';
import { Decimal, dec, floorToStep, toPlain } from '../money.js';
import { clientOrderId, legPatch, type ExecutorContext, type Placed } from './executorContext.js';
import type { ErrorInfo } from './executorTypes.js';
import { expiredSince, place, resolveByQuery } from './orders.js';
import { isFinalStatus, type ExchangePort, type LegFill, type OrderRequest } from './port.js';

const UNWIND_MAX_WAIT_MS = 10_000;
/** every order the unwind may send, in all: slices and IOC orders included */
const MAX_UNWIND_ORDERS = 10;
/**
 * The whole escalation's wall-clock bound (default of UNWIND_BUDGET_SECONDS): a naked short must
 * not live long. Past it no further order is sent; the position is declared broken, loudly.
 */
export const UNWIND_BUDGET_MS = 15_000;
/** refusals that a smaller or a LIMIT order may get past: PERCENT_PRICE band, reduce-only refused */
const ESCALATE = new Set([-4131, -2022, -4118]);

/**
 * What is tried, in order: a MARKET buy of all that is left, MARKET slices of a half and a
 * quarter, then LIMIT IOC orders 0.5 %, 1 % and 2 % through the mark (never further).
 */
type Step = { type: 'MARKET'; share: string } | { type: 'LIMIT'; through: string };
const STEPS: Step[] = [
  { type: 'MARKET', share: '1' },
  { type: 'MARKET', share: '0.5' },
  { type: 'MARKET', share: '0.25' },
  { type: 'LIMIT', through: '0.005' },
  { type: 'LIMIT', through: '0.01' },
  { type: 'LIMIT', through: '0.02' },
];

export type UnwindResult =
  | { ok: true; fills: LegFill[]; tried: string[] }
  | { ok: false; fills: LegFill[]; error: ErrorInfo; unknown: boolean; clientOrderId: string; tried: string[] };

/** The order one step sends: the slice (in whole futures steps) and, for IOC, the bounded price. */
async function orderFor(ctx: ExecutorContext, intent: Intent, step: Step, remaining: Decimal, markPrice: string | undefined): Promise<Pick<OrderRequest, 'qty' | 'type' | 'price'>> {
  const rules = (await ctx.port.rules(intent.symbol).catch(() => ({}) as Awaited<ReturnType<ExchangePort['rules']>>)).futures;
  const stepSize = rules?.marketStepSize ?? '0';
  if (step.type === 'MARKET') {
    const slice = floorToStep(remaining.mul(step.share), stepSize);
    return { qty: toPlain(slice.gt(0) ? slice : remaining), type: 'MARKET' };
  }
  // a BUY at most `through` above the mark, on the tick (rounded down: never past the bound)
  const price = floorToStep(dec(markPrice ?? '0').mul(dec(1).plus(step.through)), rules?.tickSize ?? '0');
  return { qty: toPlain(remaining), type: 'LIMIT', price: toPlain(price) };
}

const describe = (o: Pick<OrderRequest, 'qty' | 'type' | 'price'>, p: Placed): string => {
  const what = o.type === 'LIMIT' ? `LIMIT IOC BUY ${o.qty} @ ${o.price}` : `MARKET BUY ${o.qty}`;
  if (p.ok) return `${what}: ${p.fill.status} ${toPlain(p.fill.executedQty)}`;
  return `${what}: ${p.error.code !== undefined ? `${p.error.code} ` : ''}${p.error.message}`;
};

/**
 * Buys back `qty` of the short with reduceOnly (it can only ever reduce the short). A refusal
 * the exchange gives in a fast or thin market (-4131, -2022, -4118) escalates through STEPS,
 * re-reading the short on the exchange before each order so it never buys more than is short.
 * The whole escalation is bounded by `unwindBudgetMs` of the trading clock as well as by
 * MAX_UNWIND_ORDERS: once it is spent no further order is sent and the result is a failure.
 * Each order has its own deterministic id; with `queryFirst` (recovery) earlier attempts are
 * looked up before anything is sent, so a crash mid-unwind never doubles it.
 */
export async function unwindFutures(ctx: ExecutorContext, intent: Intent, qty: Decimal, queryFirst: boolean): Promise<UnwindResult> {
  const { port, ledger, now, sleep } = ctx;
  const deadline = now() + ctx.unwindBudgetMs;
  const spent: ErrorInfo = { message: `not bought back within the unwind time budget (${ctx.unwindBudgetMs / 1000} s)` };
  let remaining = qty;
  const fills: LegFill[] = [];
  const tried: string[] = [];
  let lastError: ErrorInfo = { message: 'unwind not attempted' };
  let step = 0;
  let mark: string | undefined;
  for (let attempt = 1; attempt <= MAX_UNWIND_ORDERS && remaining.gt(0) && step < STEPS.length; attempt++) {
    const cid = clientOrderId(intent.id, 'U', attempt);
    let p: Placed | undefined;
    if (queryFirst) {
      const q = await port.queryOrder('futures', intent.symbol, cid).catch(() => undefined);
      if (q === undefined) return { ok: false, fills, error: { message: `could not query ${cid}` }, unknown: true, clientOrderId: cid, tried };
      if (q) p = isFinalStatus(q.status) ? { ok: true, fill: q } : await resolveByQuery(ctx, 'futures', intent.symbol, cid, { message: q.status }, ctx.recoverySentAt);
      // not found, and the exchange might still accept it: sending anything now could double it
      else if (!expiredSince(ctx, ctx.recoverySentAt)) return { ok: false, fills, error: { message: `order ${cid} not found yet (it may still arrive)` }, unknown: true, clientOrderId: cid, tried };
    }
    if (!p && step > 0 && port.futuresShort) {
      // escalating: what is really still short, and the mark an IOC price is bounded by
      const seen = await port.futuresShort(intent.symbol).catch(() => undefined);
      if (seen) {
        remaining = Decimal.min(remaining, Decimal.max(dec(seen.short), 0));
        mark = seen.markPrice;
        if (remaining.lte(0)) break;
      }
    }
    if (!p && attempt > 1 && now() >= deadline) {
      ctx.logger.error({ symbol: intent.symbol, remaining: toPlain(remaining), tried }, 'unwind time budget spent; the short stays naked');
      lastError = spent;
      break;
    }
    const order = p ? undefined : await orderFor(ctx, intent, STEPS[step]!, remaining, mark);
    p ??= await place(ctx, 'futures', { symbol: intent.symbol, side: 'BUY', clientOrderId: cid, reduceOnly: true, ...order!, ...(order!.type === 'LIMIT' ? { timeInForce: 'IOC' } : {}) });
    if (order) tried.push(describe(order, p));
    await ledger.updateTrade(intent.id, ({ intent: i }) => {
      i.legs.unwind ??= { market: 'futures', side: 'BUY', clientOrderId: cid, qty: toPlain(qty), reduceOnly: true, state: 'pending', attempts: 0 };
      const leg = i.legs.unwind;
      legPatch(leg, p);
      leg.clientOrderId = cid;
      i.updatedAt = now();
    });
    if (p.ok) {
      const got = dec(p.fill.executedQty);
      remaining = remaining.minus(got);
      if (got.gt(0)) fills.push(p.fill);
      else step += 1; // nothing at this price or size: the next step
      continue;
    }
    lastError = p.error;
    if (p.kind === 'unknown') return { ok: false, fills, error: lastError, unknown: true, clientOrderId: cid, tried };
    // a short rate-limit backoff is worth waiting out: the short is naked meanwhile
    if (p.kind === 'rejected' && p.error.retryAfterMs !== undefined && p.error.retryAfterMs <= UNWIND_MAX_WAIT_MS && now() + p.error.retryAfterMs < deadline) {
      await sleep(p.error.retryAfterMs);
      continue;
    }
    if (p.kind === 'absent') continue;
    // refused: only what a smaller or a price-bounded order can get past is worth another order
    if (p.error.code === undefined || !ESCALATE.has(p.error.code)) break;
    step += 1;
  }
  return remaining.lte(0) ? { ok: true, fills, tried } : { ok: false, fills, error: lastError, unknown: false, clientOrderId: clientOrderId(intent.id, 'U'), tried };
}
