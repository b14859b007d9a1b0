import type { Feature } from '../context.js';
import { replyHtml } from '../reply.js';

/** /start: what the bot does, the mode, how alerts work. */
export const startCommand: Feature = (bot, { config, ledger }) => {
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
    const pause = ledger.pauseState();
    if (pause.paused) lines.push('', t.t('core.start.paused', { reason: pause.reason ?? '' }));
    lines.push('', t.t('core.start.next'));
    await replyHtml(ctx, lines.join('\n'));
  });
};
