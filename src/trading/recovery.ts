import { errorMessage } from '../errors.js';
import type { RecoveryTrigger } from '../events.js';
import type { Intent, IntentLeg } from '../ledger/schema.js';
import { Decimal, dec } from '../money.js';
import { legPatch, publish, type ExecutorContext, type Placed } from './executorContext.js';
import type { Outcome, RecoveryReport } from './executorTypes.js';
import { finishClose } from './close.js';
import { abandonOpen, finishOpen } from './open.js';
import { errorInfo, expiredSince, resolveByQuery, undetermined } from './orders.js';
import { isFinalStatus, type LegFill } from './port.js';

/**
 * Recovery (at start, on /resume, and by the bot itself once an unknown order can be settled): every pending intent is re-read from the exchange by its
 * client order ids and moved toward flat or completed; nothing is sent before the lookups.
 */

/** What the exchange says about a leg: the store's record when filled, else a query. */
export async function lookup(ctx: ExecutorContext, intent: Intent, leg: IntentLeg): Promise<Placed> {
  const { port, mode } = ctx;
  if (leg.state === 'skipped') return { ok: false, kind: 'absent', error: { message: 'skipped' } };
  if (leg.state === 'rejected' && leg.orderId === undefined) return { ok: false, kind: 'rejected', error: { message: leg.error ?? 'rejected' } };
  try {
    const q = await port.queryOrder(leg.market, intent.symbol, leg.clientOrderId);
    if (!q) {
      // paper orders do not survive a restart: the store's record is the truth there
      if (leg.state === 'filled' && leg.executedQty && mode === 'paper') return { ok: true, fill: recordedFill(ctx, intent, leg) };
      // not found while the exchange may still accept the request: not "never placed" yet
      if (mode === 'live' && !expiredSince(ctx, ctx.recoverySentAt)) return { ok: false, kind: 'unknown', error: { message: `order ${leg.clientOrderId} not found yet (it may still arrive)` } };
      return { ok: false, kind: 'absent', error: { message: `order ${leg.clientOrderId} not found` } };
    }
    return isFinalStatus(q.status) ? { ok: true, fill: q } : resolveByQuery(ctx, leg.market, intent.symbol, leg.clientOrderId, { message: q.status }, ctx.recoverySentAt);
  } catch (err) {
    return resolveByQuery(ctx, leg.market, intent.symbol, leg.clientOrderId, errorInfo(err), ctx.recoverySentAt);
  }
}

export function recordedFill(ctx: ExecutorContext, intent: Intent, leg: IntentLeg): LegFill {
  const { ledger, now } = ctx;
  const f = ledger.fillOf(intent.id, leg.clientOrderId);
  return {
    orderId: leg.orderId ?? 0,
    clientOrderId: leg.clientOrderId,
    status: 'FILLED',
    executedQty: leg.executedQty ?? '0',
    avgPrice: f?.price ?? '0',
    quoteQty: f?.quoteQty ?? '0',
    commission: f?.commission ?? '0',
    commissionAsset: f?.commissionAsset ?? 'USDT',
    feeUsdt: f?.feeUsdt ?? '0',
    baseCommission: '0',
    time: f?.time ?? now(),
    exact: true,
  };
}

const describe = (p: Placed): string => (p.ok ? (dec(p.fill.executedQty).gt(0) ? 'filled' : 'not_filled') : p.kind);

const spotStateOf = (intent: Intent): string => {
  const state = intent.legs.spot?.state;
  return state === 'filled' ? 'filled' : state === undefined || state === 'pending' || state === 'skipped' ? 'not_sent' : 'unknown';
};

export async function recoverOne(ctx: ExecutorContext, intent: Intent, trigger: RecoveryTrigger): Promise<RecoveryReport> {
  const { port, now } = ctx;
  /** what was found; set before the step that records the outcome publishes it */
  const found = (futures: string, spot: string): void => {
    ctx.recovery = { trigger, kind: intent.kind, found: { futures, spot } };
  };
  const report = (found: RecoveryReport['found'], outcome: Outcome): RecoveryReport => ({
    intentId: intent.id,
    kind: intent.kind,
    symbol: intent.symbol,
    userId: intent.userId,
    chatId: intent.chatId,
    found,
    outcome,
  });
  const fut = await lookup(ctx, intent, intent.legs.futures);
  if (!fut.ok && fut.kind === 'unknown') {
    found('unknown', 'unknown');
    const outcome = await undetermined(ctx, intent, 'futures', intent.legs.futures.clientOrderId, fut, () => undefined);
    return report({ futures: 'unknown', spot: 'unknown' }, outcome);
  }
  const futFilled = fut.ok && dec(fut.fill.executedQty).gt(0);

  if (intent.kind === 'open') {
    if (!futFilled) {
      found(describe(fut), 'not_sent');
      const outcome = await abandonOpen(ctx, intent, fut, { message: 'interrupted before any order executed' });
      return report({ futures: describe(fut), spot: 'not_sent' }, outcome);
    }
    // The short exists. If the spot buy went through, the hedge is complete; if it never did,
    // buy the short back rather than send a spot buy now: the user confirmed a price at a time,
    // and moving toward flat (reduceOnly can only shrink the short) needs no new decision.
    const spotLeg = intent.legs.spot;
    const spot = spotLeg ? await lookup(ctx, intent, spotLeg) : undefined;
    found('filled', spot ? describe(spot) : 'not_sent');
    if (spot && !spot.ok && spot.kind === 'unknown') {
      const outcome = await undetermined(ctx, intent, 'spot', spotLeg!.clientOrderId, spot, () => undefined);
      return report({ futures: 'filled', spot: 'unknown' }, outcome);
    }
    const spotPlaced: Placed | undefined = spot?.ok ? spot : spot ? { ok: false, kind: 'absent', error: { message: 'interrupted before the spot order was placed' } } : undefined;
    const futRules = await port.rules(intent.symbol).catch(() => ({ futures: undefined }));
    const outcome = await finishOpen(ctx, intent, fut.fill, spotPlaced, true, futRules.futures?.stepSize);
    return report({ futures: 'filled', spot: spot ? describe(spot) : 'not_sent' }, outcome);
  }

  // close: moving toward flat means completing it (the user asked to exit).
  found(intent.legs.futures.state === 'skipped' ? 'not_sent' : describe(fut), spotStateOf(intent));
  if (!futFilled && intent.legs.futures.state !== 'skipped') {
    const outcome: Outcome = { kind: 'not_placed', action: 'close', symbol: intent.symbol, error: { message: 'interrupted before any order executed' } };
    await ctx.record(intent.id, (t) => {
      const { intent: i, position: p } = t;
      publish(ctx, t, outcome);
      legPatch(i.legs.futures, fut);
      if (i.legs.spot) i.legs.spot.state = 'skipped';
      i.status = 'failed';
      i.updatedAt = now();
      if (p && p.status === 'closing' && dec(p.futuresQty).gt(0)) p.status = 'open';
    });
    return report({ futures: describe(fut), spot: 'not_sent' }, outcome);
  }
  const rules = await port.rules(intent.symbol).catch(() => ({ spot: undefined }));
  const spotStep = rules.spot ? Decimal.max(dec(rules.spot.stepSize), dec(rules.spot.marketStepSize)).toFixed() : '0';
  const spotMinQty = rules.spot ? Decimal.max(dec(rules.spot.minQty), dec(rules.spot.marketMinQty)).toFixed() : undefined;
  const spotAttempt = Math.max(1, Number(/S(\d+)$/.exec(intent.legs.spot?.clientOrderId ?? '')?.[1] ?? 1));
  // the futures fill is not yet applied to the position (that happens in finishClose); no
  // balance cap here: the earlier SELL may already have taken the coins it is about to find
  const outcome = await finishClose(ctx, intent, fut.ok && futFilled ? fut.fill : undefined, { spotStep, ...(spotMinQty ? { spotMinQty } : {}) }, true, spotAttempt);
  return report({ futures: describe(fut), spot: outcome.kind === 'closed' || outcome.kind === 'partial' ? 'completed' : outcome.kind }, outcome);
}

/**
 * The latest moment any order of a pending intent may have been sent: an earlier process's
 * before this one started, this process's before lastSentAt / the intent's last update. "Not
 * found" means "never placed" only once that request can no longer be accepted. 0: none pending.
 */
export function latestSentAt(ctx: ExecutorContext): number {
  const pending = ctx.ledger.pendingIntents();
  if (!pending.length) return 0;
  return Math.max(ctx.startedAt, ctx.lastSentAt, ...pending.map((i) => i.updatedAt));
}

/**
 * Resolves every pending intent against the exchange. Runs under the trading lock (the caller
 * takes it): executor.recover() is `exclusive(() => recoverPending(ctx, trigger))`.
 */
export async function recoverPending(ctx: ExecutorContext, trigger: RecoveryTrigger): Promise<RecoveryReport[]> {
  const { ledger, mode, sleep, absentAfterMs, now, haltedSignal, logger } = ctx;
  const reports: RecoveryReport[] = [];
  const pending = ledger.pendingIntents();
  ctx.recoverySentAt = latestSentAt(ctx);
  if (pending.length && mode === 'live' && !expiredSince(ctx, ctx.recoverySentAt)) {
    await Promise.race([sleep(ctx.recoverySentAt + absentAfterMs + 1 - now()), haltedSignal]);
  }
  for (const intent of pending) {
    if (ctx.halted) {
      logger.warn({ intentId: intent.id }, 'shutting down: intent left pending for the next start');
      continue;
    }
    try {
      reports.push(await recoverOne(ctx, intent, trigger));
    } catch (err) {
      logger.error({ intentId: intent.id, err: errorMessage(err) }, 'recovery of an intent failed; it stays pending');
    } finally {
      ctx.recovery = undefined;
    }
  }
  // the pause an unresolved trade set is lifted once nothing is pending or broken any more
  await ledger.liftAutoPause().catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'could not lift the automatic pause'));
  return reports;
}
