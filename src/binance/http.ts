import { Pool } from 'undici';
import type { z } from 'zod';
import { RateLimitError, type ExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { banUntilFromMessage, classify, networkError, toExchangeError, type ErrorContext } from './errorMap.js';
import { parseExchangeJson } from './json.js';
import { serverTimeSchema } from './schemas.js';
import { signPayload } from './sign.js';
import type { HttpStats, Market } from './types.js';

/**
 * The only code that puts bytes on the wire to Binance: one keep-alive pool per base URL,
 * HMAC signing with a server-time offset, weight tracking with a 60% self-limit, and the
 * 429/418 gate that stops every request while a backoff or ban is in force.
 */

export type ParamValue = string | number | boolean | undefined;
/** Request parameters; insertion order is the order on the wire (and in the signature). */
export type Params = Record<string, ParamValue>;
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface BinanceHttpOptions {
  market: Market;
  baseUrl: string;
  apiKey?: string;
  apiSecret?: string;
  timeoutMs?: number;
  recvWindow?: number;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** called once per ban with the epoch ms it ends */
  onBan?: (untilMs: number) => void;
  /** keep-alive connections in the pool (default 8) */
  connections?: number;
}

export interface SignedOptions {
  /** order placement: a transient failure becomes UnknownOutcomeError, never a retry */
  order?: boolean;
}

export interface BinanceHttp {
  readonly market: Market;
  get<T>(path: string, params: Params, schema: z.ZodType<T>, weight: number): Promise<T>;
  signed<T>(method: HttpMethod, path: string, params: Params, schema: z.ZodType<T>, weight: number, opts?: SignedOptions): Promise<T>;
  /** fetches server time and stores the offset used for `timestamp` */
  syncTime(): Promise<void>;
  stats(): HttpStats;
  setWeightLimit(n: number): void;
  close(): Promise<void>;
}

const DEFAULT_WEIGHT_LIMIT: Record<Market, number> = { spot: 6000, futures: 2400 };
const TIME_PATH: Record<Market, string> = { spot: '/api/v3/time', futures: '/fapi/v1/time' };
const SELF_LIMIT = 0.6;
const MINUTE = 60_000;
const BAN_BASE_MS = 2 * MINUTE;
const BAN_MAX_MS = 3 * 24 * 60 * MINUTE;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Query string in the caller's order; undefined values are left out. */
export function buildQuery(params: Params): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

function header(headers: RawAnswer['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function createBinanceHttp(opts: BinanceHttpOptions): BinanceHttp {
  const market = opts.market;
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = opts.timeoutMs ?? 5000;
  const recvWindow = opts.recvWindow ?? 5000;
  const backoffBaseMs = opts.backoffBaseMs ?? 2000;
  const backoffMaxMs = opts.backoffMaxMs ?? 60_000;

  const url = new URL(opts.baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, { connections: opts.connections ?? 8, pipelining: 1, keepAliveTimeout: 30_000 });

  let timeOffset = 0;
  let synced: Promise<void> | undefined;
  let weightLimit1m = DEFAULT_WEIGHT_LIMIT[market];
  let usedWeight1m = 0;
  let usedWeightMinute = 0;
  let requests = 0;
  let weightSent = 0;
  /** no request goes out before this epoch ms (429 backoff or 418 ban) */
  let blockedUntil = 0;
  let bannedUntil = 0;
  let consecutive429 = 0;
  let consecutive418 = 0;

  const minuteOf = (t: number) => Math.floor(t / MINUTE);

  function gate(method: string, path: string): void {
    const t = now();
    if (t >= blockedUntil) return;
    const banned = t < bannedUntil;
    throw new RateLimitError(
      `${market} ${banned ? 'IP banned' : 'rate limited'}: no request sent for another ${blockedUntil - t} ms`,
      blockedUntil - t,
      banned,
      { market, method, path, status: banned ? 418 : 429 },
    );
  }

  /** Waits for the next weight window when this request would push the minute past 60%. */
  async function selfLimit(weight: number): Promise<void> {
    const cap = weightLimit1m * SELF_LIMIT;
    if (weight >= cap) return; // would never fit; send rather than wait forever
    for (;;) {
      const t = now() + timeOffset;
      if (minuteOf(t) !== usedWeightMinute) usedWeight1m = 0;
      if (usedWeight1m + weight <= cap) return;
      const waitMs = MINUTE - (t % MINUTE);
      log.warn({ market, usedWeight1m, weight, weightLimit1m, waitMs }, 'binance weight self-limit: waiting for the next minute');
      await sleep(waitMs);
      usedWeight1m = 0;
      usedWeightMinute = minuteOf(now() + timeOffset);
    }
  }

  async function send(method: HttpMethod, path: string, query: string, withKey: boolean): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    if (withKey && opts.apiKey) headers['X-MBX-APIKEY'] = opts.apiKey;
    const res = await pool.request({
      method,
      path: `${prefix}${path}${query ? `?${query}` : ''}`,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  function noteWeight(answer: RawAnswer): void {
    const used = Number(header(answer.headers, 'x-mbx-used-weight-1m'));
    if (Number.isFinite(used) && header(answer.headers, 'x-mbx-used-weight-1m') !== undefined) {
      usedWeight1m = used;
      usedWeightMinute = minuteOf(now() + timeOffset);
    }
  }

  function retryAfterMs(answer: RawAnswer): number | undefined {
    const h = header(answer.headers, 'retry-after');
    if (h === undefined) return undefined;
    const s = Number(h);
    return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
  }

  function rateLimited(answer: RawAnswer, ctx: ErrorContext, msg: string | undefined, banned: boolean): ExchangeError {
    const t = now();
    let waitMs: number;
    if (banned) {
      consecutive418 += 1;
      const fromMsg = banUntilFromMessage(msg);
      waitMs = retryAfterMs(answer)
        ?? (fromMsg !== undefined && fromMsg > t ? fromMsg - t : Math.min(BAN_BASE_MS * 2 ** (consecutive418 - 1), BAN_MAX_MS));
      bannedUntil = t + waitMs;
      blockedUntil = Math.max(blockedUntil, bannedUntil);
      log.error({ market, method: ctx.method, path: ctx.path, status: 418, code: ctx.code, bannedUntil }, 'binance IP ban (418): all requests stopped until it ends');
      opts.onBan?.(bannedUntil);
    } else {
      consecutive429 += 1;
      waitMs = retryAfterMs(answer) ?? Math.min(backoffBaseMs * 2 ** (consecutive429 - 1), backoffMaxMs);
      blockedUntil = Math.max(blockedUntil, t + waitMs);
      log.warn({ market, method: ctx.method, path: ctx.path, status: answer.status, code: ctx.code, retryAfterMs: waitMs }, `binance rate limit (${answer.status}): backing off`);
    }
    return toExchangeError(banned ? 'banned' : 'rate_limit', `${ctx.method} ${ctx.path}: ${msg ?? `HTTP ${answer.status}`}`, { ...ctx, retryAfterMs: waitMs });
  }

  async function request<T>(
    method: HttpMethod,
    path: string,
    params: Params,
    schema: z.ZodType<T>,
    weight: number,
    sign: boolean,
    order: boolean,
    clockRetried = false,
    timing?: { sentAt: number; answeredAt: number },
  ): Promise<T> {
    gate(method, path);
    if (!order) await selfLimit(weight);
    gate(method, path);
    if (sign && (!opts.apiSecret || !opts.apiKey)) {
      throw toExchangeError('rejected', `${method} ${path}: API key and secret are required for signed endpoints`, { market, method, path, order: false });
    }
    if (sign) await (synced ?? syncTime());

    let query = buildQuery(params);
    if (sign && opts.apiSecret) {
      const stamp = `recvWindow=${recvWindow}&timestamp=${Math.round(now() + timeOffset)}`;
      query = query ? `${query}&${stamp}` : stamp;
      query += `&signature=${signPayload(opts.apiSecret, query)}`;
    }

    const ctx: ErrorContext = { market, method, path, order };
    const started = performance.now();
    requests += 1;
    weightSent += weight;
    if (minuteOf(now() + timeOffset) !== usedWeightMinute) {
      usedWeight1m = 0;
      usedWeightMinute = minuteOf(now() + timeOffset);
    }
    usedWeight1m += weight; // optimistic until the header says otherwise

    let answer: RawAnswer;
    try {
      if (timing) timing.sentAt = now();
      answer = await send(method, path, query, sign);
      if (timing) timing.answeredAt = now();
    } catch (err) {
      log.debug({ market, method, path, weight, ms: Math.round(performance.now() - started), err: (err as Error)?.message }, 'binance request failed');
      throw networkError(err, ctx);
    }
    noteWeight(answer);

    let body: unknown;
    let jsonOk = true;
    try {
      body = parseExchangeJson(answer.text);
    } catch {
      jsonOk = false;
    }
    const errBody = jsonOk && body && typeof body === 'object' && !Array.isArray(body) ? (body as { code?: unknown; msg?: unknown }) : undefined;
    const code = typeof errBody?.code === 'number' ? errBody.code : undefined;
    const msg = typeof errBody?.msg === 'string' ? errBody.msg : undefined;
    log.debug({ market, method, path, status: answer.status, code, weight, usedWeight1m, ms: Math.round(performance.now() - started) }, 'binance request');

    if (answer.status >= 200 && answer.status < 300) {
      consecutive429 = 0;
      consecutive418 = 0;
      if (!jsonOk) throw toExchangeError('bad_body', `${method} ${path}: response is not JSON`, { ...ctx, status: answer.status });
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first ? `${first.path.join('.')}: ${first.message}` : 'schema mismatch';
        throw toExchangeError('bad_body', `${method} ${path}: unexpected response shape (${where})`, { ...ctx, status: answer.status, cause: parsed.error });
      }
      return parsed.data;
    }

    ctx.status = answer.status;
    ctx.code = code;
    const kind = classify(answer.status, code, msg);
    if (kind === 'rate_limit') throw rateLimited(answer, ctx, msg, false);
    if (kind === 'banned') throw rateLimited(answer, ctx, msg, true);
    if (kind === 'clock' && sign && !clockRetried) {
      log.warn({ market, method, path, code }, 'binance -1021: re-syncing clock and retrying once');
      await syncTime();
      return request(method, path, params, schema, weight, sign, order, true);
    }
    const text = msg ?? (jsonOk ? `HTTP ${answer.status}` : `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    throw toExchangeError(kind === 'bad_body' ? 'rejected' : kind, `${method} ${path}: ${code !== undefined ? `${code} ` : ''}${text}`, ctx);
  }

  function syncTime(): Promise<void> {
    const run = (async () => {
      // measured around the send itself, so a self-limit wait cannot skew the offset
      const timing = { sentAt: 0, answeredAt: 0 };
      const { serverTime } = await request('GET', TIME_PATH[market], {}, serverTimeSchema, 1, false, false, false, timing);
      timeOffset = serverTime - Math.round((timing.sentAt + timing.answeredAt) / 2);
      log.debug({ market, timeOffset }, 'binance clock synced');
    })();
    synced = run;
    run.catch(() => {
      if (synced === run) synced = undefined; // try again next time
    });
    return run;
  }

  return {
    market,
    get: (path, params, schema, weight) => request('GET', path, params, schema, weight, false, false),
    signed: (method, path, params, schema, weight, o) => request(method, path, params, schema, weight, true, o?.order ?? false),
    syncTime,
    stats: () => ({
      requests,
      weightSent,
      usedWeight1m,
      weightLimit1m,
      bannedUntil: now() < bannedUntil ? bannedUntil : 0,
    }),
    setWeightLimit: (n: number) => {
      if (Number.isFinite(n) && n > 0) weightLimit1m = n;
    },
    close: () => pool.close(),
  };
}
