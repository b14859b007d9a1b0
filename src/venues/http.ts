import { Pool } from 'undici';
import type { z } from 'zod';
import { ExchangeError, RateLimitError, ResponseError, RetryableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { VenueId, VenueMeterLike } from './types.js';

/**
 * Public GET client for a secondary venue (Bybit, OKX): one keep-alive pool, a hard timeout per
 * request, the venue's JSON envelope unwrapped and the payload validated with zod, and a gate
 * that stops every request while the venue's rate-limit backoff is in force. Market data only:
 * no keys, nothing signed.
 */

export type Headers = Record<string, string | string[] | undefined>;

export interface VenueAnswer {
  status: number;
  headers: Headers;
  /** parsed body, undefined when it was not JSON */
  json: unknown;
}

/** What a venue's own rules say about one answer. */
export interface VenueRules {
  /** ms to stop all requests for, when the answer says "rate limited" (or the quota is spent) */
  backoffMs(answer: VenueAnswer, consecutive: number, now: number): number | undefined;
  /** the payload inside the venue's envelope, or the venue's error code and message */
  unwrap(json: unknown): { ok: true; data: unknown } | { ok: false; code: string; msg: string };
}

export interface VenueHttp {
  get<T>(path: string, params: Record<string, string | number | undefined>, schema: z.ZodType<T>, meter?: VenueMeterLike): Promise<T>;
  close(): Promise<void>;
}

export interface VenueHttpOptions {
  venue: VenueId;
  baseUrl: string;
  rules: VenueRules;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
}

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()] ?? headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** 2 s doubling to 60 s: the default when a venue says "slow down" without saying for how long. */
export const backoff = (consecutive: number): number => Math.min(2000 * 2 ** Math.max(0, consecutive - 1), 60_000);

export function createVenueHttp(opts: VenueHttpOptions): VenueHttp {
  const { venue, rules, logger } = opts;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 4000;
  const url = new URL(opts.baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, { connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs });
  let blockedUntil = 0;
  let consecutive = 0;

  async function send(path: string, query: string): Promise<VenueAnswer> {
    try {
      const res = await pool.request({ method: 'GET', path: `${prefix}${path}${query ? `?${query}` : ''}`, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, json };
    } catch (err) {
      throw new RetryableError(`${venue} GET ${path}: ${err instanceof Error ? err.message : String(err)}`, { market: venue, method: 'GET', path, cause: err });
    }
  }

  return {
    async get(path, params, schema, meter) {
      const info = { market: venue, method: 'GET', path };
      const t = now();
      if (t < blockedUntil) throw new RateLimitError(`${venue} rate limited: no request sent for another ${blockedUntil - t} ms`, blockedUntil - t, false, info);
      const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
      if (meter) {
        meter.requests += 1;
        meter.weight += 1;
      }
      const answer = await send(path, query);
      const wait = rules.backoffMs(answer, consecutive + 1, now());
      if (wait !== undefined) {
        consecutive += 1;
        blockedUntil = Math.max(blockedUntil, now() + wait);
        logger.warn({ venue, path, status: answer.status, retryAfterMs: wait }, `${venue} rate limit: backing off`);
        if (answer.status === 429 || answer.status === 403 || rules.unwrap(answer.json).ok === false) {
          throw new RateLimitError(`${venue} GET ${path}: rate limited (HTTP ${answer.status})`, wait, false, { ...info, status: answer.status });
        }
      } else {
        consecutive = 0;
      }
      if (answer.status >= 500) throw new RetryableError(`${venue} GET ${path}: HTTP ${answer.status}`, { ...info, status: answer.status });
      if (answer.json === undefined) throw new ResponseError(`${venue} GET ${path}: the answer was not JSON (HTTP ${answer.status})`, { ...info, status: answer.status });
      const unwrapped = rules.unwrap(answer.json);
      if (!unwrapped.ok) {
        const code = /^-?\d+$/.test(unwrapped.code) ? Number(unwrapped.code) : undefined;
        throw new ExchangeError(`${venue} GET ${path}: ${unwrapped.code} ${unwrapped.msg}`, { ...info, status: answer.status, code });
      }
      if (answer.status >= 400) throw new ExchangeError(`${venue} GET ${path}: HTTP ${answer.status}`, { ...info, status: answer.status });
      const parsed = schema.safeParse(unwrapped.data);
      if (!parsed.success) {
        throw new ResponseError(`${venue} GET ${path}: unexpected answer (${parsed.error.issues[0]?.path.join('.') ?? '?'}: ${parsed.error.issues[0]?.message ?? ''})`, info);
      }
      return parsed.data;
    },
    // destroy, not close: a hanging venue request must not hold up shutdown (nothing is ever sent but reads)
    close: () => pool.destroy(),
  };
}
