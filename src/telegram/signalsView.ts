import type { SymbolSignal } from '../market/types.js';
import type { Translator } from '../notify.js';
import type { VenueIndex } from '../market/crossVenue.js';
import { pre, type TableRow } from './render.js';
import { otherVenueLine } from './venueView.js';

/**
 * The signal table shared by /signals and the scheduled push: per symbol one aligned row
 * (symbol, rate per interval %, interval, 7-day APR %, net APR %) and one detail line
 * (break-even days, entry basis, next funding time), and with `venues` the best other venue
 * when it pays more. Fits ~36 characters.
 */
export function signalTable(t: Translator, rows: SymbolSignal[], nowMs: number, venues?: VenueIndex): string {
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
