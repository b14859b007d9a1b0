import type { SignalsEvent, SignalRow } from '../events.js';
import type { OutgoingMessage, Translator } from '../notify.js';
import type { VenueIndex } from '../market/crossVenue.js';
import { pre, type TableRow } from './render.js';
import { otherVenueLine } from './venueView.js';

/**
 * The signal table shared by /signals and the scheduled push: per symbol one aligned row
 * (symbol, rate per interval %, interval, 7-day APR %, net APR %) and one detail line
 * (break-even days, entry basis, next funding time), and with `venues` the best other venue
 * when it pays more. Fits ~36 characters.
 */
export function signalTable(t: Translator, rows: readonly SignalRow[], nowMs: number, venues?: VenueIndex): string {
  const table: TableRow[] = [
    [
      t.t('core.signals.header.symbol'),
      t.t('core.signals.header.rate'),
      t.t('core.signals.header.interval'),
      t.t('core.signals.header.apr7d'),
      t.t('core.signals.header.net'),
    ],
  ];
  for (const r of rows) {
    table.push([r.symbol, t.num(r.rate * 100, 4, { sign: true }), `${r.intervalHours}h`, r.apr7d === null ? '—' : t.num(r.apr7d, 1), t.num(r.netApr, 1)]);
    table.push({
      html: t.t('core.signals.detail', {
        be: breakEven(t, r.breakEvenDays),
        basis: t.pct(r.basisPct, 2, { sign: true }),
        next: t.time(r.nextFundingTime, nowMs),
      }),
    });
    table.push(...otherVenueLine(t, r, venues));
    if (r.warnings.length) {
      table.push({ html: t.t('core.signals.warnings', { listHtml: r.warnings.map((w) => t.t(`core.warning.${w}`)).join(', ') }) });
    }
  }
  return pre(table);
}

export function breakEven(t: Translator, days: number | null): string {
  return days === null || !Number.isFinite(days) ? '—' : t.t('core.signals.days', { n: t.num(days, 1) });
}

/**
 * The scheduled push of symbols that entered or left the signal set. `skipped`: older pushes to
 * this chat left out because this newer one supersedes them (after an outage).
 */
export function renderSignalPush(t: Translator, e: SignalsEvent, skipped = 0): OutgoingMessage {
  const parts: string[] = [];
  if (skipped > 0) parts.push(t.t('core.push.skipped', { count: skipped }), '');
  if (e.entered.length) parts.push(t.t('core.push.entered', { count: e.entered.length }), signalTable(t, e.entered, e.at));
  if (e.left.length) {
    if (e.entered.length) parts.push('');
    parts.push(t.t('core.push.left', { count: e.left.length }));
    for (const l of e.left) {
      parts.push(l.netApr !== undefined ? t.t('core.push.leftLine', { symbol: l.symbol, net: t.pct(l.netApr, 1, { sign: true }) }) : t.t('core.push.leftGone', { symbol: l.symbol }));
    }
  }
  parts.push('', t.t('core.push.hint'));
  return { text: parts.join('\n') };
}
