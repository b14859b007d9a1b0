import type { Context } from 'telegraf';
import { UserError } from '../../errors.js';
import type { BotContext } from '../context.js';
import { replyHtml } from '../reply.js';
import { userErrorText } from './render.js';

/** Input problems get the usage line too; everything else is one sentence (reason + what to do). */
const INPUT_KEYS = new Set(['trading.error.symbol', 'trading.error.invalid_quantity']);

export async function replyUserError(ctx: BotContext & Context, err: unknown, command: 'open' | 'close'): Promise<void> {
  if (!(err instanceof UserError)) throw err;
  const text = userErrorText(ctx.t, err);
  await replyHtml(ctx, INPUT_KEYS.has(err.key) ? `${text}\n${ctx.t.t(`trading.usage.${command}`)}` : text);
}
