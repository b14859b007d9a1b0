import type { Feature } from '../context.js';
import { replyHtml } from '../reply.js';

/**
 * /pause and /resume: the ledger's pause switch. While paused, TRADING refuses new opens and
 * automatic actions; closing stays possible.
 */
export const pauseCommands: Feature = (bot, { ledger, now, logger, trading }) => {
  bot.command('pause', async (ctx) => {
    const pause = ledger.pauseState();
    if (pause.paused) {
      await replyHtml(ctx, ctx.t.t('core.pause.already', { reason: pause.reason ?? '' }));
      return;
    }
    const who = ctx.from.username ? `@${ctx.from.username}` : `${ctx.from.first_name} (${ctx.from.id})`;
    // stored as plain data (shown in any language): who, when
    const reason = `${who}, ${new Date(now()).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    await ledger.pause(reason);
    logger.warn({ userId: ctx.from.id }, 'bot paused from Telegram');
    await replyHtml(ctx, ctx.t.t('core.pause.done'));
  });

  bot.command('resume', async (ctx) => {
    if (!ledger.pauseState().paused) {
      await replyHtml(ctx, ctx.t.t('core.resume.notPaused'));
      return;
    }
    // A pause may stand over trades whose outcome Binance could not tell us. Resolve them
    // first (recovery queries by client order id); new opens stay blocked while any is open.
    await trading.recover('resume');
    const unresolved = ledger.pendingIntents().length;
    if (unresolved > 0) {
      logger.warn({ userId: ctx.from.id, unresolved }, 'resume refused: unfinished trades remain');
      await replyHtml(ctx, ctx.t.t('core.resume.unresolved', { count: unresolved }));
      return;
    }
    // A broken position is a naked futures short: trading on as if hedged would hide it.
    const broken = ledger.openPositions().filter((p) => p.status === 'broken').map((p) => p.symbol);
    if (broken.length > 0) {
      logger.warn({ userId: ctx.from.id, broken }, 'resume refused: broken positions remain');
      await replyHtml(ctx, ctx.t.t('core.resume.broken', { symbols: broken.join(', ') }));
      return;
    }
    await ledger.resume();
    logger.warn({ userId: ctx.from.id }, 'bot resumed from Telegram');
    await replyHtml(ctx, ctx.t.t('core.resume.done'));
  });
};
