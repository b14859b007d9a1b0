import type { Side, SymbolRules } from '../binance/types.js';
import type { TradingMode } from '../config.js';

/**
 * The exchange port: the one seam both trading modes implement. The executor
 * only ever talks to this, so paper and live run the exact same leg sequencing, unwind and
 * recovery code. Every amount is a decimal string.
 */

export type Leg = 'spot' | 'futures';

/** One order as the ledger needs it, normalised across markets and modes. */
export interface LegFill {
  orderId: number;
  clientOrderId: string;
  /** exchange status: FILLED, PARTIALLY_FILLED, EXPIRED, NEW, ... */
  status: string;
  executedQty: string;
  /** volume-weighted average price ('0' when nothing executed) */
  avgPrice: string;
  /** executed quote amount in USDT */
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  /** commission valued in USDT at the fill price */
  feeUsdt: string;
  /**
   * Commission paid in the BASE asset (spot BUY): that much less coin is actually held, so the
   * hedge drifts by this amount. '0' otherwise.
   */
  baseCommission: string;
  time: number;
  /** false while price/commission are estimates that completeFill() can make exact */
  exact: boolean;
}

export interface OrderRequest {
  symbol: string;
  side: Side;
  /** plain decimal string, already rounded to the market's step */
  qty: string;
  clientOrderId: string;
  /** futures only */
  reduceOnly?: boolean;
  /**
   * the symbol's base asset (from the plan/position), so the live spot order needs no rules
   * lookup (exchangeInfo) between the futures fill and the spot order
   */
  baseAsset?: string;
}

export interface Books {
  spotBid: string;
  spotAsk: string;
  futuresBid: string;
  futuresAsk: string;
  /** current (last) funding rate, decimal string */
  fundingRate: string;
}

export interface AccountState {
  /** free USDT on spot */
  spotUsdtFree: string;
  /** available USDT balance on USDⓈ-M futures */
  futuresAvailable: string;
  /** true when the futures account is in hedge (dual-side) mode */
  dualSide: boolean;
}

export interface ExchangePort {
  readonly mode: TradingMode;
  /** MARKET order on USDⓈ-M futures. Throws RejectedError / UnknownOutcomeError / ExchangeError. */
  placeFutures(order: OrderRequest): Promise<LegFill>;
  /** MARKET order on spot. */
  placeSpot(order: OrderRequest): Promise<LegFill>;
  /** The order with this client id, or null when the exchange says it does not exist. */
  queryOrder(market: Leg, symbol: string, clientOrderId: string): Promise<LegFill | null>;
  /**
   * Fills in what was deferred to keep the fill → next order path short (live futures: average
   * price and commission from GET order / userTrades). Never throws: on failure the estimate stays.
   */
  completeFill(market: Leg, symbol: string, fill: LegFill): Promise<LegFill>;
  /** both books and the current funding rate, from public endpoints */
  books(symbol: string): Promise<Books>;
  /** trading rules of both markets (cached exchangeInfo) */
  rules(symbol: string): Promise<{ spot?: SymbolRules; futures?: SymbolRules }>;
  /** live: balances and position mode; paper: null (no signed request at all) */
  account(): Promise<AccountState | null>;
  /** live: free spot balance of `asset` (signed read); paper: absent */
  spotFree?(asset: string): Promise<string>;
  /** live: POST /fapi/v1/leverage; paper: nothing */
  setLeverage(symbol: string, leverage: number): Promise<void>;
}

/** true when an exchange status means the order will not execute any further */
export const isFinalStatus = (status: string): boolean =>
  ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED', 'EXPIRED_IN_MATCH'].includes(status);
