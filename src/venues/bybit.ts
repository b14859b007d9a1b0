import type { Logger } from '../logger.js';
import { backoff, createVenueHttp, header, type VenueAnswer, type VenueRules } from './http.js';
import { bybitEnvelope, bybitFundingHistory, bybitInstruments, bybitLinearTickers, bybitSpotTickers } from './bybitSchemas.js';
import type { VenueClient, VenueQuote } from './types.js';

/**
 * Bybit v5 public market data. Per tick: linear tickers (funding, next settlement, mark, book)
 * and spot tickers (book), one request each for the whole market. The funding interval comes
 * from instruments-info (paged with `cursor`), cached for an hour.
 */

/** retCode 10006 "Too many visits!": the per-second API quota is spent. */
export const BYBIT_RATE_LIMIT = 10006;
/** "403, access too frequent": the IP limit; Bybit asks for at least 10 minutes off. */
const IP_BAN_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;

export const bybitRules: VenueRules = {
  backoffMs(answer: VenueAnswer, consecutive: number, now: number) {
    if (answer.status === 403) return IP_BAN_MS;
    const reset = Number(header(answer.headers, 'X-Bapi-Limit-Reset-Timestamp'));
    const untilReset = Number.isFinite(reset) && reset > now ? Math.min(reset - now, 60_000) : undefined;
    const body = bybitEnvelope.safeParse(answer.json);
    if (body.success && body.data.retCode === BYBIT_RATE_LIMIT) return untilReset ?? backoff(consecutive);
    // Quota spent by this very request: wait for the window to reset before the next one.
    if (header(answer.headers, 'X-Bapi-Limit-Status') === '0') return untilReset ?? 1000;
    return undefined;
  },
  unwrap(json) {
    const body = bybitEnvelope.safeParse(json);
    if (!body.success) return { ok: false, code: 'shape', msg: 'not a Bybit v5 envelope' };
    return body.data.retCode === 0 ? { ok: true, data: body.data.result } : { ok: false, code: String(body.data.retCode), msg: body.data.retMsg };
  },
};

export interface BybitOptions {
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
  /** instruments-info cache lifetime (default 1 hour) */
  instrumentsTtlMs?: number;
}

export function createBybit(opts: BybitOptions): VenueClient {
  const now = opts.now ?? Date.now;
  const http = createVenueHttp({ venue: 'bybit', baseUrl: opts.baseUrl, rules: bybitRules, logger: opts.logger, timeoutMs: opts.timeoutMs, now });
  let instruments: { at: number; byCoin: Map<string, { symbol: string; intervalHours: number }> } | undefined;

  async function loadInstruments(meter: Parameters<VenueClient['snapshot']>[0]) {
    const byCoin = new Map<string, { symbol: string; intervalHours: number }>();
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await http.get('/v5/market/instruments-info', { category: 'linear', limit: 1000, cursor }, bybitInstruments, meter);
      for (const i of r.list) {
        if (i.status === 'Trading' && i.quoteCoin === 'USDT' && i.contractType === 'LinearPerpetual') byCoin.set(i.baseCoin, { symbol: i.symbol, intervalHours: i.fundingInterval / 60 });
      }
      cursor = r.nextPageCursor || undefined;
      if (!cursor) break;
    }
    return byCoin;
  }

  return {
    id: 'bybit',
    async snapshot(meter) {
      if (!instruments || now() - instruments.at >= (opts.instrumentsTtlMs ?? HOUR_MS)) {
        instruments = { at: now(), byCoin: await loadInstruments(meter) };
      }
      const [linear, spot] = await Promise.all([
        http.get('/v5/market/tickers', { category: 'linear' }, bybitLinearTickers, meter),
        http.get('/v5/market/tickers', { category: 'spot' }, bybitSpotTickers, meter),
      ]);
      const perpBy = new Map(linear.list.map((t) => [t.symbol, t]));
      const spotBy = new Map(spot.list.map((t) => [t.symbol, t]));
      const quotes: VenueQuote[] = [];
      for (const [coin, inst] of instruments.byCoin) {
        const perp = perpBy.get(inst.symbol);
        const pair = spotBy.get(`${coin}USDT`);
        if (!perp || !pair || perp.fundingRate === '' || !perp.bid1Price || !perp.ask1Price || !pair.bid1Price || !pair.ask1Price) continue;
        quotes.push({
          coin,
          symbol: inst.symbol,
          rate: perp.fundingRate,
          intervalHours: inst.intervalHours,
          nextFundingTime: perp.nextFundingTime,
          markPrice: perp.markPrice,
          futuresBid: perp.bid1Price,
          futuresAsk: perp.ask1Price,
          spotBid: pair.bid1Price,
          spotAsk: pair.ask1Price,
        });
      }
      return quotes;
    },
    async history(symbol, from, to, meter) {
      // startTime alone is refused; 200 rows cover 7 days even at a 1-hour interval
      const r = await http.get('/v5/market/funding/history', { category: 'linear', symbol, startTime: from, endTime: to, limit: 200 }, bybitFundingHistory, meter);
      return r.list.map((x) => ({ fundingTime: x.fundingRateTimestamp, rate: Number(x.fundingRate) })).sort((a, b) => a.fundingTime - b.fundingTime);
    },
    close: () => http.close(),
  };
}
