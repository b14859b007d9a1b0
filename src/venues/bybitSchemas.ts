import { z } from 'zod';

/** Bybit v5 public market data (https://bybit-exchange.github.io/docs/v5/market/tickers and siblings). */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'decimal string');
/** empty books answer "" for a price */
const price = z.union([decimal, z.literal('')]);
const ms = z.string().regex(/^\d+$/).transform(Number);

export const bybitEnvelope = z.object({ retCode: z.number(), retMsg: z.string(), result: z.unknown() });

export const bybitLinearTickers = z.object({
  category: z.string(),
  list: z.array(
    z.object({
      symbol: z.string(),
      markPrice: price,
      fundingRate: z.union([decimal, z.literal('')]),
      nextFundingTime: z.union([ms, z.literal('').transform(() => 0)]),
      bid1Price: price,
      ask1Price: price,
    }),
  ),
});

export const bybitSpotTickers = z.object({
  category: z.string(),
  list: z.array(z.object({ symbol: z.string(), bid1Price: price, ask1Price: price })),
});

export const bybitInstruments = z.object({
  category: z.string(),
  list: z.array(
    z.object({
      symbol: z.string(),
      contractType: z.string(),
      status: z.string(),
      baseCoin: z.string(),
      quoteCoin: z.string(),
      /** minutes */
      fundingInterval: z.number().int().positive(),
    }),
  ),
  nextPageCursor: z.string().optional().default(''),
});

export const bybitFundingHistory = z.object({
  category: z.string(),
  list: z.array(z.object({ symbol: z.string(), fundingRate: decimal, fundingRateTimestamp: ms })),
});
