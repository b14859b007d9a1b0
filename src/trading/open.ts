import type { Side } from '../binance/types.js';
import type { Intent, IntentLeg, Position } from '../ledger/schema.js';
import { Decimal, dec, floorToStep, toPlain } from '../money.js';
import { betweenLegs, checkNoPending, clientOrderId, complete, fillRow, intentOrigin, legPatch, publish, recordNotPlaced, writeIntent, type ExecutorContext, type Placed } from './executorContext.js';
import type { ErrorInfo, OpenOutcome, OpenPlan } from './executorTypes.js';
import { spotBuyQty } from './fees.js';
import { executedOf, place, undetermined } from './orders.js';
import type { Leg, LegFill } from './port.js';
import { unwindFutures } from './unwind.js';

/**
 * Opening: the intent is written first, then the futures short, then at once the spot buy of
 * what was actually shorted; whatever the spot leg did not cover is bought back (unwind.ts).
 */

export async function finishOpen(ctx: ExecutorContext, intent: Intent, futures: LegFill, spotPlaced: Placed | undefined, queryFirst: boolean, futuresStep?: string): Promise<OpenOutcome> {
  const { now } = ctx;
  const shorted = dec(futures.executedQty);
  const spotError: ErrorInfo = spotPlaced && !spotPlaced.ok ? spotPlaced.error : { message: 'spot quantity below the spot step' };

  if (spotPlaced && !spotPlaced.ok && spotPlaced.kind === 'unknown') {
    const futuresFill = await complete(ctx, 'futures', intent.symbol, futures);
    return undetermined(ctx, intent, 'spot', intent.legs.spot?.clientOrderId ?? '', spotPlaced, (t) => {
      const i = t.intent;
      i.legs.futures.state = 'filled';
      i.legs.futures.orderId = futures.orderId;
      i.legs.futures.executedQty = toPlain(shorted);
      if (i.legs.spot) legPatch(i.legs.spot, spotPlaced);
      t.recordFill(fillRow(ctx, i, 'futures', 'SELL', 'open', futuresFill, false));
      const pos = t.position;
      if (pos) {
        pos.futuresQty = toPlain(shorted);
        pos.futuresEntryPrice = toPlain(futuresFill.avgPrice);
      }
    });
  }

  // Whatever the spot leg did not cover (net of a fee taken in the coin) is a naked short: buy it
  // back before anything else.
  const bought = spotPlaced?.ok ? dec(spotPlaced.fill.executedQty) : dec(0);
  const netBought = spotPlaced?.ok ? bought.minus(spotPlaced.fill.baseCommission) : dec(0);
  // A futures order must be a multiple of the futures step: what is below it cannot be bought back.
  const excess = futuresStep && dec(futuresStep).gt(0) ? floorToStep(shorted.minus(netBought), futuresStep) : shorted.minus(netBought);
  let unwind: Awaited<ReturnType<typeof unwindFutures>> | undefined;
  if (excess.gt(0)) unwind = await unwindFutures(ctx, intent, excess, queryFirst);

  if (unwind && !unwind.ok && unwind.unknown) {
    // The buy-back may or may not have executed: not 'broken' (final) but pending, so
    // recovery queries the U order instead of leaving the short for manual steps.
    const futuresFill = await complete(ctx, 'futures', intent.symbol, futures);
    const spotFill = spotPlaced?.ok && bought.gt(0) ? await complete(ctx, 'spot', intent.symbol, spotPlaced.fill) : undefined;
    const known = unwind.fills.reduce((a, f) => a.plus(f.executedQty), dec(0));
    const unwindFills = await Promise.all(unwind.fills.map((f) => complete(ctx, 'futures', intent.symbol, f)));
    const cid = unwind.clientOrderId;
    return undetermined(ctx, intent, 'futures', cid, { ok: false, kind: 'unknown', error: unwind.error }, (t) => {
      const i = t.intent;
      i.legs.futures.state = 'filled';
      i.legs.futures.orderId = futures.orderId;
      i.legs.futures.executedQty = toPlain(shorted);
      if (i.legs.spot && spotPlaced) legPatch(i.legs.spot, spotPlaced);
      t.recordFill(fillRow(ctx, i, 'futures', 'SELL', 'open', futuresFill, false));
      if (spotFill) t.recordFill(fillRow(ctx, i, 'spot', 'BUY', 'open', spotFill, false));
      for (const f of unwindFills) t.recordFill(fillRow(ctx, i, 'futures', 'BUY', 'unwind', f, true));
      const pos = t.position;
      if (pos) {
        pos.futuresQty = toPlain(shorted.minus(known));
        pos.spotQty = toPlain(bought.minus(spotFill?.baseCommission ?? '0'));
        pos.futuresEntryPrice = toPlain(futuresFill.avgPrice);
        if (spotFill) pos.spotEntryPrice = toPlain(spotFill.avgPrice);
        pos.note = `unwind ${cid} outcome unknown: up to ${excess.minus(known).toFixed()} ${i.symbol} short may be unhedged`;
      }
    });
  }

  // only now the slower lookups (average price, commissions) for the ledger
  const futuresFill = await complete(ctx, 'futures', intent.symbol, futures);
  const spotFill = spotPlaced?.ok && bought.gt(0) ? await complete(ctx, 'spot', intent.symbol, spotPlaced.fill) : undefined;

  const status: Intent['status'] = !unwind || unwind.ok ? (spotFill ? 'done' : 'unwound') : 'broken';
  const unwound = unwind?.fills.reduce((a, f) => a.plus(f.executedQty), dec(0)) ?? dec(0);
  const futuresHeld = shorted.minus(unwound);
  const spotHeld = bought.minus(spotFill?.baseCommission ?? '0');
  const unwindFills = unwind ? await Promise.all(unwind.fills.map((f) => complete(ctx, 'futures', intent.symbol, f))) : [];

  const outcome = openOutcome(intent, status, futuresFill, spotFill, unwindFills, spotError, unwind && !unwind.ok ? unwind.error : undefined, futuresHeld, spotHeld, unwind?.tried ?? []);
  await ctx.record(intent.id, (t) => {
    const i = t.intent;
    i.legs.futures.state = 'filled';
    i.legs.futures.orderId = futures.orderId;
    i.legs.futures.executedQty = toPlain(shorted);
    if (i.legs.spot && spotPlaced) legPatch(i.legs.spot, spotPlaced);
    else if (i.legs.spot && !spotPlaced) i.legs.spot.state = 'skipped';
    i.status = status;
    i.updatedAt = now();
    if (status !== 'done') i.error = spotError.code !== undefined ? `${spotError.code} ${spotError.message}` : spotError.message;
    t.recordFill(fillRow(ctx, i, 'futures', 'SELL', 'open', futuresFill, false));
    if (spotFill) t.recordFill(fillRow(ctx, i, 'spot', 'BUY', 'open', spotFill, false));
    for (const f of unwindFills) t.recordFill(fillRow(ctx, i, 'futures', 'BUY', 'unwind', f, true));
    publish(ctx, t, outcome);
    const pos = t.position;
    if (pos) {
      pos.futuresQty = toPlain(futuresHeld);
      pos.spotQty = toPlain(spotHeld);
      pos.futuresEntryPrice = toPlain(futuresFill.avgPrice);
      if (spotFill) pos.spotEntryPrice = toPlain(spotFill.avgPrice);
      if (status === 'broken') {
        pos.status = 'broken';
        pos.note = `unwind failed: ${futuresHeld.toFixed()} ${i.symbol} short is unhedged`;
        t.pause(`${i.symbol}: naked futures short after a failed unwind`);
      } else if (spotFill) {
        pos.status = 'open';
      } else {
        pos.status = 'closed';
        pos.closedAt = now();
        pos.note = 'spot leg failed; futures unwound';
      }
    }
  });
  return outcome;
}

function openOutcome(intent: Intent, status: Intent['status'], futuresFill: LegFill, spotFill: LegFill | undefined, unwindFills: LegFill[], spotError: ErrorInfo, unwindError: ErrorInfo | undefined, futuresHeld: Decimal, spotHeld: Decimal, tried: string[]): OpenOutcome {
  if (status === 'done') {
    const excessFill = unwindFills[0];
    return {
      kind: 'opened',
      symbol: intent.symbol,
      positionId: intent.positionId,
      futures: futuresFill,
      spot: spotFill!,
      spotHeld: toPlain(spotHeld),
      futuresHeld: toPlain(futuresHeld),
      ...(excessFill ? { excess: excessFill } : {}),
    };
  }
  if (status === 'unwound') return { kind: 'unwound', symbol: intent.symbol, futures: futuresFill, unwind: unwindFills, spotError };
  return {
    kind: 'broken',
    symbol: intent.symbol,
    futures: futuresFill,
    spotError,
    unwindError: unwindError ?? { message: 'unknown' },
    ...(tried.length ? { tried } : {}),
    // the exact short still held (a multiple of the futures step: exchange quantities)
    manual: [{ market: 'futures', side: 'BUY', qty: toPlain(futuresHeld), symbol: intent.symbol, reduceOnly: true }],
  };
}

export async function openLocked(ctx: ExecutorContext, plan: OpenPlan): Promise<OpenOutcome> {
  const { newId, now, mode } = ctx;
  checkNoPending(ctx, plan.symbol);
  await plan.guard?.();
  const id = newId();
  const t = now();
  const qty = toPlain(plan.qty);
  const leg = (l: 'F' | 'S', market: Leg, side: Side): IntentLeg => ({ market, side, clientOrderId: clientOrderId(id, l), qty, reduceOnly: false, state: 'pending', attempts: 0 });
  const intent: Intent = {
    id,
    kind: 'open',
    positionId: `p${id}`,
    symbol: plan.symbol,
    mode,
    qty,
    ...intentOrigin(plan, t),
    legs: { futures: leg('F', 'futures', 'SELL'), spot: leg('S', 'spot', 'BUY') },
  };
  const position: Position = {
    id: intent.positionId,
    symbol: plan.symbol,
    baseAsset: plan.baseAsset,
    mode,
    status: 'opening',
    openedAt: t,
    spotQty: '0',
    futuresQty: '0',
    spotEntryPrice: '0',
    futuresEntryPrice: '0',
    openedBy: plan.userId,
    spotStep: toPlain(plan.spotStep),
  };
  await writeIntent(ctx, intent, position);
  plan.onSending?.();

  // no other ledger write starts between the short and its hedge
  const { fut, spot } = await betweenLegs(ctx, async () => {
    const fut = await place(ctx, 'futures', { symbol: plan.symbol, side: 'SELL', qty, clientOrderId: intent.legs.futures.clientOrderId, baseAsset: plan.baseAsset });
    if (!fut.ok || executedOf(fut).lte(0)) return { fut };
    // The spot buy goes out right away: nothing but this line between the short and the hedge
    // (grossed up when the fee is taken from the coin, so the net held covers what was shorted).
    const spotQty = spotBuyQty(fut.fill.executedQty, plan.spotStep, plan.spotBaseFeeRate);
    const spot = spotQty.gt(0)
      ? await place(ctx, 'spot', { symbol: plan.symbol, side: 'BUY', qty: toPlain(spotQty), clientOrderId: intent.legs.spot!.clientOrderId, baseAsset: plan.baseAsset })
      : undefined;
    return { fut, spot };
  });
  if (!fut.ok && fut.kind === 'unknown') {
    return undetermined(ctx, intent, 'futures', intent.legs.futures.clientOrderId, fut, (t) => legPatch(t.intent.legs.futures, fut));
  }
  if (!fut.ok || executedOf(fut).lte(0)) {
    const error = fut.ok ? { message: `status ${fut.fill.status}` } : fut.error;
    return abandonOpen(ctx, intent, fut, error);
  }
  return finishOpen(ctx, intent, fut.fill, spot, false, plan.futuresStep);
}

/** The futures leg never executed: nothing to undo; the position never existed. */
export async function abandonOpen(ctx: ExecutorContext, intent: Intent, fut: Placed | undefined, error: ErrorInfo): Promise<OpenOutcome> {
  const outcome: OpenOutcome = { kind: 'not_placed', action: 'open', symbol: intent.symbol, error };
  await ctx.record(intent.id, (t) => {
    recordNotPlaced(ctx, t, fut, outcome);
    t.discardPosition();
  });
  return outcome;
}
