import { checkExitAlerts } from '../../ledger/exitAlerts.js';
import { PERIODS, type Period } from '../../ledger/pnl.js';
import { commandArgs, parseSymbol } from '../args.js';
import type { Feature } from '../context.js';
import { replyHtml } from '../reply.js';
import { CB as TRADING_CALLBACKS } from '../trading/buttons.js';
import { renderFills, renderPnl } from './pnlView.js';
import { renderStatus } from './status.js';

/**
 * LEDGER in Telegram: /status, /pnl [7d|30d|all], /fills [SYMBOL], and the exit-alert post-scan
 * hook. The numbers come from src/ledger (plain data); this module only formats them.
 */

export const FILLS_LIMIT = 10;

/** TRADING's one-tap close button (`trade:cl:SYMBOL`): opens the /close preview with its own confirm step. */
export const closeButtonData = (symbol: string): string => `${TRADING_CALLBACKS.close}${symbol}`;

export const ledgerFeature: Feature = (bot, deps) => {
  const { config, logger } = deps;
  const { reports, ledger } = deps;

  bot.command('status', async (ctx) => {
    if (commandArgs(ctx).length) return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: '/status' })));
    await ctx.sendChatAction('typing').catch(() => undefined);
    const unresolved = new Set(ledger.pendingIntents().map((i) => i.positionId));
    await replyHtml(ctx, renderStatus(ctx.t, await reports.status(), { unresolved, unsaved: ledger.unsaved }));
  });

  bot.command('pnl', async (ctx) => {
    const args = commandArgs(ctx);
    const period = (args[0]?.toLowerCase() ?? 'all') as Period;
    if (args.length > 1 || !PERIODS.includes(period)) {
      return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: ctx.t.t('ledger.pnl.usage') })));
    }
    await ctx.sendChatAction('typing').catch(() => undefined);
    await replyHtml(ctx, renderPnl(ctx.t, await reports.pnl(period)));
  });

  bot.command('fills', async (ctx) => {
    const args = commandArgs(ctx);
    const symbol = args[0] === undefined ? undefined : parseSymbol(args[0]);
    if (args.length > 1 || (args[0] !== undefined && !symbol)) {
      return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: ctx.t.t('ledger.fills.usage') })));
    }
    const fills = deps.ledger.latestFills({ symbol, mode: config.mode, limit: FILLS_LIMIT });
    await replyHtml(ctx, renderFills(ctx.t, fills, symbol));
  });

  deps.onScan.push(async (scan) => {
    await checkExitAlerts(
      {
        ledger: deps.ledger,
        notifier: deps.notifier,
        mode: config.mode,
        exitApr: config.exitApr,
        closeButtonData,
        symbol: (s) => deps.market.symbol(s),
        logger,
      },
      scan,
    );
  });
};
