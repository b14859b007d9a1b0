import type { Feature } from '../context.js';
import { replyHtml } from '../reply.js';

/**
 * /pause and /resume: the store's `paused` switch. While paused, TRADING refuses new opens and
 * automatic actions (it reads store.data.paused); closing stays possible.
 */
export const pauseCommands: Feature = (bot, { store, now, logger, trading }) => {
  bot.command('pause', async (ctx) => {
    if (store.data.paused) {
      await replyHtml(ctx, ctx.t.t('core.pause.already', { reason: store.data.pausedReason ?? '' }));
      return;
    }
    const who = ctx.from.username ? `@${ctx.from.username}` : `${ctx.from.first_name} (${ctx.from.id})`;
    // stored as plain data (shown in any language): who, when
    const reason = `${who}, ${new Date(now()).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    await store.update((d) => {
      d.paused = true;
      d.pausedReason = reason;
      // a person's pause: the bot must not lift it when an unresolved trade settles
      d.autoPaused = false;
    });
    logger.warn({ userId: ctx.from.id }, 'bot paused from Telegram');
    await replyHtml(ctx, ctx.t.t('core.pause.done'));
  });

  bot.command('resume', async (ctx) => {
    if (!store.data.paused) {
      await replyHtml(ctx, ctx.t.t('core.resume.notPaused'));
      return;
    }
    // A pause may stand over trades whose outcome Binance could not tell us. Resolve them
    // first (recovery queries by client order id); new opens stay blocked while any is open.
    await trading.recover('resume');
    const unresolved = store.data.intents.filter((i) => i.status === 'pending').length;
    if (unresolved > 0) {
      logger.warn({ userId: ctx.from.id, unresolved }, 'resume refused: unfinished trades remain');
      await replyHtml(ctx, ctx.t.t('core.resume.unresolved', { count: unresolved }));
      return;
    }
    // A broken position is a naked futures short: trading on as if hedged would hide it.
    const broken = store.data.positions.filter((p) => p.status === 'broken').map((p) => p.symbol);
    if (broken.length > 0) {
      logger.warn({ userId: ctx.from.id, broken }, 'resume refused: broken positions remain');
      await replyHtml(ctx, ctx.t.t('core.resume.broken', { symbols: broken.join(', ') }));
      return;
    }
    await store.update((d) => {
      d.paused = false;
      d.autoPaused = false;
      d.pausedReason = undefined;
    });
    logger.warn({ userId: ctx.from.id }, 'bot resumed from Telegram');
    await replyHtml(ctx, ctx.t.t('core.resume.done'));
  });
};
