import type { Feature } from '../context.js';
import { replyHtml } from '../reply.js';

/** /start: what the bot does, the mode, how alerts work. */
export const startCommand: Feature = (bot, { config, store }) => {
  bot.start(async (ctx) => {
    const { t } = ctx;
    const mode = t.t(`core.mode.${config.mode}`);
    const lines = [
      t.t('core.start.title'),
      '',
      t.t('core.start.body'),
      '',
      t.t('core.start.mode', { mode }),
      t.t(config.mode === 'live' ? 'core.start.modeLive' : 'core.start.modePaper'),
      '',
      t.t('core.start.alerts', { schedule: config.signalCron, minApr: t.pct(config.minApr, 0) }),
    ];
    if (store.data.paused) lines.push('', t.t('core.start.paused', { reason: store.data.pausedReason ?? '' }));
    lines.push('', t.t('core.start.next'));
    await replyHtml(ctx, lines.join('\n'));
  });
};
