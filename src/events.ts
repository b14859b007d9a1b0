import type { TradingMode } from './config.js';
import type { Outcome } from './trading/executorTypes.js';

/**
 * What the domain tells people, as plain data (kinds, symbols, quantities, prices, error codes).
 * Trading stores these in the outbox in the same write as what they report; only the Telegram
 * layer renders them, when it sends them, in each recipient's language.
 */

/** what started a recovery: a restart, /resume, or the bot itself once an unknown order could be settled */
export type RecoveryTrigger = 'start' | 'resume' | 'auto';

export interface RecoveryInfo {
  trigger: RecoveryTrigger;
  kind: 'open' | 'close';
  /** what the orders were found to be (locale keys under trading.recovery.state) */
  found: { futures: string; spot: string };
}

export interface TradeEvent {
  type: 'trade';
  mode: TradingMode;
  outcome: Outcome;
  /** set when the outcome came out of recovery */
  recovery?: RecoveryInfo;
  /** new opens were paused by the unresolved trade and are allowed again */
  resumed?: boolean;
}

export type DomainEvent = TradeEvent;
