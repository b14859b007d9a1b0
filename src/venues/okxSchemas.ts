import { z } from 'zod';

/** OKX v5 public market data (https://www.okx.com/docs-v5/en/ "Get funding rate", "Get tickers", "Get funding rate history"). */

const decimal = z.string().regex(/^-?\d+(\.\d+)?([eE]-?\d+)?$/, 'decimal string');
const price = z.union([decimal, z.literal('')]);
const ms = z.string().regex(/^\d+$/).transform(Number);
/** a listing that has not settled yet answers "" for its times: 0, and the row is skipped */
const msOrEmpty = z.union([ms, z.literal('').transform(() => 0)]);

export const okxEnvelope = z.object({ code: z.string(), msg: z.string().optional().default(''), data: z.unknown() });

export const okxFundingRates = z.array(
  z.object({
    instId: z.string(),
    instType: z.string(),
    /** the rate settling at fundingTime (the current period); "" before the first one */
    fundingRate: price,
    fundingTime: msOrEmpty,
    nextFundingTime: msOrEmpty,
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
