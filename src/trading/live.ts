import type { FuturesApi, FuturesOrder, SpotApi, SpotOrder } from '../binance/types.js';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { dec, sum, toPlain } from '../money.js';
import { avgPrice, feeInUsdt, feesValued, sumSpotFills } from './fees.js';
import { createAccountFeeRates, type FeeRatesSource } from './feeRates.js';
import type { AccountState, Books, ExchangePort, LegFill, OrderRequest } from './port.js';
import { createRulesCache } from './rules.js';

/**
 * The live exchange port over the Binance clients. Futures orders ask for RESULT (executed
 * quantity at once); the average price and the commission are filled in afterwards by
 * completeFill() so nothing but the futures answer stands between the short and the spot buy.
 */

export interface LivePortDeps {
  spot: SpotApi;
  futures: FuturesApi;
  config: Pick<Config, 'spotTakerFee' | 'futuresTakerFee'>;
  logger: Logger;
  now?: () => number;
  /** the account's rates, shared with the signal scan (built here when not given) */
  feeRates?: FeeRatesSource;
}

export function createLivePort(deps: LivePortDeps): ExchangePort {
  const { spot, futures, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const rules = createRulesCache(spot, futures, { now });
  const feeRates = deps.feeRates ?? createAccountFeeRates({ spot, futures, config, logger, now });
  const baseOf = async (symbol: string) => (await rules(symbol)).spot?.baseAsset ?? symbol.replace(/USDT$/, '');

  /** USDT prices of commission assets other than USDT and the base (BNB): read now, just after the fill. */
  async function thirdAssetPrices(assets: string[], base: string): Promise<Map<string, string>> {
    const prices = new Map<string, string>();
    for (const a of new Set(assets)) {
      if (a === 'USDT' || a === base) continue;
      try {
        prices.set(a, toPlain(await spot.tickerPrice(`${a}USDT`)));
      } catch (err) {
        logger.warn({ asset: a, err: errorMessage(err) }, 'no USDT price for a commission asset');
      }
    }
    return prices;
  }

  /** Futures order → fill with a taker-rate estimate of the commission until completeFill(). */
  function fromFutures(o: FuturesOrder): LegFill {
    const quote = dec(o.cumQuote).gt(0) ? o.cumQuote : toPlain(dec(o.executedQty).mul(o.avgPrice));
    const estimate = toPlain(dec(quote).mul(config.futuresTakerFee));
    return {
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      status: o.status,
      executedQty: toPlain(o.executedQty),
      avgPrice: toPlain(o.avgPrice),
      quoteQty: toPlain(quote),
      commission: estimate,
      commissionAsset: 'USDT',
      feeUsdt: estimate,
      baseCommission: '0',
      time: o.updateTime || now(),
      exact: false,
    };
  }

  async function fromSpot(o: SpotOrder, baseAsset: string): Promise<LegFill> {
    const fills = o.fills ?? [];
    const fees = fills.length
      ? sumSpotFills(fills, baseAsset, config.spotTakerFee)
      : { commission: '0', commissionAsset: 'USDT', feeUsdt: '0', baseCommission: '0' };
    const executed = dec(o.executedQty);
    return {
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      status: o.status,
      executedQty: toPlain(executed),
      avgPrice: avgPrice(o.cummulativeQuoteQty, o.executedQty),
      quoteQty: toPlain(o.cummulativeQuoteQty),
      ...fees,
      time: o.transactTime ?? o.time ?? now(),
      // FULL carries every fill; a queried order (GET /api/v3/order) carries none. A third-asset
      // (BNB) commission is only an estimate until completeFill() prices it.
      exact: (fills.length > 0 && feesValued(fills.map((f) => f.commissionAsset), baseAsset)) || executed.lte(0),
    };
  }

  return {
    mode: 'live',

    async placeFutures(order: OrderRequest) {
      const o = await futures.newOrder({
        symbol: order.symbol,
        side: order.side,
        type: order.type ?? 'MARKET',
        quantity: order.qty,
        ...(order.type === 'LIMIT' ? { price: order.price, timeInForce: 'IOC' as const } : {}),
        newClientOrderId: order.clientOrderId,
        reduceOnly: order.reduceOnly ? true : undefined,
        newOrderRespType: 'RESULT',
      });
      return fromFutures(o);
    },

    async placeSpot(order: OrderRequest) {
      // nothing but the order itself between the futures fill and the spot order: the base asset
      // comes with the request (rules() could refetch exchangeInfo and wait on the limiter)
      const o = await spot.newOrder({
        symbol: order.symbol,
        side: order.side,
        type: 'MARKET',
        quantity: order.qty,
        newClientOrderId: order.clientOrderId,
        newOrderRespType: 'FULL',
      });
      return fromSpot(o, order.baseAsset ?? (await baseOf(order.symbol)));
    },

    async queryOrder(market, symbol, clientOrderId) {
      if (market === 'futures') {
        const o = await futures.getOrder({ symbol, origClientOrderId: clientOrderId });
        return o ? fromFutures(o) : null;
      }
      const o = await spot.getOrder({ symbol, origClientOrderId: clientOrderId });
      return o ? fromSpot(o, await baseOf(symbol)) : null;
    },

    async completeFill(market, symbol, fill) {
      if (fill.exact || dec(fill.executedQty).lte(0)) return fill;
      try {
        if (market === 'futures') {
          let price = fill.avgPrice;
          if (dec(price).lte(0)) {
            const o = await futures.getOrder({ symbol, origClientOrderId: fill.clientOrderId });
            if (o && dec(o.avgPrice).gt(0)) price = toPlain(o.avgPrice);
          }
          const trades = await futures.userTrades(symbol, fill.orderId);
          if (!trades.length) return { ...fill, avgPrice: price, quoteQty: toPlain(dec(fill.executedQty).mul(price)) };
          const qty = sum(trades.map((t) => t.qty));
          const quote = sum(trades.map((t) => t.quoteQty));
          const assets = new Set(trades.map((t) => t.commissionAsset));
          const prices = await thirdAssetPrices([...assets], '');
          const fee = sum(
            trades.map((t) =>
              feeInUsdt({ commission: t.commission, asset: t.commissionAsset, price: t.price, baseAsset: '', quoteQty: t.quoteQty, feeRate: config.futuresTakerFee, prices }),
            ),
          );
          const single = assets.size === 1 ? [...assets][0]! : undefined;
          return {
            ...fill,
            avgPrice: avgPrice(toPlain(quote), toPlain(qty)),
            quoteQty: toPlain(quote),
            commission: single ? toPlain(sum(trades.map((t) => t.commission))) : toPlain(fee),
            commissionAsset: single ?? 'USDT',
            feeUsdt: toPlain(fee),
            exact: feesValued(assets, '', prices),
          };
        }
        const base = await baseOf(symbol);
        let trades = await spot.myTrades(symbol, fill.orderId);
        // trades can lag the order: look once more before leaving the commission unknown
        if (!trades.length) trades = await spot.myTrades(symbol, fill.orderId);
        if (!trades.length) {
          logger.warn({ symbol, clientOrderId: fill.clientOrderId }, 'spot trades not found: commission unknown (base-asset fee may be missing)');
          return { ...fill, exact: false };
        }
        const prices = await thirdAssetPrices(trades.map((t) => t.commissionAsset), base);
        const fees = sumSpotFills(trades, base, config.spotTakerFee, prices);
        const quote = sum(trades.map((t) => t.quoteQty));
        const exact = feesValued(trades.map((t) => t.commissionAsset), base, prices);
        if (!exact) logger.warn({ symbol, clientOrderId: fill.clientOrderId }, 'commission asset has no USDT price: fee estimated');
        return { ...fill, ...fees, quoteQty: toPlain(quote), avgPrice: avgPrice(toPlain(quote), fill.executedQty), exact };
      } catch (err) {
        // The order is done; a failed lookup only leaves the fee an estimate.
        logger.warn({ market, symbol, clientOrderId: fill.clientOrderId, err: errorMessage(err) }, 'fill details lookup failed; fee stays estimated');
        return fill;
      }
    },

    async books(symbol): Promise<Books> {
      const [s, f, p] = await Promise.all([spot.bookTicker(symbol), futures.bookTicker(symbol), futures.premiumIndexOf(symbol)]);
      return { spotBid: s.bidPrice, spotAsk: s.askPrice, futuresBid: f.bidPrice, futuresAsk: f.askPrice, fundingRate: p.lastFundingRate };
    },

    rules,

    async account(): Promise<AccountState> {
      const [s, f, dualSide] = await Promise.all([spot.balances(), futures.balances(), futures.dualSidePosition()]);
      return {
        spotUsdtFree: s.find((b) => b.asset === 'USDT')?.free ?? '0',
        futuresAvailable: f.find((b) => b.asset === 'USDT')?.availableBalance ?? '0',
        dualSide,
        bnbFree: s.find((b) => b.asset === 'BNB')?.free ?? '0',
      };
    },

    async futuresShort(symbol) {
      const p = (await futures.positionRisk(symbol)).find((r) => r.symbol === symbol && (r.positionSide === 'BOTH' || r.positionSide === 'SHORT'));
      // v3 lists only symbols with a position: none listed is none held
      return { short: p ? toPlain(dec(p.positionAmt).neg()) : '0', markPrice: p?.markPrice ?? (await futures.premiumIndexOf(symbol)).markPrice };
    },

    async spotFree(asset) {
      return (await spot.balances()).find((b) => b.asset === asset)?.free ?? '0';
    },

    feeRates,

    spotAvgPrice: async (symbol) => (await spot.avgPrice(symbol)).price,

    setLeverage: (symbol, leverage) => futures.setLeverage(symbol, leverage),
  };
}
