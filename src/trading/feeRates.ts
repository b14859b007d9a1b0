import type { FuturesApi, SpotApi, SpotCommission } from '../binance/types.js';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { dec, toPlain } from '../money.js';

/**
 * The taker rates an account really pays. Live: GET /api/v3/account/commission and
 * GET /fapi/v1/commissionRate per symbol, cached for a day (they change with the VIP tier, not
 * by the minute). Paper, and live when the lookup fails: the configured SPOT_TAKER_FEE /
 * FUTURES_TAKER_FEE.
 */
export interface FeeRates {
  /** spot taker rate paid in the traded assets (standard + tax + special) */
  spotTaker: string;
  /** spot taker rate when paid in BNB (standard × discount + tax + special); = spotTaker without a discount */
  spotTakerBnb: string;
  /** the account pays spot fees in BNB while it holds some */
  bnbDiscount: boolean;
  futuresTaker: string;
  source: 'account' | 'config';
}

export type FeeRatesSource = (symbol: string) => Promise<FeeRates>;

/** The account's source also tells the last rates it read (any symbol), for the signal scan. */
export type AccountFeeRates = FeeRatesSource & { latest(): FeeRates | undefined };

const DAY_MS = 86_400_000;

/** taker = standard + tax + special; with BNB the standard part is multiplied by the discount */
export function spotTakerRates(c: SpotCommission): { plain: string; bnb: string; bnbDiscount: boolean } {
  const extra = dec(c.taxCommission.taker).plus(c.specialCommission?.taker ?? '0');
  const plain = dec(c.standardCommission.taker).plus(extra);
  const on = c.discount.enabledForAccount && c.discount.enabledForSymbol && c.discount.discountAsset === 'BNB';
  const bnb = on ? dec(c.standardCommission.taker).mul(c.discount.discount).plus(extra) : plain;
  return { plain: toPlain(plain), bnb: toPlain(bnb), bnbDiscount: on };
}

export function configRates(config: Pick<Config, 'spotTakerFee' | 'futuresTakerFee'>): FeeRates {
  const spot = toPlain(config.spotTakerFee);
  return { spotTaker: spot, spotTakerBnb: spot, bnbDiscount: false, futuresTaker: toPlain(config.futuresTakerFee), source: 'config' };
}

export function createAccountFeeRates(deps: {
  spot: Pick<SpotApi, 'commission'>;
  futures: Pick<FuturesApi, 'commissionRate'>;
  config: Pick<Config, 'spotTakerFee' | 'futuresTakerFee'>;
  logger: Logger;
  now?: () => number;
  ttlMs?: number;
}): AccountFeeRates {
  const now = deps.now ?? Date.now;
  const ttl = deps.ttlMs ?? DAY_MS;
  const cache = new Map<string, { at: number; rates: FeeRates }>();
  let last: FeeRates | undefined;
  const source = async (symbol: string): Promise<FeeRates> => {
    const hit = cache.get(symbol);
    if (hit && now() - hit.at < ttl) return hit.rates;
    try {
      const [s, f] = await Promise.all([deps.spot.commission(symbol), deps.futures.commissionRate(symbol)]);
      const spot = spotTakerRates(s);
      const rates: FeeRates = { spotTaker: spot.plain, spotTakerBnb: spot.bnb, bnbDiscount: spot.bnbDiscount, futuresTaker: toPlain(f.takerCommissionRate), source: 'account' };
      cache.set(symbol, { at: now(), rates });
      last = rates;
      return rates;
    } catch (err) {
      // an older reading beats the defaults; the defaults beat refusing to preview
      deps.logger.warn({ symbol, err: errorMessage(err) }, 'commission rates unavailable: using the last known or configured rates');
      return hit?.rates ?? configRates(deps.config);
    }
  };
  return Object.assign(source, { latest: () => last });
}
