import type { Telegraf } from 'telegraf';
import type { TradingService } from '../../trading/service.js';
import type { BotContext } from '../context.js';
import { HTML_OPTIONS, replyHtml } from '../reply.js';
import { CB } from './buttons.js';
import { renderConfirmResult } from './render.js';

/**
 * The confirm / cancel buttons. The service is asked FIRST (nothing Telegram-bound before the
 * order goes out); then the tap is answered and the preview message edited to the outcome.
 */
export function confirmActions(bot: Telegraf<BotContext>, trading: TradingService): void {
  bot.action(new RegExp(`^${CB.confirm}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    const result = await trading.confirm(ctx.match[1]!, ctx.from.id);
    if (result.kind === 'expired') return void (await ctx.answerCbQuery(t.t('trading.confirm.expired')));
    if (result.kind === 'not_yours') return void (await ctx.answerCbQuery(t.t('trading.confirm.notYours')));
    await ctx.answerCbQuery(result.kind === 'refused' ? t.t('trading.confirm.refused') : undefined).catch(() => undefined);
    const text = renderConfirmResult(t, result);
    try {
      await ctx.editMessageText(text, HTML_OPTIONS);
    } catch (err) {
      // the preview may be gone or too old to edit: the outcome must still reach the user
      ctx.log.warn({ err }, 'could not edit the preview; replying instead');
      await replyHtml(ctx, text);
    }
  });

  bot.action(new RegExp(`^${CB.cancel}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    const r = trading.cancel(ctx.match[1]!, ctx.from.id);
    if (r === 'not_yours') return void (await ctx.answerCbQuery(t.t('trading.confirm.notYours')));
    if (r === 'expired') return void (await ctx.answerCbQuery(t.t('trading.confirm.expired')));
    await ctx.answerCbQuery(t.t('trading.confirm.cancelled'));
    await ctx.editMessageText(t.t('trading.confirm.cancelledText'), HTML_OPTIONS).catch(() => undefined);
  });
}
