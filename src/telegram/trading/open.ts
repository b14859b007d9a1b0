import type { Telegraf } from 'telegraf';
import type { TradingService } from '../../trading/service.js';
import { commandArgs } from '../args.js';
import type { BotContext } from '../context.js';
import { replyHtml } from '../reply.js';
import { replyUserError } from './errors.js';
import { renderPreview } from './render.js';

/** /open SYMBOL QTY → preview with confirm / cancel. Nothing is sent to the exchange here. */
export function openCommand(bot: Telegraf<BotContext>, trading: TradingService, ttlSeconds: number): void {
  bot.command('open', async (ctx) => {
    const args = commandArgs(ctx);
    if (args.length !== 2) return void (await replyHtml(ctx, ctx.t.t('trading.error.usage_open')));
    try {
      const { token, preview } = await trading.previewOpen(ctx.from.id, ctx.chat.id, args[0], args[1]);
      await replyHtml(ctx, renderPreview(ctx.t, preview, token, ttlSeconds));
    } catch (err) {
      await replyUserError(ctx, err, 'open');
    }
  });
}
