import type { Telegram } from 'telegraf';
import type { Logger, Scrubber } from '../logger.js';

/**
 * Every Bot API call carrying text passes through here: the log scrubber runs over the text
 * (an exchange error quoted in chat must not carry a key or a signature), and a reply that
 * meets a Telegram 5xx or a dropped connection is retried for a few seconds instead of lost.
 */

/** methods worth retrying: what the user reads (polling has its own retry loop) */
const RETRIED = new Set(['sendMessage', 'editMessageText', 'answerCallbackQuery', 'sendPhoto', 'editMessageReplyMarkup']);
const TEXT_FIELDS = ['text', 'caption'] as const;

export interface GuardOptions {
  scrub: Scrubber;
  logger: Logger;
  /** waits between retries of a failed reply (default 250, 500, 1000, 2000 ms: about 4 s); [] = no retry */
  retryMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

interface TelegramFailure {
  code?: unknown;
  response?: { error_code?: number; parameters?: { retry_after?: number } };
}

const statusOf = (err: unknown): number | undefined => {
  const e = err as TelegramFailure;
  if (typeof e?.response?.error_code === 'number') return e.response.error_code;
  return typeof e?.code === 'number' ? e.code : undefined;
};

/** Patches this Telegram instance's callApi in place (telegraf makes one per update). */
export function guardTelegram<T extends Pick<Telegram, 'callApi'>>(tg: T, opts: GuardOptions): T {
  const call = tg.callApi.bind(tg) as (method: string, payload: Record<string, unknown>, extra?: unknown) => Promise<unknown>;
  const delays = opts.retryMs ?? [250, 500, 1000, 2000];
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const guarded = async (method: string, payload: Record<string, unknown>, extra?: unknown): Promise<unknown> => {
    const clean = { ...payload };
    for (const f of TEXT_FIELDS) if (typeof clean[f] === 'string') clean[f] = opts.scrub.text(clean[f] as string);
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(method, clean, extra);
      } catch (err) {
        const status = statusOf(err);
        const transient = status === undefined || status >= 500;
        const delay = delays[attempt];
        if (!RETRIED.has(method) || !transient || delay === undefined || (err as Error)?.name === 'AbortError') throw err;
        opts.logger.warn({ method, status, attempt: attempt + 1, delayMs: delay }, 'Telegram call failed; retrying');
        await sleep(delay);
      }
    }
  };
  (tg as { callApi: unknown }).callApi = guarded;
  return tg;
}
