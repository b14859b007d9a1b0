import { allVenueRows, venueIndex } from '../../market/crossVenue.js';
import type { Feature } from '../context.js';
import { commandArgs } from '../args.js';
import { signalsChart } from '../../charts/signals.js';
import { replyWithChart } from '../photo.js';
import { replyHtml } from '../reply.js';
import { signalTable } from '../signalsView.js';
import { allVenuesTable, venuesDownNote } from '../venueView.js';

export const SIGNALS_DEFAULT = 5;
export const SIGNALS_MAX = 20;

/**
 * /signals [n]: the top n Binance signals from a scan at most a minute old (else the best
 * non-signals), each with the best other venue when it pays more, and one bar chart of their
 * net APRs with the table as its caption. /signals all [n]: every venue in one ranking.
 */
export const signalsCommand: Feature = (bot, deps) => {
  const { market, config, now } = deps;
  bot.command('signals', async (ctx) => {
    const { t } = ctx;
    const args = commandArgs(ctx);
    const all = args[0]?.toLowerCase() === 'all';
    const [raw, extra] = all ? args.slice(1) : args;
    const n = raw === undefined ? SIGNALS_DEFAULT : Number(raw);
    if (extra !== undefined || !Number.isInteger(n) || n < 1 || n > SIGNALS_MAX) {
      await replyHtml(ctx, t.t('core.errors.usage', { usageHtml: t.t('core.signals.usage', { max: SIGNALS_MAX }) }));
      return;
    }
    await ctx.sendChatAction('typing').catch(() => undefined);
    const scan = await market.scan({ maxAgeMs: 60_000 });
    const nowMs = now();
    if (!scan.rows.length) {
      await replyHtml(ctx, t.t('core.signals.empty'));
      return;
    }
    const down = venuesDownNote(t, scan.venues?.status);
    const legend = t.t('core.signals.legend', { holdDays: config.holdDays });
    if (all) {
      const top = allVenueRows(scan).slice(0, n);
      const title = t.t('core.signals.allTitle', { count: top.length, time: t.time(scan.at, nowMs) });
      await replyHtml(ctx, [title, allVenuesTable(t, top), ...down, t.t('core.signals.allLegend', { holdDays: config.holdDays })].join('\n'));
      return;
    }
    const index = scan.venues ? venueIndex(scan) : undefined;
    const info = t.t('core.signals.scanInfo', { symbols: scan.universeSize, time: t.time(scan.at, nowMs) });
    const chartInfo = { at: scan.at, now: nowMs, minApr: config.minApr };
    if (scan.signals.length) {
      const top = scan.signals.slice(0, n);
      const title = t.t('core.signals.title', { count: top.length, time: t.time(scan.at, nowMs) });
      const text = [title, signalTable(t, top, nowMs, index), ...down, legend].join('\n');
      await replyWithChart(ctx, deps, text, () => signalsChart(top, t, chartInfo));
      return;
    }
    const best = scan.rows.slice(0, n);
    const none = t.t('core.signals.none', { minApr: t.pct(config.minApr, 0) });
    const text = [none, '', t.t('core.signals.bestOthers'), signalTable(t, best, nowMs, index), info, ...down, legend].join('\n');
    await replyWithChart(ctx, deps, text, () => signalsChart(best, t, chartInfo));
  });
};
