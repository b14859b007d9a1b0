import { renderChart } from '../charts/offThread.js';
import type { ChartRenderer, ChartSpec } from '../charts/spec.js';
import type { BotContext, BotDeps } from './context.js';
import { HTML_OPTIONS, replyHtml } from './reply.js';
import { splitMessage } from './render.js';

declare module './context.js' {
  interface BotServices {
    /** turns a chart spec into a PNG (default: the ECharts + resvg renderer; tests swap in one that fails) */
    charts?: ChartRenderer;
  }
}

/** Telegram's limit on a photo caption */
export const CAPTION_LIMIT = 1024;

/**
 * Answers with a chart and the text as its caption: the first 1024 characters ride on the photo,
 * the rest follows as a message. The chart is a bonus, the text is the answer: when the chart
 * cannot be built, rendered or sent, the text goes alone and the failure is logged.
 * Rendering runs here, in the command's handler, never on the trading path.
 */
export async function replyWithChart(ctx: BotContext, deps: Pick<BotDeps, 'services'>, text: string, spec: () => ChartSpec): Promise<void> {
  const render = deps.services.charts ?? renderChart;
  let png: Buffer;
  try {
    png = (await render(spec())).png;
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
