import type { Telegram } from 'telegraf';
import type { Config } from '../config.js';
import type { DomainEvent } from '../events.js';
import type { OutboxEntry } from '../ledger/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { InlineButton } from '../notify.js';
import { renderDomainEvent } from './events.js';
import type { I18n } from './i18n.js';
import { splitMessage } from './render.js';
import { HTML_OPTIONS, inlineKeyboard } from './reply.js';

/**
 * Delivers the outbox: per chat in order, each event rendered now in the recipient's language,
 * retried with backoff (429 `retry_after` honoured) until Telegram accepts it — across restarts,
 * since the outbox is in the store — then marked sent so it never goes twice. An event meant
 * for the confirmed preview edits that message (or is sent as a new one if it cannot be edited).
 *
 * One chat's messages go strictly in order, with one exception so that a backlog after a long
 * outage does not flood the chat (or hold a critical alert behind it): a signal push with a newer
 * signal push queued behind it for the same chat is left out — it describes a market that has
 * moved on — and the newer one says how many were left out. Nothing else is ever skipped.
 */
export interface OutboxSender {
  /** look for new entries now (else within the poll interval) */
  kick(): void;
  /** resolves when every entry is sent or `ms` passed */
  drain(ms: number): Promise<void>;
  stop(): void;
}

export interface OutboxSenderOptions {
  telegram: Pick<Telegram, 'sendMessage' | 'editMessageText'>;
  ledger: Ledger;
  i18n: I18n;
  config: Pick<Config, 'locale'>;
  logger: Logger;
  /** backoff between attempts of one entry (default 1 s doubling to 60 s) */
  retryMs?: number[];
  /** how often the outbox is looked at without a kick (default 500 ms) */
  pollMs?: number;
  /** the preview is being edited by the confirm handler: edit it only after that */
  editsInFlight?: Map<string, Promise<unknown>>;
}

interface Failure {
  code?: unknown;
  description?: string;
  response?: { error_code?: number; description?: string; parameters?: { retry_after?: number } };
}

const statusOf = (e: Failure): number | undefined => (typeof e.response?.error_code === 'number' ? e.response.error_code : typeof e.code === 'number' ? e.code : undefined);
const descriptionOf = (e: Failure): string => e.response?.description ?? e.description ?? String((e as Error).message ?? e);
const plain = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

export function createOutboxSender(opts: OutboxSenderOptions): OutboxSender {
  const { telegram, ledger, i18n, config, logger } = opts;
  const retryMs = opts.retryMs ?? [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000];
  const workers = new Map<number, Promise<void>>();
  const waits = new Set<() => void>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  interface Rendered {
    chunks: string[];
    buttons?: InlineButton[][];
  }

  function render(entry: OutboxEntry, skipped: number): Rendered {
    const lang = ledger.userSettings(entry.chatId)?.lang ?? config.locale;
    const msg = renderDomainEvent(i18n.translator(lang), entry.event as unknown as DomainEvent, skipped);
    if (typeof msg?.text !== 'string') throw new Error(`no renderer for event type ${String(entry.event.type)}`);
    return { chunks: splitMessage(msg.text), ...(msg.buttons?.length ? { buttons: msg.buttons } : {}) };
  }

  /** a signal push superseded by a newer one queued for the same chat */
  function superseded(entry: OutboxEntry): boolean {
    if (entry.event.type !== 'signals') return false;
    const queue = ledger.queuedFor(entry.chatId);
    return queue.slice(queue.findIndex((e) => e.id === entry.id) + 1).some((e) => e.event.type === 'signals');
  }

  /** resolves once Telegram accepted it; a 400 on the edit falls back to a new message */
  async function deliver(entry: OutboxEntry, rendered: Rendered, asPlain: boolean): Promise<void> {
    const chunks = rendered.chunks.map((c) => (asPlain ? plain(c) : c));
    const options = asPlain ? { link_preview_options: { is_disabled: true } } : HTML_OPTIONS;
    // buttons go under the last chunk (an edited preview never gets any)
    const keyboard = rendered.buttons ? { reply_markup: inlineKeyboard(rendered.buttons) } : {};
    let first = 0;
    if (entry.editMessageId !== undefined) {
      await opts.editsInFlight?.get(`${entry.chatId}:${entry.editMessageId}`);
      try {
        await telegram.editMessageText(entry.chatId, entry.editMessageId, undefined, chunks[0]!, options);
        first = 1;
      } catch (err) {
        const status = statusOf(err as Failure);
        const description = descriptionOf(err as Failure);
        if (status === 400 && /not modified/i.test(description)) first = 1;
        // a preview that is gone or too old to edit: the outcome goes as a message of its own
        else if (status !== 400) throw err;
      }
    }
    const rest = chunks.slice(first);
    for (let i = 0; i < rest.length; i++) await telegram.sendMessage(entry.chatId, rest[i]!, i === rest.length - 1 ? { ...options, ...keyboard } : options);
  }

  async function work(chatId: number): Promise<void> {
    let attempt = 0;
    let asPlain = false;
    let skipped = 0;
    while (!stopped) {
      const entry = ledger.nextMessages().find((e) => e.chatId === chatId);
      if (!entry) return;
      if (superseded(entry)) {
        logger.info({ chatId, id: entry.id }, 'signal push superseded by a newer one; left out');
        const saved = await ledger.markSent(entry.id).then(
          () => true,
          (err: unknown) => void logger.error({ err }, 'could not save that an outbox message was left out'),
        );
        if (saved) skipped += 1;
        else await sleep(retryMs[0] ?? 1000);
        continue;
      }
      let rendered: Rendered | undefined;
      try {
        rendered = render(entry, entry.event.type === 'signals' ? skipped : 0);
      } catch (err) {
        logger.error({ err, chatId, event: entry.event }, 'outbox event cannot be rendered; dropped');
      }
      try {
        if (rendered) await deliver(entry, rendered, asPlain);
      } catch (err) {
        const e = err as Failure;
        const status = statusOf(e);
        const description = descriptionOf(e);
        if (status === 400 && !asPlain && /can't parse entities|unsupported start tag|can't find end tag/i.test(description)) {
          logger.error({ chatId, description }, 'Telegram rejected the message HTML; sending it as plain text');
          asPlain = true;
          continue;
        }
        if (status === 400 || status === 403) {
          // chat not found, bot blocked: retrying cannot help, and the chat's later messages must not wait forever
          logger.error({ chatId, status, description, event: entry.event.type }, 'message cannot be delivered to this chat; dropped');
        } else {
          const retryAfter = e.response?.parameters?.retry_after;
          const wait = status === 429 && retryAfter ? retryAfter * 1000 : (retryMs[Math.min(attempt, retryMs.length - 1)] ?? 1000);
          attempt += 1;
          logger.warn({ chatId, status, description, attempt, retryInMs: wait }, 'outbox message not delivered yet; retrying');
          await sleep(wait);
          continue;
        }
      }
      attempt = 0;
      asPlain = false;
      if (entry.event.type === 'signals') skipped = 0;
      // a failed write keeps sentAt in memory (the store retries): it is not sent again either way
      await ledger.markSent(entry.id).catch((err: unknown) => logger.error({ err }, 'could not save that an outbox message was sent'));
    }
  }

  function kick(): void {
    if (stopped) return;
    for (const entry of ledger.nextMessages()) {
      if (workers.has(entry.chatId)) continue;
      const w = work(entry.chatId)
        .catch((err: unknown) => logger.error({ err, chatId: entry.chatId }, 'outbox worker failed'))
        .finally(() => workers.delete(entry.chatId));
      workers.set(entry.chatId, w);
    }
  }

  const timer = setInterval(kick, opts.pollMs ?? 500);
  timer.unref();
  kick();

  return {
    kick,
    async drain(ms) {
      const until = Date.now() + ms;
      while (Date.now() < until && ledger.nextMessages().length > 0) {
        kick();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const wake of [...waits]) wake();
    },
  };
}
