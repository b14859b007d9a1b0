import type { Side } from '../binance/types.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Intent } from '../ledger/schema.js';
import type { RecoveryTrigger } from '../events.js';
import type { Logger } from '../logger.js';
import type { ExchangePort, Leg, LegFill } from './port.js';

/** The executor's public shapes: what callers pass in (plans, deps) and get back (outcomes). */

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
  /** `tried`: every buy-back order sent and what became of it (for the critical alert) */
  | { kind: 'broken'; symbol: string; futures: LegFill; spotError: ErrorInfo; unwindError: ErrorInfo; manual: ManualStep[]; tried?: string[] }
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

export interface OpenPlan {
  symbol: string;
  baseAsset: string;
  /** already rounded to both markets' steps */
  qty: string;
  /** spot market step (LOT_SIZE ∩ MARKET_LOT_SIZE) for re-rounding a partial futures fill */
  spotStep: string;
  /** futures market step: an unwind after a partial spot fill is rounded down to it */
  futuresStep?: string;
  /**
   * live, spot fee taken from the coin bought (no BNB): its rate. The spot BUY is grossed up so
   * the net held is ≥ the futures short and less than one spot step above it.
   */
  spotBaseFeeRate?: string;
  userId: number;
  chatId: number;
  /** the preview message the trade was confirmed under: its outcome is shown there */
  messageId?: number;
  /**
   * Runs inside the lock before anything is written (state checks, the 1 % / funding re-check,
   * token expiry); throws UserError to refuse. Nothing but the intent write follows it.
   */
  guard?: () => void | Promise<void>;
  /** the intent is on disk and the first order is about to go out (a crash from here is recovered) */
  onSending?: () => void;
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
  messageId?: number;
  guard?: () => void | Promise<void>;
  onSending?: () => void;
}

export interface ExecutorDeps {
  ledger: Ledger;
  port: ExchangePort;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** waits before each query of an unknown order (default 100, 300, 700, 1500 ms) */
  queryDelaysMs?: number[];
  /** waits before each retry of a failed spot SELL on close (default 500, 1000, 2000 ms: 3 retries) */
  sellRetryDelaysMs?: number[];
  newId?: () => string;
  /** who hears about a trade started from this chat (default: that chat only) */
  audience?: (chatId: number) => number[];
  /**
   * An order whose send outcome is unknown may still be accepted by the exchange until its
   * request timestamp + recvWindow has passed; only after this long (recvWindow 5 s + 2 s
   * margin) may "not found" be read as "never placed". Default 7000 ms.
   */
  absentAfterMs?: number;
  /** wall-clock bound on a refused buy-back's escalation (default UNWIND_BUDGET_MS, 15 s) */
  unwindBudgetMs?: number;
}

export interface Executor {
  open(plan: OpenPlan): Promise<OpenOutcome>;
  close(plan: ClosePlan): Promise<CloseOutcome>;
  /** resolves every pending intent against the exchange; call before the bot starts taking commands */
  recover(trigger?: RecoveryTrigger): Promise<RecoveryReport[]>;
  /** when every order of the pending intents can be settled by a query (0 when none is pending) */
  settleAt(): number;
  /** runs fn under the trading lock */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** shutdown: recover() stops waiting and leaves intents it has not started on pending (for the next start) */
  halt(): void;
}
