import { checkExitAlerts } from '../../ledger/exitAlerts.js';
import { PERIODS, type Period } from '../../ledger/pnl.js';
import { commandArgs, parseSymbol } from '../args.js';
import type { BotDeps, Feature } from '../context.js';
import { pnlChart } from '../../charts/pnl.js';
import { replyWithChart } from '../photo.js';
import { replyHtml } from '../reply.js';
import type { PositionMargin } from '../../risk/index.js';
import { renderFills, renderPnl } from './pnlView.js';
import { renderStatus } from './status.js';
import type { Translator } from '../../notify.js';

/**
 * LEDGER in Telegram: /status, /pnl [7d|30d|all], /fills [SYMBOL], and the exit-alert post-scan
 * hook. The numbers come from src/ledger (plain data); this module only formats them.
 */

export const FILLS_LIMIT = 10;

export { closeButtonData } from './alerts.js';

/** the risk view's margin per position id; undefined when it cannot be read (the rest of /status still shows) */
async function marginByPosition(deps: BotDeps): Promise<Map<string, PositionMargin> | undefined> {
  try {
    const view = await deps.risk.view();
    return view && new Map(view.positions.map((p) => [p.positionId, p]));
  } catch (err) {
    deps.logger.warn({ err }, '/status: margin not readable');
    return undefined;
  }
}

export const ledgerFeature: Feature = (bot, deps) => {
  const { config, logger } = deps;
  const { reports, ledger } = deps;
  /** memory is ahead of the disk (a refused write): what is shown is memory, and says so */
  const unsavedNote = (t: Translator): string => (ledger.unsaved ? `${t.t('ledger.status.unsaved')}\n\n` : '');

  bot.command('status', async (ctx) => {
    if (commandArgs(ctx).length) return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: '/status' })));
    await ctx.sendChatAction('typing').catch(() => undefined);
    const [status, margin] = await Promise.all([reports.status(), marginByPosition(deps)]);
    const unresolved = new Set(ledger.pendingIntents().map((i) => i.positionId));
    await replyHtml(ctx, renderStatus(ctx.t, status, { ...(margin ? { margin } : {}), unresolved, unsaved: ledger.unsaved }));
  });

  bot.command('pnl', async (ctx) => {
    const args = commandArgs(ctx);
    const period = (args[0]?.toLowerCase() ?? 'all') as Period;
    if (args.length > 1 || !PERIODS.includes(period)) {
      return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: ctx.t.t('ledger.pnl.usage') })));
    }
    await ctx.sendChatAction('typing').catch(() => undefined);
    const report = await reports.pnl(period);
    const text = unsavedNote(ctx.t) + renderPnl(ctx.t, report);
    if (!report.rows.length) return void (await replyHtml(ctx, text));
    const labels = { period: ctx.t.t(`ledger.pnl.period.${period}`), mode: ctx.t.t(`core.mode.${report.mode}`) };
    await replyWithChart(ctx, deps, text, () => pnlChart(reports.pnlSeries(period, report.now), ctx.t, labels));
  });

  bot.command('fills', async (ctx) => {
    const args = commandArgs(ctx);
    const symbol = args[0] === undefined ? undefined : parseSymbol(args[0]);
    if (args.length > 1 || (args[0] !== undefined && !symbol)) {
      return void (await replyHtml(ctx, ctx.t.t('core.errors.usage', { usageHtml: ctx.t.t('ledger.fills.usage') })));
    }
    const fills = deps.ledger.latestFills({ symbol, mode: config.mode, limit: FILLS_LIMIT });
    await replyHtml(ctx, unsavedNote(ctx.t) + renderFills(ctx.t, fills, symbol));
  });

  deps.onScan.push(async (scan) => {
    const autoExit = deps.risk.autoExit;
    const result = await checkExitAlerts(
      {
        ledger: deps.ledger,
        audience: deps.audience,
        mode: config.mode,
        exitApr: config.exitApr,
        ...(autoExit ? { autoExit: { minutesFor: autoExit.minutesFor } } : {}),
        symbol: (s) => deps.market.symbol(s),
        logger,
      },
      scan,
    );
    // automatic exit: schedule what was just alerted, forget what cleared
    await autoExit?.alerted(result.sent.map((s) => s.positionId), result.cleared);
  });
};
