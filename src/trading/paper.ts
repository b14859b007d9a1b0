import type { FuturesApi, SpotApi } from '../binance/types.js';
import type { Config } from '../config.js';
import { dec, toPlain } from '../money.js';
import type { Books, ExchangePort, LegFill, OrderRequest } from './port.js';
import { createRulesCache } from './rules.js';
import { configRates } from './feeRates.js';

/**
 * The paper exchange port: MARKET orders fill in full at the current book (BUY at the ask, SELL
 * at the bid) with the configured taker fees, from PUBLIC endpoints only — paper mode never
 * sends a signed request, so it cannot touch an account even when keys are configured.
 * Orders are remembered in memory so the executor's query-by-client-id path works the same;
 * after a restart they are gone and recovery trusts what the store recorded.
 */

export type PublicSpot = Pick<SpotApi, 'bookTicker' | 'exchangeInfo' | 'avgPrice'>;
export type PublicFutures = Pick<FuturesApi, 'bookTicker' | 'exchangeInfo' | 'premiumIndexOf'>;

export interface PaperPortDeps {
  spot: PublicSpot;
  futures: PublicFutures;
  config: Pick<Config, 'spotTakerFee' | 'futuresTakerFee'>;
  now?: () => number;
}

export function createPaperPort(deps: PaperPortDeps): ExchangePort {
  const { spot, futures, config } = deps;
  const now = deps.now ?? Date.now;
  const rules = createRulesCache(spot, futures, { now });
  const orders = new Map<string, LegFill>();
  // Distinct from every earlier run's ids (fills are keyed by market + orderId).
  let nextId = now() * 1000;

  async function fill(market: 'spot' | 'futures', order: OrderRequest): Promise<LegFill> {
    const book = market === 'spot' ? await spot.bookTicker(order.symbol) : await futures.bookTicker(order.symbol);
    const price = order.side === 'BUY' ? book.askPrice : book.bidPrice;
    const quote = dec(order.qty).mul(price);
    const fee = toPlain(quote.mul(market === 'spot' ? config.spotTakerFee : config.futuresTakerFee));
    const result: LegFill = {
      orderId: String(nextId++),
      clientOrderId: order.clientOrderId,
      status: 'FILLED',
      executedQty: toPlain(order.qty),
      avgPrice: toPlain(price),
      quoteQty: toPlain(quote),
      // paper fees are charged in USDT so the simulated hedge never drifts
      commission: fee,
      commissionAsset: 'USDT',
      feeUsdt: fee,
      baseCommission: '0',
      time: now(),
      exact: true,
    };
    orders.set(`${market}:${order.clientOrderId}`, result);
    return result;
  }

  return {
    mode: 'paper',
    placeFutures: (order) => fill('futures', order),
    placeSpot: (order) => fill('spot', order),
    queryOrder: async (market, _symbol, clientOrderId) => orders.get(`${market}:${clientOrderId}`) ?? null,
    completeFill: async (_market, _symbol, f) => f,
    async books(symbol): Promise<Books> {
      const [s, f, p] = await Promise.all([spot.bookTicker(symbol), futures.bookTicker(symbol), futures.premiumIndexOf(symbol)]);
      return { spotBid: s.bidPrice, spotAsk: s.askPrice, futuresBid: f.bidPrice, futuresAsk: f.askPrice, fundingRate: p.lastFundingRate };
    },
    rules,
    account: async () => null,
    feeRates: async () => configRates(config),
    spotAvgPrice: async (symbol) => (await spot.avgPrice(symbol)).price,
    setLeverage: async () => undefined,
  };
}
