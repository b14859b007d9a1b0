import type { TradingMode } from './config.js';
import type { Drift } from './ledger/reconcile.js';
import type { VenueGap } from './market/crossVenue.js';
import type { ExitCondition } from './market/signals.js';
import type { SymbolSignal } from './market/types.js';
import type { CloseOutcome, Outcome } from './trading/executorTypes.js';

/**
 * What the domain tells people, as plain data (kinds, symbols, quantities, prices, error codes).
 * Each is stored in the outbox in the same write as the state it reports (a trade's outcome, an
 * alert's "sent once per crossing" state); only the Telegram layer renders them, when it sends
 * them, in each recipient's language. Buttons are data too: the renderer turns an event's
 * symbol, position id or amount into the button (a confirm token is only made when it is tapped).
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

/** a domain error as data: its locale key and parameters */
export interface ErrorText {
  key: string;
  params: Record<string, string | number>;
}

export const errorText = (e: { key: string; params?: Record<string, string | number> }): ErrorText => ({ key: e.key, params: { ...e.params } });

/** the fields of a scan row a signal push shows */
export type SignalRow = Pick<SymbolSignal, 'symbol' | 'baseAsset' | 'rate' | 'intervalHours' | 'apr7d' | 'netApr' | 'breakEvenDays' | 'basisPct' | 'nextFundingTime' | 'warnings'>;

export const signalRow = (s: SymbolSignal): SignalRow => ({
  symbol: s.symbol,
  baseAsset: s.baseAsset,
  rate: s.rate,
  intervalHours: s.intervalHours,
  apr7d: s.apr7d,
  netApr: s.netApr,
  breakEvenDays: s.breakEvenDays,
  basisPct: s.basisPct,
  nextFundingTime: s.nextFundingTime,
  warnings: [...s.warnings],
});

/** symbols that became or stopped being signals in the scan taken at `at` */
export interface SignalsEvent {
  type: 'signals';
  at: number;
  entered: SignalRow[];
  /** `netApr` when the symbol is still listed (else it is gone from the universe) */
  left: Array<{ symbol: string; netApr?: number }>;
}

export interface VenueGapEvent {
  type: 'venue_gap';
  gaps: VenueGap[];
}

/** an open position whose funding turned negative or whose 7-day APR fell below EXIT_APR (close button) */
export interface ExitAlertEvent {
  type: 'exit_alert';
  positionId: string;
  symbol: string;
  baseAsset: string;
  futuresQty: string;
  conditions: ExitCondition[];
  rate: number;
  apr: number;
  apr7d: number | null;
  exitApr: number;
  /** funding received so far, USDT */
  funding: string;
  nextFundingTime: number;
  /** automatic exit: the bot closes after this many minutes unless kept open (Keep open button) */
  autoExitMinutes?: number;
}

/** the store and the exchange disagree about a hedge */
export interface DriftEvent {
  type: 'drift';
  drift: Drift;
}

/** the income cursor is older than Binance keeps income: funding rows may be missing */
export interface IncomeStaleEvent {
  type: 'income_stale';
  days: number;
}

/** a margin position as the alerts show it */
export interface MarginPosition {
  symbol: string;
  markPrice: string;
  liqPrice: string | null;
  distancePct: number | null;
  adl: number | null;
}

/** what the margin watch and the automatic exit tell everyone */
export type RiskNotice =
  /** `move`: USDT the Move button offers ('0': nothing can be moved, no button) */
  | { kind: 'margin_alert'; position: MarginPosition; alertPct: number; move: string }
  | { kind: 'adl_alert'; position: MarginPosition }
  | { kind: 'auto_topup'; symbol: string; amount: string; distancePct: number | null; used: string; budget: string }
  | { kind: 'auto_topup_failed'; symbol: string; amount: string; error: ErrorText | null; reason: string }
  | { kind: 'auto_exit'; symbol: string; outcome: CloseOutcome }
  | { kind: 'auto_exit_failed'; symbol: string; error: ErrorText };

export interface RiskEvent {
  type: 'risk';
  mode: TradingMode;
  notice: RiskNotice;
}

/** a confirmed top-up or kill switch, told to the others (the initiator reads it in the preview) */
export type RiskResult =
  | { kind: 'refused'; error: ErrorText }
  | { kind: 'moved'; amount: string }
  | { kind: 'move_unknown'; amount: string; reason: string }
  | { kind: 'closed_all'; results: Array<{ symbol: string; outcome: CloseOutcome } | { symbol: string; error: ErrorText }> };

export interface RiskResultEvent {
  type: 'risk_result';
  mode: TradingMode;
  result: RiskResult;
}

/** someone tapped Keep open: no automatic exit for this position until its condition clears */
export interface KeptOpenEvent {
  type: 'kept_open';
  symbol: string;
}

/** the disk refused a ledger write (the bot runs on memory, new opens wait), or took it again */
export interface StoreEvent {
  type: 'store';
  saved: boolean;
}

export type DomainEvent = TradeEvent | SignalsEvent | VenueGapEvent | ExitAlertEvent | DriftEvent | IncomeStaleEvent | RiskEvent | RiskResultEvent | KeptOpenEvent | StoreEvent;

/** an event and the chats it is owed to */
export interface Publication {
  event: DomainEvent;
  chats: readonly number[];
  /** in this chat, the message to edit with it (a confirm's preview) instead of a new message */
  edit?: { chatId: number; messageId: number };
}

/** Who is told: every allowlisted user (private chat id = user id), or those with alerts on. */
export interface Audience {
  all(): number[];
  /** signal changes and exit alerts: only users who did not turn alerts off */
  alerts(): number[];
}

export function createAudience(allowed: readonly number[], settings: (userId: number) => { alerts?: boolean } | undefined): Audience {
  return {
    all: () => [...allowed],
    alerts: () => allowed.filter((id) => settings(id)?.alerts !== false),
  };
}
