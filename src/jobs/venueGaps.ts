import type { Publication } from '../events.js';
import { venueGaps, type VenueGap } from '../market/crossVenue.js';
import type { ScanResult } from '../market/types.js';
import type { Ledger } from '../ledger/ledger.js';

/**
 * Which Binance symbols newly pay VENUE_GAP_APR points more on another venue. The set lives in
 * the ledger (venueGaps), so a gap is pushed once when it opens (or moves to another venue),
 * never again while it lasts, across restarts too. A gap closes only on evidence: its venue
 * answered this tick and the gap fell below half the threshold (no push flapping at the edge).
 */
export interface VenueGapChanges {
  opened: VenueGap[];
  closed: string[];
}

export function diffVenueGaps(stored: Record<string, { venue: string }>, scan: ScanResult, minGap: number): VenueGapChanges {
  const now = venueGaps(scan, minGap);
  const half = venueGaps(scan, minGap / 2);
  const answered = new Set((scan.venues?.status ?? []).filter((s) => s.ok).map((s) => s.venue as string));
  const listed = new Set((scan.venues?.status ?? []).map((s) => s.venue as string));
  const opened = [...now.values()].filter((g) => stored[g.symbol]?.venue !== g.venue);
  const closed = Object.entries(stored)
    .filter(([symbol, g]) => !now.has(symbol) && (!listed.has(g.venue) || (answered.has(g.venue) && half.get(symbol)?.venue !== g.venue)))
    .map(([symbol]) => symbol);
  return { opened, closed };
}

/** Records the changes in the ledger, with the push of the opened gaps to `chats` in the same write; returns the opened gaps. */
export async function recordVenueGaps(ledger: Pick<Ledger, 'venueGaps' | 'recordVenueGaps'>, scan: ScanResult, minGap: number, chats: readonly number[]): Promise<VenueGap[]> {
  const changes = diffVenueGaps(ledger.venueGaps(), scan, minGap);
  if (!changes.opened.length && !changes.closed.length) return [];
  const push: Publication[] = changes.opened.length ? [{ event: { type: 'venue_gap', gaps: changes.opened }, chats }] : [];
  await ledger.recordVenueGaps(Object.fromEntries(changes.opened.map((g) => [g.symbol, { venue: g.venue, since: scan.at, gap: g.gap }])), changes.closed, push);
  return changes.opened;
}
