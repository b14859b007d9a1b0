import type { BacktestReport } from '../backtest/index.js';

/**
 * --chart FILE.png: the cumulative net of the rules vs "always in". No chart renderer is part of
 * the code base yet, so this says so and the text report stands alone.
 */
export async function writeChart(_report: BacktestReport, file: string): Promise<string> {
  return `--chart ${file}: no chart renderer is available in this build; the text report above is complete`;
}
