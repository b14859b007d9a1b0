import { randomBytes } from 'node:crypto';
import type { Side } from '../binance/types.js';
import { RateLimitError, RejectedError, RetryableError, UserError, errorMessage } from '../errors.js';
import type { Fill, Intent, IntentLeg, Position, StoreData } from '../ledger/schema.js';
import type { Store } from '../ledger/store.js';
import type { Logger } from '../logger.js';
import { Decimal, dec, floorToStep, toPlain } from '../money.js';
import { isFinalStatus, type ExchangePort, type Leg, type LegFill, type OrderRequest } from './port.js';

/**
 * The one executor for paper and live (design.md §4). Rules it never breaks:
 *   - every trading action runs under one lock, one at a time, across chats, jobs and recovery;
 *   - the intent (with every client order id it may use) is in the store BEFORE any order;
 *   - futures first on open (short, then buy the spot actually shorted) and on close (reduce-only
 *     buy, then sell the spot), so a failure never leaves a naked SHORT behind silently;
 *   - an unknown outcome is queried by client order id before anything else and never resent;
 *   - client order ids are deterministic per intent, leg and attempt, so recovery can find them.
 */

export interface ErrorInfo {
  message: string;
  code?: number;
  /** 429 (not a ban): how long until the exchange takes orders again */
  retryAfterMs?: number;
}

export interface ManualStep {
  market: Leg;
  side: Side;
  qty: string;
  symbol: string;
  reduceOnly: boolean;
}

export type OpenOutcome =
  | { kind: 'opened'; symbol: string; positionId: string; futures: LegFill; spot: LegFill; spotHeld: string; futuresHeld: string; excess?: LegFill }
  | { kind: 'not_placed'; action: 'open'; symbol: string; error: ErrorInfo }
  | { kind: 'unwound'; symbol: string; futures: LegFill; unwind: LegFill[]; spotError: ErrorInfo }
  | { kind: 'broken'; symbol: string; futures: LegFill; spotError: ErrorInfo; unwindError: ErrorInfo; manual: ManualStep[] }
  | { kind: 'unknown'; symbol: string; market: Leg; clientOrderId: string; error: ErrorInfo };

export type CloseOutcome =
  | { kind: 'closed'; symbol: string; positionId: string; futures?: LegFill; spot?: LegFill; dustQty: string }
  | { kind: 'partial'; symbol: string; positionId: string; futures?: LegFill; spot?: LegFill; futuresLeft: string; spotLeft: string }
  | { kind: 'not_placed'; action: 'close'; symbol: string; error: ErrorInfo }
  | { kind: 'spot_failed'; symbol: string; positionId: string; futures?: LegFill; spotQty: string; error: ErrorInfo }
  | { kind: 'unknown'; symbol: string; market: Leg; clientOrderId: string; error: ErrorInfo };

export type Outcome = OpenOutcome | CloseOutcome;

export interface RecoveryReport {
  intentId: string;
  kind: Intent['kind'];
  symbol: string;
  userId: number;
  chatId: number;
  /** what the orders were found to be */
  found: { futures: string; spot: string };
  outcome: Outcome;
}

/** Tells people about things that cannot wait for a reply: unwind failures, unknown orders. */
export interface TradingAlerts {
  critical(outcome: Outcome, ctx: { chatId: number; userId: number }): Promise<void>;
}

export interface OpenPlan {
  symbol: string;
  baseAsset: string;
  /** already rounded to both markets' steps */
  qty: string;
  /** spot market step (LOT_SIZE ∩ MARKET_LOT_SIZE) for re-rounding a partial futures fill */
  spotStep: string;
  /** futures market step: an unwind after a partial spot fill is rounded down to it */
  futuresStep?: string;
  userId: number;
  chatId: number;
  /**
   * Runs inside the lock before anything is written (state checks, the 1 % / funding re-check,
   * token expiry); throws UserError to refuse. Nothing but the intent write follows it.
   */
  guard?: (data: StoreData) => void | Promise<void>;
}

export interface ClosePlan {
  positionId: string;
  spotStep: string;
  /** spot sells below this are dust (spot minQty) */
  spotMinQty?: string;
  /**
   * live: free spot balance of the base asset, read at preview. The SELL never asks for more
   * than this (a lost commission can leave the ledger above what is held); the rest is dust.
   */
  spotAvailable?: string;
  userId: number;
  chatId: number;
  guard?: (data: StoreData) => void | Promise<void>;
}

export interface ExecutorDeps {
  store: Store;
  port: ExchangePort;
  logger: Logger;
  alerts?: TradingAlerts;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** waits before each query of an unknown order (default 100, 300, 700, 1500 ms) */
  queryDelaysMs?: number[];
  /** waits before each retry of a failed spot SELL on close (default 500, 1000, 2000 ms: 3 retries) */
  sellRetryDelaysMs?: number[];
  newId?: () => string;
  /**
   * An order whose send outcome is unknown may still be accepted by the exchange until its
   * request timestamp + recvWindow has passed; only after this long (recvWindow 5 s + 2 s
   * margin) may "not found" be read as "never placed". Default 7000 ms.
   */
  absentAfterMs?: number;
}

/** recvWindow (5 s, the client default) + 2 s margin for clock offset */
export const ABSENT_AFTER_MS = 7_000;

export interface Executor {
  open(plan: OpenPlan): Promise<OpenOutcome>;
  close(plan: ClosePlan): Promise<CloseOutcome>;
  /** resolves every pending intent against the exchange; call before the bot starts taking commands */
  recover(): Promise<RecoveryReport[]>;
  /** runs fn under the trading lock */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** resolves once the critical alerts fired so far were delivered or given up on */
  alertsSettled(): Promise<void>;
  /** shutdown: recover() stops waiting and leaves intents it has not started on pending (for the next start) */
  halt(): void;
}

const MAX_UNWIND_ATTEMPTS = 3;
const UNWIND_MAX_WAIT_MS = 10_000;

/** Client order ids: "cb" + intent id + leg letter (+ attempt ≥ 2). ≤ 36 chars of [A-Za-z0-9]. */
export const clientOrderId = (intentId: string, leg: 'F' | 'S' | 'U', attempt = 1): string =>
  `cb${intentId}${leg}${attempt > 1 ? attempt : ''}`;

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

type Placed =
  | { ok: true; fill: LegFill }
  /** definitely not executed (rejection, 429, or the exchange says it does not exist) */
  | { ok: false; kind: 'rejected' | 'absent'; error: ErrorInfo }
  /** may have executed; could not find out */
  | { ok: false; kind: 'unknown'; error: ErrorInfo };

export function createExecutor(deps: ExecutorDeps): Executor {
  const { store, port, logger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const queryDelays = deps.queryDelaysMs ?? [100, 300, 700, 1500];
  const sellDelays = deps.sellRetryDelaysMs ?? [500, 1000, 2000];
  const newId = deps.newId ?? (() => now().toString(36) + randomBytes(3).toString('hex'));
  const absentAfterMs = deps.absentAfterMs ?? ABSENT_AFTER_MS;
  /** true once an order sent (at the latest) at `sentAt` can no longer be accepted */
  const expiredSince = (sentAt: number): boolean => now() > sentAt + absentAfterMs;
  /** orders of an earlier process were all sent before this one started */
  const startedAt = now();
  /** the latest moment this process sent an order (a bound for recovery of its own intents) */
  let lastSentAt = 0;
  /** during recover(): the latest moment any order of the intents being recovered may have been sent */
  let recoverySentAt = 0;
  const mode = port.mode;

  let halted = false;
  let onHalt!: () => void;
  const haltedSignal = new Promise<void>((r) => (onHalt = r));

  let chain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  // ---- orders ------------------------------------------------------------------------------

  /**
   * Polls an order by client id until it is final. Never sends anything. `sentAt` is the latest
   * moment the order may have been sent: "not found" means "never placed" only once the exchange
   * can no longer accept that request (see absentAfterMs); until then the outcome stays unknown.
   */
  async function resolveByQuery(market: Leg, symbol: string, cid: string, cause: ErrorInfo, sentAt: number): Promise<Placed> {
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
      if (expiredSince(sentAt)) {
        logger.warn({ market, symbol, clientOrderId: cid }, 'order absent after querying: treated as not placed');
        return { ok: false, kind: 'absent', error: cause };
      }
      logger.warn({ market, symbol, clientOrderId: cid }, 'order not found yet, but the exchange may still accept it: outcome unknown');
      return { ok: false, kind: 'unknown', error: { message: `order ${cid} not found yet (it may still arrive)` } };
    }
    return { ok: false, kind: 'unknown', error: seen ? { message: `order ${cid} still ${seen.status}` } : lastErr };
  }

  async function place(market: Leg, req: OrderRequest): Promise<Placed> {
    let fill: LegFill;
    const sentAt = now();
    lastSentAt = sentAt;
    try {
      fill = market === 'futures' ? await port.placeFutures(req) : await port.placeSpot(req);
    } catch (err) {
      if (err instanceof RejectedError || err instanceof RetryableError) {
        // A rejection, a 429/418 or a request never sent: nothing exists on the exchange.
        logger.warn({ market, symbol: req.symbol, clientOrderId: req.clientOrderId, err: errorMessage(err) }, 'order not placed');
        return { ok: false, kind: 'rejected', error: errorInfo(err) };
      }
      logger.warn({ market, symbol: req.symbol, clientOrderId: req.clientOrderId, err: errorMessage(err) }, 'order outcome unknown: querying by client order id');
      return resolveByQuery(market, req.symbol, req.clientOrderId, errorInfo(err), sentAt);
    }
    if (isFinalStatus(fill.status)) return { ok: true, fill };
    return resolveByQuery(market, req.symbol, req.clientOrderId, { message: `status ${fill.status}` }, sentAt);
  }

  /** A placed order that executed nothing (EXPIRED with 0) is as good as not placed. */
  const executedOf = (p: Placed): Decimal => (p.ok ? dec(p.fill.executedQty) : dec(0));

  // ---- store helpers -------------------------------------------------------------------------

  const findIntent = (d: StoreData, id: string): Intent => {
    const i = d.intents.find((x) => x.id === id);
    if (!i) throw new Error(`intent ${id} vanished from the store`);
    return i;
  };
  const findPosition = (d: StoreData, id: string): Position | undefined => d.positions.find((p) => p.id === id);

  function legPatch(leg: IntentLeg, p: Placed | undefined): void {
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

  function fillRow(intent: Intent, market: Leg, side: Side, role: Fill['role'], f: LegFill, reduceOnly: boolean): Fill {
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

  function addFill(d: StoreData, row: Fill): void {
    const at = d.fills.findIndex((x) => x.id === row.id);
    if (at >= 0) d.fills[at] = row;
    else d.fills.push(row);
  }

  const complete = async (market: Leg, symbol: string, f: LegFill): Promise<LegFill> =>
    dec(f.executedQty).gt(0) ? port.completeFill(market, symbol, f) : f;

  /** Could not tell whether an order exists: stop new opens, keep the intent for recovery, tell everyone. */
  async function undetermined(intent: Intent, market: Leg, cid: string, p: Placed, extra: (d: StoreData) => void): Promise<{ kind: 'unknown'; symbol: string; market: Leg; clientOrderId: string; error: ErrorInfo }> {
    const error = p.ok ? { message: 'unknown' } : p.error;
    await store.update((d) => {
      extra(d);
      d.paused = true;
      d.pausedReason = `${intent.symbol}: ${market} order ${cid} outcome unknown`;
      findIntent(d, intent.id).updatedAt = now();
    });
    const outcome = { kind: 'unknown' as const, symbol: intent.symbol, market, clientOrderId: cid, error };
    alert(outcome, intent);
    return outcome;
  }

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

  // ---- unwind --------------------------------------------------------------------------------

  /**
   * Buys back `qty` of the short with reduceOnly (it can only ever reduce the short). Each
   * attempt has its own deterministic id; with `queryFirst` (recovery) earlier attempts are
   * looked up before anything is sent, so a crash mid-unwind never doubles it.
   */
  async function unwindFutures(intent: Intent, qty: Decimal, queryFirst: boolean): Promise<{ ok: true; fills: LegFill[] } | { ok: false; fills: LegFill[]; error: ErrorInfo; unknown: boolean; clientOrderId: string }> {
    let remaining = qty;
    const fills: LegFill[] = [];
    let lastError: ErrorInfo = { message: 'unwind not attempted' };
    for (let attempt = 1; attempt <= MAX_UNWIND_ATTEMPTS && remaining.gt(0); attempt++) {
      const cid = clientOrderId(intent.id, 'U', attempt);
      let p: Placed | undefined;
      if (queryFirst) {
        const q = await port.queryOrder('futures', intent.symbol, cid).catch(() => undefined);
        if (q === undefined) return { ok: false, fills, error: { message: `could not query ${cid}` }, unknown: true, clientOrderId: cid };
        if (q) p = isFinalStatus(q.status) ? { ok: true, fill: q } : await resolveByQuery('futures', intent.symbol, cid, { message: q.status }, recoverySentAt);
        // not found, and the exchange might still accept it: sending anything now could double it
        else if (!expiredSince(recoverySentAt)) return { ok: false, fills, error: { message: `order ${cid} not found yet (it may still arrive)` }, unknown: true, clientOrderId: cid };
      }
      p ??= await place('futures', { symbol: intent.symbol, side: 'BUY', qty: toPlain(remaining), clientOrderId: cid, reduceOnly: true });
      await store.update((d) => {
        const i = findIntent(d, intent.id);
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

  // ---- open ----------------------------------------------------------------------------------

  async function finishOpen(intent: Intent, futures: LegFill, spotPlaced: Placed | undefined, queryFirst: boolean, futuresStep?: string): Promise<OpenOutcome> {
    const shorted = dec(futures.executedQty);
    const spotError: ErrorInfo = spotPlaced && !spotPlaced.ok ? spotPlaced.error : { message: 'spot quantity below the spot step' };

    if (spotPlaced && !spotPlaced.ok && spotPlaced.kind === 'unknown') {
      const futuresFill = await complete('futures', intent.symbol, futures);
      return undetermined(intent, 'spot', intent.legs.spot?.clientOrderId ?? '', spotPlaced, (d) => {
        const i = findIntent(d, intent.id);
        i.legs.futures.state = 'filled';
        i.legs.futures.orderId = futures.orderId;
        i.legs.futures.executedQty = toPlain(shorted);
        if (i.legs.spot) legPatch(i.legs.spot, spotPlaced);
        addFill(d, fillRow(i, 'futures', 'SELL', 'open', futuresFill, false));
        const pos = findPosition(d, i.positionId);
        if (pos) {
          pos.futuresQty = toPlain(shorted);
          pos.futuresEntryPrice = toPlain(futuresFill.avgPrice);
        }
      });
    }

    // Whatever the spot leg did not cover is a naked short: buy it back before anything else.
    const bought = spotPlaced?.ok ? dec(spotPlaced.fill.executedQty) : dec(0);
    // A futures order must be a multiple of the futures step: what is below it cannot be bought back.
    const excess = futuresStep && dec(futuresStep).gt(0) ? floorToStep(shorted.minus(bought), futuresStep) : shorted.minus(bought);
    let unwind: Awaited<ReturnType<typeof unwindFutures>> | undefined;
    if (excess.gt(0)) unwind = await unwindFutures(intent, excess, queryFirst);

    if (unwind && !unwind.ok && unwind.unknown) {
      // The buy-back may or may not have executed: not 'broken' (final) but pending, so
      // recovery queries the U order instead of leaving the short for manual steps.
      const futuresFill = await complete('futures', intent.symbol, futures);
      const spotFill = spotPlaced?.ok && bought.gt(0) ? await complete('spot', intent.symbol, spotPlaced.fill) : undefined;
      const known = unwind.fills.reduce((a, f) => a.plus(f.executedQty), dec(0));
      const unwindFills = await Promise.all(unwind.fills.map((f) => complete('futures', intent.symbol, f)));
      const cid = unwind.clientOrderId;
      return undetermined(intent, 'futures', cid, { ok: false, kind: 'unknown', error: unwind.error }, (d) => {
        const i = findIntent(d, intent.id);
        i.legs.futures.state = 'filled';
        i.legs.futures.orderId = futures.orderId;
        i.legs.futures.executedQty = toPlain(shorted);
        if (i.legs.spot && spotPlaced) legPatch(i.legs.spot, spotPlaced);
        addFill(d, fillRow(i, 'futures', 'SELL', 'open', futuresFill, false));
        if (spotFill) addFill(d, fillRow(i, 'spot', 'BUY', 'open', spotFill, false));
        for (const f of unwindFills) addFill(d, fillRow(i, 'futures', 'BUY', 'unwind', f, true));
        const pos = findPosition(d, i.positionId);
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
    const futuresFill = await complete('futures', intent.symbol, futures);
    const spotFill = spotPlaced?.ok && bought.gt(0) ? await complete('spot', intent.symbol, spotPlaced.fill) : undefined;

    const status: Intent['status'] = !unwind || unwind.ok ? (spotFill ? 'done' : 'unwound') : 'broken';
    const unwound = unwind?.fills.reduce((a, f) => a.plus(f.executedQty), dec(0)) ?? dec(0);
    const futuresHeld = shorted.minus(unwound);
    const spotHeld = bought.minus(spotFill?.baseCommission ?? '0');
    const unwindFills = unwind ? await Promise.all(unwind.fills.map((f) => complete('futures', intent.symbol, f))) : [];

    await store.update((d) => {
      const i = findIntent(d, intent.id);
      i.legs.futures.state = 'filled';
      i.legs.futures.orderId = futures.orderId;
      i.legs.futures.executedQty = toPlain(shorted);
      if (i.legs.spot && spotPlaced) legPatch(i.legs.spot, spotPlaced);
      else if (i.legs.spot && !spotPlaced) i.legs.spot.state = 'skipped';
      i.status = status;
      i.updatedAt = now();
      if (status !== 'done') i.error = spotError.code !== undefined ? `${spotError.code} ${spotError.message}` : spotError.message;
      addFill(d, fillRow(i, 'futures', 'SELL', 'open', futuresFill, false));
      if (spotFill) addFill(d, fillRow(i, 'spot', 'BUY', 'open', spotFill, false));
      for (const f of unwindFills) addFill(d, fillRow(i, 'futures', 'BUY', 'unwind', f, true));
      const pos = findPosition(d, i.positionId);
      if (pos) {
        pos.futuresQty = toPlain(futuresHeld);
        pos.spotQty = toPlain(spotHeld);
        pos.futuresEntryPrice = toPlain(futuresFill.avgPrice);
        if (spotFill) pos.spotEntryPrice = toPlain(spotFill.avgPrice);
        if (status === 'broken') {
          pos.status = 'broken';
          pos.note = `unwind failed: ${futuresHeld.toFixed()} ${i.symbol} short is unhedged`;
          d.paused = true;
          d.pausedReason = `${i.symbol}: naked futures short after a failed unwind`;
        } else if (spotFill) {
          pos.status = 'open';
        } else {
          pos.status = 'closed';
          pos.closedAt = now();
          pos.note = 'spot leg failed; futures unwound';
        }
      }
    });

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
    const outcome: OpenOutcome = {
      kind: 'broken',
      symbol: intent.symbol,
      futures: futuresFill,
      spotError,
      unwindError: unwind && !unwind.ok ? unwind.error : { message: 'unknown' },
      // the exact short still held (a multiple of the futures step: exchange quantities)
      manual: [{ market: 'futures', side: 'BUY', qty: toPlain(futuresHeld), symbol: intent.symbol, reduceOnly: true }],
    };
    alert(outcome, intent);
    return outcome;
  }

  /** An unresolved intent on this position or symbol: a new order could double it (resolve first). */
  function checkNoPending(symbol: string, positionId?: string): void {
    if (store.data.intents.some((i) => i.status === 'pending' && (i.symbol === symbol || (positionId !== undefined && i.positionId === positionId)))) {
      throw new UserError('trading.error.unresolved', { symbol });
    }
  }

  async function openLocked(plan: OpenPlan): Promise<OpenOutcome> {
    checkNoPending(plan.symbol);
    await plan.guard?.(store.data);
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
      userId: plan.userId,
      chatId: plan.chatId,
      createdAt: t,
      updatedAt: t,
      status: 'pending',
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
    };
    await store.update((d) => {
      d.intents.push(structuredClone(intent));
      d.positions.push(position);
    });

    const fut = await place('futures', { symbol: plan.symbol, side: 'SELL', qty, clientOrderId: intent.legs.futures.clientOrderId, baseAsset: plan.baseAsset });
    if (!fut.ok && fut.kind === 'unknown') {
      return undetermined(intent, 'futures', intent.legs.futures.clientOrderId, fut, (d) => legPatch(findIntent(d, id).legs.futures, fut));
    }
    if (!fut.ok || executedOf(fut).lte(0)) {
      const error = fut.ok ? { message: `status ${fut.fill.status}` } : fut.error;
      await abandonOpen(intent, fut);
      return { kind: 'not_placed', action: 'open', symbol: plan.symbol, error };
    }

    // The spot buy goes out right away: nothing but this line between the short and the hedge.
    const spotQty = floorToStep(fut.fill.executedQty, plan.spotStep);
    const spot = spotQty.gt(0)
      ? await place('spot', { symbol: plan.symbol, side: 'BUY', qty: toPlain(spotQty), clientOrderId: intent.legs.spot!.clientOrderId, baseAsset: plan.baseAsset })
      : undefined;
    return finishOpen(intent, fut.fill, spot, false, plan.futuresStep);
  }

  /** The futures leg never executed: nothing to undo; the position never existed. */
  async function abandonOpen(intent: Intent, fut: Placed | undefined): Promise<void> {
    await store.update((d) => {
      const i = findIntent(d, intent.id);
      legPatch(i.legs.futures, fut);
      if (i.legs.spot) i.legs.spot.state = 'skipped';
      i.status = 'failed';
      i.error = i.legs.futures.error;
      i.updatedAt = now();
      d.positions = d.positions.filter((p) => p.id !== i.positionId);
    });
  }

  // ---- close ---------------------------------------------------------------------------------

  /** Spot SELL with retries (a failed sell leaves coins unhedged but no short: retry, then alert). */
  async function sellSpot(intent: Intent, baseAsset: string, qty: Decimal, firstAttempt: number, queryFirst: boolean): Promise<Placed> {
    let last: Placed = { ok: false, kind: 'rejected', error: { message: 'not attempted' } };
    const attempts = Math.max(1 + sellDelays.length, firstAttempt);
    for (let attempt = firstAttempt; attempt <= attempts; attempt++) {
      const cid = clientOrderId(intent.id, 'S', attempt);
      if (attempt > firstAttempt) {
        await sleep(sellDelays[attempt - firstAttempt - 1] ?? 0);
        await store.update((d) => {
          const i = findIntent(d, intent.id);
          if (i.legs.spot) i.legs.spot.clientOrderId = cid;
          i.updatedAt = now();
        });
      }
      if (queryFirst && attempt === firstAttempt) {
        const q = await port.queryOrder('spot', intent.symbol, cid).catch(() => undefined);
        if (q === undefined) return { ok: false, kind: 'unknown', error: { message: `could not query ${cid}` } };
        if (q) {
          last = isFinalStatus(q.status) ? { ok: true, fill: q } : await resolveByQuery('spot', intent.symbol, cid, { message: q.status }, recoverySentAt);
          if (last.ok || last.kind === 'unknown') return last;
        } else if (!expiredSince(recoverySentAt)) {
          return { ok: false, kind: 'unknown', error: { message: `order ${cid} not found yet (it may still arrive)` } };
        }
        // not there, and it can no longer arrive: it was never placed, so this id is free to use
      }
      last = await place('spot', { symbol: intent.symbol, side: 'SELL', qty: toPlain(qty), clientOrderId: cid, baseAsset });
      if (last.ok || last.kind === 'unknown') return last;
    }
    return last;
  }

  async function finishClose(intent: Intent, futures: LegFill | undefined, plan: Pick<ClosePlan, 'spotStep' | 'spotMinQty' | 'spotAvailable'>, queryFirst: boolean, firstSellAttempt = 1): Promise<CloseOutcome> {
    const pos = findPosition(store.data, intent.positionId);
    if (!pos) throw new Error(`position ${intent.positionId} vanished from the store`);
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

    const spot = sellQty.gt(0) ? await sellSpot(intent, pos.baseAsset, sellQty, firstSellAttempt, queryFirst) : undefined;
    const futuresFill = futures ? await complete('futures', intent.symbol, futures) : undefined;
    if (spot && !spot.ok && spot.kind === 'unknown') {
      return undetermined(intent, 'spot', findIntent(store.data, intent.id).legs.spot?.clientOrderId ?? '', spot, (d) => {
        const i = findIntent(d, intent.id);
        if (i.legs.spot) legPatch(i.legs.spot, spot);
        // The position itself is brought up to date by recovery, which re-reads both legs.
        if (futuresFill) {
          addFill(d, fillRow(i, 'futures', 'BUY', 'close', futuresFill, true));
          i.legs.futures.state = 'filled';
          i.legs.futures.orderId = futuresFill.orderId;
          i.legs.futures.executedQty = toPlain(futuresFill.executedQty);
        }
      });
    }
    const spotFill = spot?.ok && dec(spot.fill.executedQty).gt(0) ? await complete('spot', intent.symbol, spot.fill) : undefined;
    const sold = spotFill ? dec(spotFill.executedQty) : dec(0);
    const spotLeft = spotHeld.minus(sold);
    const spotFailed = sellQty.gt(0) && !spotFill;
    let sellable = floorToStep(available ? Decimal.min(spotLeft, Decimal.max(available.minus(sold), 0)) : spotLeft, plan.spotStep);
    if (plan.spotMinQty && sellable.lt(plan.spotMinQty)) sellable = dec(0);
    const done = futuresLeft.lte(0) && !spotFailed && sellable.lte(0);

    await store.update((d) => {
      const i = findIntent(d, intent.id);
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
      if (futuresFill) addFill(d, fillRow(i, 'futures', 'BUY', 'close', futuresFill, true));
      if (spotFill) addFill(d, fillRow(i, 'spot', 'SELL', 'close', spotFill, false));
      const p = findPosition(d, i.positionId);
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

    if (spotFailed) {
      const outcome: CloseOutcome = {
        kind: 'spot_failed',
        symbol: intent.symbol,
        positionId: intent.positionId,
        ...(futuresFill ? { futures: futuresFill } : {}),
        spotQty: toPlain(sellQty),
        error: spot && !spot.ok ? spot.error : { message: 'unknown' },
      };
      alert(outcome, intent);
      return outcome;
    }
    const base = { symbol: intent.symbol, positionId: intent.positionId, ...(futuresFill ? { futures: futuresFill } : {}), ...(spotFill ? { spot: spotFill } : {}) };
    if (done) return { kind: 'closed', ...base, dustQty: toPlain(spotLeft) };
    return { kind: 'partial', ...base, futuresLeft: toPlain(futuresLeft), spotLeft: toPlain(spotLeft) };
  }

  async function closeLocked(plan: ClosePlan): Promise<CloseOutcome> {
    const pos = findPosition(store.data, plan.positionId);
    // 'broken' (a naked short after a failed unwind) may be closed too: that is the fix
    if (!pos || (pos.status !== 'open' && pos.status !== 'closing' && pos.status !== 'broken')) {
      throw new UserError('trading.error.no_position', { symbol: pos?.symbol ?? '—' });
    }
    // an earlier close (or open) whose outcome is unknown may still sell the same coins
    checkNoPending(pos.symbol, pos.id);
    await plan.guard?.(store.data);
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
      userId: plan.userId,
      chatId: plan.chatId,
      createdAt: t,
      updatedAt: t,
      status: 'pending',
      legs: {
        futures: { market: 'futures', side: 'BUY', clientOrderId: clientOrderId(id, 'F'), qty: futuresQty, reduceOnly: true, state: dec(futuresQty).gt(0) ? 'pending' : 'skipped', attempts: 0 },
        spot: { market: 'spot', side: 'SELL', clientOrderId: clientOrderId(id, 'S'), qty: toPlain(floorToStep(plan.spotAvailable !== undefined ? Decimal.min(pos.spotQty, Decimal.max(dec(plan.spotAvailable), 0)) : pos.spotQty, plan.spotStep)), reduceOnly: false, state: 'pending', attempts: 0 },
      },
    };
    const previous = pos.status;
    await store.update((d) => {
      d.intents.push(structuredClone(intent));
      const p = findPosition(d, pos.id);
      if (p) p.status = 'closing';
    });

    let futures: LegFill | undefined;
    if (dec(futuresQty).gt(0)) {
      const fut = await place('futures', { symbol: pos.symbol, side: 'BUY', qty: futuresQty, clientOrderId: intent.legs.futures.clientOrderId, reduceOnly: true, baseAsset: pos.baseAsset });
      if (!fut.ok && fut.kind === 'unknown') {
        return undetermined(intent, 'futures', intent.legs.futures.clientOrderId, fut, (d) => legPatch(findIntent(d, id).legs.futures, fut));
      }
      if (!fut.ok || executedOf(fut).lte(0)) {
        const error = fut.ok ? { message: `status ${fut.fill.status}` } : fut.error;
        await store.update((d) => {
          const i = findIntent(d, id);
          legPatch(i.legs.futures, fut);
          if (i.legs.spot) i.legs.spot.state = 'skipped';
          i.status = 'failed';
          i.error = i.legs.futures.error;
          i.updatedAt = now();
          const p = findPosition(d, pos.id);
          if (p) p.status = previous;
        });
        return { kind: 'not_placed', action: 'close', symbol: pos.symbol, error };
      }
      futures = fut.fill;
    }
    return finishClose(intent, futures, plan, false);
  }

  // ---- recovery ------------------------------------------------------------------------------

  /** What the exchange says about a leg: the store's record when filled, else a query. */
  async function lookup(intent: Intent, leg: IntentLeg): Promise<Placed> {
    if (leg.state === 'skipped') return { ok: false, kind: 'absent', error: { message: 'skipped' } };
    if (leg.state === 'rejected' && leg.orderId === undefined) return { ok: false, kind: 'rejected', error: { message: leg.error ?? 'rejected' } };
    try {
      const q = await port.queryOrder(leg.market, intent.symbol, leg.clientOrderId);
      if (!q) {
        // paper orders do not survive a restart: the store's record is the truth there
        if (leg.state === 'filled' && leg.executedQty && mode === 'paper') return { ok: true, fill: recordedFill(intent, leg) };
        // not found while the exchange may still accept the request: not "never placed" yet
        if (mode === 'live' && !expiredSince(recoverySentAt)) return { ok: false, kind: 'unknown', error: { message: `order ${leg.clientOrderId} not found yet (it may still arrive)` } };
        return { ok: false, kind: 'absent', error: { message: `order ${leg.clientOrderId} not found` } };
      }
      return isFinalStatus(q.status) ? { ok: true, fill: q } : resolveByQuery(leg.market, intent.symbol, leg.clientOrderId, { message: q.status }, recoverySentAt);
    } catch (err) {
      return resolveByQuery(leg.market, intent.symbol, leg.clientOrderId, errorInfo(err), recoverySentAt);
    }
  }

  function recordedFill(intent: Intent, leg: IntentLeg): LegFill {
    const f = store.data.fills.find((x) => x.intentId === intent.id && x.clientOrderId === leg.clientOrderId);
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

  async function recoverOne(intent: Intent): Promise<RecoveryReport> {
    const report = (found: RecoveryReport['found'], outcome: Outcome): RecoveryReport => ({
      intentId: intent.id,
      kind: intent.kind,
      symbol: intent.symbol,
      userId: intent.userId,
      chatId: intent.chatId,
      found,
      outcome,
    });
    const fut = await lookup(intent, intent.legs.futures);
    if (!fut.ok && fut.kind === 'unknown') {
      const outcome = await undetermined(intent, 'futures', intent.legs.futures.clientOrderId, fut, () => undefined);
      return report({ futures: 'unknown', spot: 'unknown' }, outcome);
    }
    const futFilled = fut.ok && dec(fut.fill.executedQty).gt(0);

    if (intent.kind === 'open') {
      if (!futFilled) {
        await abandonOpen(intent, fut);
        return report({ futures: describe(fut), spot: 'not_sent' }, { kind: 'not_placed', action: 'open', symbol: intent.symbol, error: { message: 'interrupted before any order executed' } });
      }
      // The short exists. If the spot buy went through, the hedge is complete; if it never did,
      // buy the short back rather than send a spot buy now: the user confirmed a price at a time,
      // and moving toward flat (reduceOnly can only shrink the short) needs no new decision.
      const spotLeg = intent.legs.spot;
      const spot = spotLeg ? await lookup(intent, spotLeg) : undefined;
      if (spot && !spot.ok && spot.kind === 'unknown') {
        const outcome = await undetermined(intent, 'spot', spotLeg!.clientOrderId, spot, () => undefined);
        return report({ futures: 'filled', spot: 'unknown' }, outcome);
      }
      const spotPlaced: Placed | undefined = spot?.ok ? spot : spot ? { ok: false, kind: 'absent', error: { message: 'interrupted before the spot order was placed' } } : undefined;
      const futRules = await port.rules(intent.symbol).catch(() => ({ futures: undefined }));
      const outcome = await finishOpen(intent, fut.fill, spotPlaced, true, futRules.futures?.stepSize);
      return report({ futures: 'filled', spot: spot ? describe(spot) : 'not_sent' }, outcome);
    }

    // close: moving toward flat means completing it (the user asked to exit).
    if (!futFilled && intent.legs.futures.state !== 'skipped') {
      await store.update((d) => {
        const i = findIntent(d, intent.id);
        legPatch(i.legs.futures, fut);
        if (i.legs.spot) i.legs.spot.state = 'skipped';
        i.status = 'failed';
        i.updatedAt = now();
        const p = findPosition(d, i.positionId);
        if (p && p.status === 'closing' && dec(p.futuresQty).gt(0)) p.status = 'open';
      });
      return report({ futures: describe(fut), spot: 'not_sent' }, { kind: 'not_placed', action: 'close', symbol: intent.symbol, error: { message: 'interrupted before any order executed' } });
    }
    const rules = await port.rules(intent.symbol).catch(() => ({ spot: undefined }));
    const spotStep = rules.spot ? Decimal.max(dec(rules.spot.stepSize), dec(rules.spot.marketStepSize)).toFixed() : '0';
    const spotMinQty = rules.spot ? Decimal.max(dec(rules.spot.minQty), dec(rules.spot.marketMinQty)).toFixed() : undefined;
    const spotAttempt = Math.max(1, Number(/S(\d+)$/.exec(intent.legs.spot?.clientOrderId ?? '')?.[1] ?? 1));
    // the futures fill is not yet applied to the position (that happens in finishClose); no
    // balance cap here: the earlier SELL may already have taken the coins it is about to find
    const outcome = await finishClose(intent, fut.ok && futFilled ? fut.fill : undefined, { spotStep, ...(spotMinQty ? { spotMinQty } : {}) }, true, spotAttempt);
    return report({ futures: describe(fut), spot: outcome.kind === 'closed' || outcome.kind === 'partial' ? 'completed' : outcome.kind }, outcome);
  }

  async function recover(): Promise<RecoveryReport[]> {
    return exclusive(async () => {
      const reports: RecoveryReport[] = [];
      const pending = store.data.intents.filter((i) => i.status === 'pending').map((i) => structuredClone(i));
      // The latest moment any of their orders may have been sent: an earlier process's before this
      // one started, this process's before lastSentAt / the intent's last update. "Not found" means
      // "never placed" only once that request can no longer be accepted: wait that out (≤ 7 s).
      recoverySentAt = Math.max(startedAt, lastSentAt, ...pending.map((i) => i.updatedAt));
      if (pending.length && mode === 'live' && !expiredSince(recoverySentAt)) {
        await Promise.race([sleep(recoverySentAt + absentAfterMs + 1 - now()), haltedSignal]);
      }
      for (const intent of pending) {
        if (halted) {
          logger.warn({ intentId: intent.id }, 'shutting down: intent left pending for the next start');
          continue;
        }
        try {
          reports.push(await recoverOne(intent));
        } catch (err) {
          logger.error({ intentId: intent.id, err: errorMessage(err) }, 'recovery of an intent failed; it stays pending');
        }
      }
      return reports;
    });
  }

  return {
    open: (plan) => exclusive(() => openLocked(plan)),
    close: (plan) => exclusive(() => closeLocked(plan)),
    recover,
    exclusive,
    alertsSettled: async () => {
      await Promise.allSettled([...pendingAlerts]);
    },
    halt() {
      halted = true;
      onHalt();
    },
  };
}
