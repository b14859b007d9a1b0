import { FakeVenueServer, type FakeVenueCoin } from './venueServer.js';

/**
 * Loopback fake of Bybit v5 public market data, strict like the real one: `category` is
 * required; instruments-info pages with `cursor` (limit ≤ 1000, default 500); funding history
 * refuses startTime without endTime and limit > 200. Shapes follow the documented examples in
 * test/fixtures/venues (Bybit's own docs repository).
 */

const ok = (result: unknown) => ({ status: 200, body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() }, headers: { 'X-Bapi-Limit': '600', 'X-Bapi-Limit-Status': '599', 'X-Bapi-Limit-Reset-Timestamp': String(Date.now()) } });
const err = (retCode: number, retMsg: string) => ({ status: 200, body: { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() } });

export class FakeBybit extends FakeVenueServer {
  /** instruments-info page size cap (Bybit: 1000); tests lower it to exercise the cursor */
  maxPage = 1000;

  protected route(path: string, q: URLSearchParams) {
    const category = q.get('category');
    if (!category) return err(10001, 'params error: Category is required');
    if (path === '/v5/market/tickers') {
      if (category === 'linear') return ok({ category, list: this.coins.map((c) => linearTicker(c)) });
      if (category === 'spot') return ok({ category, list: this.coins.filter((c) => c.spot).map((c) => spotTicker(c)) });
      return err(10001, 'params error: category');
    }
    if (path === '/v5/market/instruments-info') {
      if (category !== 'linear') return err(10001, 'params error: category');
      const limit = Number(q.get('limit') ?? 500);
      if (!(limit >= 1 && limit <= 1000)) return err(10001, 'params error: limit');
      const start = q.get('cursor') ? Number(q.get('cursor')) : 0;
      const size = Math.min(limit, this.maxPage);
      const page = this.coins.slice(start, start + size);
      const next = start + size < this.coins.length ? String(start + size) : '';
      return ok({ category, list: page.map(instrument), nextPageCursor: next });
    }
    if (path === '/v5/market/funding/history') {
      const c = this.coins.find((x) => `${x.coin}USDT` === q.get('symbol'));
      if (!c) return err(10001, 'params error: symbol invalid');
      if (q.has('startTime') && !q.has('endTime')) return err(10001, 'params error: endTime is required with startTime');
      const limit = Number(q.get('limit') ?? 200);
      if (!(limit >= 1 && limit <= 200)) return err(10001, 'params error: limit');
      const from = Number(q.get('startTime') ?? 0);
      const to = Number(q.get('endTime') ?? Number.MAX_SAFE_INTEGER);
      const rows = c.history.filter((h) => h.fundingTime >= from && h.fundingTime <= to).slice(-limit).reverse();
      return ok({ category, list: rows.map((h) => ({ symbol: `${c.coin}USDT`, fundingRate: h.rate, fundingRateTimestamp: String(h.fundingTime) })) });
    }
    return { status: 404, body: { retCode: 404, retMsg: 'Not Found' } };
  }

  protected rateLimitAnswer() {
    return { ...err(10006, 'Too many visits!'), headers: { 'X-Bapi-Limit': '600', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': String(Date.now() + 30_000) } };
  }

  protected envelopeWithBadShape() {
    return { retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [{ symbol: 'BTCUSDT', fundingRate: 'high', markPrice: 1 }] } };
  }
}

function linearTicker(c: FakeVenueCoin) {
  return {
    symbol: `${c.coin}USDT`,
    lastPrice: c.markPrice,
    indexPrice: c.markPrice,
    markPrice: c.markPrice,
    prevPrice24h: c.markPrice,
    price24hPcnt: '0.001',
    highPrice24h: c.futuresAsk,
    lowPrice24h: c.futuresBid,
    prevPrice1h: c.markPrice,
    openInterest: '1000',
    openInterestValue: '100000',
    turnover24h: '1000000',
    volume24h: '10000',
    fundingRate: c.rate,
    nextFundingTime: String(c.nextFundingTime),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: '1',
    bid1Price: c.futuresBid,
    ask1Price: c.futuresAsk,
    bid1Size: '1',
  };
}

function spotTicker(c: FakeVenueCoin) {
  return {
    symbol: `${c.coin}USDT`,
    bid1Price: c.spotBid,
    bid1Size: '2',
    ask1Price: c.spotAsk,
    ask1Size: '1.5',
    lastPrice: c.spotAsk,
    prevPrice24h: c.spotAsk,
    price24hPcnt: '0.001',
    highPrice24h: c.spotAsk,
    lowPrice24h: c.spotBid,
    turnover24h: '1000000',
    volume24h: '10000',
    usdIndexPrice: c.spotAsk,
  };
}

function instrument(c: FakeVenueCoin) {
  return {
    symbol: `${c.coin}USDT`,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: c.coin,
    quoteCoin: 'USDT',
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: '2',
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
    lotSizeFilter: { maxOrderQty: '1190.000', minOrderQty: '0.001', qtyStep: '0.001', postOnlyMaxOrderQty: '1190.000', maxMktOrderQty: '500.000', minNotionalValue: '5' },
    unifiedMarginTrade: true,
    fundingInterval: c.intervalHours * 60,
    settleCoin: 'USDT',
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
    symbolType: '',
  };
}

export async function startFakeBybit(coins: FakeVenueCoin[] = []): Promise<FakeBybit> {
  const f = await new FakeBybit().listen();
  f.setCoins(coins);
  return f;
}
