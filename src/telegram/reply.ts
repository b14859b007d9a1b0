import type { Context } from 'telegraf';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import type { InlineButton, OutgoingMessage } from '../notify.js';
import { splitMessage } from './render.js';

/**
 * Replying from a handler: HTML parse mode, long text split, buttons under the LAST chunk,
 * link previews off. Use this instead of ctx.reply so every answer looks the same.
 *
 *   await replyHtml(ctx, ctx.t.t('core.help.title'));
 *   await replyHtml(ctx, { text, buttons: [[{ text: 'OK', data: 'trade:ok:abc' }]] });
 */
export function inlineKeyboard(buttons: InlineButton[][]): InlineKeyboardMarkup {
  return { inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) };
}

export const HTML_OPTIONS = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

export async function replyHtml(ctx: Context, message: string | OutgoingMessage): Promise<void> {
  const msg = typeof message === 'string' ? { text: message } : message;
  const chunks = splitMessage(msg.text);
  for (let i = 0; i < chunks.length; i++) {
    const last = i === chunks.length - 1;
    await ctx.reply(chunks[i]!, {
      ...HTML_OPTIONS,
      ...(last && msg.buttons?.length ? { reply_markup: inlineKeyboard(msg.buttons) } : {}),
    });
  }
}
