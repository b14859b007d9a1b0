import { z } from 'zod';
import { RejectedError, type ExchangeError } from '../errors.js';
import type { BinanceHttp } from './http.js';

/**
 * The margin side of the account: the futures wallet (GET /fapi/v3/account), the ADL queue
 * position (GET /fapi/v1/adlQuantile) and the spot → USDⓈ-M futures move
 * (POST /sapi/v1/asset/transfer, type=MAIN_UMFUTURE). The transfer moves money: it is sent as
 * an order (a timeout is an unknown outcome, never retried) and needs the API key's
 * "Permits Universal Transfer" permission, whose absence gets its own error class.
 */

export const MARGIN_WEIGHTS = {
  account: 5,
  adlQuantile: 5,
  // counted against the UID limit (900), not the IP weight this client tracks
  transfer: 1,
} as const;

const str = z.string();
const decimal = z.union([str, z.number()]).transform(String);

const accountSchema = z.object({
  totalWalletBalance: decimal,
  totalUnrealizedProfit: decimal,
  totalMarginBalance: decimal,
  totalMaintMargin: decimal,
  availableBalance: decimal,
  positions: z
    .array(z.object({ symbol: str, positionAmt: decimal, notional: decimal.default('0'), maintMargin: decimal.default('0') }))
    .default([]),
});
export type FuturesAccount = z.infer<typeof accountSchema>;

const adlSchema = z.array(
  z.object({
    symbol: str,
    adlQuantile: z.looseObject({ LONG: z.number().optional(), SHORT: z.number().optional(), BOTH: z.number().optional() }),
  }),
);

const transferSchema = z.looseObject({ tranId: z.union([str, z.number()]).transform(String) });

export interface AdlRow {
  symbol: string;
  /** 0 (back of the queue) … 4 (first to be auto-deleveraged) for the short */
  quantile: number;
}

/** The key lacks "Permits Universal Transfer" (or the IP restriction it requires): nothing moved. */
export class TransferPermissionError extends RejectedError {
  override name = 'TransferPermissionError';
}

/** Codes Binance answers a transfer with when the key may not move funds between wallets. */
const NO_PERMISSION = new Set([-1002, -2015]);

export interface MarginApi {
  futuresAccount(): Promise<FuturesAccount>;
  adlQuantile(): Promise<AdlRow[]>;
  /** moves `amount` USDT from the spot wallet to USDⓈ-M futures; resolves with Binance's tranId */
  transferToFutures(amount: string): Promise<{ tranId: string }>;
}

export function createMarginApi(spot: BinanceHttp, futures: BinanceHttp): MarginApi {
  const w = MARGIN_WEIGHTS;
  return {
    futuresAccount: () => futures.signed('GET', '/fapi/v3/account', {}, accountSchema, w.account),

    adlQuantile: async () =>
      (await futures.signed('GET', '/fapi/v1/adlQuantile', {}, adlSchema, w.adlQuantile)).map((r) => ({
        symbol: r.symbol,
        // one-way mode reports the position under BOTH; SHORT is the short side's queue otherwise
        quantile: r.adlQuantile.BOTH ?? r.adlQuantile.SHORT ?? 0,
      })),

    async transferToFutures(amount) {
      try {
        return await spot.signed('POST', '/sapi/v1/asset/transfer', { type: 'MAIN_UMFUTURE', asset: 'USDT', amount }, transferSchema, w.transfer, { order: true });
      } catch (err) {
        const e = err as ExchangeError;
        if (err instanceof RejectedError && (NO_PERMISSION.has(e.code ?? 0) || e.status === 401)) {
          throw new TransferPermissionError(e.message, { market: e.market, method: e.method, path: e.path, status: e.status, code: e.code });
        }
        throw err;
      }
    },
  };
}
