import type { Feature } from '../context.js';
import { MENU_COMMANDS } from '../menu.js';
import { replyHtml } from '../reply.js';

/** /help: every command of the menu with an example. */
export const helpCommand: Feature = (bot, { config, i18n }) => {
  bot.help(async (ctx) => {
    const { t } = ctx;
    const languages = i18n.languages.join(', ');
    const lines = [t.t('core.help.title'), ''];
    for (const command of MENU_COMMANDS) lines.push(t.t(`core.help.${command}`, { languages }));
    lines.push('', t.t('core.help.footer', { mode: t.t(`core.mode.${config.mode}`), ttl: config.confirmTtlSeconds }));
    await replyHtml(ctx, lines.join('\n'));
  });
};
