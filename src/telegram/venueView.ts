import type { VenueGap, VenueIndex } from '../market/crossVenue.js';
import { bestOtherVenue } from '../market/crossVenue.js';
import type { SymbolSignal, VenueSignal, VenueStatus } from '../market/types.js';
import type { OutgoingMessage, Translator } from '../notify.js';
import type { AnyVenue } from '../venues/types.js';
import { pre, type TableRow } from './render.js';

/** How venues are named to people (brand names: the same in every language). */
export const VENUE_LABEL: Record<AnyVenue, string> = { binance: 'Binance', bybit: 'Bybit', okx: 'OKX' };

/** "  ↗ Bybit +41%" under a Binance row when another venue pays more (net APR); nothing otherwise. */
export function otherVenueLine(t: Translator, row: Pick<SymbolSignal, 'baseAsset' | 'netApr'>, index: VenueIndex | undefined): TableRow[] {
  const best = index && bestOtherVenue(row, index);
  return best ? [{ html: t.t('core.signals.otherVenue', { venue: VENUE_LABEL[best.venue], net: t.pct(best.netApr, 0, { sign: true }) }) }] : [];
}

/** Venues that did not answer this scan ("Bybit, OKX: no answer this scan, shown as —"); empty when all did. */
export function venuesDownNote(t: Translator, status: readonly VenueStatus[] | undefined): string[] {
  const down = (status ?? []).filter((s) => !s.ok).map((s) => VENUE_LABEL[s.venue]);
  return down.length ? [t.t('core.signals.venuesDown', { venues: down.join(', ') })] : [];
}

/** `/signals all`: every venue in one ranking (venue, coin, interval, 7-day APR, net APR). */
export function allVenuesTable(t: Translator, rows: readonly VenueSignal[]): string {
  const table: TableRow[] = [
    [t.t('core.signals.header.venue'), t.t('core.signals.header.coin'), t.t('core.signals.header.interval'), t.t('core.signals.header.apr7d'), t.t('core.signals.header.net')],
  ];
  for (const r of rows) table.push([VENUE_LABEL[r.venue], r.coin, `${r.intervalHours}h`, r.apr7d === null ? '—' : t.num(r.apr7d, 1), t.num(r.netApr, 1)]);
  return pre(table);
}

/** `/funding`: rate, interval, APR now and 7-day APR on each venue; `—` where a venue is down or does not list the coin. */
export function fundingVenuesTable(t: Translator, binance: SymbolSignal, binanceApr7d: number | null, others: readonly VenueSignal[], venues: readonly AnyVenue[], status: readonly VenueStatus[]): string {
  const table: TableRow[] = [
    [t.t('core.funding.venues.venue'), t.t('core.funding.venues.rate'), t.t('core.funding.venues.interval'), t.t('core.funding.venues.apr'), t.t('core.funding.venues.apr7d')],
  ];
  const apr = (v: number | null) => (v === null ? '—' : t.num(v, 1, { sign: true }));
  table.push([VENUE_LABEL.binance, t.num(binance.rate * 100, 4, { sign: true }), `${binance.intervalHours}h`, apr(binance.apr), apr(binanceApr7d)]);
  for (const venue of venues) {
    if (venue === 'binance') continue;
    const r = others.find((x) => x.venue === venue);
    const down = status.find((s) => s.venue === venue && !s.ok);
    if (!r || down) table.push([VENUE_LABEL[venue], '—', '—', '—', '—']);
    else table.push([VENUE_LABEL[venue], t.num(r.rate * 100, 4, { sign: true }), `${r.intervalHours}h`, apr(r.apr), apr(r.apr7d)]);
  }
  return pre(table);
}

/** The push for symbols that newly pay more on another venue. */
export function renderVenueGapPush(t: Translator, gaps: readonly VenueGap[]): OutgoingMessage {
  const lines = [t.t('core.push.venueGap', { count: gaps.length })];
  for (const g of gaps) {
    lines.push(
      t.t('core.push.venueGapLine', {
        symbol: g.symbol,
        venue: VENUE_LABEL[g.venue],
        venueApr: t.pct(g.venueApr, 1, { sign: true }),
        binanceApr: t.pct(g.binanceApr, 1, { sign: true }),
        gap: t.num(g.gap, 1, { sign: true }),
      }),
    );
  }
  lines.push('', t.t('core.push.venueGapHint'));
  return { text: lines.join('\n') };
}
