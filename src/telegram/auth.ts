import type { Context, MiddlewareFn } from 'telegraf';
import type { Logger } from '../logger.js';
import type { I18n } from './i18n.js';

/**
 * The allowlist: the FIRST middleware, for every update type. Decides by the sender's user id
 * (`from.id`), never the chat id, so in a group only allowlisted people act.
 *
 * A stranger gets nothing executed and no state changed: a message is answered at most once per
 * `windowMs` with "not authorized, your id is N" (so the operator can add the id), a callback
 * query is answered (to stop the spinner) and nothing else. Every attempt is logged with the id.
 */
export interface AllowlistOptions {
  allowed: readonly number[];
  i18n: I18n;
  logger: Logger;
  now?: () => number;
  /** one reply per stranger per window (default 10 minutes) */
  windowMs?: number;
}

export function allowlist(opts: AllowlistOptions): MiddlewareFn<Context> {
  const allowed = new Set(opts.allowed);
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? 10 * 60_000;
  const lastReply = new Map<number, number>();

  const mayReply = (id: number): boolean => {
    const t = now();
    if (lastReply.size > 10_000) {
      for (const [k, at] of lastReply) if (t - at >= windowMs) lastReply.delete(k);
    }
    const prev = lastReply.get(id);
    if (prev !== undefined && t - prev < windowMs) return false;
    lastReply.set(id, t);
    return true;
  };

  return async (ctx, next) => {
    const from = ctx.from;
    if (from && allowed.has(from.id)) return next();

    const kind = ctx.updateType;
    if (!from) {
      // channel posts and service updates without a sender: nobody to authorize
      opts.logger.debug({ updateId: ctx.update.update_id, kind }, 'update without sender ignored');
      return;
    }
    const t = opts.i18n.translator(opts.i18n.fromTelegram(from.language_code));
    const text = t.t('core.auth.denied', { id: from.id });
    opts.logger.warn({ userId: from.id, chatId: ctx.chat?.id, kind, username: from.username }, 'unauthorized Telegram user');

    if (ctx.callbackQuery) {
      await ctx.answerCbQuery(t.t('core.auth.deniedShort', { id: from.id })).catch(() => undefined);
      return;
    }
    if (ctx.chat && ctx.message && mayReply(from.id)) {
      await ctx.reply(text, { parse_mode: 'HTML' }).catch((err: unknown) => {
        opts.logger.warn({ err, userId: from.id }, 'could not answer unauthorized user');
      });
    }
  };
}
