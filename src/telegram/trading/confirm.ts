import type { Telegraf } from 'telegraf';
import { errorMessage } from '../../errors.js';
import type { ConfirmResult, TradingService } from '../../trading/service.js';
import type { BotContext } from '../context.js';
import { HTML_OPTIONS } from '../reply.js';
import { CB } from './buttons.js';
import { previewText, renderConfirmResult } from './render.js';

/**
 * The confirm / cancel buttons. A tap is decided at once (expired, someone else's, shutting
 * down) and answered; the trade itself runs on the trading queue, off the update handler, so
 * other users' commands are answered while it waits on Binance. The preview shows "sending…" once
 * the intent is on disk; the outcome reaches it (and every allowlisted user) through the outbox,
 * which the trade writes in the same store write as the outcome. Only a refusal (nothing sent)
 * is shown here.
 */
export function confirmActions(bot: Telegraf<BotContext>, trading: TradingService, editsInFlight: Map<string, Promise<unknown>>): void {
  bot.action(new RegExp(`^${CB.confirm}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    const message = ctx.callbackQuery.message;
    const chatId = ctx.chat?.id ?? ctx.from.id;
    const started = trading.start(ctx.match[1]!, ctx.from.id, message?.message_id);
    if (started.kind === 'expired') return void (await ctx.answerCbQuery(t.t('trading.confirm.expired')));
    if (started.kind === 'not_yours') return void (await ctx.answerCbQuery(t.t('trading.confirm.notYours')));
    if (started.kind === 'stopping') return void (await ctx.answerCbQuery(t.t('trading.confirm.stopping')));
    const key = message ? `${chatId}:${message.message_id}` : undefined;
    const edit = (text: string) => (message ? ctx.telegram.editMessageText(chatId, message.message_id, undefined, text, HTML_OPTIONS) : Promise.resolve(undefined));
    // "sending" only once the intent is on disk: a crash before that leaves nothing to recover and
    // nothing to tell, and the preview must not promise an outcome. The outbox edits the same
    // message with the outcome: it waits for this edit first.
    const inProgress = `${previewText(t, started.preview)}\n\n${t.t('trading.confirm.inProgress')}`;
    const progress = started.sending.then((sending) => (sending ? edit(inProgress) : undefined)).catch(() => undefined);
    if (key) editsInFlight.set(key, progress);
    await ctx.answerCbQuery(t.t('trading.confirm.working')).catch(() => undefined);
    // "sending" goes out when the trade may be over already: the entry stays until that edit is
    // done, so the outbox's outcome (and a refusal here) always lands after it
    void started.result.then(
      async (r) => {
        await progress;
        await showRefusal(r);
      },
      async (err: unknown) => {
        await progress;
        // orders may have gone out: never a generic toast
        ctx.log.error({ err: errorMessage(err) }, 'trade failed unexpectedly; its outcome is unknown');
        await edit(t.t('trading.confirm.outcomeUnknown')).catch(() => undefined);
      },
    ).finally(() => {
      if (key && editsInFlight.get(key) === progress) editsInFlight.delete(key);
    });

    async function showRefusal(r: ConfirmResult): Promise<void> {
      if (r.kind === 'open' || r.kind === 'close') return; // the outbox tells
      const text = r.kind === 'refused' ? renderConfirmResult(t, r) : t.t(r.kind === 'expired' ? 'trading.confirm.expired' : r.kind === 'stopping' ? 'trading.confirm.stopping' : 'trading.confirm.notYours');
      await edit(text).catch((err: unknown) => ctx.log.warn({ err: errorMessage(err) }, 'could not show that nothing was sent'));
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
