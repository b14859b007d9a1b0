import { UserError } from '../../errors.js';
import type { Feature } from '../context.js';
import { commandArgs, parseSymbol } from '../args.js';
import { pre, type TableRow } from '../render.js';
import { fundingChart } from '../../charts/funding.js';
import { replyWithChart } from '../photo.js';
import { replyHtml } from '../reply.js';
import { breakEven } from '../signalsView.js';
import { fundingStats } from '../fundingStats.js';
import { VENUE_LABEL, fundingVenuesTable } from '../venueView.js';

const HISTORY_ROWS = 9;

const CHART_DAYS = 30;

/**
 * /funding SYMBOL: a chart of the last 30 days of settlements with, as its caption, the current
 * rate and interval, next settlement, APR now / 7d / 30d and the last settlements.
 */
export const fundingCommand: Feature = (bot, deps) => {
  const { market, config, now } = deps;
  bot.command('funding', async (ctx) => {
    const { t } = ctx;
    const [raw, extra] = commandArgs(ctx);
    if (!raw) return void (await replyHtml(ctx, t.t('core.errors.usage', { usageHtml: t.t('core.funding.usage') })));
    const symbol = parseSymbol(raw);
    if (!symbol || extra !== undefined) return void (await replyHtml(ctx, t.t('core.funding.badSymbol', { symbol: ctx.payload.trim().slice(0, 40) })));

    await ctx.sendChatAction('typing').catch(() => undefined);
    let s;
    try {
      s = await market.symbol(symbol);
    } catch (err) {
      if (err instanceof UserError) return void (await replyHtml(ctx, t.t('core.funding.unknownSymbol', { symbol })));
      throw err;
    }
    const [history, others] = await Promise.all([market.history(symbol, CHART_DAYS), market.venueRows(s.baseAsset)]);
    const nowMs = now();
    const stats = fundingStats(history.rows, s.periodsPerDay, nowMs);
    const apr = (v: number | null) => (v === null ? t.t('core.funding.na') : t.pct(v, 2, { sign: true }));

    const summary: TableRow[] = [
      { html: t.t('core.funding.rate', { rate: t.pct(s.rate * 100, 4, { sign: true }), interval: s.intervalHours }) },
      { html: t.t('core.funding.next', { time: t.time(s.nextFundingTime, nowMs), countdown: t.countdown(s.nextFundingTime, nowMs) }) },
      { html: t.t('core.funding.apr', { apr: apr(s.apr) }) },
      { html: t.t('core.funding.apr7d', { apr: apr(stats.apr7d), count: stats.count7d }) },
      { html: t.t('core.funding.apr30d', { apr: apr(stats.apr30d), count: stats.count30d }) },
      { html: t.t('core.funding.basis', { basis: t.pct(s.basisPct, 3, { sign: true }) }) },
      { html: t.t('core.funding.net', { apr: apr(s.netApr), be: breakEven(t, s.breakEvenDays) }) },
    ];
    const parts = [t.t('core.funding.title', { symbol }), pre(summary)];
    if (config.venues.length > 1) parts.push(t.t('core.funding.venues.title'), fundingVenuesTable(t, s, stats.apr7d, others.rows, config.venues, others.status));
    parts.push(s.isSignal ? t.t('core.funding.signal') : t.t('core.funding.noSignal', { minApr: t.pct(config.minApr, 0) }));
    if (s.warnings.length) {
      parts.push(t.t('core.signals.warnings', { listHtml: s.warnings.map((w) => t.t(`core.warning.${w}`)).join(', ') }).trim());
    }

    const last = history.rows.slice(-HISTORY_ROWS).reverse();
    if (last.length) {
      const dateFmt = new Intl.DateTimeFormat('en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
      const rows: TableRow[] = last.map((r) => [dateFmt.format(r.fundingTime).replace(',', ''), t.pct(r.rate * 100, 4, { sign: true }), t.num(r.rate * s.periodsPerDay * 365 * 100, 1, { sign: true })]);
      parts.push('', t.t('core.funding.history', { count: last.length }), pre(rows));
    } else {
      parts.push('', t.t('core.funding.noHistory'));
    }
    const venues = others.history.map((h) => ({ venue: VENUE_LABEL[h.venue], rows: h.rows }));
    const chart = { symbol, rows: history.rows, intervalHours: s.intervalHours, nextFundingTime: s.nextFundingTime, days: CHART_DAYS, venues };
    await replyWithChart(ctx, deps, parts.join('\n'), () => fundingChart(chart, t, nowMs));
  });
};
