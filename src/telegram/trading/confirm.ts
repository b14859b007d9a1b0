import type { Telegraf } from 'telegraf';
import type { Notifier } from '../../notify.js';
import type { ConfirmResult, TradingService } from '../../trading/service.js';
import type { BotContext } from '../context.js';
import { HTML_OPTIONS } from '../reply.js';
import { CB } from './buttons.js';
import { renderConfirmResult, renderOutcome } from './render.js';

/** outcomes not pushed by the executor as critical alerts (those already reach every allowlisted user) */
const PUSHED_AS_CRITICAL = new Set(['broken', 'unknown', 'spot_failed']);

/**
 * The confirm / cancel buttons. The service is asked FIRST (nothing Telegram-bound before the
 * order goes out); then the tap is answered and the preview message edited to the outcome.
 * The outcome is never lost: when the edit fails it goes through the notifier (retried), and
 * fills and failures are pushed to the other allowlisted users too.
 */
export function confirmActions(bot: Telegraf<BotContext>, trading: TradingService, notifier: Notifier): void {
  /** edit the preview to `text`; if that fails, send it to the chat through the notifier (critical: retried) */
  async function show(ctx: BotContext, text: string): Promise<void> {
    try {
      await ctx.editMessageText(text, HTML_OPTIONS);
    } catch (err) {
      // the preview may be gone or too old to edit: the outcome must still reach the user
      ctx.log.warn({ err }, 'could not edit the preview; sending the outcome instead');
      await notifier.send(ctx.chat?.id ?? ctx.from!.id, () => ({ text }), { critical: true });
    }
  }

  bot.action(new RegExp(`^${CB.confirm}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    let result: ConfirmResult;
    try {
      result = await trading.confirm(ctx.match[1]!, ctx.from.id);
    } catch (err) {
      // orders may have gone out (e.g. the store failed after the futures fill): never a generic toast
      ctx.log.error({ err }, 'confirm failed unexpectedly; the outcome is unknown');
      await ctx.answerCbQuery().catch(() => undefined);
      await show(ctx, t.t('trading.confirm.outcomeUnknown'));
      return;
    }
    if (result.kind === 'expired') return void (await ctx.answerCbQuery(t.t('trading.confirm.expired')));
    if (result.kind === 'not_yours') return void (await ctx.answerCbQuery(t.t('trading.confirm.notYours')));
    if (result.kind === 'stopping') return void (await ctx.answerCbQuery(t.t('trading.confirm.stopping')));
    await ctx.answerCbQuery(result.kind === 'refused' ? t.t('trading.confirm.refused') : undefined).catch(() => undefined);
    await show(ctx, renderConfirmResult(t, result));
    if (result.kind !== 'refused' && !PUSHED_AS_CRITICAL.has(result.outcome.kind)) {
      // fills and failures go to every allowlisted user; the initiator already has the edited preview.
      // Not awaited: retries must not hold up the update loop (the notifier never throws).
      const { outcome, preview } = result;
      void notifier.broadcast((tr) => ({ text: renderOutcome(tr, outcome, preview.mode) }), { except: [ctx.from.id] });
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
