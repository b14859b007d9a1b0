import type { Fill } from '../../ledger/schema.js';
import type { PnlLine, PnlReport } from '../../ledger/pnl.js';
import type { Translator } from '../../notify.js';
import { pre, type TableRow } from '../render.js';
import { days, money, price, qty, shortDate } from './format.js';

/** /pnl text: one block per symbol, then the total; unrealized apart from realized. */
function block(t: Translator, line: PnlLine, total: boolean, estimated: boolean): TableRow[] {
  const rows: TableRow[] = [
    [t.t('ledger.pnl.funding'), money(t, line.funding)],
    // ≈: some commission could not be valued exactly (e.g. BNB with no price at fill time)
    [t.t('ledger.pnl.fees'), `${estimated ? '≈' : ''}${money(t, line.fees.neg())}`],
    [t.t('ledger.pnl.basis'), money(t, line.realized)],
    [t.t('ledger.pnl.net'), money(t, line.net)],
    [t.t('ledger.pnl.unrealized'), line.unrealized === null ? '—' : money(t, line.unrealized)],
  ];
  if (total) rows.push([t.t('ledger.pnl.withUnrealized'), money(t, line.total)]);
  rows.push([t.t('ledger.pnl.apr'), aprCell(t, line)]);
  return rows;
}

/** Annualising less than a day of carry turns minutes of fees into a seven-digit APR: noise. */
export const MIN_APR_DAYS = 1;

function aprCell(t: Translator, line: PnlLine): string {
  if (line.apr === null) return t.t('ledger.pnl.na');
  if (line.days < MIN_APR_DAYS) return t.t('ledger.pnl.aprTooEarly');
  return t.pct(line.apr, 2, { sign: true });
}

export function renderPnl(t: Translator, r: PnlReport): string {
  const out = [t.t('ledger.pnl.title', { period: t.t(`ledger.pnl.period.${r.period}`), mode: t.t(`core.mode.${r.mode}`) })];
  if (!r.rows.length && !r.unattributed.length) {
    out.push(t.t('ledger.pnl.none'));
    return out.join('\n');
  }
  // one symbol: its block is the total, shown once
  const single = r.rows.length === 1;
  const est = new Set(r.estimatedFees);
  for (const line of r.rows) out.push('', t.t('ledger.pnl.symbol', { symbol: line.symbol, days: days(t, line.days) }), pre(block(t, line, single, est.has(line.symbol))));
  if (r.rows.length > 1) out.push('', t.t('ledger.pnl.total', { count: r.total.positions }), pre(block(t, r.total, true, est.size > 0)));
  if (r.unattributed.length) {
    out.push('', t.t('ledger.pnl.unattributed'), pre(r.unattributed.map((u) => [u.symbol, money(t, u.amount)])));
  }
  if (r.unpriced.length) out.push(t.t('ledger.pnl.unpriced', { symbols: r.unpriced.join(', ') }));
  out.push('', `<i>${t.t('ledger.pnl.note')}</i>`);
  return out.join('\n');
}

/** /fills text: two compact lines per fill, newest first. */
export function renderFills(t: Translator, fills: Fill[], symbol?: string): string {
  const title = symbol ? t.t('ledger.fills.titleSymbol', { symbol }) : t.t('ledger.fills.title');
  if (!fills.length) return [title, t.t('ledger.fills.none')].join('\n');
  const rows: TableRow[] = [];
  for (const f of fills) {
    rows.push(`${shortDate(f.time)} ${f.symbol} · ${t.t(`ledger.fills.role.${f.role}`)}`);
    rows.push(` ${t.t(`ledger.fills.market.${f.market}`)} ${f.side} ${qty(t, f.qty)} @ ${price(t, f.price)} · ${t.t('ledger.fills.fee')} ${f.feeUnknown ? '≈' : ''}${qty(t, f.feeUsdt)}`);
  }
  return [title, pre(rows), `<i>${t.t('ledger.fills.unit')}</i>`].join('\n');
}
