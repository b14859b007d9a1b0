import { z } from 'zod';

/** OKX v5 public market data (https://www.okx.com/docs-v5/en/ "Get funding rate", "Get tickers", "Get funding rate history"). */

const decimal = z.string().regex(/^-?\d+(\.\d+)?([eE]-?\d+)?$/, 'decimal string');
const price = z.union([decimal, z.literal('')]);
const ms = z.string().regex(/^\d+$/).transform(Number);

export const okxEnvelope = z.object({ code: z.string(), msg: z.string().optional().default(''), data: z.unknown() });

export const okxFundingRates = z.array(
  z.object({
    instId: z.string(),
    instType: z.string(),
    /** the rate settling at fundingTime (the current period) */
    fundingRate: decimal,
    fundingTime: ms,
    nextFundingTime: ms,
  }),
);

export const okxTickers = z.array(z.object({ instId: z.string(), instType: z.string(), bidPx: price, askPx: price, last: price }));

export const okxFundingHistory = z.array(
  z.object({
    instId: z.string(),
    fundingTime: ms,
    fundingRate: decimal,
    /** what was actually paid; absent on older rows */
    realizedRate: z.union([decimal, z.literal('')]).optional(),
  }),
);
