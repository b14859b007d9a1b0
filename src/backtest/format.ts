import type { BacktestReport } from './run.js';
import type { Summary } from './summary.js';

/** The terminal report of `npm run backtest` (plain text; the chat has its own, localised). */

const utc = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const pct = (n: number) => `${n.toFixed(2)} %`;

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function row(name: string, s: Summary, always: Summary, noFees: Summary): string[] {
  return [
    name,
    s.daysInTrade.toFixed(1),
    `${s.entries}/${s.exits}${s.openAtEnd ? `+${s.openAtEnd}` : ''}`,
    s.funding,
    s.fees,
    s.basisPnl,
    s.net,
    pct(s.capitalApr),
    s.maxDrawdown,
    `${always.net} (${pct(always.capitalApr)})`,
    `${noFees.net} (${pct(noFees.capitalApr)})`,
  ];
}

export function formatBacktest(r: BacktestReport, cacheDir: string): string {
  const p = r.params;
  const lines = [
    `carrybot backtest — ${utc(r.from)} → ${utc(r.to)} UTC (${r.days} days), ${r.symbols.length} symbol(s)`,
    `Rules: enter when net APR ≥ ${p.minApr} % (7-day mean, round trip amortised over ${p.holdDays} days) with funding > 0; exit when funding < 0 or 7-day APR < ${p.exitApr} %.`,
    `Per symbol ${p.notional} USDT a leg; capital ${r.capitalPerSymbol} USDT (spot + futures margin at LEVERAGE ${p.leverage}). Taker fees spot ${p.spotTakerFee}, futures ${p.futuresTakerFee} of notional per leg.`,
    '',
  ];
  if (r.symbols.length && r.total) {
    const header = ['symbol', 'days in', 'in/out', 'funding', 'fees', 'basis', 'net', 'APR cap', 'max DD', 'always in: net (APR)', 'fees ignored: net (APR)'];
    const body = r.symbols.map((s) => row(s.symbol, s.rules, s.always, s.noFees));
    if (r.symbols.length > 1) body.push(row('TOTAL', r.total.rules, r.total.always, r.total.noFees));
    lines.push(pad([header, ...body]), '');
    lines.push('in/out: entries/exits by the rules, +N still open at the end (closed there, fees paid, for the figures). Money in USDT.');
  } else {
    lines.push('No symbol could be replayed.');
  }
  lines.push('', 'Data actually available:');
  for (const s of r.symbols) {
    const c = s.coverage;
    const span = c.firstSettlement === null ? 'no settlements' : `${c.settlements} settlements ${utc(c.firstSettlement)} → ${utc(c.lastSettlement!)}`;
    lines.push(`  ${s.symbol}: ${span}; missing ${c.missingSettlements} settlement(s), ${c.missingSpotKlines} spot and ${c.missingFuturesKlines} futures hourly kline(s)${c.unpriced ? `; ${c.unpriced} settlement(s) without a price (no trade there)` : ''}`);
  }
  for (const f of r.failed) lines.push(`  ${f.symbol}: not loaded — ${f.error}`);
  lines.push(
    `Requests: ${r.spent.requests} (weight ${r.spent.weight}; planned ≈ ${r.plannedWeight}); ${r.fromCache} of ${r.symbols.length + r.failed.length} symbol(s) from the cache in ${cacheDir}`,
    'Not modelled: slippage beyond the book spread (and, with hourly opens as prices, the spread itself); transfer costs between wallets.',
  );
  return lines.join('\n');
}

/** --json: the report without the chart series. */
export function backtestJson(r: BacktestReport): string {
  const { curve: _curve, ...rest } = r;
  return JSON.stringify(rest, null, 2);
}
