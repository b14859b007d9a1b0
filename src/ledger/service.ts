import type { FuturesApi, HttpStats } from '../binance/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { MarketService, SymbolSignal } from '../market/types.js';
import { ZERO, dec, type Decimal } from '../money.js';
import type { Ledger } from './ledger.js';
import { basisPct, hedgeDrift, type LegPrices, type Period, type PnlReport, type PositionPnl } from './pnl.js';
import type { PnlSeries } from './pnlSeries.js';
import type { Position } from './schema.js';

/**
 * The ledger as plain data for any transport (the Telegram commands only format it): what is
 * held, hedged and earned now. Prices are read fresh per call; everything else is the store.
 */

export interface PositionStatus {
  position: Position;
  pnl: PositionPnl;
  /** fresh market data; undefined when it could not be read */
  market?: SymbolSignal;
  /** spot − futures quantity */
  drift: Decimal;
  entryBasisPct: number | null;
  /** closing basis now: futures ask vs spot bid */
  currentBasisPct: number | null;
  /** live only: the short's liquidation price and its distance from mark in % */
  liquidation?: { price: string; markPrice: string; distancePct: number | null };
}

export interface StatusView {
  mode: Position['mode'];
  now: number;
  positions: PositionStatus[];
  totals: { funding: Decimal; fees: Decimal; unrealized: Decimal | null; total: Decimal };
  health: {
    lastScanAt?: number;
    lastIncomeSyncAt?: number;
    lastReconcileAt?: number;
    paused: boolean;
    pausedReason?: string;
    weight?: { spot: Pick<HttpStats, 'usedWeight1m' | 'weightLimit1m'>; futures: Pick<HttpStats, 'usedWeight1m' | 'weightLimit1m'> };
  };
}

export interface LedgerServiceDeps {
  ledger: Ledger;
  market: Pick<MarketService, 'symbol'>;
  config: Pick<Config, 'mode' | 'leverage'>;
  /** live: liquidation prices */
  futures?: Pick<FuturesApi, 'positionRisk'>;
  stats?: () => { spot: HttpStats; futures: HttpStats };
  logger?: Logger;
  now: () => number;
}

export interface LedgerService {
  status(): Promise<StatusView>;
  pnl(period: Period): Promise<PnlReport>;
  /** cumulative funding, fees, basis and net over the period up to `now` (the store alone, no prices) */
  pnlSeries(period: Period, now?: number): PnlSeries;
}

const pricesOf = (s: SymbolSignal): LegPrices => ({ spotBid: s.spotBid, futuresAsk: s.futuresAsk, markPrice: s.markPrice });

export function createLedgerService(deps: LedgerServiceDeps): LedgerService {
  const { ledger, market, config, logger } = deps;

  async function marketOf(symbols: string[]): Promise<Map<string, SymbolSignal>> {
    const out = new Map<string, SymbolSignal>();
    await Promise.all(
      [...new Set(symbols)].map(async (sym) => {
        try {
          out.set(sym, await market.symbol(sym));
        } catch (err) {
          logger?.warn({ err, symbol: sym }, 'ledger: no prices for an open position');
        }
      }),
    );
    return out;
  }

  async function liquidations(held: Position[]): Promise<Map<string, { price: string; markPrice: string }>> {
    const out = new Map<string, { price: string; markPrice: string }>();
    if (config.mode !== 'live' || !deps.futures || !held.length) return out;
    try {
      const symbols = new Set(held.map((p) => p.symbol));
      for (const r of await deps.futures.positionRisk()) {
        if (symbols.has(r.symbol) && !dec(r.positionAmt).isZero()) out.set(r.symbol, { price: r.liquidationPrice, markPrice: r.markPrice });
      }
    } catch (err) {
      logger?.warn({ err }, 'ledger: positionRisk failed; liquidation prices not shown');
    }
    return out;
  }

  return {
    async status() {
      const now = deps.now();
      const held = ledger.openPositions(config.mode);
      const [prices, liqs] = await Promise.all([marketOf(held.map((p) => p.symbol)), liquidations(held)]);
      let funding = ZERO;
      let fees = ZERO;
      let unrealized: Decimal | null = ZERO;
      let total = ZERO;
      const positions = held.map((p): PositionStatus => {
        const m = prices.get(p.symbol);
        const pnl = ledger.positionPnl(p, m && pricesOf(m), { leverage: config.leverage, now });
        funding = funding.plus(pnl.funding);
        fees = fees.plus(pnl.fees);
        unrealized = unrealized === null || pnl.unrealized === null ? null : unrealized.plus(pnl.unrealized);
        total = total.plus(pnl.total);
        const liq = liqs.get(p.symbol);
        const liqPrice = liq && dec(liq.price);
        return {
          position: p,
          pnl,
          market: m,
          drift: hedgeDrift(p),
          entryBasisPct: basisPct(p.spotEntryPrice, p.futuresEntryPrice),
          currentBasisPct: m ? basisPct(m.spotBid, m.futuresAsk) : null,
          ...(liq && liqPrice
            ? {
                liquidation: {
                  price: liq.price,
                  markPrice: liq.markPrice,
                  distancePct: liqPrice.gt(0) && dec(liq.markPrice).gt(0) ? liqPrice.minus(liq.markPrice).div(liq.markPrice).mul(100).toNumber() : null,
                },
              }
            : {}),
        };
      });
      const stats = deps.stats?.();
      const pause = ledger.pauseState();
      return {
        mode: config.mode,
        now,
        positions,
        totals: { funding, fees, unrealized, total },
        health: {
          ...ledger.health(),
          paused: pause.paused,
          pausedReason: pause.reason,
          ...(stats ? { weight: { spot: stats.spot, futures: stats.futures } } : {}),
        },
      };
    },

    async pnl(period) {
      const now = deps.now();
      const held = ledger.openPositions(config.mode);
      const signals = await marketOf(held.map((p) => p.symbol));
      const prices = new Map([...signals].map(([s, sig]) => [s, pricesOf(sig)]));
      return ledger.pnl({ period, now, leverage: config.leverage, mode: config.mode, prices });
    },

    pnlSeries(period, now = deps.now()) {
      return ledger.pnlSeries({ period, now, mode: config.mode });
    },
  };
}
