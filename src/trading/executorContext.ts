import type { Side } from '../binance/types.js';
import { UserError, errorMessage } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Fill, Intent, IntentLeg } from '../ledger/schema.js';
import type { Logger } from '../logger.js';
import { dec, toPlain } from '../money.js';
import type { ErrorInfo, ExecutorDeps, Outcome } from './executorTypes.js';
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
  /** fires a critical alert without waiting for it (see createAlerts) */
  readonly alert: (outcome: Outcome, intent: Pick<Intent, 'chatId' | 'userId'>) => void;
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

// ---- critical alerts -----------------------------------------------------------------------

/** The executor's critical alerts; `deps.alerts` is read at each alert, as before the split. */
export function createAlerts(deps: Pick<ExecutorDeps, 'alerts'>, logger: Logger): { alert: ExecutorContext['alert']; pendingAlerts: Set<Promise<void>> } {
  /** critical alerts still being delivered (the notifier retries them for long) */
  const pendingAlerts = new Set<Promise<void>>();

  /**
   * Fires the critical alert WITHOUT waiting for it: delivery (retried by the notifier while
   * Telegram is down) must not hold the trading lock, or an emergency /close would wait for it.
   */
  function alert(outcome: Outcome, intent: Pick<Intent, 'chatId' | 'userId'>): void {
    const failed = (err: unknown) => logger.error({ err: errorMessage(err), outcome }, 'critical alert could not be sent');
    try {
      const sent = deps.alerts?.critical(outcome, { chatId: intent.chatId, userId: intent.userId });
      if (!sent) return;
      const p = sent.catch(failed).finally(() => pendingAlerts.delete(p));
      pendingAlerts.add(p);
    } catch (err) {
      failed(err);
    }
  }

  return { alert, pendingAlerts };
}
