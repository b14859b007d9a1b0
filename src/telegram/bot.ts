import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import { ExchangeError, RateLimitError, UserError, errorMessage } from '../errors.js';
import { allowlist } from './auth.js';
import type { BotContext, BotDeps, Feature } from './context.js';
import { createChatQueues } from './chatQueues.js';
import { replyHtml } from './reply.js';
import { guardTelegram } from './transport.js';

/**
 * The bot factory. Middleware order (do not reorder):
 *
 *   0. dedupe         a re-delivered update_id stops here; the rest runs off telegraf's poll
 *                     loop, one queue per chat
 *   1. allowlist      strangers stop here (messages AND callback queries, by from.id)
 *   2. context        ctx.t (sender's language) and ctx.log (child logger)
 *   3. features       in the order given (main.ts keeps the one array)
 *   4. fallbacks      unknown /command → usage hint; unclaimed button → "expired" answer
 *
 * Errors: a handler may throw `new UserError('ns.key', params)`; the user gets that text. Any
 * other error is logged with the update id and the user gets a short generic message.
 *
 * Callback data convention (≤ 64 bytes): `<prefix>:<rest>`, one prefix per module, routed with
 * `bot.action(/^prefix:/, …)`. Prefixes in use: `trade:` (TRADING confirm/cancel/close),
 * `ledger:` (LEDGER), `core:` (this module). Data should be an opaque token, never trust it to
 * carry the action: keep the action server-side, keyed by the token.
 */
export interface CreateBotOptions {
  /** test hook: the clock for the stranger-reply window */
  now?: () => number;
}

export function createBot(deps: BotDeps, features: Feature[], opts: CreateBotOptions = {}): Telegraf<BotContext> {
  const { config, logger, i18n, ledger } = deps;
  const token = config.telegram.token;
  if (!token) throw new Error('createBot needs config.telegram.token');
  const bot = new Telegraf<BotContext>(token, {
    telegram: { apiRoot: config.telegram.apiRoot },
    handlerTimeout: 120_000,
  });

  // before anything else: an update seen before is not handled again (claimed here, in arrival
  // order); every Bot API call of this update is scrubbed of secrets and a reply is retried
  // through a short Telegram outage. The rest runs in the background, in order per chat:
  // telegraf asks for the next batch of updates only once every update of this one is handled,
  // so one command waiting on a hung Binance (up to its timeout) held up every user's next one.
  const chats = createChatQueues();
  bot.use((ctx, next) => {
    guardTelegram(ctx.telegram, { scrub: deps.scrub, logger });
    const { fresh, saved } = deps.updates.claim(ctx.update.update_id);
    if (!fresh) return void logger.warn({ updateId: ctx.update.update_id }, 'update already handled; skipped');
    const chat = ctx.chat?.id ?? ctx.from?.id ?? 0;
    void chats
      .run(chat, async () => {
        await saved;
        await next();
      })
      .catch((err: unknown) => reportError(err, ctx));
  });

  bot.use(allowlist({ allowed: config.telegram.allowedUsers, i18n, logger, now: opts.now ?? deps.now }));

  bot.use(async (ctx, next) => {
    const userId = ctx.from?.id;
    ctx.log = logger.child({ updateId: ctx.update.update_id, userId });
    const lang = userId !== undefined ? ledger.userSettings(userId)?.lang : undefined;
    ctx.t = i18n.translator(lang ?? config.locale);
    return next();
  });

  for (const feature of features) feature(bot, deps);

  bot.on(message('text'), async (ctx, next) => {
    const m = /^\/([A-Za-z0-9_]+)(?:@(\w+))?/.exec(ctx.message.text);
    if (!m) return next();
    // a command meant for another bot in a group
    if (m[2] && ctx.botInfo && m[2].toLowerCase() !== ctx.botInfo.username.toLowerCase()) return next();
    await replyHtml(ctx, ctx.t.t('core.errors.unknownCommand', { command: `/${m[1]}` }));
  });

  bot.on('callback_query', async (ctx) => {
    await ctx.answerCbQuery(ctx.t.t('core.errors.staleButton'));
  });

  bot.catch((err, ctx) => reportError(err, ctx));

  async function reportError(err: unknown, ctx: BotContext): Promise<void> {
    const t = ctx.t ?? i18n.translator(config.locale);
    const log = ctx.log ?? logger;
    const known = err instanceof UserError && i18n.hasKey(err.key, t.lang);
    if (err instanceof UserError && !known) log.warn({ key: err.key }, 'UserError with a key missing from locales/');
    const text = known ? t.t(err.key, err.params) : err instanceof ExchangeError ? exchangeText(t, err) : t.t('core.errors.generic');
    if (!(err instanceof UserError)) log.error({ err, updateId: ctx.update.update_id, kind: ctx.updateType }, 'update handler failed');
    try {
      if (ctx.callbackQuery) await ctx.answerCbQuery(text.replace(/<[^>]+>/g, '').slice(0, 190));
      else if (ctx.chat) await replyHtml(ctx, text);
    } catch (replyErr) {
      log.warn({ err: replyErr }, 'could not report the error to the user');
    }
  }

  return bot;
}

/** Binance down, rate-limited or answering garbage: say so (messages carry method, path and code, never a signature). */
function exchangeText(t: BotContext['t'], err: ExchangeError): string {
  if (err instanceof RateLimitError) return t.t('core.errors.exchangeBusy', { seconds: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) });
  return t.t('core.errors.exchange', { reason: errorMessage(err).slice(0, 120) });
}
