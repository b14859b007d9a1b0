import type { Feature } from '../context.js';
import { commandArgs } from '../args.js';
import { replyHtml } from '../reply.js';

/** /lang CODE: stores the user's language; later replies and pushes use it. */
export const langCommand: Feature = (bot, { i18n, ledger }) => {
  bot.command('lang', async (ctx) => {
    const [raw] = commandArgs(ctx);
    const languages = i18n.languages.join(', ');
    if (!raw) {
      await replyHtml(ctx, ctx.t.t('core.lang.current', { lang: ctx.t.lang, languages }));
      return;
    }
    const code = raw.toLowerCase();
    if (!i18n.has(code)) {
      await replyHtml(ctx, ctx.t.t('core.lang.bad', { code: raw.slice(0, 20), languages }));
      return;
    }
    await ledger.setLanguage(ctx.from.id, code);
    await replyHtml(ctx, i18n.translator(code).t('core.lang.set'));
  });
};
