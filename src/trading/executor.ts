import { randomBytes } from 'node:crypto';
import { closeLocked } from './close.js';
import { StoreError } from '../errors.js';
import type { TradeRecord } from '../ledger/ledger.js';
import { releaseWrites, type ExecutorContext } from './executorContext.js';
import type { Executor, ExecutorDeps } from './executorTypes.js';
import { openLocked } from './open.js';
import { ABSENT_AFTER_MS } from './orders.js';
import { latestSentAt, recoverPending } from './recovery.js';
import { UNWIND_BUDGET_MS } from './unwind.js';

/**
 * The one executor for paper and live. Rules it never breaks:
 *   - every trading action runs under one lock, one at a time, across chats, jobs and recovery;
 *   - the intent (with every client order id it may use) is in the store BEFORE any order;
 *   - futures first on open (short, then buy the spot actually shorted) and on close (reduce-only
 *     buy, then sell the spot), so a failure never leaves a naked SHORT behind silently;
 *   - an unknown outcome is queried by client order id before anything else and never resent;
 *   - client order ids are deterministic per intent, leg and attempt, so recovery can find them.
 *
 * The steps live in: orders.ts (placing, unknown outcomes), open.ts + unwind.ts, close.ts,
 * recovery.ts; executorContext.ts holds the state they share, passed explicitly.
 */

export type * from './executorTypes.js';
export { clientOrderId } from './executorContext.js';
export { ABSENT_AFTER_MS, errorInfo } from './orders.js';

export function createExecutor(deps: ExecutorDeps): Executor {
  const { ledger, port, logger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const queryDelays = deps.queryDelaysMs ?? [100, 300, 700, 1500];
  const sellDelays = deps.sellRetryDelaysMs ?? [500, 1000, 2000];
  const newId = deps.newId ?? (() => now().toString(36) + randomBytes(3).toString('hex'));
  const absentAfterMs = deps.absentAfterMs ?? ABSENT_AFTER_MS;
  /** orders of an earlier process were all sent before this one started */
  const startedAt = now();
  const mode = port.mode;

  let onHalt!: () => void;
  const haltedSignal = new Promise<void>((r) => (onHalt = r));

  let chain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  /** memory keeps a change the disk refused; the store retries it and new opens wait for that */
  const record = async (intentId: string, change: (t: TradeRecord) => void): Promise<void> => {
    // the trade's own write must not wait behind its hold
    releaseWrites(ctx);
    await ledger.updateTrade(intentId, change).catch((err: unknown) => {
      if (!(err instanceof StoreError)) throw err;
      logger.error({ err: err.message }, 'trade recorded in memory only; the store retries the write');
    });
  };
  const ctx: ExecutorContext = {
    ledger,
    port,
    logger,
    mode,
    now,
    sleep,
    newId,
    queryDelays,
    sellDelays,
    absentAfterMs,
    unwindBudgetMs: deps.unwindBudgetMs ?? UNWIND_BUDGET_MS,
    startedAt,
    lastSentAt: 0,
    recoverySentAt: 0,
    halted: false,
    haltedSignal,
    record,
    audience: deps.audience ?? ((chatId) => [chatId]),
    recovery: undefined,
    heldWrites: undefined,
  };

  return {
    open: (plan) => exclusive(() => openLocked(ctx, plan)),
    close: (plan) => exclusive(() => closeLocked(ctx, plan)),
    recover: async (trigger = 'start') => exclusive(() => recoverPending(ctx, trigger)),
    settleAt: () => {
      const sentAt = latestSentAt(ctx);
      return sentAt === 0 ? 0 : sentAt + absentAfterMs + 1;
    },
    exclusive,
    halt() {
      ctx.halted = true;
      onHalt();
    },
  };
}
