import type { ExchangeInfo, FuturesApi, SpotApi, SymbolRules } from '../binance/types.js';

/**
 * Both markets' exchangeInfo, cached (an hour by default): filters change rarely and spot
 * exchangeInfo costs 20 weight. Public endpoints only, so paper mode can use it too.
 */
export function createRulesCache(spot: Pick<SpotApi, 'exchangeInfo'>, futures: Pick<FuturesApi, 'exchangeInfo'>, opts: { ttlMs?: number; now?: () => number } = {}) {
  const ttl = opts.ttlMs ?? 3_600_000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; spot: ExchangeInfo; futures: ExchangeInfo } | undefined;
  let loading: Promise<{ spot: ExchangeInfo; futures: ExchangeInfo }> | undefined;

  async function load() {
    if (cached && now() - cached.at < ttl) return cached;
    loading ??= Promise.all([spot.exchangeInfo(), futures.exchangeInfo()])
      .then(([s, f]) => {
        cached = { at: now(), spot: s, futures: f };
        return cached;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return async (symbol: string): Promise<{ spot?: SymbolRules; futures?: SymbolRules }> => {
    const info = await load();
    return { spot: info.spot.symbols.get(symbol), futures: info.futures.symbols.get(symbol) };
  };
}
