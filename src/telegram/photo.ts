import type { ChartSpec } from '../charts/spec.js';
import type { BotContext, BotDeps } from './context.js';
import { HTML_OPTIONS, replyHtml } from './reply.js';
import { splitMessage } from './render.js';

/** Telegram's limit on a photo caption */
export const CAPTION_LIMIT = 1024;

/**
 * Answers with a chart and the text as its caption: the first 1024 characters ride on the photo,
 * the rest follows as a message. The chart is a bonus, the text is the answer: when the chart
 * cannot be built, rendered or sent, the text goes alone and the failure is logged.
 * The bot's renderer (deps.charts) runs in a child process, never on the trading path.
 */
export async function replyWithChart(ctx: BotContext, deps: Pick<BotDeps, 'charts'>, text: string, spec: () => ChartSpec): Promise<void> {
  let png: Buffer;
  try {
    png = (await deps.charts(spec())).png;
  } catch (err) {
    ctx.log.warn({ err }, 'chart rendering failed; sending the text alone');
    return replyHtml(ctx, text);
  }
  const [caption, ...rest] = splitMessage(text, CAPTION_LIMIT);
  try {
    await ctx.replyWithPhoto({ source: png, filename: 'chart.png' }, { caption, parse_mode: HTML_OPTIONS.parse_mode });
  } catch (err) {
    ctx.log.warn({ err }, 'sendPhoto failed; sending the text alone');
    return replyHtml(ctx, text);
  }
  if (rest.length) await replyHtml(ctx, rest.join('\n'));
}
