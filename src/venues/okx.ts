import type { Logger } from '../logger.js';
import { backoff, createVenueHttp, type VenueRules } from './http.js';
import { okxEnvelope, okxFundingHistory, okxFundingRates, okxTickers } from './okxSchemas.js';
import type { VenueClient, VenueQuote } from './types.js';

/**
 * OKX v5 public market data. Per tick: funding-rate?instId=ANY (every swap's rate, its
 * settlement time and the one after, from which the interval follows) and the SWAP and SPOT
 * tickers for both books, one request each for the whole market.
 */

/** code 50011 (HTTP 429) "Rate limit reached". */
export const OKX_RATE_LIMIT = '50011';

export const okxRules: VenueRules = {
  backoffMs(answer, consecutive) {
    const body = okxEnvelope.safeParse(answer.json);
    if (answer.status === 429 || (body.success && body.data.code === OKX_RATE_LIMIT)) return backoff(consecutive);
    return undefined;
  },
  unwrap(json) {
    const body = okxEnvelope.safeParse(json);
    if (!body.success) return { ok: false, code: 'shape', msg: 'not an OKX v5 envelope' };
    return body.data.code === '0' ? { ok: true, data: body.data.data } : { ok: false, code: body.data.code, msg: body.data.msg };
  },
};

export interface OkxOptions {
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
}

const SWAP = /^([A-Z0-9]+)-USDT-SWAP$/;

export function createOkx(opts: OkxOptions): VenueClient {
  const http = createVenueHttp({ venue: 'okx', baseUrl: opts.baseUrl, rules: okxRules, logger: opts.logger, timeoutMs: opts.timeoutMs, now: opts.now });
  return {
    id: 'okx',
    async snapshot(meter) {
      const [rates, swaps, spots] = await Promise.all([
        http.get('/api/v5/public/funding-rate', { instId: 'ANY' }, okxFundingRates, meter),
        http.get('/api/v5/market/tickers', { instType: 'SWAP' }, okxTickers, meter),
        http.get('/api/v5/market/tickers', { instType: 'SPOT' }, okxTickers, meter),
      ]);
      const swapBy = new Map(swaps.map((t) => [t.instId, t]));
      const spotBy = new Map(spots.map((t) => [t.instId, t]));
      const quotes: VenueQuote[] = [];
      for (const r of rates) {
        const coin = SWAP.exec(r.instId)?.[1];
        if (!coin) continue; // coin-margined or USDC swaps: not a USDT carry
        const perp = swapBy.get(r.instId);
        const pair = spotBy.get(`${coin}-USDT`);
        const intervalHours = (r.nextFundingTime - r.fundingTime) / 3_600_000;
        if (!perp || !pair || !r.fundingRate || !r.fundingTime || !(intervalHours > 0) || !perp.bidPx || !perp.askPx || !pair.bidPx || !pair.askPx) continue;
        quotes.push({
          coin,
          symbol: r.instId,
          rate: r.fundingRate,
          intervalHours,
          nextFundingTime: r.fundingTime,
          markPrice: perp.last || perp.bidPx,
          futuresBid: perp.bidPx,
          futuresAsk: perp.askPx,
          spotBid: pair.bidPx,
          spotAsk: pair.askPx,
        });
      }
      return quotes;
    },
    async history(symbol, from, _to, meter) {
      // newest first, up to 400 rows: 7 days even at a 1-hour interval
      const rows = await http.get('/api/v5/public/funding-rate-history', { instId: symbol, limit: 400 }, okxFundingHistory, meter);
      return rows
        .filter((r) => r.fundingTime >= from)
        .map((r) => ({ fundingTime: r.fundingTime, rate: Number(r.realizedRate || r.fundingRate) }))
        .sort((a, b) => a.fundingTime - b.fundingTime);
    },
    close: () => http.close(),
  };
}
