import type { InlineButton, Translator } from '../../notify.js';

/**
 * Callback data of the trading buttons (bot.ts convention: one prefix per module, `trade:`).
 * Confirm/cancel carry only an opaque token; the action lives server-side in the service.
 */
export const CB = {
  confirm: 'trade:ok:',
  cancel: 'trade:no:',
  /** starts the /close preview flow for a symbol: `trade:cl:BTCUSDT` */
  close: 'trade:cl:',
} as const;

/**
 * A "Close SYMBOL" button for any message (LEDGER exit alerts). Tapping it opens the same
 * preview as `/close SYMBOL`, with its own confirm step; the button itself executes nothing.
 */
export function closeButton(t: Translator, symbol: string): InlineButton {
  return { text: t.t('trading.button.close', { symbol }), data: `${CB.close}${symbol}` };
}
