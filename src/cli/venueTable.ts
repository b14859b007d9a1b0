import { allVenueRows, venueIndex } from '../market/crossVenue.js';
import type { ScanResult, SymbolSignal, VenueSignal } from '../market/types.js';
import type { VenueId } from '../venues/types.js';
import { COLUMNS, signed, type Column } from './table.js';

/**
 * The other venues in `npm run scan`: `--venues` adds each venue's net APR for the same coin
 * beside the Binance rows; `--venue bybit|okx|all` ranks that venue's rows (or every venue's).
 * A venue that did not answer shows `—` and one line saying why.
 */

const NAME: Record<VenueId | 'binance', string> = { binance: 'Binance', bybit: 'Bybit', okx: 'OKX' };

/** The Binance columns plus one "<VENUE> NET %" per other venue scanned. */
export function venueColumns(result: ScanResult): Column[] {
  const index = venueIndex(result);
  const extra = (result.venues?.status ?? []).map(
    (s): Column => ({
      title: `${NAME[s.venue].toUpperCase()} NET %`,
      right: true,
      cell: (r: SymbolSignal) => signed(index.get(r.baseAsset)?.find((v) => v.venue === s.venue)?.netApr ?? null, 2),
    }),
  );
  const at = COLUMNS.findIndex((c) => c.title === 'NET APR %') + 1;
  return [...COLUMNS.slice(0, at), ...extra, ...COLUMNS.slice(at)];
}

/** Rows of one venue, or of every venue (Binance included) ranked together. */
export function venueRows(result: ScanResult, venue: VenueId | 'all'): VenueSignal[] {
  return venue === 'all' ? allVenueRows(result) : (result.venues?.rows ?? []).filter((r) => r.venue === venue);
}

export const VENUE_COLUMNS: Column<VenueSignal>[] = [{ title: 'VENUE', right: false, cell: (r) => NAME[r.venue] }, ...(COLUMNS as Column<VenueSignal>[])];

/** One line per other venue: what it cost, or why it shows `—`. */
export function venueSummary(result: ScanResult): string[] {
  return (result.venues?.status ?? []).map((s) =>
    s.ok
      ? `${NAME[s.venue]}: ${s.coins} coins, ${s.requests} requests` + (s.historyRequests ? ` + ${s.historyRequests} funding-history requests` : '')
      : `${NAME[s.venue]}: unavailable (${s.error ?? 'no answer'}), shown as —; Binance is unaffected`,
  );
}
