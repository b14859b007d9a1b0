/**
 * Argument parsing for `npm run backtest`; pure so it is testable without a network. Numbers
 * not given fall back to the configuration (MIN_APR, EXIT_APR, HOLD_DAYS).
 */

export interface BacktestArgs {
  symbols?: string[];
  top?: number;
  days: number;
  notional: string;
  minApr?: number;
  exitApr?: number;
  holdDays?: number;
  json: boolean;
  chart?: string;
  help: boolean;
}

export const BACKTEST_USAGE =
  'usage: npm run backtest -- [--symbols BTCUSDT,SOLUSDT | --top N] [--days 90] [--notional 10000] [--min-apr 15] [--exit-apr 5] [--hold-days 30] [--json] [--chart FILE.png]';

export const MAX_DAYS = 365;
const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

export function parseBacktestArgs(argv: readonly string[]): BacktestArgs | { error: string } {
  const args: BacktestArgs = { days: 90, notional: '10000', json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--json') args.json = true;
    else if (flag === '--help' || flag === '-h') args.help = true;
    else if (flag === '--symbols') {
      const v = value()?.toUpperCase();
      const list = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.find((s) => !SYMBOL.test(s));
      if (!list.length || bad) return { error: `--symbols needs USDT symbols like BTCUSDT,SOLUSDT (got ${bad ?? v ?? 'nothing'})` };
      args.symbols = [...new Set(list)];
    } else if (flag === '--top' || flag === '--days' || flag === '--hold-days') {
      const v = value();
      const max = flag === '--days' ? MAX_DAYS : 1000;
      if (!v || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) return { error: `${flag} needs a whole number from 1 to ${max} (got ${v ?? 'nothing'})` };
      if (flag === '--top') args.top = Number(v);
      else if (flag === '--days') args.days = Number(v);
      else args.holdDays = Number(v);
    } else if (flag === '--notional') {
      const v = value();
      if (!v || !NUMBER.test(v) || !(Number(v) > 0)) return { error: `--notional needs a positive USDT amount (got ${v ?? 'nothing'})` };
      args.notional = v;
    } else if (flag === '--min-apr' || flag === '--exit-apr') {
      const v = value();
      if (!v || !NUMBER.test(v)) return { error: `${flag} needs a number of % per year (got ${v ?? 'nothing'})` };
      if (flag === '--min-apr') args.minApr = Number(v);
      else args.exitApr = Number(v);
    } else if (flag === '--chart') {
      const v = value();
      if (!v || !/\.png$/i.test(v)) return { error: `--chart needs a file name ending in .png (got ${v ?? 'nothing'})` };
      args.chart = v;
    } else return { error: `unknown option ${raw}` };
  }
  if (args.symbols && args.top !== undefined) return { error: '--symbols and --top cannot be used together' };
  return args;
}
