import { backtestDeps, paramsFrom, runBacktest, type BacktestReport } from '../../backtest/index.js';
import { UserError } from '../../errors.js';
import type { Translator } from '../../notify.js';
import { commandArgs, parseSymbol } from '../args.js';
import type { Feature } from '../context.js';
import { pre, type TableRow } from '../render.js';
import { backtestChart } from '../../charts/backtest.js';
import { replyWithChart } from '../photo.js';
import { replyHtml } from '../reply.js';

const PERIODS: Record<string, number> = { '30d': 30, '90d': 90, '180d': 180 };
const DEFAULT_PERIOD = '90d';

/**
 * /backtest SYMBOL [30d|90d|180d]: what the configured rules would have earned on that symbol.
 * Answers with the chart of the cumulative net (rules vs always in) and the figures as caption.
 * Read-only; history comes through the bot's own Binance client (one weight budget with the
 * scan, self-limited at 60 %) and is cached beside the ledger, so asking again is free.
 */
export const backtestCommand: Feature = (bot, deps) => {
  const { binance, config, now } = deps;
  const unlisted = (symbol: string) =>
    deps.market.symbol(symbol).then(
      () => false,
      (err: unknown) => err instanceof UserError,
    );

  bot.command('backtest', async (ctx) => {
    const { t } = ctx;
    const [raw, period = DEFAULT_PERIOD, extra] = commandArgs(ctx);
    const symbol = parseSymbol(raw);
    const days = PERIODS[period.toLowerCase()];
    if (!symbol || days === undefined || extra !== undefined) {
      return void (await replyHtml(ctx, t.t('core.errors.usage', { usageHtml: t.t('backtest.usage') })));
    }
    await ctx.sendChatAction('typing').catch(() => undefined);
    const report = await runBacktest(backtestDeps(binance, config, now), { symbols: [symbol], days, params: paramsFrom(config) });
    const failed = report.failed[0];
    if (failed || !report.symbols[0]) {
      // a symbol Binance does not list gets the same plain answer as /funding, not the exchange's error text
      if (await unlisted(symbol)) return void (await replyHtml(ctx, t.t('core.funding.unknownSymbol', { symbol })));
      return void (await replyHtml(ctx, t.t('backtest.failed', { symbol, reason: failed?.error.slice(0, 200) ?? '' })));
    }
    const chartText = { title: t.t('backtest.chart.title', { symbol, days }), rules: t.t('backtest.chart.rules'), always: t.t('backtest.chart.always'), axis: t.t('backtest.chart.axis') };
    await replyWithChart(ctx, deps, renderBacktest(t, report), () => backtestChart(report.curve, chartText, t.lang));
  });
};

export function renderBacktest(t: Translator, r: BacktestReport): string {
  const s = r.symbols[0]!;
  const { rules, always, noFees } = s;
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const rows: TableRow[] = [
    [t.t('backtest.table.daysIn'), t.num(rules.daysInTrade, 1)],
    [t.t('backtest.table.trades'), `${rules.entries} / ${rules.exits}${rules.openAtEnd ? ' +1' : ''}`],
    [t.t('backtest.table.funding'), t.num(rules.funding, 2, { sign: true })],
    [t.t('backtest.table.fees'), t.num(rules.fees, 2)],
    [t.t('backtest.table.basis'), t.num(rules.basisPnl, 2, { sign: true })],
    [t.t('backtest.table.net'), t.num(rules.net, 2, { sign: true })],
    [t.t('backtest.table.apr'), t.pct(rules.capitalApr, 2, { sign: true })],
    [t.t('backtest.table.drawdown'), t.num(rules.maxDrawdown, 2)],
  ];
  const c = s.coverage;
  const p = r.params;
  const parts = [
    t.t('backtest.title', { symbol: s.symbol, from: date(r.from), to: date(r.to), days: r.days }),
    t.t('backtest.rules', { minApr: t.pct(p.minApr, 0), exitApr: t.pct(p.exitApr, 0), notional: t.usdt(p.notional, { digits: 0 }), capital: t.usdt(r.capitalPerSymbol, { digits: 0 }) }),
    pre(rows),
  ];
  if (rules.openAtEnd) parts.push(t.t('backtest.openAtEnd'));
  parts.push(
    t.t('backtest.always', { net: t.usdt(always.net, { sign: true }), apr: t.pct(always.capitalApr, 2, { sign: true }) }),
    t.t('backtest.noFees', { net: t.usdt(noFees.net, { sign: true }), apr: t.pct(noFees.capitalApr, 2, { sign: true }) }),
    '',
    c.firstSettlement === null
      ? t.t('backtest.noData')
      : t.t('backtest.data', {
          count: c.settlements,
          first: date(c.firstSettlement),
          last: date(c.lastSettlement!),
          missingSettlements: c.missingSettlements,
          missingKlines: c.missingSpotKlines + c.missingFuturesKlines,
        }),
    t.t('backtest.cost', { requests: r.spent.requests, weight: r.spent.weight, cached: t.t(r.fromCache ? 'backtest.yes' : 'backtest.no') }),
    t.t('backtest.limits'),
  );
  return parts.join('\n');
}
