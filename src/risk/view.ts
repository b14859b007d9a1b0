import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Position } from '../ledger/schema.js';
import type { Logger } from '../logger.js';
import type { MarketService } from '../market/types.js';
import { ZERO, dec, sum, toPlain, type Decimal } from '../money.js';
import { PAPER_MMR, liqDistancePct, paperMargin, usdtToReach, type PaperShort } from './margin.js';

/**
 * The margin picture as plain data, for `/margin`, `/status`, the alerts and the top-up:
 * live from the futures account, positionRisk and adlQuantile; paper from the simulated
 * wallet (src/risk/margin.ts) at the current mark.
 */

export interface PositionMargin {
  positionId: string;
  symbol: string;
  baseAsset: string;
  /** short quantity */
  qty: string;
  markPrice: string;
  liqPrice: string | null;
  distancePct: number | null;
  /** maintenance margin rate (fraction) used to size a top-up */
  mmr: string;
  /** 0–4; null when unknown (paper, or the exchange did not say) */
  adl: number | null;
  /** USDT that would bring the distance back to twice MARGIN_ALERT_PCT ('0' when it is there) */
  topUp: string;
}

export interface MarginView {
  mode: Config['mode'];
  alertPct: number;
  wallet: { walletBalance: string; marginBalance: string; maintMargin: string; marginRatioPct: number | null; available: string };
  /** free USDT in the spot wallet (live); null in paper */
  spotUsdtFree: string | null;
  positions: PositionMargin[];
}

export interface ViewDeps {
  config: Pick<Config, 'mode' | 'leverage' | 'marginAlertPct' | 'paperFuturesUsdt'>;
  ledger: Ledger;
  market: Pick<MarketService, 'symbol'>;
  /** live only */
  binance?: Pick<Binance, 'spot' | 'futures' | 'margin'>;
  logger?: Logger;
}

const shorts = (ledger: Ledger, mode: Position['mode']) => ledger.openPositions(mode).filter((p) => dec(p.futuresQty).gt(0));

function finish(deps: ViewDeps, p: Position, markPrice: string, liq: string | null, mmr: string, adl: number | null): PositionMargin {
  const distancePct = liqDistancePct(liq, markPrice);
  const target = 2 * deps.config.marginAlertPct;
  const topUp = liq === null ? ZERO : usdtToReach({ qty: p.futuresQty, liqPrice: liq, markPrice, targetPct: target, mmr });
  return { positionId: p.id, symbol: p.symbol, baseAsset: p.baseAsset, qty: toPlain(p.futuresQty), markPrice, liqPrice: liq, distancePct, mmr, adl, topUp: toPlain(topUp) };
}

async function liveView(deps: ViewDeps): Promise<MarginView> {
  const { spot, futures, margin } = deps.binance!;
  const held = shorts(deps.ledger, 'live');
  const [account, risks, adl, balances] = await Promise.all([
    margin.futuresAccount(),
    futures.positionRisk(),
    margin.adlQuantile().catch((err: unknown) => {
      deps.logger?.warn({ err }, 'adlQuantile failed; ADL not shown');
      return [];
    }),
    spot.balances(),
  ]);
  const positions = held.map((p) => {
    const r = risks.find((x) => x.symbol === p.symbol && !dec(x.positionAmt).isZero());
    const a = account.positions.find((x) => x.symbol === p.symbol);
    const mmr = a && !dec(a.notional).isZero() ? toPlain(dec(a.maintMargin).div(dec(a.notional).abs())) : '0';
    const liq = r && dec(r.liquidationPrice).gt(0) ? r.liquidationPrice : null;
    return finish(deps, p, r?.markPrice ?? '0', liq, mmr, adl.find((x) => x.symbol === p.symbol)?.quantile ?? null);
  });
  const marginBalance = dec(account.totalMarginBalance);
  return {
    mode: 'live',
    alertPct: deps.config.marginAlertPct,
    wallet: {
      walletBalance: account.totalWalletBalance,
      marginBalance: account.totalMarginBalance,
      maintMargin: account.totalMaintMargin,
      marginRatioPct: marginBalance.gt(0) ? dec(account.totalMaintMargin).div(marginBalance).mul(100).toNumber() : null,
      available: account.availableBalance,
    },
    spotUsdtFree: balances.find((b) => b.asset === 'USDT')?.free ?? '0',
    positions,
  };
}

async function paperView(deps: ViewDeps): Promise<MarginView> {
  const { ledger, config } = deps;
  const held = shorts(ledger, 'paper');
  const marks = await Promise.all(
    held.map(async (p) => {
      try {
        return (await deps.market.symbol(p.symbol)).markPrice;
      } catch (err) {
        deps.logger?.warn({ err, symbol: p.symbol }, 'margin: no mark price; entry price used');
        return p.futuresEntryPrice;
      }
    }),
  );
  const input: PaperShort[] = held.map((p, i) => ({ symbol: p.symbol, qty: p.futuresQty, entryPrice: p.futuresEntryPrice, markPrice: marks[i]! }));
  const m = paperMargin({
    shorts: input,
    leverage: config.leverage,
    extra: config.paperFuturesUsdt,
    transferred: ledger.paperTransferred(),
    funding: sum(held.map((p) => ledger.fundingTotal(p.id))),
  });
  const fixed = (d: { toFixed(n: number): string }) => d.toFixed(2);
  return {
    mode: 'paper',
    alertPct: config.marginAlertPct,
    wallet: {
      walletBalance: fixed(m.wallet.walletBalance),
      marginBalance: fixed(m.wallet.marginBalance),
      maintMargin: fixed(m.wallet.maintMargin),
      marginRatioPct: m.wallet.marginRatioPct,
      available: fixed(m.wallet.available),
    },
    spotUsdtFree: null,
    positions: held.map((p, i) => finish(deps, p, marks[i]!, liqOf(m.positions[i]!.liqPrice), PAPER_MMR, null)),
  };
}

const liqOf = (d: Decimal | null): string | null => (d ? toPlain(d.toDecimalPlaces(8)) : null);

export function marginView(deps: ViewDeps): Promise<MarginView> {
  return deps.config.mode === 'live' ? liveView(deps) : paperView(deps);
}
