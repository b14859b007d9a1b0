import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';
import type { I18n } from './i18n.js';

/**
 * The command menu the phone shows (setMyCommands), for every command —
 * including those implemented by the trading and ledger modules. Descriptions live in
 * locales/<lang>/core.json under `menu.<command>`, so every language lists the same commands.
 */
export const MENU_COMMANDS = [
  'signals',
  'funding',
  'backtest',
  'open',
  'close',
  'margin',
  'topup',
  'status',
  'pnl',
  'fills',
  'pause',
  'resume',
  'lang',
  'help',
  'start',
] as const;

export type MenuCommand = (typeof MENU_COMMANDS)[number];

export function menuFor(i18n: I18n, lang: string): Array<{ command: string; description: string }> {
  const t = i18n.translator(lang);
  return MENU_COMMANDS.map((command) => ({ command, description: t.t(`core.menu.${command}`) }));
}

/** Default menu in `defaultLang` (no language_code), then one per other language. Never throws. */
export async function setMenu(telegram: Pick<Telegram, 'setMyCommands'>, i18n: I18n, logger: Logger, defaultLang = i18n.defaultLang): Promise<void> {
  try {
    await telegram.setMyCommands(menuFor(i18n, defaultLang));
    for (const lang of i18n.languages) {
      await telegram.setMyCommands(menuFor(i18n, lang), { language_code: lang });
    }
  } catch (err) {
    logger.warn({ err }, 'could not set the command menu');
  }
}
