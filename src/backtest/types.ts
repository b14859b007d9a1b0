import type { Config } from '../config.js';
import type { Decimal } from '../money.js';

/**
 * The backtest's data and results. Money (funding, fees, basis PnL, net, drawdown) is decimal;
 * APRs and days are plain numbers: ratios for display, never summed into money.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One settled funding print as Binance returned it. */
export interface Settlement {
  time: number;
  rate: string;
  /** mark price at the settlement; absent on old rows */
  mark?: string;
}

/** Hourly opens: [openTime, price]. */
export type PricePoint = [number, string];

/** Everything the replay of one symbol may read. Decisions are made at settlements in (from, to]. */
export interface SymbolHistory {
  symbol: string;
  from: number;
  to: number;
  /** settlements from a week before `from` (the first 7-day means) to `to`, oldest first */
  funding: Settlement[];
  spot: PricePoint[];
  futures: PricePoint[];
}

/** the bot's own entry/exit thresholds, fees and leverage, plus the USDT per symbol on each leg */
export type BacktestParams = Pick<Config, 'minApr' | 'exitApr' | 'holdDays' | 'spotTakerFee' | 'futuresTakerFee' | 'leverage'> & { notional: string };

export type ExitReason = 'negative' | 'low_apr' | 'end';

export interface Trade {
  entryTime: number;
  exitTime: number;
  reason: ExitReason;
  qty: string;
  entrySpot: string;
  entryFutures: string;
  exitSpot: string;
  exitFutures: string;
  funding: Decimal;
  fees: Decimal;
  basisPnl: Decimal;
}

/** One replay of one symbol under one policy. */
export interface ReplayResult {
  trades: Trade[];
  funding: Decimal;
  fees: Decimal;
  basisPnl: Decimal;
  net: Decimal;
  daysInTrade: number;
  entries: number;
  /** exits decided by the rules (a position still open at the end is closed there, not counted) */
  exits: number;
  openAtEnd: boolean;
  /** largest fall of the cumulative net (marked to market at each settlement) from its previous high */
  maxDrawdown: Decimal;
  /** cumulative net after each settlement in the window, marked to market */
  curve: { times: number[]; values: Decimal[] };
}

/** What the data actually covered, so the report can say so. */
export interface DataCoverage {
  /** first and last settlement inside (from, to]; null when none */
  firstSettlement: number | null;
  lastSettlement: number | null;
  settlements: number;
  /** settlements the interval says should exist but are absent */
  missingSettlements: number;
  /** hours in [from, to] without a kline */
  missingSpotKlines: number;
  missingFuturesKlines: number;
  /** settlements with no price at or before them (no trade possible there) */
  unpriced: number;
}
