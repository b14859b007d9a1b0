import { dec } from '../money.js';
import { loadHistory, plannedWeight, type LoadDeps, type Spend } from './load.js';
import { prepare } from './prepare.js';
import { replay } from './replay.js';
import { mergeCurves, summarise, type Curve, type Summary } from './summary.js';
import { DAY_MS, HOUR_MS, type BacktestParams, type DataCoverage, type ReplayResult, type Trade } from './types.js';

/**
 * One backtest: the window ends at the last whole hour, each symbol's history is loaded (cache
 * first) and replayed three ways on the same data: the rules, "always in" and the rules with
 * fees set to zero (in the decisions and the figures, so the gap to the rules is the whole fee
 * drag). Symbols whose data cannot be loaded are listed, not fatal.
 */

export interface BacktestRequest {
  symbols: string[];
  days: number;
  params: BacktestParams;
}

export interface SymbolReport {
  symbol: string;
  coverage: DataCoverage;
  /** days of data the APRs are over: the window, or less when the symbol's funding starts later */
  days: number;
  rules: Summary;
  always: Summary;
  noFees: Summary;
  trades: Array<Omit<Trade, 'funding' | 'fees' | 'basisPnl'> & { funding: string; fees: string; basisPnl: string }>;
}

export interface BacktestReport {
  from: number;
  to: number;
  days: number;
  params: BacktestParams;
  /** notional × (1 + 1/LEVERAGE): spot plus futures margin, per symbol */
  capitalPerSymbol: string;
  symbols: SymbolReport[];
  total: { rules: Summary; always: Summary; noFees: Summary } | null;
  failed: Array<{ symbol: string; error: string }>;
  spent: Spend;
  /** what fetching the uncached symbols was expected to cost (8h funding assumed) */
  plannedWeight: number;
  fromCache: number;
  /** cumulative net of the rules and of "always in", all symbols summed: for the chart (display numbers) */
  curve: { times: number[]; rules: number[]; always: number[] };
}

export function windowOf(now: number, days: number): { from: number; to: number } {
  // the last whole hour, with a minute's grace for the settlement print to be published
  const to = Math.floor((now - 60_000) / HOUR_MS) * HOUR_MS;
  return { from: to - days * DAY_MS, to };
}

function dataDays(c: DataCoverage, from: number, to: number): number {
  if (c.firstSettlement === null || c.lastSettlement === null) return 0;
  // a symbol listed inside the window is judged over the time it existed
  const start = c.firstSettlement > from + DAY_MS ? c.firstSettlement : from;
  return (Math.max(c.lastSettlement, to) - start) / DAY_MS;
}

const money = <T extends { funding: { toFixed(): string }; fees: { toFixed(): string }; basisPnl: { toFixed(): string } }>(t: T) => ({
  ...t,
  funding: t.funding.toFixed(),
  fees: t.fees.toFixed(),
  basisPnl: t.basisPnl.toFixed(),
});

export async function runBacktest(deps: LoadDeps & { now: () => number }, req: BacktestRequest): Promise<BacktestReport> {
  const { from, to } = windowOf(deps.now(), req.days);
  const p = req.params;
  const noFeeParams: BacktestParams = { ...p, spotTakerFee: '0', futuresTakerFee: '0' };
  const capital = dec(p.notional).mul(dec(1).plus(dec(1).div(p.leverage)));
  const spent: Spend = { requests: 0, weight: 0 };
  let planned = 0;
  let fromCache = 0;
  const failed: BacktestReport['failed'] = [];
  const runs: Array<{ report: SymbolReport; rules: ReplayResult; always: ReplayResult; noFees: ReplayResult }> = [];

  for (const symbol of req.symbols) {
    let loaded;
    try {
      loaded = await loadHistory(deps, symbol, from, to);
    } catch (err) {
      failed.push({ symbol, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (loaded.cached) fromCache += 1;
    else planned += plannedWeight(from, to);
    spent.requests += loaded.spent.requests;
    spent.weight += loaded.spent.weight;
    const prep = prepare(loaded.history);
    const rules = replay(prep, p, 'rules');
    const always = replay(prep, p, 'always');
    const noFees = replay(prep, noFeeParams, 'rules');
    const days = dataDays(prep.coverage, from, to);
    const one = (r: ReplayResult) => summarise([r], r.curve, capital, days);
    runs.push({
      report: { symbol, coverage: prep.coverage, days, rules: one(rules), always: one(always), noFees: one(noFees), trades: rules.trades.map(money) },
      rules,
      always,
      noFees,
    });
  }

  const days = req.days;
  const totalCapital = capital.mul(runs.length);
  const merged = (pick: (r: (typeof runs)[number]) => ReplayResult): Curve => mergeCurves(runs.map((r) => pick(r).curve));
  const rulesCurve = runs.length ? merged((r) => r.rules) : { times: [], values: [] };
  const alwaysCurve = runs.length ? merged((r) => r.always) : { times: [], values: [] };
  const total = runs.length
    ? {
        rules: summarise(runs.map((r) => r.rules), rulesCurve, totalCapital, days),
        always: summarise(runs.map((r) => r.always), alwaysCurve, totalCapital, days),
        noFees: summarise(runs.map((r) => r.noFees), merged((r) => r.noFees), totalCapital, days),
      }
    : null;
  return {
    from,
    to,
    days,
    params: p,
    capitalPerSymbol: capital.toFixed(),
    symbols: runs.map((r) => r.report),
    total,
    failed,
    spent,
    plannedWeight: planned,
    fromCache,
    curve: chartCurve(rulesCurve, alwaysCurve),
  };
}

/** Both curves on the union of their times, as display numbers. */
function chartCurve(rules: Curve, always: Curve): BacktestReport['curve'] {
  const both = mergeAligned(rules, always);
  return { times: both.times, rules: both.a, always: both.b };
}

function mergeAligned(a: Curve, b: Curve): { times: number[]; a: number[]; b: number[] } {
  const times = [...new Set([...a.times, ...b.times])].sort((x, y) => x - y);
  const out = { times, a: [] as number[], b: [] as number[] };
  let i = 0;
  let j = 0;
  let va = 0;
  let vb = 0;
  for (const t of times) {
    while (i < a.times.length && a.times[i]! <= t) va = a.values[i++]!.toNumber();
    while (j < b.times.length && b.times[j]! <= t) vb = b.values[j++]!.toNumber();
    out.a.push(va);
    out.b.push(vb);
  }
  return out;
}
