import type { Telegraf } from 'telegraf';
import type { TradingService } from '../../trading/service.js';
import { commandArgs } from '../args.js';
import type { BotContext } from '../context.js';
import { replyHtml } from '../reply.js';
import { CB } from './buttons.js';
import { replyUserError } from './errors.js';
import { renderChoose, renderPreview } from './render.js';

/**
 * /close [SYMBOL]: one position → its preview; several → a keyboard of positions; none → say so.
 * The `trade:cl:SYMBOL` button (position keyboard, exit alerts) starts the same preview.
 */
export function closeCommand(bot: Telegraf<BotContext>, trading: TradingService, ttlSeconds: number): void {
  async function preview(ctx: BotContext, chatId: number, symbol: string | undefined): Promise<void> {
    try {
      const r = await trading.previewClose(ctx.from!.id, chatId, symbol);
      await replyHtml(ctx, r.kind === 'choose' ? renderChoose(ctx.t, r.symbols) : renderPreview(ctx.t, r.preview, r.token, ttlSeconds));
    } catch (err) {
      await replyUserError(ctx, err, 'close');
    }
  }

  bot.command('close', async (ctx) => {
    const args = commandArgs(ctx);
    if (args.length > 1) return void (await replyHtml(ctx, ctx.t.t('trading.error.usage_close')));
    await preview(ctx, ctx.chat.id, args[0]);
  });

  bot.action(new RegExp(`^${CB.close}([A-Z0-9]{2,20}USDT)$`), async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    const chatId = ctx.chat?.id ?? ctx.from.id;
    await preview(ctx, chatId, ctx.match[1]);
  });
}
