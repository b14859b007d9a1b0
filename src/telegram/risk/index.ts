import { riskResultOf } from '../../risk/index.js';
import { UserError, errorMessage } from '../../errors.js';
import { commandArgs } from '../args.js';
import type { BotContext, Feature } from '../context.js';
import { HTML_OPTIONS, replyHtml } from '../reply.js';
import { RISK_CB } from './buttons.js';
import { renderCloseAllPreview, renderMargin, renderRiskResult, renderTopupPreview } from './render.js';

export { createRiskPushes, type RiskPushes } from './push.js';
export { keepOpenData } from './buttons.js';

/** how often a due automatic exit is looked for between scans */
export const AUTO_EXIT_POLL_MS = 15_000;

/**
 * /margin, /topup N, /close all (the kill switch; it must come before the trading feature,
 * whose /close handles the rest), the risk: buttons, and the post-scan margin watch.
 */
export const riskFeature: Feature = (bot, deps) => {
  const { risk, riskPushes: pushes } = deps;
  const { config, ledger, audience } = deps;
  const ttl = config.confirmTtlSeconds;

  async function userError(ctx: BotContext, err: unknown): Promise<void> {
    if (!(err instanceof UserError)) throw err;
    await replyHtml(ctx, ctx.t.t(err.key, err.params));
  }

  async function topupPreview(ctx: BotContext, amount: string | undefined): Promise<void> {
    try {
      const { token, preview } = await risk!.previewTopup(ctx.from!.id, ctx.chat?.id ?? ctx.from!.id, amount);
      await replyHtml(ctx, renderTopupPreview(ctx.t, preview, token, ttl));
    } catch (err) {
      await userError(ctx, err);
    }
  }

  bot.command('margin', async (ctx) => {
    if (commandArgs(ctx).length) return void (await replyHtml(ctx, ctx.t.t('risk.error.usageMargin')));
    await ctx.sendChatAction('typing').catch(() => undefined);
    await replyHtml(ctx, renderMargin(ctx.t, await risk.view()));
  });

  bot.command('topup', async (ctx) => {
    const args = commandArgs(ctx);
    if (args.length !== 1) return void (await replyHtml(ctx, ctx.t.t('risk.error.usageTopup')));
    await topupPreview(ctx, args[0]);
  });

  bot.command('close', async (ctx, next) => {
    const args = commandArgs(ctx);
    if (args[0]?.toLowerCase() !== 'all') return next();
    if (args.length !== 1) return void (await replyHtml(ctx, ctx.t.t('risk.error.usageClose')));
    try {
      const { token, preview } = risk.previewCloseAll(ctx.from.id, ctx.chat.id);
      await replyHtml(ctx, renderCloseAllPreview(ctx.t, preview, token, ttl));
    } catch (err) {
      await userError(ctx, err);
    }
  });

  bot.action(new RegExp(`^${RISK_CB.move}(\\d{1,12}(?:\\.\\d{1,8})?)$`), async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await topupPreview(ctx, ctx.match[1]);
  });

  // the tap is answered at once; the move or the closes run on the trading queue, off the update
  // handler, so other users' commands are answered meanwhile; the outcome edits the preview
  bot.action(new RegExp(`^${RISK_CB.ok}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    const messageId = ctx.callbackQuery.message?.message_id;
    const started = risk.start(ctx.match[1]!, ctx.from.id, messageId);
    if (started.kind !== 'started') return void (await ctx.answerCbQuery(t.t(started.kind === 'expired' ? 'trading.confirm.expired' : 'trading.confirm.notYours')));
    const chatId = ctx.chat?.id ?? ctx.from.id;
    const initiator = ctx.from.id;
    const edit = async (text: string) => {
      if (messageId === undefined) throw new Error('no preview to edit');
      await ctx.telegram.editMessageText(chatId, messageId, undefined, text, HTML_OPTIONS);
    };
    // a move's result reaches the preview through the outbox, which waits for this edit first
    const key = messageId !== undefined ? `${chatId}:${messageId}` : undefined;
    const progress = edit(t.t('risk.topup.inProgress')).catch(() => undefined);
    if (key) deps.editsInFlight.set(key, progress);
    await ctx.answerCbQuery(t.t('trading.confirm.working')).catch(() => undefined);
    const notSaved = (err: unknown) => ctx.log.error({ err }, 'the result could not be saved to the outbox');
    void started.result
      .then(
        async (r) => {
          await progress;
          // a move was told in its own write (this preview edited, every user told) by the outbox
          if (r.kind === 'expired' || r.kind === 'not_yours' || (r.kind === 'moved' && r.told)) return;
          const event = { type: 'risk_result' as const, mode: config.mode, result: riskResultOf(r) };
          // the preview cannot be edited: the result goes to this chat through the outbox
          await edit(renderRiskResult(t, r, config.mode)).catch(() => ledger.publish([{ event, chats: [chatId] }]).catch(notSaved));
          // fills reach every allowlisted user; the initiator has the result in the chat
          if (r.kind === 'closed_all') await ledger.publish([{ event, chats: audience.all().filter((id) => id !== initiator) }]).catch(notSaved);
        },
        async (err: unknown) => {
          await progress;
          ctx.log.error({ err: errorMessage(err), action: started.action }, 'risk action failed unexpectedly');
          await edit(t.t('risk.topup.outcomeUnknown')).catch(() => undefined);
        },
      )
      .finally(() => {
        if (key && deps.editsInFlight.get(key) === progress) deps.editsInFlight.delete(key);
      });
  });

  bot.action(new RegExp(`^${RISK_CB.no}([A-Za-z0-9_-]{8,40})$`), async (ctx) => {
    const { t } = ctx;
    const r = risk.cancel(ctx.match[1]!, ctx.from.id);
    if (r !== 'cancelled') return void (await ctx.answerCbQuery(t.t(r === 'expired' ? 'trading.confirm.expired' : 'trading.confirm.notYours')));
    await ctx.answerCbQuery(t.t('trading.confirm.cancelled'));
    await ctx.editMessageText(t.t('trading.confirm.cancelledText'), HTML_OPTIONS).catch(() => undefined);
  });

  bot.action(new RegExp(`^${RISK_CB.keep}([A-Za-z0-9]{4,40})$`), async (ctx) => {
    const positionId = ctx.match[1]!;
    const r = await risk.autoExit.keep(positionId, ctx.from.id);
    await ctx.answerCbQuery(ctx.t.t(r === 'kept' ? 'risk.exit.kept' : 'risk.exit.gone'));
  });

  // after the scan's exit alerts (main.ts adds this hook last): margin first, then due exits
  deps.onScan.push(async () => {
    await pushes.watch();
  });

  const timer = setInterval(() => void pushes.runDue(), AUTO_EXIT_POLL_MS);
  timer.unref();
  deps.onStop.push(() => clearInterval(timer));
};
