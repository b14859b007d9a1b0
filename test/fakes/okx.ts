import { FakeVenueServer, type FakeVenueCoin } from './venueServer.js';

/**
 * Loopback fake of OKX v5 public market data, strict like the real one: funding-rate needs
 * `instId` (ANY for every swap), tickers need `instType`, funding-rate-history needs `instId`
 * and limit ≤ 400 (newest first). Shapes follow the documented examples in test/fixtures/venues.
 */

const ok = (data: unknown) => ({ status: 200, body: { code: '0', msg: '', data } });
const err = (code: string, msg: string, status = 400) => ({ status, body: { code, msg, data: [] } });

export class FakeOkx extends FakeVenueServer {
  protected route(path: string, q: URLSearchParams) {
    if (path === '/api/v5/public/funding-rate') {
      const id = q.get('instId');
      if (!id) return err('50014', 'Parameter instId can not be empty');
      const list = id === 'ANY' ? this.coins : this.coins.filter((c) => swapId(c) === id);
      return ok(list.map(fundingRate));
    }
    if (path === '/api/v5/market/tickers') {
      const type = q.get('instType');
      if (type === 'SWAP') return ok(this.coins.map((c) => ticker(c, 'SWAP', swapId(c), c.futuresBid, c.futuresAsk, c.markPrice)));
      if (type === 'SPOT') return ok(this.coins.filter((c) => c.spot).map((c) => ticker(c, 'SPOT', `${c.coin}-USDT`, c.spotBid, c.spotAsk, c.spotAsk)));
      return err('51000', 'Parameter instType error');
    }
    if (path === '/api/v5/public/funding-rate-history') {
      const c = this.coins.find((x) => swapId(x) === q.get('instId'));
      if (!c) return err('51001', "Instrument ID doesn't exist");
      const limit = Number(q.get('limit') ?? 400);
      if (!(limit >= 1 && limit <= 400)) return err('51000', 'Parameter limit error');
      const rows = c.history.slice(-limit).reverse();
      return ok(rows.map((h) => ({ formulaType: 'noRate', fundingRate: h.rate, fundingTime: String(h.fundingTime), instId: swapId(c), instType: 'SWAP', method: 'current_period', realizedRate: h.rate })));
    }
    return err('404', 'Not Found', 404);
  }

  protected rateLimitAnswer() {
    return err('50011', 'Rate limit reached. Please refer to API documentation and throttle requests accordingly.', 429);
  }

  protected envelopeWithBadShape() {
    return { code: '0', msg: '', data: [{ instId: 'BTC-USDT-SWAP', fundingRate: null }] };
  }
}

const swapId = (c: FakeVenueCoin) => `${c.coin}-USDT-SWAP`;

function fundingRate(c: FakeVenueCoin) {
  return {
    formulaType: 'noRate',
    fundingRate: c.rate,
    fundingTime: String(c.nextFundingTime),
    impactValue: '',
    instId: swapId(c),
    instType: 'SWAP',
    interestRate: '',
    maxFundingRate: '0.00375',
    method: 'current_period',
    minFundingRate: '-0.00375',
    nextFundingRate: '',
    nextFundingTime: String(c.nextFundingTime + c.intervalHours * 3_600_000),
    premium: '0.0000910113652644',
    settFundingRate: c.history.at(-1)?.rate ?? c.rate,
    settState: 'settled',
    ts: String(Date.now()),
  };
}

function ticker(_c: FakeVenueCoin, instType: string, instId: string, bid: string, ask: string, last: string) {
  return { instType, instId, last, lastSz: '1', askPx: ask, askSz: '11', bidPx: bid, bidSz: '5', open24h: last, high24h: ask, low24h: bid, volCcy24h: '2222', vol24h: '2222', sodUtc0: last, sodUtc8: last, ts: String(Date.now()) };
}

export async function startFakeOkx(coins: FakeVenueCoin[] = []): Promise<FakeOkx> {
  const f = await new FakeOkx().listen();
  f.setCoins(coins);
  return f;
}
