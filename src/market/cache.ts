import type { Logger } from '../logger.js';
import { errorMessage } from '../errors.js';

/**
 * A single value refreshed at most once per `ttlMs`, shared by concurrent callers. When a
 * refresh fails but an older value exists, the older value is served (reference data such as
 * exchangeInfo barely changes; a blip must not stop the scan) and the failure is logged.
 * `ctx` is handed to `load` so the caller that triggers a refresh can be charged for it.
 */
export interface TtlCache<T, C> {
  get(ctx: C): Promise<T>;
}

/** After a failed refresh, try again this much later rather than on every call. */
const RETRY_AFTER_FAILURE_MS = 60_000;

export function createTtlCache<T, C>(opts: { name: string; ttlMs: number; now: () => number; logger: Logger; load: (ctx: C) => Promise<T> }): TtlCache<T, C> {
  let value: { v: T; expires: number } | undefined;
  let loading: Promise<T> | undefined;

  const refresh = async (ctx: C): Promise<T> => {
    try {
      const v = await opts.load(ctx);
      value = { v, expires: opts.now() + opts.ttlMs };
      return v;
    } catch (err) {
      if (!value) throw err;
      opts.logger.warn({ cache: opts.name, err: errorMessage(err) }, 'reference data refresh failed; using the previous copy');
      value = { v: value.v, expires: opts.now() + RETRY_AFTER_FAILURE_MS };
      return value.v;
    }
  };

  return {
    get(ctx) {
      if (value && opts.now() < value.expires) return Promise.resolve(value.v);
      loading ??= refresh(ctx).finally(() => {
        loading = undefined;
      });
      return loading;
    },
  };
}
