import type { Telegram } from 'telegraf';
import type { Config } from '../config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { BroadcastOptions, Notifier, Render, SendOptions } from '../notify.js';
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
 * - every message has a total waiting budget (2 min; critical 15 min): a message that cannot be
 *   delivered within it is logged at error (critical ones with their text), never dropped silently
 * - HTML rejected by Telegram ("can't parse entities") is resent once as plain text
 */
export interface BotNotifier extends Notifier {
  /** like broadcast, but only to allowlisted users with alerts on (signal changes, exit alerts) */
  alert(render: Render, opts?: BroadcastOptions): Promise<void>;
}

export interface NotifierOptions {
  telegram: Pick<Telegram, 'sendMessage'>;
  config: Pick<Config, 'telegram' | 'locale'>;
  ledger: Pick<Ledger, 'userSettings'>;
  i18n: I18n;
  logger: Logger;
  /** first backoff delay for 5xx/network errors (default 1000 ms; doubles) */
  baseDelayMs?: number;
  /** longest single wait, also caps retry_after (default 60 s) */
  maxDelayMs?: number;
  /** total time one message may spend waiting between attempts (default 2 min; critical: 15 min) */
  maxWaitMs?: number;
  criticalMaxWaitMs?: number;
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
  const { telegram, config, ledger, i18n, logger } = opts;
  const baseDelay = opts.baseDelayMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 60_000;
  const sleep = opts.sleep ?? defaultSleep;
  const maxWait = opts.maxWaitMs ?? 120_000;
  const criticalMaxWait = opts.criticalMaxWaitMs ?? 15 * 60_000;

  const langOf = (chatId: number) => ledger.userSettings(chatId)?.lang ?? config.locale;

  async function sendChunk(chatId: number, text: string, extra: Record<string, unknown>, critical: boolean): Promise<boolean> {
    const maxAttempts = critical ? 6 : 3;
    let attempts = 0;
    let rateLimited = 0;
    let plain = false;
    // every wait counts against one budget: a critical message is retried long, but not forever
    let waited = 0;
    const budget = critical ? criticalMaxWait : maxWait;
    const giveUp = (info: Record<string, unknown>): false => {
      logger.error({ chatId, critical, waitedMs: waited, ...info, text: critical ? text.slice(0, 500) : undefined }, critical ? 'CRITICAL notification undeliverable; giving up' : 'notification failed; giving up');
      return false;
    };
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
          // a rate limit is not a failure of the message: wait as told, within the message's time budget
          rateLimited++;
          const retryAfter = err.response?.parameters?.retry_after ?? err.parameters?.retry_after ?? 1;
          const wait = Math.min(retryAfter * 1000, maxDelay);
          if (!critical && rateLimited > 5) return giveUp({ description, reason: 'still rate limited after 5 waits' });
          if (waited + wait > budget) return giveUp({ description, reason: 'rate limited past the time budget' });
          logger.warn({ chatId, retryAfter }, 'Telegram rate limit; waiting');
          waited += wait;
          await sleep(wait);
          continue;
        }
        if (status === 400 && !plain && /can't parse entities|unsupported start tag|can't find end tag/i.test(description)) {
          logger.error({ chatId, description }, 'Telegram rejected the message HTML; resending as plain text');
          plain = true;
          continue;
        }
        const retryable = status === undefined || status >= 500;
        attempts++;
        const delay = Math.min(baseDelay * 2 ** (attempts - 1), maxDelay);
        if (!retryable || attempts >= maxAttempts || waited + delay > budget) return giveUp({ status, description, attempts });
        logger.warn({ chatId, status, description, attempt: attempts, delayMs: delay }, 'notification failed; retrying');
        waited += delay;
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

  const recipients = (alertsOnly: boolean, except: readonly number[] = []) =>
    config.telegram.allowedUsers.filter((id) => !except.includes(id) && (!alertsOnly || ledger.userSettings(id)?.alerts !== false));

  return {
    send,
    async broadcast(render, sendOpts) {
      await Promise.all(recipients(false, sendOpts?.except).map((id) => send(id, render, sendOpts)));
    },
    async alert(render, sendOpts) {
      await Promise.all(recipients(true, sendOpts?.except).map((id) => send(id, render, sendOpts)));
    },
  };
}
