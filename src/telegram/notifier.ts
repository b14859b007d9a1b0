import type { Telegram } from 'telegraf';
import type { Config } from '../config.js';
import type { Store } from '../ledger/store.js';
import type { Logger } from '../logger.js';
import type { Notifier, Render, SendOptions } from '../notify.js';
import type { I18n } from './i18n.js';
import { splitMessage } from './render.js';
import { HTML_OPTIONS, inlineKeyboard } from './reply.js';

/**
 * Pushes outside of a conversation (signals, fills, failures, critical alerts) over the Bot API.
 * Never throws into the caller: a message that still fails after its retries is logged at error.
 *
 * - recipients: every allowlisted user, private chat id = user id, each in their stored language
 * - HTML parse mode, long text split, buttons under the last chunk
 * - 429: waits `parameters.retry_after`; 5xx / network errors: exponential backoff
 * - critical messages get more attempts; other 4xx (blocked, chat not found) are not retried
 * - HTML rejected by Telegram ("can't parse entities") is resent once as plain text
 */
export interface BotNotifier extends Notifier {
  /** like broadcast, but only to allowlisted users with alerts on (signal changes, exit alerts) */
  alert(render: Render, opts?: SendOptions): Promise<void>;
}

export interface NotifierOptions {
  telegram: Pick<Telegram, 'sendMessage'>;
  config: Pick<Config, 'telegram' | 'locale'>;
  store: Pick<Store, 'data'>;
  i18n: I18n;
  logger: Logger;
  /** first backoff delay for 5xx/network errors (default 1000 ms; doubles) */
  baseDelayMs?: number;
  /** longest single wait, also caps retry_after (default 60 s) */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface TelegramLikeError {
  code?: number | string;
  name?: string;
  parameters?: { retry_after?: number };
  description?: string;
  response?: { error_code?: number; description?: string; parameters?: { retry_after?: number } };
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createNotifier(opts: NotifierOptions): BotNotifier {
  const { telegram, config, store, i18n, logger } = opts;
  const baseDelay = opts.baseDelayMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 60_000;
  const sleep = opts.sleep ?? defaultSleep;

  const langOf = (chatId: number) => store.data.users[String(chatId)]?.lang ?? config.locale;

  async function sendChunk(chatId: number, text: string, extra: Record<string, unknown>, critical: boolean): Promise<boolean> {
    const maxAttempts = critical ? 6 : 3;
    let attempts = 0;
    let rateLimited = 0;
    let plain = false;
    for (;;) {
      try {
        const payloadText = plain ? text.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : text;
        await telegram.sendMessage(chatId, payloadText, plain ? { ...extra, parse_mode: undefined } : { ...HTML_OPTIONS, ...extra });
        return true;
      } catch (e) {
        const err = e as TelegramLikeError;
        const status = typeof err.response?.error_code === 'number' ? err.response.error_code : typeof err.code === 'number' ? err.code : undefined;
        const description = err.response?.description ?? err.description ?? String((e as Error).message ?? e);
        if (status === 429) {
          // a rate limit is not a failure of the message: wait as told (critical messages never give up on it)
          rateLimited++;
          const retryAfter = err.response?.parameters?.retry_after ?? err.parameters?.retry_after ?? 1;
          if (!critical && rateLimited > 5) {
            logger.error({ chatId, description }, 'notification dropped: still rate limited after 5 waits');
            return false;
          }
          logger.warn({ chatId, retryAfter }, 'Telegram rate limit; waiting');
          await sleep(Math.min(retryAfter * 1000, maxDelay));
          continue;
        }
        if (status === 400 && !plain && /can't parse entities|unsupported start tag|can't find end tag/i.test(description)) {
          logger.error({ chatId, description }, 'Telegram rejected the message HTML; resending as plain text');
          plain = true;
          continue;
        }
        const retryable = status === undefined || status >= 500;
        attempts++;
        if (!retryable || attempts >= maxAttempts) {
          logger.error({ chatId, status, description, attempts, critical }, 'notification failed; giving up');
          return false;
        }
        const delay = Math.min(baseDelay * 2 ** (attempts - 1), maxDelay);
        logger.warn({ chatId, status, description, attempt: attempts, delayMs: delay }, 'notification failed; retrying');
        await sleep(delay);
      }
    }
  }

  async function send(chatId: number, render: Render, sendOpts: SendOptions = {}): Promise<void> {
    try {
      const msg = render(i18n.translator(langOf(chatId)));
      const chunks = splitMessage(msg.text);
      for (let i = 0; i < chunks.length; i++) {
        const last = i === chunks.length - 1;
        const extra = last && msg.buttons?.length ? { reply_markup: inlineKeyboard(msg.buttons) } : {};
        const ok = await sendChunk(chatId, chunks[i]!, extra, !!sendOpts.critical);
        if (!ok) return;
      }
    } catch (err) {
      // a render bug must not take the caller (a job, the executor) down
      logger.error({ err, chatId }, 'notification could not be rendered or sent');
    }
  }

  const recipients = (alertsOnly: boolean) =>
    config.telegram.allowedUsers.filter((id) => !alertsOnly || store.data.users[String(id)]?.alerts !== false);

  return {
    send,
    async broadcast(render, sendOpts) {
      await Promise.all(recipients(false).map((id) => send(id, render, sendOpts)));
    },
    async alert(render, sendOpts) {
      await Promise.all(recipients(true).map((id) => send(id, render, sendOpts)));
    },
  };
}
