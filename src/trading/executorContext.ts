import type { Side } from '../binance/types.js';
import { StoreError, UserError, errorMessage } from '../errors.js';
import type { RecoveryInfo, TradeEvent } from '../events.js';
import type { Ledger, TradeRecord } from '../ledger/ledger.js';
import type { Fill, Intent, IntentLeg, Position } from '../ledger/schema.js';
import type { Logger } from '../logger.js';
import { dec, toPlain } from '../money.js';
import type { ErrorInfo, Outcome } from './executorTypes.js';
import type { ExchangePort, Leg, LegFill } from './port.js';

/**
 * What the executor's modules share, built once per executor by createExecutor and passed to
 * every step explicitly (no module-level state): the deps with their defaults applied, plus the
 * few values that change while it runs.
 */
export interface ExecutorContext {
  readonly ledger: Ledger;
  readonly port: ExchangePort;
  readonly logger: Logger;
  readonly mode: ExchangePort['mode'];
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly newId: () => string;
  /** waits before each query of an unknown order */
  readonly queryDelays: number[];
  /** waits before each retry of a failed spot SELL on close */
  readonly sellDelays: number[];
  /** see ExecutorDeps.absentAfterMs */
  readonly absentAfterMs: number;
  /** see ExecutorDeps.unwindBudgetMs */
  readonly unwindBudgetMs: number;
  /** orders of an earlier process were all sent before this one started */
  readonly startedAt: number;
  /** the latest moment this process sent an order (a bound for recovery of its own intents) */
  lastSentAt: number;
  /** during recover(): the latest moment any order of the intents being recovered may have been sent */
  recoverySentAt: number;
  /** set by halt(): recover() leaves the intents it has not started on pending */
  halted: boolean;
  /** resolves on halt(), cutting recover()'s wait short */
  readonly haltedSignal: Promise<void>;
  /**
   * A ledger change after orders went out: if the disk refuses it, memory keeps it (the store
   * retries the write) and the trade carries on; new opens pause while the ledger is unsaved.
   */
  readonly record: (intentId: string, change: (t: TradeRecord) => void) => Promise<void>;
  /** who hears about a trade started from a chat */
  readonly audience: (chatId: number) => number[];
  /** set while recovery finishes an intent: its outcome is published as a recovery report */
  recovery: RecoveryInfo | undefined;
  /** releases the ledger writes held while the trade under way is between its legs (see betweenLegs) */
  heldWrites: (() => void) | undefined;
}

export type Placed =
  | { ok: true; fill: LegFill }
  /** definitely not executed (rejection, 429, or the exchange says it does not exist) */
  | { ok: false; kind: 'rejected' | 'absent'; error: ErrorInfo }
  /** may have executed; could not find out */
  | { ok: false; kind: 'unknown'; error: ErrorInfo };

/** Client order ids: "cb" + intent id + leg letter (+ attempt ≥ 2). ≤ 36 chars of [A-Za-z0-9]. */
export const clientOrderId = (intentId: string, leg: 'F' | 'S' | 'U', attempt = 1): string =>
  `cb${intentId}${leg}${attempt > 1 ? attempt : ''}`;

// ---- ledger helpers ------------------------------------------------------------------------

/**
 * The second leg follows the first answer within milliseconds; a slow or queried first answer (an
 * unknown outcome) lets the held writes go after this long.
 */
const HOLD_MAX_MS = 2_000;

/**
 * Runs the legs of a trade with every other ledger write held (Ledger.holdWrites): a scan result
 * or an income page queued while the first order is in flight neither serialises nor starts disk
 * I/O before the second order went out. Released once the spot leg is answered (place), before
 * the trade records anything itself (record), or when `run` ends, whichever comes first.
 */
export async function betweenLegs<T>(ctx: ExecutorContext, run: () => Promise<T>): Promise<T> {
  const release = ctx.ledger.holdWrites();
  const cap = setTimeout(() => releaseWrites(ctx), HOLD_MAX_MS).unref();
  ctx.heldWrites = () => {
    clearTimeout(cap);
    release();
  };
  try {
    return await run();
  } finally {
    releaseWrites(ctx);
  }
}

export function releaseWrites(ctx: ExecutorContext): void {
  const release = ctx.heldWrites;
  ctx.heldWrites = undefined;
  release?.();
}

export function legPatch(leg: IntentLeg, p: Placed | undefined): void {
  if (!p) return;
  if (p.ok) {
    leg.state = dec(p.fill.executedQty).gt(0) ? 'filled' : 'rejected';
    leg.orderId = p.fill.orderId;
    leg.executedQty = toPlain(p.fill.executedQty);
    leg.clientOrderId = p.fill.clientOrderId;
    if (!dec(p.fill.executedQty).gt(0)) leg.error = `status ${p.fill.status}`;
  } else {
    leg.state = p.kind === 'unknown' ? 'unknown' : 'rejected';
    leg.error = p.error.code !== undefined ? `${p.error.code} ${p.error.message}` : p.error.message;
  }
  leg.attempts += 1;
}

export function fillRow(ctx: ExecutorContext, intent: Intent, market: Leg, side: Side, role: Fill['role'], f: LegFill, reduceOnly: boolean): Fill {
  const { mode } = ctx;
  return {
    id: `${market}:${f.orderId}`,
    intentId: intent.id,
    positionId: intent.positionId,
    symbol: intent.symbol,
    market,
    side,
    role,
    mode,
    orderId: f.orderId,
    clientOrderId: f.clientOrderId,
    qty: toPlain(f.executedQty),
    price: toPlain(f.avgPrice),
    quoteQty: toPlain(f.quoteQty),
    commission: toPlain(f.commission),
    commissionAsset: f.commissionAsset,
    feeUsdt: toPlain(f.feeUsdt),
    reduceOnly,
    time: f.time,
    ...(f.exact ? {} : { feeUnknown: true }),
  };
}

export const complete = async (ctx: ExecutorContext, market: Leg, symbol: string, f: LegFill): Promise<LegFill> =>
  dec(f.executedQty).gt(0) ? ctx.port.completeFill(market, symbol, f) : f;

/** An unresolved intent on this position or symbol: a new order could double it (resolve first). */
export function checkNoPending(ctx: ExecutorContext, symbol: string, positionId?: string): void {
  if (ctx.ledger.hasPending(symbol, positionId)) {
    throw new UserError('trading.error.unresolved', { symbol });
  }
}

/**
 * The intent write, before any order: if it cannot be saved, it is taken back out of memory and
 * the user is told plainly that nothing was sent.
 */
/** What every intent starts with: who asked, the chat (and preview message) to answer, when, pending. */
export const intentOrigin = (plan: { userId: number; chatId: number; messageId?: number }, t: number) => ({
  userId: plan.userId,
  chatId: plan.chatId,
  ...(plan.messageId !== undefined ? { messageId: plan.messageId } : {}),
  createdAt: t,
  updatedAt: t,
  status: 'pending' as const,
});

export async function writeIntent(ctx: ExecutorContext, intent: Intent, position?: Position): Promise<void> {
  try {
    await ctx.ledger.recordIntent(intent, position);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    ctx.logger.error({ err: errorMessage(err) }, 'the trade intent could not be saved; nothing was sent');
    throw new UserError('trading.error.notSaved');
  }
}

// ---- events --------------------------------------------------------------------------------

/**
 * Call inside the ledger change that records the outcome: the message about it is written in
 * the same write (the outbox), so a crash can never keep the outcome and lose the message.
 */
export function publish(ctx: ExecutorContext, t: TradeRecord, outcome: Outcome, extra: Partial<TradeEvent> = {}): void {
  const { intent } = t;
  const recovery = ctx.recovery;
  const event: TradeEvent = { type: 'trade', mode: ctx.mode, outcome, ...(recovery ? { recovery } : {}), ...extra };
  // the preview is edited with the first outcome only; a later report is a message of its own
  const edit = intent.messageId !== undefined && !recovery ? { chatId: intent.chatId, messageId: intent.messageId } : undefined;
  t.publish(event, ctx.audience(intent.chatId), edit);
}

/** Inside the ledger change: the futures leg never executed, so the trade failed and its spot leg was skipped. */
export function recordNotPlaced(ctx: ExecutorContext, t: TradeRecord, fut: Placed | undefined, outcome: Outcome): void {
  const i = t.intent;
  publish(ctx, t, outcome);
  legPatch(i.legs.futures, fut);
  if (i.legs.spot) i.legs.spot.state = 'skipped';
  i.status = 'failed';
  i.error = i.legs.futures.error;
  i.updatedAt = ctx.now();
}
