/**
 * Hourly klines for the fake Binance: futures `GET /fapi/v1/klines` and spot `GET /api/v3/klines`.
 * Like the real endpoints: `symbol` and `interval` are mandatory, `limit` defaults to 500 and is
 * capped (futures 1500, spot 1000; above → -1130), `startTime` gives the first `limit` rows from
 * it, no bounds give the latest `limit`, rows are arrays with prices as strings. Only the 1h
 * interval has data (other valid intervals are refused so a test cannot silently read nothing).
 */

export type KlineMarket = 'spot' | 'futures';

export interface FakeKline {
  openTime: number;
  open: string;
}

const HOUR = 3_600_000;
const INTERVALS = new Set(['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']);
const MAX_LIMIT: Record<KlineMarket, number> = { spot: 1000, futures: 1500 };

/** Published weights: futures by limit, spot flat. */
export const fakeKlineWeight: Record<KlineMarket, (p: Record<string, string>) => number> = {
  futures: (p) => {
    const l = Number(p.limit ?? 500);
    return l < 100 ? 1 : l < 500 ? 2 : l <= 1000 ? 5 : 10;
  },
  spot: () => 2,
};

export type RejectFn = (status: number, code: number, msg: string) => Error;

export class FakeKlines {
  private series = new Map<string, FakeKline[]>();

  /** Replaces a symbol's hourly series on one market (rows need not be sorted). */
  set(symbol: string, market: KlineMarket, rows: FakeKline[]): void {
    this.series.set(`${market}:${symbol}`, [...rows].sort((a, b) => a.openTime - b.openTime));
  }

  /** One row per hour from `from` to `to` (inclusive, hour-aligned) with `price(openTime)` as the open. */
  hourly(symbol: string, market: KlineMarket, from: number, to: number, price: (openTime: number) => string): void {
    const rows: FakeKline[] = [];
    for (let t = Math.ceil(from / HOUR) * HOUR; t <= to; t += HOUR) rows.push({ openTime: t, open: price(t) });
    this.set(symbol, market, rows);
  }

  /** Drops the given hours (a gap in the exchange's data). */
  drop(symbol: string, market: KlineMarket, openTimes: number[]): void {
    const gone = new Set(openTimes);
    const key = `${market}:${symbol}`;
    this.series.set(key, (this.series.get(key) ?? []).filter((k) => !gone.has(k.openTime)));
  }

  clear(): void {
    this.series.clear();
  }

  answer(market: KlineMarket, p: Record<string, string>, listed: (symbol: string) => boolean, reject: RejectFn): unknown[] {
    if (!p.symbol) throw reject(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    if (!p.interval) throw reject(400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
    if (!INTERVALS.has(p.interval)) throw reject(400, -1120, 'Invalid interval.');
    if (p.interval !== '1h') throw reject(400, -1120, `fake Binance: only the 1h interval has klines (asked ${p.interval})`);
    if (!listed(p.symbol)) throw reject(400, -1121, 'Invalid symbol.');
    const limit = p.limit === undefined ? 500 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT[market]) throw reject(400, -1130, "Data sent for parameter 'limit' is not valid.");
    const start = p.startTime !== undefined ? Number(p.startTime) : undefined;
    const end = p.endTime !== undefined ? Number(p.endTime) : undefined;
    let rows = (this.series.get(`${market}:${p.symbol}`) ?? []).filter(
      (k) => (start === undefined || k.openTime >= start) && (end === undefined || k.openTime <= end),
    );
    rows = start !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
    return rows.map((k) => [k.openTime, k.open, k.open, k.open, k.open, '1000.000', k.openTime + HOUR - 1, '100000.0000', 100, '500.000', '50000.0000', '0']);
  }
}
