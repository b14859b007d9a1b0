import type { Logger } from '../logger.js';
import { createBybit } from './bybit.js';
import { createOkx } from './okx.js';
import type { VenueClient, VenueId } from './types.js';

export type { VenueClient, VenueId, VenueQuote, AnyVenue } from './types.js';
export { VENUE_IDS } from './types.js';

export interface VenueClientsOptions {
  venues: readonly string[];
  urls: Record<VenueId, string>;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
}

/** The clients of the secondary venues VENUES lists (Binance has its own). */
export function createVenueClients(opts: VenueClientsOptions): VenueClient[] {
  const common = { logger: opts.logger, timeoutMs: opts.timeoutMs, now: opts.now };
  const clients: VenueClient[] = [];
  if (opts.venues.includes('bybit')) clients.push(createBybit({ baseUrl: opts.urls.bybit, ...common }));
  if (opts.venues.includes('okx')) clients.push(createOkx({ baseUrl: opts.urls.okx, ...common }));
  return clients;
}
