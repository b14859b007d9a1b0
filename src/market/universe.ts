import type { ExchangeInfo, SymbolRules } from '../binance/types.js';

/**
 * The tradable carry universe: USDT-margined perpetuals that are TRADING on
 * futures AND have a TRADING spot pair with the same symbol — both legs must be openable.
 */

export interface UniverseEntry {
  symbol: string;
  baseAsset: string;
  spot: SymbolRules;
  futures: SymbolRules;
}

export interface Universe {
  /** sorted by symbol */
  entries: UniverseEntry[];
  bySymbol: Map<string, UniverseEntry>;
  /** watchlist symbols (SYMBOLS) that are not tradable on both markets, so the operator can be told */
  missing: string[];
}

const isCarryPerp = (r: SymbolRules): boolean =>
  r.status === 'TRADING' && r.quoteAsset === 'USDT' && r.contractType === 'PERPETUAL';

const isSpotPair = (r: SymbolRules | undefined): r is SymbolRules => r !== undefined && r.status === 'TRADING' && r.quoteAsset === 'USDT';

export function buildUniverse(spot: ExchangeInfo, futures: ExchangeInfo, watchlist?: readonly string[]): Universe {
  const wanted = watchlist && watchlist.length ? new Set(watchlist.map((s) => s.toUpperCase())) : undefined;
  const entries: UniverseEntry[] = [];
  for (const f of futures.symbols.values()) {
    if (wanted && !wanted.has(f.symbol)) continue;
    if (!isCarryPerp(f)) continue;
    const s = spot.symbols.get(f.symbol);
    if (!isSpotPair(s)) continue;
    entries.push({ symbol: f.symbol, baseAsset: f.baseAsset, spot: s, futures: f });
  }
  entries.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const bySymbol = new Map(entries.map((e) => [e.symbol, e]));
  const missing = wanted ? [...wanted].filter((s) => !bySymbol.has(s)).sort() : [];
  return { entries, bySymbol, missing };
}
