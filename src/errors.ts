/**
 * The error tree. Callers branch on the class, never on message text:
 *
 *   ConfigError            bad environment; listed all at once, exit 1
 *   StoreError             the JSON store cannot be read or validated; never overwritten
 *   UserError              a chat input problem; carries a locale key + params for the reply
 *   ExchangeError          anything the exchange said or failed to say
 *     RetryableError       nothing happened on the exchange; safe to try again later
 *       RateLimitError     429 / 418; `retryAfterMs` says when
 *     RejectedError        a definite "no" (4xx with a Binance code): the order does not exist
 *     DuplicateOrderError  -4116 / spot "Duplicate order sent.": an order with that client id
 *                          EXISTS; query it, never read it as a rejection
 *     UnknownOutcomeError  timeout, reset, 5xx "unknown", -1007: the order MAY exist; query it,
 *                          never resend blindly
 *     ResponseError        the exchange answered but not in the shape we validated
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A problem with what the user typed or tapped. `key` is a locale key; `params` fill it. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

export interface ExchangeErrorInfo {
  /** 'spot' | 'futures' (which base URL) */
  market?: string;
  method?: string;
  path?: string;
  status?: number;
  /** Binance error code, e.g. -2019 */
  code?: number;
  cause?: unknown;
}

export class ExchangeError extends Error {
  override name = 'ExchangeError';
  readonly market?: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly code?: number;
  constructor(message: string, info: ExchangeErrorInfo = {}) {
    super(message, info.cause !== undefined ? { cause: info.cause } : undefined);
    this.market = info.market;
    this.method = info.method;
    this.path = info.path;
    this.status = info.status;
    this.code = info.code;
  }
}

/** Nothing happened on the exchange side; the same request may be sent again later. */
export class RetryableError extends ExchangeError {
  override name = 'RetryableError';
}

/** 429 or 418. `retryAfterMs` is how long to wait; `banned` is true for 418. */
export class RateLimitError extends RetryableError {
  override name = 'RateLimitError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly banned: boolean,
    info: ExchangeErrorInfo = {},
  ) {
    super(message, info);
  }
}

/** A definite rejection: the request was refused, nothing was created. */
export class RejectedError extends ExchangeError {
  override name = 'RejectedError';
}

/**
 * The exchange already has an order with this client order id (-4116, or spot -2010 "Duplicate
 * order sent."): the opposite of a rejection. Query the order by its id; never send another.
 */
export class DuplicateOrderError extends ExchangeError {
  override name = 'DuplicateOrderError';
}

/** The request may or may not have taken effect. Query by client order id before anything else. */
export class UnknownOutcomeError extends ExchangeError {
  override name = 'UnknownOutcomeError';
}

/** The exchange answered 2xx but the body was not JSON or failed its schema. */
export class ResponseError extends ExchangeError {
  override name = 'ResponseError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
