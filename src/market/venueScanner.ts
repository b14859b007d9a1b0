import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { VenueClient, VenueQuote, VenueRateRow } from '../venues/types.js';
import { buildSignal, fundingApr, netApr, rankSignals, roundTripFeePct, type SignalParams } from './signals.js';
import type { VenueSignal, VenueStatus, VenuesScan } from './types.js';

/**
 * Funding on the other venues, scanned beside Binance with the same math. Each venue costs a
 * few bulk requests per tick (never one per coin); history is fetched only for candidates, a
 * few per tick, and kept until the coin's next settlement on that venue. A venue whose bulk
 * requests fail, are slow past its deadline or answer garbage shows as down for this tick only:
 * it never throws into the Binance scan, is logged once per outage, and is tried again next
 * tick. History still loading at the deadline is left to finish for the next tick; the rows
 * go out with what is cached.
 */

const DAY_MS = 86_400_000;
const GRACE_MS = 60_000;

export interface VenueScannerDeps {
  clients: VenueClient[];
  config: Pick<Config, 'minApr' | 'holdDays' | 'leverage' | 'venueFees' | 'venueGapApr'>;
  logger: Logger;
  now?: () => number;
  /** deadline for one venue's whole tick (default 4 s) */
  timeoutMs?: number;
  /** new history fetches per venue per tick (default 5) */
  historyBudget?: number;
}

export interface VenueScanOptions {
  /** coins whose history is fetched whatever their APR */
  keep?: Iterable<string>;
  historyBudget?: number;
  /** reuse a venue snapshot younger than this (history is still completed for `keep`) */
  maxAgeMs?: number;
}

interface HistoryEntry {
  rows: VenueRateRow[];
  validUntil: number;
  loadedFor: number;
}

interface VenueState {
  client: VenueClient;
  params: SignalParams;
  snapshot?: { at: number; quotes: VenueQuote[] };
  history: Map<string, HistoryEntry>;
  down: boolean;
}

export interface VenueScanner {
  scan(opts?: VenueScanOptions): Promise<VenuesScan>;
  /** the settled history held for a coin on each venue (loaded by a scan that kept it) */
  historyOf(coin: string): Array<{ venue: VenueClient['id']; rows: VenueRateRow[] }>;
  close(): Promise<void>;
}

export function createVenueScanner(deps: VenueScannerDeps): VenueScanner {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? 4000;
  const states: VenueState[] = deps.clients.map((client) => {
    const fees = config.venueFees[client.id];
    const params = { minApr: config.minApr, holdDays: config.holdDays, spotTakerFee: fees.spot, futuresTakerFee: fees.futures, leverage: config.leverage };
    return { client, params, history: new Map(), down: false };
  });

  const fresh = (e: HistoryEntry | undefined, q: VenueQuote, t: number): e is HistoryEntry => e !== undefined && t < e.validUntil && e.loadedFor === q.nextFundingTime;

  async function tick(s: VenueState, opts: VenueScanOptions, status: VenueStatus, deadline: Promise<void>): Promise<VenueSignal[]> {
    const meter = { requests: 0, weight: 0 };
    const t0 = now();
    if (!s.snapshot || opts.maxAgeMs === undefined || t0 - s.snapshot.at > opts.maxAgeMs) {
      s.snapshot = { at: t0, quotes: await s.client.snapshot(meter) };
    }
    status.requests = meter.requests;
    status.weight = meter.weight;
    const at = now();
    const keep = new Set(opts.keep ?? []);
    const feePct = roundTripFeePct(s.params.spotTakerFee, s.params.futuresTakerFee);
    // Candidates: could reach MIN_APR or open a gap over Binance at the current rate.
    const floor = Math.min(config.minApr, config.venueGapApr) / 2;
    const stale = s.snapshot.quotes
      .filter((q) => keep.has(q.coin) || netApr(fundingApr(Number(q.rate), q.intervalHours), feePct, config.holdDays) >= floor)
      .filter((q) => !fresh(s.history.get(q.coin), q, at))
      .sort((a, b) => Number(keep.has(b.coin)) - Number(keep.has(a.coin)) || Number(b.rate) / b.intervalHours - Number(a.rate) / a.intervalHours);
    const budget = Math.max(0, opts.historyBudget ?? deps.historyBudget ?? 5);
    const historyMeter = { requests: 0, weight: 0 };
    const loads = Promise.all(
      stale.slice(0, budget).map(async (q) => {
        try {
          const rows = await s.client.history(q.symbol, at - 8 * DAY_MS, at, historyMeter);
          s.history.set(q.coin, { rows, loadedFor: q.nextFundingTime, validUntil: Math.max(q.nextFundingTime + GRACE_MS, at + GRACE_MS) });
        } catch (err) {
          logger.warn({ venue: s.client.id, symbol: q.symbol, err: errorMessage(err) }, 'venue funding history fetch failed');
        }
      }),
    );
    await Promise.race([loads, deadline]);
    status.historyRequests = historyMeter.requests;
    status.coins = s.snapshot.quotes.length;
    return s.snapshot.quotes.map((q) => ({
      ...buildSignal({
        symbol: q.symbol,
        baseAsset: q.coin,
        intervalHours: q.intervalHours,
        premium: { lastFundingRate: q.rate, markPrice: q.markPrice, nextFundingTime: q.nextFundingTime },
        spotBook: { bidPrice: q.spotBid, askPrice: q.spotAsk },
        futuresBook: { bidPrice: q.futuresBid, askPrice: q.futuresAsk },
        history: s.history.get(q.coin)?.rows,
        now: at,
        params: s.params,
      }),
      venue: s.client.id,
      coin: q.coin,
    }));
  }

  async function scanOne(s: VenueState, opts: VenueScanOptions): Promise<{ status: VenueStatus; rows: VenueSignal[] }> {
    const status: VenueStatus = { venue: s.client.id, ok: false, requests: 0, weight: 0, historyRequests: 0, coins: 0 };
    let timer: NodeJS.Timeout | undefined;
    // history gets until a little before the deadline, so rows built from the cache still make it
    let historyTimer: NodeJS.Timeout | undefined;
    const historyDeadline = new Promise<void>((resolve) => {
      historyTimer = setTimeout(resolve, timeoutMs * 0.8);
    });
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const work = tick(s, opts, status, historyDeadline);
    work.catch(() => undefined); // a late failure after the deadline is already reported
    try {
      const rows = await Promise.race([work, deadline]);
      if (s.down) logger.info({ venue: s.client.id }, 'venue answers again');
      s.down = false;
      return { status: { ...status, ok: true }, rows };
    } catch (err) {
      // once per outage: a venue down for hours must not fill the log every tick
      if (!s.down) logger.warn({ venue: s.client.id, err: errorMessage(err) }, 'venue unavailable; shown as — and retried next tick');
      s.down = true;
      return { status: { ...status, ok: false, error: errorMessage(err) }, rows: [] };
    } finally {
      clearTimeout(timer);
      clearTimeout(historyTimer);
    }
  }

  return {
    async scan(opts = {}) {
      const results = await Promise.all(states.map((s) => scanOne(s, opts)));
      return { rows: rankSignals(results.flatMap((r) => r.rows)), status: results.map((r) => r.status) };
    },
    historyOf(coin) {
      return states.flatMap((s) => {
        const h = s.history.get(coin);
        return h && !s.down ? [{ venue: s.client.id, rows: h.rows }] : [];
      });
    },
    async close() {
      await Promise.allSettled(states.map((s) => s.client.close()));
    },
  };
}
