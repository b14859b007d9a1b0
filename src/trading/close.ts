import { UserError } from '../errors.js';
import type { Intent } from '../ledger/schema.js';
import { Decimal, dec, floorToStep, toPlain } from '../money.js';
import { betweenLegs, checkNoPending, clientOrderId, complete, fillRow, intentOrigin, legPatch, publish, recordNotPlaced, writeIntent, type ExecutorContext, type Placed } from './executorContext.js';
import type { ClosePlan, CloseOutcome } from './executorTypes.js';
import { executedOf, expiredSince, place, resolveByQuery, undetermined } from './orders.js';
import { isFinalStatus, type LegFill } from './port.js';

/**
 * Closing: the intent is written first, then the reduce-only futures buy, then the spot sell
 * (retried: a failed sell leaves coins but no short behind).
 */

/** Spot SELL with retries (a failed sell leaves coins unhedged but no short: retry, then alert). */
export async function sellSpot(ctx: ExecutorContext, intent: Intent, baseAsset: string, qty: Decimal, firstAttempt: number, queryFirst: boolean): Promise<Placed> {
  const { sellDelays, sleep, now, port } = ctx;
  let last: Placed = { ok: false, kind: 'rejected', error: { message: 'not attempted' } };
  const attempts = Math.max(1 + sellDelays.length, firstAttempt);
  for (let attempt = firstAttempt; attempt <= attempts; attempt++) {
    const cid = clientOrderId(intent.id, 'S', attempt);
    if (attempt > firstAttempt) {
      await sleep(sellDelays[attempt - firstAttempt - 1] ?? 0);
      await ctx.record(intent.id, ({ intent: i }) => {
        if (i.legs.spot) i.legs.spot.clientOrderId = cid;
        i.updatedAt = now();
      });
    }
    if (queryFirst && attempt === firstAttempt) {
      const q = await port.queryOrder('spot', intent.symbol, cid).catch(() => undefined);
      if (q === undefined) return { ok: false, kind: 'unknown', error: { message: `could not query ${cid}` } };
      if (q) {
        last = isFinalStatus(q.status) ? { ok: true, fill: q } : await resolveByQuery(ctx, 'spot', intent.symbol, cid, { message: q.status }, ctx.recoverySentAt);
        if (last.ok || last.kind === 'unknown') return last;
      } else if (!expiredSince(ctx, ctx.recoverySentAt)) {
        return { ok: false, kind: 'unknown', error: { message: `order ${cid} not found yet (it may still arrive)` } };
      }
      // not there, and it can no longer arrive: it was never placed, so this id is free to use
    }
    last = await place(ctx, 'spot', { symbol: intent.symbol, side: 'SELL', qty: toPlain(qty), clientOrderId: cid, baseAsset });
    if (last.ok || last.kind === 'unknown') return last;
  }
  return last;
}

export async function finishClose(ctx: ExecutorContext, intent: Intent, futures: LegFill | undefined, plan: Pick<ClosePlan, 'spotStep' | 'spotMinQty' | 'spotAvailable'>, queryFirst: boolean, firstSellAttempt = 1): Promise<CloseOutcome> {
  const { ledger, now } = ctx;
  const pos = ledger.position(intent.positionId);
  if (!pos) throw new Error(`position ${intent.positionId} vanished from the ledger`);
  const closed = futures ? dec(futures.executedQty) : dec(0);
  const futuresLeft = Decimal.max(dec(pos.futuresQty).minus(closed), 0);
  const spotHeld = dec(pos.spotQty);
  // Never ask for more than the account holds (an unknown base-asset commission can leave the
  // ledger above it): the shortfall stays behind as dust/drift instead of failing every SELL.
  const available = plan.spotAvailable !== undefined ? Decimal.max(dec(plan.spotAvailable), 0) : undefined;
  const cap = (q: Decimal): Decimal => (available ? Decimal.min(q, available) : q);
  // All of the spot once the short is gone; otherwise only as much as was bought back.
  let sellQty = floorToStep(cap(futuresLeft.lte(0) ? spotHeld : Decimal.min(spotHeld, closed)), plan.spotStep);
  if (plan.spotMinQty && sellQty.lt(plan.spotMinQty)) sellQty = dec(0);

  const spot = sellQty.gt(0) ? await sellSpot(ctx, intent, pos.baseAsset, sellQty, firstSellAttempt, queryFirst) : undefined;
  const futuresFill = futures ? await complete(ctx, 'futures', intent.symbol, futures) : undefined;
  if (spot && !spot.ok && spot.kind === 'unknown') {
    const spotCid = ledger.intent(intent.id)?.legs.spot?.clientOrderId ?? '';
    return undetermined(ctx, intent, 'spot', spotCid, spot, (t) => {
      const i = t.intent;
      if (i.legs.spot) legPatch(i.legs.spot, spot);
      // The position itself is brought up to date by recovery, which re-reads both legs.
      if (futuresFill) {
        t.recordFill(fillRow(ctx, i, 'futures', 'BUY', 'close', futuresFill, true));
        i.legs.futures.state = 'filled';
        i.legs.futures.orderId = futuresFill.orderId;
        i.legs.futures.executedQty = toPlain(futuresFill.executedQty);
      }
    });
  }
  const spotFill = spot?.ok && dec(spot.fill.executedQty).gt(0) ? await complete(ctx, 'spot', intent.symbol, spot.fill) : undefined;
  const sold = spotFill ? dec(spotFill.executedQty) : dec(0);
  const spotLeft = spotHeld.minus(sold);
  const spotFailed = sellQty.gt(0) && !spotFill;
  let sellable = floorToStep(available ? Decimal.min(spotLeft, Decimal.max(available.minus(sold), 0)) : spotLeft, plan.spotStep);
  if (plan.spotMinQty && sellable.lt(plan.spotMinQty)) sellable = dec(0);
  const done = futuresLeft.lte(0) && !spotFailed && sellable.lte(0);

  const base = { symbol: intent.symbol, positionId: intent.positionId, ...(futuresFill ? { futures: futuresFill } : {}), ...(spotFill ? { spot: spotFill } : {}) };
  const outcome: CloseOutcome = spotFailed
    ? {
        kind: 'spot_failed',
        symbol: intent.symbol,
        positionId: intent.positionId,
        ...(futuresFill ? { futures: futuresFill } : {}),
        spotQty: toPlain(sellQty),
        error: spot && !spot.ok ? spot.error : { message: 'unknown' },
      }
    : done
      ? { kind: 'closed', ...base, dustQty: toPlain(spotLeft) }
      : { kind: 'partial', ...base, futuresLeft: toPlain(futuresLeft), spotLeft: toPlain(spotLeft) };
  await ctx.record(intent.id, (t) => {
    const i = t.intent;
    if (futures) {
      i.legs.futures.state = 'filled';
      i.legs.futures.orderId = futures.orderId;
      i.legs.futures.executedQty = toPlain(closed);
    }
    if (i.legs.spot) {
      if (spot) legPatch(i.legs.spot, spot);
      else i.legs.spot.state = 'skipped';
    }
    i.status = spotFailed ? 'failed' : 'done';
    if (spotFailed && spot && !spot.ok) i.error = spot.error.code !== undefined ? `${spot.error.code} ${spot.error.message}` : spot.error.message;
    i.updatedAt = now();
    if (futuresFill) t.recordFill(fillRow(ctx, i, 'futures', 'BUY', 'close', futuresFill, true));
    if (spotFill) t.recordFill(fillRow(ctx, i, 'spot', 'SELL', 'close', spotFill, false));
    publish(ctx, t, outcome);
    const p = t.position;
    if (!p) return;
    p.futuresQty = toPlain(futuresLeft);
    p.spotQty = toPlain(spotLeft);
    if (futuresFill) p.futuresExitPrice = toPlain(futuresFill.avgPrice);
    if (spotFill) p.spotExitPrice = toPlain(spotFill.avgPrice);
    if (done) {
      p.status = 'closed';
      p.closedAt = now();
      p.dustQty = toPlain(spotLeft);
      if (available && spotLeft.gt(available.minus(sold))) {
        p.note = `ledger spot ${spotHeld.toFixed()} above the ${available.toFixed()} ${p.baseAsset} held at close: ${spotLeft.toFixed()} left as dust/drift`;
      }
    } else {
      p.status = 'closing';
    }
  });
  return outcome;
}

export async function closeLocked(ctx: ExecutorContext, plan: ClosePlan): Promise<CloseOutcome> {
  const { ledger, newId, now, mode } = ctx;
  const pos = ledger.position(plan.positionId);
  // 'broken' (a naked short after a failed unwind) may be closed too: that is the fix
  if (!pos || (pos.status !== 'open' && pos.status !== 'closing' && pos.status !== 'broken')) {
    throw new UserError('trading.error.no_position', { symbol: pos?.symbol ?? '—' });
  }
  // an earlier close (or open) whose outcome is unknown may still sell the same coins
  checkNoPending(ctx, pos.symbol, pos.id);
  await plan.guard?.();
  const id = newId();
  const t = now();
  const futuresQty = toPlain(pos.futuresQty);
  const intent: Intent = {
    id,
    kind: 'close',
    positionId: pos.id,
    symbol: pos.symbol,
    mode,
    qty: futuresQty,
    ...intentOrigin(plan, t),
    legs: {
      futures: { market: 'futures', side: 'BUY', clientOrderId: clientOrderId(id, 'F'), qty: futuresQty, reduceOnly: true, state: dec(futuresQty).gt(0) ? 'pending' : 'skipped', attempts: 0 },
      spot: { market: 'spot', side: 'SELL', clientOrderId: clientOrderId(id, 'S'), qty: toPlain(floorToStep(plan.spotAvailable !== undefined ? Decimal.min(pos.spotQty, Decimal.max(dec(plan.spotAvailable), 0)) : pos.spotQty, plan.spotStep)), reduceOnly: false, state: 'pending', attempts: 0 },
    },
  };
  const previous = pos.status;
  await writeIntent(ctx, intent);
  plan.onSending?.();

  // no other ledger write starts between the buy-back and the spot sell (released by the sell)
  return betweenLegs(ctx, async () => {
    let futures: LegFill | undefined;
    if (dec(futuresQty).gt(0)) {
      const fut = await place(ctx, 'futures', { symbol: pos.symbol, side: 'BUY', qty: futuresQty, clientOrderId: intent.legs.futures.clientOrderId, reduceOnly: true, baseAsset: pos.baseAsset });
      if (!fut.ok && fut.kind === 'unknown') {
        return undetermined(ctx, intent, 'futures', intent.legs.futures.clientOrderId, fut, (t) => legPatch(t.intent.legs.futures, fut));
      }
      if (!fut.ok || executedOf(fut).lte(0)) {
        const error = fut.ok ? { message: `status ${fut.fill.status}` } : fut.error;
        const outcome: CloseOutcome = { kind: 'not_placed', action: 'close', symbol: pos.symbol, error };
        await ctx.record(id, (t) => {
          recordNotPlaced(ctx, t, fut, outcome);
          if (t.position) t.position.status = previous;
        });
        return outcome;
      }
      futures = fut.fill;
    }
    return finishClose(ctx, intent, futures, plan, false);
  });
}

