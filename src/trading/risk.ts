import { roundHedgeQuantity } from '../binance/filters.js';
import type { SymbolRules } from '../binance/types.js';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Position } from '../ledger/schema.js';
import { Decimal, dec, sum } from '../money.js';
import type { AccountState, Books } from './port.js';

/**
 * Pre-flight checks. Pure functions over data already read, so the same checks
 * run at preview (with fresh network reads) and again at confirm inside the trading lock
 * (in-memory only). Every refusal is a UserError whose locale key says the reason and the fix.
 */

export type RiskConfig = Pick<Config, 'maxPositionUsdt' | 'maxTotalUsdt' | 'spotTakerFee' | 'futuresTakerFee' | 'leverage'>;

const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;

/** "btcusdt" → "BTCUSDT"; anything else → UserError. */
export function parseSymbol(text: string | undefined, usageKey: string): string {
  if (text === undefined || text.trim() === '') throw new UserError(usageKey);
  const symbol = text.trim().toUpperCase();
  if (!SYMBOL.test(symbol)) throw new UserError('trading.error.symbol', { symbol: text.trim().slice(0, 32) });
  return symbol;
}

/** Paused, or a position already held in that symbol: both refuse a new open. */
export function checkCanOpen(ledger: Ledger, symbol: string): void {
  const pause = ledger.pauseState();
  if (pause.paused) throw new UserError('trading.error.paused', { reason: pause.reason ?? '—' });
  const existing = ledger.positionFor(symbol);
  if (existing) throw new UserError('trading.error.already_open', { symbol, status: existing.status });
}

export interface SizedOpen {
  qty: Decimal;
  spotNotional: Decimal;
  futuresNotional: Decimal;
}

/** Quantity rounded down to both markets' steps, checked against both legs' limits. */
export function sizeOpen(symbol: string, qtyText: string, rules: { spot?: SymbolRules; futures?: SymbolRules }, books: Books): SizedOpen {
  const r = roundHedgeQuantity({ qty: qtyText, spot: rules.spot, futures: rules.futures, spotPrice: books.spotAsk, futuresPrice: books.futuresBid });
  if (r.ok) return { qty: r.qty, spotNotional: r.spotNotional, futuresNotional: r.futuresNotional };
  const asset = rules.spot?.baseAsset ?? rules.futures?.baseAsset ?? symbol.replace(/USDT$/, '');
  const params: Record<string, string> = { symbol, asset, ...r.params, qty: qtyText.trim().slice(0, 32) };
  if (params.notional) params.notional = dec(params.notional).toFixed(2);
  throw new UserError(`trading.error.${r.reason}`, params);
}

/** the larger leg: a broken/opening position with a naked short has little or no spot */
const positionNotional = (p: Position): Decimal =>
  Decimal.max(dec(p.spotQty).mul(p.spotEntryPrice), dec(p.futuresQty).mul(p.futuresEntryPrice));

/** MAX_POSITION_USDT on this position, MAX_TOTAL_USDT on every live position plus this one. */
export function checkCaps(ledger: Ledger, sized: SizedOpen, config: RiskConfig): void {
  const notional = Decimal.max(sized.spotNotional, sized.futuresNotional);
  if (notional.gt(config.maxPositionUsdt)) {
    throw new UserError('trading.error.max_position', { notional: notional.toFixed(2), max: config.maxPositionUsdt });
  }
  const total = sum(ledger.openPositions().map(positionNotional)).plus(notional);
  if (total.gt(config.maxTotalUsdt)) {
    throw new UserError('trading.error.max_total', { total: total.toFixed(2), max: config.maxTotalUsdt });
  }
}

/** Live only: one-way mode, spot USDT for the buy plus fee, futures margin plus fee. */
export function checkAccount(account: AccountState, sized: SizedOpen, config: RiskConfig): void {
  if (account.dualSide) throw new UserError('trading.error.hedge_mode');
  const spotNeed = sized.spotNotional.mul(dec(1).plus(config.spotTakerFee));
  if (dec(account.spotUsdtFree).lt(spotNeed)) {
    throw new UserError('trading.error.spot_balance', { free: dec(account.spotUsdtFree).toFixed(2), need: spotNeed.toDecimalPlaces(2, Decimal.ROUND_UP).toFixed(2) });
  }
  const futuresNeed = sized.futuresNotional.div(config.leverage).plus(sized.futuresNotional.mul(config.futuresTakerFee));
  if (dec(account.futuresAvailable).lt(futuresNeed)) {
    throw new UserError('trading.error.futures_balance', {
      free: dec(account.futuresAvailable).toFixed(2),
      need: futuresNeed.toDecimalPlaces(2, Decimal.ROUND_UP).toFixed(2),
      leverage: config.leverage,
    });
  }
}

/** |b − a| / a > 1 %: the preview's prices no longer hold. */
export function movedMoreThan(before: string, after: string, pct = 1): boolean {
  const a = dec(before);
  if (a.lte(0)) return true;
  return dec(after).minus(a).abs().div(a).mul(100).gt(pct);
}

/** Funding flipped sign between preview and confirm (zero is not a flip). */
export const fundingFlipped = (before: string, after: string): boolean => dec(before).mul(after).lt(0);
