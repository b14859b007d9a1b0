/**
 * Secondary venues scanned for funding beside Binance (signals only; trading stays on Binance).
 * Decimal values stay strings as they came off the wire; the signal math parses them.
 */

export const VENUE_IDS = ['bybit', 'okx'] as const;
export type VenueId = (typeof VENUE_IDS)[number];
/** Binance plus the secondary venues, as VENUES lists them */
export type AnyVenue = 'binance' | VenueId;

/** One coin's carry market on a venue: its USDT perpetual and its USDT spot pair. */
export interface VenueQuote {
  /** base coin, the key rows are matched on across venues (BTC) */
  coin: string;
  /** the venue's perpetual id (BTCUSDT, BTC-USDT-SWAP) */
  symbol: string;
  /** funding rate for the settlement at nextFundingTime, as a fraction */
  rate: string;
  intervalHours: number;
  nextFundingTime: number;
  markPrice: string;
  futuresBid: string;
  futuresAsk: string;
  spotBid: string;
  spotAsk: string;
}

export interface VenueRateRow {
  fundingTime: number;
  rate: number;
}

export interface VenueMeterLike {
  requests: number;
  weight: number;
}

/** A venue's public market-data client. */
export interface VenueClient {
  readonly id: VenueId;
  /** every coin with both a perpetual and a spot pair quoting now (bulk requests only) */
  snapshot(meter: VenueMeterLike): Promise<VenueQuote[]>;
  /** settled funding of one perpetual since `from`, oldest first */
  history(symbol: string, from: number, to: number, meter: VenueMeterLike): Promise<VenueRateRow[]>;
  close(): Promise<void>;
}
