import {
  DuplicateOrderError,
  ExchangeError,
  RateLimitError,
  RejectedError,
  ResponseError,
  RetryableError,
  UnknownOutcomeError,
  type ExchangeErrorInfo,
} from '../errors.js';

/**
 * The one table from "what Binance said" to the error tree (after ccxt's errorHierarchy).
 * Callers branch on the class only. The HTTP client also uses `classify` to drive its own
 * behaviour (backoff, ban, clock re-sync), so the two can never disagree.
 *
 *   kind        class                 meaning
 *   rejected    RejectedError         definite "no": nothing was created
 *   duplicate   DuplicateOrderError   an order with this client id exists: query it
 *   transient   Retryable / Unknown   nothing known to have happened; for an ORDER it may exist
 *   rate_limit  RateLimitError        429, -1003 or 403 (WAF): back off, send nothing until it ends
 *   banned      RateLimitError        418: IP banned until a time; send nothing, alert
 *   clock       (re-sync, retry once) -1021: timestamp outside recvWindow
 *   bad_body    Response / Unknown    2xx that is not JSON or fails its schema
 */
export type ErrorKind = 'rejected' | 'duplicate' | 'transient' | 'rate_limit' | 'banned' | 'clock' | 'bad_body';

/** Binance codes whose meaning overrides the HTTP status. Every other 4xx code is `rejected`. */
const CODE_KINDS: Record<number, ErrorKind> = {
  [-1003]: 'rate_limit', // TOO_MANY_REQUESTS (also sent with 418 when banned; status wins then)
  [-1007]: 'transient', // TIMEOUT: backend did not answer, execution status unknown
  [-1021]: 'clock', // INVALID_TIMESTAMP: outside recvWindow
  [-4116]: 'duplicate', // futures DUPLICATED_CLIENT_ORDER_ID: the order exists
};

/** Spot answers a reused client id with -2010 and this text (the code alone also means "balance"). */
const SPOT_DUPLICATE = /duplicate order/i;

/**
 * Codes that are definite rejections, listed for documentation and the tests; any other code
 * that arrives with a 4xx status is treated the same way.
 */
export const REJECTION_CODES: Record<number, string> = {
  [-1013]: 'filter failure (LOT_SIZE / NOTIONAL ...)',
  [-1022]: 'invalid signature',
  [-1100]: 'illegal characters in a parameter',
  [-1102]: 'mandatory parameter missing or malformed',
  [-1111]: 'precision over the maximum for this asset',
  [-1121]: 'invalid symbol',
  [-2010]: 'new order rejected (balance, duplicate, ...)',
  [-2013]: 'order does not exist',
  [-2015]: 'invalid API key, IP or permissions',
  [-2019]: 'margin is insufficient',
  [-2022]: 'reduceOnly order rejected',
  [-4061]: 'position side does not match the account setting',
  [-4164]: 'notional below the minimum',
};

/** How an HTTP answer that is not a usable 2xx should be read. */
export function classify(status: number, code: number | undefined, msg?: string): ErrorKind {
  if (status === 418) return 'banned';
  // 403: the WAF refused the request (nothing reached the matching engine): back off as for 429
  if (status === 429 || status === 403) return 'rate_limit';
  if (code === -2010 && msg !== undefined && SPOT_DUPLICATE.test(msg)) return 'duplicate';
  if (code !== undefined) {
    const byCode = CODE_KINDS[code];
    if (byCode) return byCode;
  }
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'rejected';
  return 'bad_body';
}

export interface ErrorContext extends ExchangeErrorInfo {
  /** true for order placement: a transient failure means the order MAY exist */
  order: boolean;
  retryAfterMs?: number;
}

/** Builds the error for a kind. `clock` only reaches here after the single retry failed. */
export function toExchangeError(kind: ErrorKind, message: string, ctx: ErrorContext): ExchangeError {
  const { order, retryAfterMs, ...info } = ctx;
  switch (kind) {
    case 'rate_limit':
      return new RateLimitError(message, retryAfterMs ?? 0, false, info);
    case 'banned':
      return new RateLimitError(message, retryAfterMs ?? 0, true, info);
    case 'transient':
      return order ? new UnknownOutcomeError(message, info) : new RetryableError(message, info);
    case 'bad_body':
      return order ? new UnknownOutcomeError(message, info) : new ResponseError(message, info);
    case 'duplicate':
      return new DuplicateOrderError(message, info);
    case 'clock':
    case 'rejected':
      return new RejectedError(message, info);
  }
}

/** A request that got no HTTP answer (timeout, reset, refused): as `transient`. */
export function networkError(err: unknown, ctx: ErrorContext): ExchangeError {
  const e = err as { name?: string; code?: string; message?: string };
  const what = e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT'
    ? 'timeout'
    : (e?.code ?? e?.name ?? 'network error');
  const base = `${ctx.method ?? ''} ${ctx.path ?? ''}: ${what}${e?.message ? ` (${e.message})` : ''}`.trim();
  return toExchangeError('transient', base, { ...ctx, cause: err });
}

/**
 * How long a 418 ban lasts: Retry-After when sent, else "banned until <epoch ms>" from the
 * message, else undefined (the caller falls back to its doubling schedule).
 */
export function banUntilFromMessage(msg: string | undefined): number | undefined {
  const m = msg?.match(/banned until (\d{12,14})/i);
  return m ? Number(m[1]) : undefined;
}
