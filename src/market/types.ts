import type { AnyVenue, VenueId } from '../venues/types.js';

/**
 * What one market scan produces. Rates and APRs are plain numbers: they are
 * ratios for display and ranking, never sent to the exchange or summed into the ledger.
 */

export type SignalWarning = 'settlement_soon' | 'compressing' | 'capped_1h' | 'negative_funding' | 'thin_history';

export interface SymbolSignal {
  symbol: string;
  baseAsset: string;
  /** funding interval in hours (8 unless fundingInfo says otherwise) */
  intervalHours: number;
  periodsPerDay: number;
  /** current (last) funding rate as a fraction, e.g. 0.0001 */
  rate: number;
  /** current funding APR in % = rate × periodsPerDay × 365 × 100 */
  apr: number;
  /** 7-day APR in %: mean daily funding of the settled history (each print over the time it paid) × 365 × 100; null when history was not fetched */
  apr7d: number | null;
  /** number of settlements the 7-day mean was computed from */
  settlements7d: number;
  /** entry basis % = (futures bid − spot ask) / spot ask × 100 */
  basisPct: number;
  /** round-trip fee % = 2 × (spot taker + futures taker) × 100 */
  roundTripFeePct: number;
  /** days of funding (at the 7-day mean) to pay the round trip; null when mean ≤ 0 */
  breakEvenDays: number | null;
  /** 7-day APR − round-trip fee % × 365 / HOLD_DAYS (uses current APR when no 7d history) */
  netApr: number;
  /** net APR / (1 + 1/LEVERAGE) */
  capitalApr: number;
  markPrice: string;
  spotAsk: string;
  spotBid: string;
  futuresBid: string;
  futuresAsk: string;
  nextFundingTime: number;
  warnings: SignalWarning[];
  /** true when this row meets the signal rule (net APR ≥ MIN_APR and rate > 0, 7d history of at least one full day of settlements) */
  isSignal: boolean;
}

export interface ScanResult {
  /** epoch ms when the snapshot was taken */
  at: number;
  /** every symbol in the universe, ranked by net APR (highest first) */
  rows: SymbolSignal[];
  /** the subset that are signals, same order */
  signals: SymbolSignal[];
  /** how many requests / how much weight this scan cost */
  requests: number;
  weight: number;
  universeSize: number;
  /** funding-history requests made by this scan (weight 1 each), counted apart from the tick's data requests */
  historyRequests?: number;
  historyWeight?: number;
  /** candidates still waiting for history (bounded per tick; fetched on later ticks) */
  historyPending?: number;
  /** history fetches that failed this scan (those rows stay without a 7-day mean) */
  historyFailed?: number;
  /** SYMBOLS watchlist entries not tradable on both markets */
  missing?: string[];
  /** the other venues (VENUES), scanned beside Binance; absent when only Binance is scanned */
  venues?: VenuesScan;
}

/** A row of the cross-venue view: the same figures as a Binance row, on one venue. */
export interface VenueSignal extends SymbolSignal {
  venue: AnyVenue;
  /** base coin the venues are matched on (BTC) */
  coin: string;
}

/** How one secondary venue fared this tick. */
export interface VenueStatus {
  venue: VenueId;
  ok: boolean;
  /** why the venue shows `—` this tick */
  error?: string;
  /** bulk requests this tick (the hourly instrument list included when it was reloaded) */
  requests: number;
  weight: number;
  historyRequests: number;
  coins: number;
}

export interface VenuesScan {
  /** every secondary venue's rows, ranked by net APR */
  rows: VenueSignal[];
  status: VenueStatus[];
}

export interface ScanOptions {
  /** reuse the last scan when younger than this */
  maxAgeMs?: number;
  /** symbols whose history is kept fresh regardless of their current APR (open positions, active signals) */
  keep?: Iterable<string>;
  /** max new history fetches this scan (default 10 per tick) */
  historyBudget?: number;
}

export interface FundingHistory {
  symbol: string;
  intervalHours: number;
  rows: Array<{ fundingTime: number; rate: number; markPrice?: string }>;
}

/** The market-data service the bot, jobs and trading use. */
export interface MarketService {
  /** full scan; reuses a scan younger than maxAgeMs when given */
  scan(opts?: ScanOptions): Promise<ScanResult>;
  /** one symbol, fresh prices (used by /funding, previews and confirm re-checks) */
  symbol(symbol: string): Promise<SymbolSignal>;
  /** settled funding history of one symbol for the last `days` days, oldest first */
  history(symbol: string, days: number): Promise<FundingHistory>;
  lastScan(): ScanResult | undefined;
  /** one coin on every other venue, with its settled history there (for /funding); empty when only Binance is scanned */
  venueRows(coin: string): Promise<VenuesScan & { history: Array<{ venue: VenueId; rows: Array<{ fundingTime: number; rate: number }> }> }>;
}
