import { RejectedError } from '../errors.js';
import type { BinanceHttp } from './http.js';
import {
  bookTickerListSchema,
  bookTickerSchema,
  exchangeInfoSchema,
  serverTimeSchema,
  spotAccountSchema,
  spotOrderSchema,
  spotTradeListSchema,
  tickerPriceSchema,
} from './schemas.js';
import type { SpotApi } from './types.js';

/** Binance spot request weights (REQUEST_WEIGHT per call, as published). */
export const SPOT_WEIGHTS = {
  time: 1,
  exchangeInfo: 20,
  tickerPriceOne: 2,
  bookTickerAll: 4,
  bookTickerOne: 2,
  account: 20,
  getOrder: 4,
  myTradesByOrder: 5,
  newOrder: 1,
} as const;

const exchangeInfo = exchangeInfoSchema('spot');

/** The spot endpoints carrybot uses, and nothing else. */
export function createSpotApi(http: BinanceHttp): SpotApi {
  const w = SPOT_WEIGHTS;
  return {
    time: async () => (await http.get('/api/v3/time', {}, serverTimeSchema, w.time)).serverTime,

    exchangeInfo: async () => {
      const info = await http.get('/api/v3/exchangeInfo', {}, exchangeInfo, w.exchangeInfo);
      http.setWeightLimit(info.weightLimit1m);
      return info;
    },

    tickerPrice: async (symbol) => (await http.get('/api/v3/ticker/price', { symbol }, tickerPriceSchema, w.tickerPriceOne)).price,

    bookTickers: () => http.get('/api/v3/ticker/bookTicker', {}, bookTickerListSchema, w.bookTickerAll),

    bookTicker: (symbol) => http.get('/api/v3/ticker/bookTicker', { symbol }, bookTickerSchema, w.bookTickerOne),

    balances: () => http.signed('GET', '/api/v3/account', { omitZeroBalances: true }, spotAccountSchema, w.account),

    newOrder: (o) =>
      http.signed(
        'POST',
        '/api/v3/order',
        {
          symbol: o.symbol,
          side: o.side,
          type: o.type,
          quantity: o.quantity,
          newClientOrderId: o.newClientOrderId,
          newOrderRespType: o.newOrderRespType,
        },
        spotOrderSchema,
        w.newOrder,
        { order: true },
      ),

    getOrder: async (ref) => {
      try {
        return await http.signed('GET', '/api/v3/order', { symbol: ref.symbol, origClientOrderId: ref.origClientOrderId }, spotOrderSchema, w.getOrder);
      } catch (err) {
        if (err instanceof RejectedError && err.code === -2013) return null;
        throw err;
      }
    },

    myTrades: (symbol, orderId) => http.signed('GET', '/api/v3/myTrades', { symbol, orderId }, spotTradeListSchema, w.myTradesByOrder),
  };
}
