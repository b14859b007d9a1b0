import { writeFile } from 'node:fs/promises';
import type { BacktestReport } from '../backtest/index.js';
import { backtestChart } from '../charts/backtest.js';
import { renderChart } from '../charts/renderProcess.js';

/** --chart FILE.png: the cumulative net of the rules vs "always in", all symbols summed. */
export async function writeChart(report: BacktestReport, file: string): Promise<string> {
  const symbols = report.symbols.map((s) => s.symbol);
  const who = symbols.length <= 3 ? symbols.join(', ') : `${symbols.length} symbols`;
  const spec = backtestChart(
    report.curve,
    { title: `Backtest ${who} · cumulative net, ${report.days} days`, rules: 'rules', always: 'always in', axis: 'USDT' },
    'en',
  );
  await writeFile(file, (await renderChart(spec)).png);
  return `chart written to ${file}`;
}
