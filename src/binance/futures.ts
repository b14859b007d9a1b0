import { RejectedError } from '../errors.js';
import type { BinanceHttp } from './http.js';
import {
  bookTickerListSchema,
  bookTickerSchema,
  dualSideSchema,
  exchangeInfoSchema,
  fundingInfoListSchema,
  fundingRateListSchema,
  futuresBalanceListSchema,
  futuresOrderSchema,
  futuresTradeListSchema,
  incomeListSchema,
  leverageSchema,
  positionRiskListSchema,
  premiumIndexListSchema,
  premiumIndexSchema,
  serverTimeSchema,
} from './schemas.js';
import type { FuturesApi } from './types.js';

/** Binance USDⓈ-M request weights (REQUEST_WEIGHT per call, as published). */
export const FUTURES_WEIGHTS = {
  time: 1,
  exchangeInfo: 1,
  premiumIndexAll: 10,
  premiumIndexOne: 1,
  fundingRate: 1, // also counts against its own 500 / 5 min / IP limit
  fundingInfo: 1,
  bookTickerAll: 5,
  bookTickerOne: 2,
  getOrder: 1,
  userTrades: 5,
  income: 30,
  dualSide: 30,
  positionRisk: 5,
  balance: 5,
  newOrder: 0, // orders count against the order limits, not the IP weight
  leverage: 1,
} as const;

const exchangeInfo = exchangeInfoSchema('futures');

/** The futures endpoints carrybot uses, and nothing else. */
export function createFuturesApi(http: BinanceHttp): FuturesApi {
  const w = FUTURES_WEIGHTS;
  return {
    time: async () => (await http.get('/fapi/v1/time', {}, serverTimeSchema, w.time)).serverTime,

    exchangeInfo: async () => {
      const info = await http.get('/fapi/v1/exchangeInfo', {}, exchangeInfo, w.exchangeInfo);
      http.setWeightLimit(info.weightLimit1m);
      return info;
    },

    premiumIndex: () => http.get('/fapi/v1/premiumIndex', {}, premiumIndexListSchema, w.premiumIndexAll),

    premiumIndexOf: (symbol) => http.get('/fapi/v1/premiumIndex', { symbol }, premiumIndexSchema, w.premiumIndexOne),

    fundingRate: (q) =>
      http.get('/fapi/v1/fundingRate', { symbol: q.symbol, startTime: q.startTime, endTime: q.endTime, limit: q.limit }, fundingRateListSchema, w.fundingRate),

    fundingInfo: () => http.get('/fapi/v1/fundingInfo', {}, fundingInfoListSchema, w.fundingInfo),

    bookTickers: () => http.get('/fapi/v1/ticker/bookTicker', {}, bookTickerListSchema, w.bookTickerAll),

    bookTicker: (symbol) => http.get('/fapi/v1/ticker/bookTicker', { symbol }, bookTickerSchema, w.bookTickerOne),

    newOrder: (o) =>
      http.signed(
        'POST',
        '/fapi/v1/order',
        {
          symbol: o.symbol,
          side: o.side,
          type: o.type,
          quantity: o.quantity,
          newClientOrderId: o.newClientOrderId,
          reduceOnly: o.reduceOnly ? 'true' : undefined,
          newOrderRespType: o.newOrderRespType,
        },
        futuresOrderSchema,
        w.newOrder,
        { order: true },
      ),

    getOrder: async (ref) => {
      try {
        return await http.signed('GET', '/fapi/v1/order', { symbol: ref.symbol, origClientOrderId: ref.origClientOrderId }, futuresOrderSchema, w.getOrder);
      } catch (err) {
        if (err instanceof RejectedError && err.code === -2013) return null;
        throw err;
      }
    },

    userTrades: (symbol, orderId) => http.signed('GET', '/fapi/v1/userTrades', { symbol, orderId }, futuresTradeListSchema, w.userTrades),

    income: (q) =>
      http.signed(
        'GET',
        '/fapi/v1/income',
        { incomeType: q.incomeType, startTime: q.startTime, endTime: q.endTime, limit: q.limit },
        incomeListSchema,
        w.income,
      ),

    dualSidePosition: async () => (await http.signed('GET', '/fapi/v1/positionSide/dual', {}, dualSideSchema, w.dualSide)).dualSidePosition,

    positionRisk: (symbol) => http.signed('GET', '/fapi/v2/positionRisk', { symbol }, positionRiskListSchema, w.positionRisk),

    balances: () => http.signed('GET', '/fapi/v2/balance', {}, futuresBalanceListSchema, w.balance),

    setLeverage: async (symbol, leverage) => {
      await http.signed('POST', '/fapi/v1/leverage', { symbol, leverage }, leverageSchema, w.leverage);
    },
  };
}
