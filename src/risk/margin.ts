import { Decimal, ZERO, dec, sum, type DecimalLike } from '../money.js';

/**
 * The short leg's margin as pure math over decimal strings: how far the mark is from the
 * liquidation price, how much USDT would move it back, and paper mode's simulated wallet.
 *
 * Liquidation of a short in one-way cross margin (Binance's published formula, maintenance
 * amount 0 as on the first tier):
 *
 *   LP = (WB − MM_others + UPNL_others + Q × EP) / (Q × (1 + MMR))
 *
 * so every USDT added to the wallet moves LP up by 1 / (Q × (1 + MMR)). That is what
 * `usdtToReach` inverts, in both modes: live reads LP from the exchange, paper computes it.
 */

/**
 * Paper's maintenance margin rate. Binance's first tier is 0.4–1 % for USDT perpetuals; the
 * higher figure puts the simulated liquidation price closer, so paper alerts early, not late.
 */
export const PAPER_MMR = '0.01';

/** A short's liquidation price above mark, in % of mark; null when there is none to speak of. */
export function liqDistancePct(liqPrice: DecimalLike | null | undefined, markPrice: DecimalLike): number | null {
  if (liqPrice === null || liqPrice === undefined) return null;
  const liq = dec(liqPrice);
  const mark = dec(markPrice);
  if (liq.lte(0) || mark.lte(0)) return null;
  return liq.minus(mark).div(mark).mul(100).toNumber();
}

export interface ReachInput {
  /** short quantity (positive) */
  qty: DecimalLike;
  liqPrice: DecimalLike;
  markPrice: DecimalLike;
  /** wanted distance to liquidation, % of mark */
  targetPct: number;
  /** maintenance margin rate as a fraction ('0' when unknown) */
  mmr: DecimalLike;
}

/** USDT to add to the futures wallet so the distance becomes `targetPct`; rounded UP to the cent, 0 when already there. */
export function usdtToReach(i: ReachInput): Decimal {
  const qty = dec(i.qty);
  const liq = dec(i.liqPrice);
  if (qty.lte(0) || liq.lte(0)) return ZERO;
  const target = dec(i.markPrice).mul(dec(1).plus(dec(i.targetPct).div(100)));
  const need = target.minus(liq).mul(qty).mul(dec(1).plus(i.mmr));
  return need.lte(0) ? ZERO : need.toDecimalPlaces(2, Decimal.ROUND_UP);
}

/**
 * Alert level of a distance: null at or above the threshold, 0 once below it, and one more for
 * every further `stepPct` points down. An alert goes out when the level rises, so a position
 * sliding from 29 % to 5 % is pushed at 29, 19 and 9 — never once per tick.
 */
export function alertLevel(distancePct: number | null, thresholdPct: number, stepPct = 10): number | null {
  if (distancePct === null || distancePct >= thresholdPct) return null;
  return Math.floor((thresholdPct - distancePct) / stepPct);
}

/** Cross-margin liquidation price of one short in one-way mode; null when the wallet already covers any rise. */
export function crossShortLiquidation(i: {
  walletBalance: DecimalLike;
  othersMaint: DecimalLike;
  othersUpnl: DecimalLike;
  qty: DecimalLike;
  entryPrice: DecimalLike;
  mmr: DecimalLike;
}): Decimal | null {
  const qty = dec(i.qty);
  if (qty.lte(0)) return null;
  const lp = dec(i.walletBalance).minus(i.othersMaint).plus(i.othersUpnl).plus(qty.mul(i.entryPrice)).div(qty.mul(dec(1).plus(i.mmr)));
  return lp.gt(0) ? lp : null;
}

export interface PaperShort {
  symbol: string;
  qty: string;
  entryPrice: string;
  markPrice: string;
}

export interface PaperWalletInput {
  shorts: PaperShort[];
  leverage: number;
  /** PAPER_FUTURES_USDT */
  extra: DecimalLike;
  /** simulated spot → futures moves so far */
  transferred: DecimalLike;
  /** funding received (negative: paid) on the open shorts */
  funding: DecimalLike;
}

export interface WalletFigures {
  walletBalance: Decimal;
  unrealized: Decimal;
  marginBalance: Decimal;
  maintMargin: Decimal;
  /** maintenance margin / margin balance, %; null without margin balance */
  marginRatioPct: number | null;
  available: Decimal;
}

export interface PaperPositionMargin {
  symbol: string;
  liqPrice: Decimal | null;
  maintMargin: Decimal;
}

/**
 * Paper's simulated futures wallet: it starts at each short's entry notional / LEVERAGE (what
 * an open would have moved there) plus PAPER_FUTURES_USDT, and grows with simulated top-ups
 * and funding. Maintenance at PAPER_MMR; liquidation per short by the cross formula above.
 */
export function paperMargin(i: PaperWalletInput): { wallet: WalletFigures; positions: PaperPositionMargin[] } {
  const initial = sum(i.shorts.map((s) => dec(s.qty).mul(s.entryPrice).div(i.leverage)));
  const walletBalance = initial.plus(i.extra).plus(i.transferred).plus(i.funding);
  const upnlOf = (s: PaperShort) => dec(s.entryPrice).minus(s.markPrice).mul(s.qty);
  const maintOf = (s: PaperShort) => dec(s.qty).mul(s.markPrice).mul(PAPER_MMR);
  const unrealized = sum(i.shorts.map(upnlOf));
  const maintMargin = sum(i.shorts.map(maintOf));
  const marginBalance = walletBalance.plus(unrealized);
  const initialMargin = sum(i.shorts.map((s) => dec(s.qty).mul(s.markPrice).div(i.leverage)));
  const positions = i.shorts.map((s) => ({
    symbol: s.symbol,
    maintMargin: maintOf(s),
    liqPrice: crossShortLiquidation({
      walletBalance,
      othersMaint: maintMargin.minus(maintOf(s)),
      othersUpnl: unrealized.minus(upnlOf(s)),
      qty: s.qty,
      entryPrice: s.entryPrice,
      mmr: PAPER_MMR,
    }),
  }));
  return {
    wallet: {
      walletBalance,
      unrealized,
      marginBalance,
      maintMargin,
      marginRatioPct: marginBalance.gt(0) ? maintMargin.div(marginBalance).mul(100).toNumber() : null,
      available: Decimal.max(marginBalance.minus(initialMargin), 0),
    },
    positions,
  };
}
