import { ConfigError, ExchangeError, errorMessage } from '../errors.js';
import type { ScanResult, SignalWarning, SymbolSignal } from '../market/types.js';

/**
 * Pure presentation for `npm run scan`: argument parsing, the ranked table, the summary line and
 * the one-line failure message. Kept apart from scan.ts so it is testable without a network.
 */

export interface ScanArgs {
  top: number;
  all: boolean;
  json: boolean;
  help: boolean;
  /** add each other venue's net APR beside the Binance rows */
  venues: boolean;
  /** rank another venue's rows (or every venue's) instead of Binance's */
  venue?: 'bybit' | 'okx' | 'all';
  /** write a PNG bar chart of the shown rows' net APR here */
  chart?: string;
}

export const SCAN_USAGE = 'usage: npm run scan -- [--top N] [--all] [--json] [--venues] [--venue bybit|okx|all] [--chart FILE.png]';

export function parseScanArgs(argv: readonly string[]): ScanArgs | { error: string } {
  const args: ScanArgs = { top: 20, all: false, json: false, help: false, venues: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--all') args.all = true;
    else if (a === '--json') args.json = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--venues') args.venues = true;
    else if (a === '--venue' || a.startsWith('--venue=')) {
      const v = a === '--venue' ? argv[++i] : a.slice('--venue='.length);
      if (v !== 'bybit' && v !== 'okx' && v !== 'all') return { error: `--venue needs bybit, okx or all (got ${v ?? 'nothing'})` };
      args.venue = v;
    }
    else if (a === '--top' || a.startsWith('--top=')) {
      const v = a === '--top' ? argv[++i] : a.slice('--top='.length);
      if (!v || !/^\d+$/.test(v) || Number(v) < 1) return { error: `--top needs a whole number of 1 or more (got ${v ?? 'nothing'})` };
      args.top = Number(v);
    } else if (a === '--chart' || a.startsWith('--chart=')) {
      const v = a === '--chart' ? argv[++i] : a.slice('--chart='.length);
      if (!v || v.startsWith('--')) return { error: '--chart needs a file name, e.g. --chart top.png' };
      args.chart = v;
    } else return { error: `unknown option ${a}` };
  }
  return args;
}

/** Fixed decimals with an explicit sign; a value that rounds to zero gets none ("-0.00" reads as a loss). */
export function signed(n: number | null, digits: number): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const s = Math.abs(n).toFixed(digits);
  if (Number(s) === 0) return s;
  return (n < 0 ? '-' : '+') + s;
}

export function countdown(ms: number): string {
  if (ms <= 0) return 'now';
  const totalMin = Math.floor(ms / 60_000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m`;
}

export function utcHm(t: number): string {
  const d = new Date(t);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export interface Column<R = SymbolSignal> {
  title: string;
  right: boolean;
  cell: (r: R, now: number) => string;
}


/** The terminal has no locales; short plain words instead of the internal codes. */
const WARNING_TEXT: Record<SignalWarning, string> = {
  settlement_soon: 'settles <15m',
  compressing: 'compressing',
  capped_1h: '1h interval (capped)',
  negative_funding: 'negative funding',
  thin_history: 'thin history',
};

export const COLUMNS: Column[] = [
  { title: 'SYMBOL', right: false, cell: (r) => r.symbol },
  { title: 'INT', right: true, cell: (r) => `${r.intervalHours}h` },
  { title: 'RATE %', right: true, cell: (r) => signed(r.rate * 100, 4) },
  { title: 'APR %', right: true, cell: (r) => signed(r.apr, 2) },
  { title: '7D APR %', right: true, cell: (r) => signed(r.apr7d, 2) },
  { title: 'BASIS %', right: true, cell: (r) => signed(r.basisPct, 3) },
  { title: 'BE DAYS', right: true, cell: (r) => (r.breakEvenDays === null ? '—' : r.breakEvenDays.toFixed(1)) },
  { title: 'NET APR %', right: true, cell: (r) => signed(r.netApr, 2) },
  { title: 'NEXT FUNDING', right: false, cell: (r, now) => (r.nextFundingTime > 0 ? `${utcHm(r.nextFundingTime)} in ${countdown(r.nextFundingTime - now)}` : '—') },
  { title: 'SIG', right: false, cell: (r) => (r.isSignal ? '✓' : '·') },
  { title: 'WARNINGS', right: false, cell: (r) => r.warnings.map((w) => WARNING_TEXT[w]).join(', ') },
];

/** The ranked table, one row per symbol, numbers right-aligned. */
export function formatScanTable<R extends SymbolSignal>(rows: readonly R[], now: number, columns: readonly Column<R>[] = COLUMNS): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r, now)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]?.right ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n');
}

export interface SummaryParams {
  minApr: number;
  holdDays: number;
}

export function formatSummary(result: ScanResult, shown: number, p: SummaryParams): string {
  const at = new Date(result.at).toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `Binance carry scan ${at} UTC: ${result.universeSize} symbols, ${result.signals.length} signal${result.signals.length === 1 ? '' : 's'} ` +
      `(net APR ≥ ${p.minApr}% after fees over ${p.holdDays} days, positive funding, 7-day history)`,
    `cost: ${result.requests} requests / weight ${result.weight}` +
      (result.historyRequests ? ` + ${result.historyRequests} funding-history requests` : '') +
      (shown < result.rows.length ? `; showing top ${shown} of ${result.rows.length} (--all for every symbol)` : ''),
  ];
  if (result.historyPending) lines.push(`${result.historyPending} more candidates have no 7-day history yet (bounded per run); they cannot be signals until it is fetched`);
  if (result.historyFailed) lines.push(`${result.historyFailed} funding-history requests failed; those symbols show no 7-day APR`);
  if (result.missing?.length) lines.push(`not tradable on both spot and futures: ${result.missing.join(', ')}`);
  return lines.join('\n');
}

export function formatScanJson(result: ScanResult, rows: readonly SymbolSignal[]): string {
  return JSON.stringify({ ...result, rows, signals: rows.filter((r) => r.isSignal) }, null, 2);
}

/** Deepest "syscall CODE" (e.g. "connect ECONNREFUSED") in an error's cause chain. */
function rootCause(err: unknown): string | undefined {
  let found: string | undefined;
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const x = e as { code?: unknown; syscall?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && x.code !== '') found = typeof x.syscall === 'string' ? `${x.syscall} ${x.code}` : x.code;
    // Node's happy-eyeballs connect failures are AggregateErrors: look inside the first one.
    e = x.cause ?? (Array.isArray(x.errors) ? x.errors[0] : undefined);
  }
  return found;
}

/** One line for stderr: what failed, where, and the underlying reason; never a stack. */
export function formatScanError(err: unknown, urls: { spot: string; futures: string }): string {
  if (err instanceof ConfigError) return `scan failed: invalid configuration: ${err.problems.join('; ')}`;
  if (err instanceof ExchangeError) {
    const market = err.market === 'spot' || err.market === 'futures' ? err.market : undefined;
    const where = market ? `Binance ${market} at ${urls[market]}` : 'Binance';
    if (err.status === undefined) {
      const cause = rootCause(err);
      return `scan failed: cannot reach ${where} (${cause ?? oneLine(err.message)})`;
    }
    const code = err.code !== undefined ? ` code ${err.code}` : '';
    return `scan failed: ${where} answered HTTP ${err.status}${code}: ${oneLine(err.message)}`;
  }
  return `scan failed: ${oneLine(errorMessage(err))}`;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
