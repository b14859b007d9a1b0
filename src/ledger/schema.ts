import { z } from 'zod';

/**
 * The ledger's shapes. Every amount is a decimal string; every time is epoch ms. On disk the
 * ledger is a small state document (`stateSchema`: held positions, pending intents, settings,
 * cursors) plus append-only journals of history (closed positions, fills, funding rows, finished
 * intents); `storeSchema` is the whole ledger as one document (the single-file layout of version
 * 1, and what `Ledger.snapshot()` returns). Bump STORE_VERSION and add a step to migrations.ts
 * whenever a shape changes.
 */
export const STORE_VERSION = 2;

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'decimal string');
const mode = z.enum(['paper', 'live']);
const side = z.enum(['BUY', 'SELL']);
const market = z.enum(['spot', 'futures']);

export const userSettingsSchema = z.object({
  lang: z.string().optional(),
  /** push signal changes and exit alerts to this user */
  alerts: z.boolean().default(true),
});

export const positionSchema = z.object({
  id: z.string(),
  symbol: z.string(),
  baseAsset: z.string(),
  mode,
  status: z.enum(['opening', 'open', 'closing', 'closed', 'broken']),
  openedAt: z.number(),
  closedAt: z.number().optional(),
  /** quantities currently held per leg (spot long, futures short, both positive numbers) */
  spotQty: decimalString,
  futuresQty: decimalString,
  /** volume-weighted entry prices */
  spotEntryPrice: decimalString,
  futuresEntryPrice: decimalString,
  spotExitPrice: decimalString.optional(),
  futuresExitPrice: decimalString.optional(),
  /** spot left behind on close because it was below the lot step */
  dustQty: decimalString.optional(),
  /** who opened it (Telegram user id) */
  openedBy: z.number().optional(),
  note: z.string().optional(),
});

export const legStateSchema = z.enum(['pending', 'sent', 'filled', 'rejected', 'unknown', 'skipped']);

export const intentLegSchema = z.object({
  market,
  side,
  clientOrderId: z.string().max(36),
  qty: decimalString,
  reduceOnly: z.boolean().default(false),
  state: legStateSchema,
  orderId: z.number().optional(),
  executedQty: decimalString.optional(),
  error: z.string().optional(),
  attempts: z.number().default(0),
});

export const intentSchema = z.object({
  id: z.string(),
  kind: z.enum(['open', 'close']),
  positionId: z.string(),
  symbol: z.string(),
  mode,
  qty: decimalString,
  userId: z.number(),
  chatId: z.number(),
  /** the preview message the trade was confirmed under (its outcome is shown there) */
  messageId: z.number().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** pending → done | failed | unwound | broken */
  status: z.enum(['pending', 'done', 'failed', 'unwound', 'broken']),
  legs: z.object({
    futures: intentLegSchema,
    spot: intentLegSchema.optional(),
    unwind: intentLegSchema.optional(),
  }),
  error: z.string().optional(),
});

export const fillSchema = z.object({
  /** unique: market + orderId */
  id: z.string(),
  intentId: z.string(),
  positionId: z.string(),
  symbol: z.string(),
  market,
  side,
  role: z.enum(['open', 'close', 'unwind']),
  mode,
  orderId: z.number(),
  clientOrderId: z.string(),
  qty: decimalString,
  price: decimalString,
  /** qty × price in USDT */
  quoteQty: decimalString,
  commission: decimalString,
  commissionAsset: z.string(),
  /** commission valued in USDT at the fill price */
  feeUsdt: decimalString,
  reduceOnly: z.boolean().default(false),
  time: z.number(),
  /** the commission could not be read (trades not found): commission/feeUsdt are estimates or 0 */
  feeUnknown: z.boolean().optional(),
});

export const fundingRowSchema = z.object({
  /** Binance tranId for live; `paper:<positionId>:<fundingTime>` for paper accruals */
  tranId: z.string(),
  symbol: z.string(),
  /** signed USDT amount: positive = received */
  amount: decimalString,
  asset: z.string(),
  time: z.number(),
  /** position open in that symbol at that time; null when none (shown apart) */
  positionId: z.string().nullable(),
  mode,
  /** paper: the settled rate and mark used */
  rate: decimalString.optional(),
  markPrice: decimalString.optional(),
});

/** A spot → USDⓈ-M futures move (live: Binance's tranId; paper: simulated, it feeds the paper wallet). */
export const transferSchema = z.object({
  id: z.string(),
  time: z.number(),
  mode,
  amount: decimalString,
  /** true: moved by the bot itself within AUTO_TOPUP_USDT; false: confirmed by `userId` */
  auto: z.boolean(),
  userId: z.number().optional(),
  symbol: z.string().optional(),
  tranId: z.string().optional(),
});

/** What was last pushed about a position's margin, so a push goes out once per crossing. */
export const marginAlertSchema = z.object({
  /** alert level last pushed (0 below MARGIN_ALERT_PCT, +1 per further 10 points) */
  level: z.number().optional(),
  /** ADL quantile last pushed (4 and up) */
  adl: z.number().optional(),
});

/** Automatic exit of a position: due at `dueAt`, or held open by a Keep open tap until the exit condition clears. */
export const autoExitSchema = z.object({
  dueAt: z.number().optional(),
  keptBy: z.number().optional(),
});

export const activeSignalSchema = z.object({
  since: z.number(),
  netApr: z.number(),
});

/**
 * One message owed to one chat: a domain event (plain data, rendered by the Telegram layer when
 * it is sent, in the recipient's language). Written in the same store write as what it reports;
 * `sentAt` is set once Telegram accepted it, so it is sent once, in order per chat, across restarts.
 */
export const outboxEntrySchema = z.object({
  id: z.string(),
  chatId: z.number(),
  createdAt: z.number(),
  /** the event: `type` picks its renderer; the rest is plain data (symbols, quantities, prices, codes) */
  event: z.looseObject({ type: z.string() }),
  /** deliver by editing this message (the preview the trade was confirmed under) */
  editMessageId: z.number().optional(),
  sentAt: z.number().optional(),
  attempts: z.number().default(0),
});

export const stateSchema = z.object({
  version: z.literal(STORE_VERSION),
  createdAt: z.number(),
  paused: z.boolean().default(false),
  pausedReason: z.string().optional(),
  users: z.record(z.string(), userSettingsSchema).default({}),
  /** symbols currently in the signal set (pushed as "entered"), keyed by symbol */
  activeSignals: z.record(z.string(), activeSignalSchema).default({}),
  /** symbols pushed as paying more on another venue (once per change, across restarts) */
  venueGaps: z.record(z.string(), z.object({ venue: z.string(), since: z.number(), gap: z.number() })).default({}),
  /** last exit-alert condition per position id (so an alert fires once per change) */
  exitAlerts: z.record(z.string(), z.string()).default({}),
  /** last reconciliation drift fingerprint per symbol (alert once per change) */
  reconcileAlerts: z.record(z.string(), z.string()).default({}),
  /** margin alert state per position id */
  marginAlerts: z.record(z.string(), marginAlertSchema).default({}),
  /** automatic exits scheduled or held, per position id */
  autoExits: z.record(z.string(), autoExitSchema).default({}),
  transfers: z.array(transferSchema).default([]),
  /** symbols whose leverage has been set (live) */
  leverageSet: z.record(z.string(), z.number()).default({}),
  /** state document: the held positions; the whole document: all */
  positions: z.array(positionSchema).default([]),
  /** state document: the pending intents; the whole document: all */
  intents: z.array(intentSchema).default([]),
  cursors: z
    .object({
      /** live: time of the last FUNDING_FEE income row stored */
      incomeTime: z.number().optional(),
      /** paper: last settlement time accrued, per symbol */
      paperFunding: z.record(z.string(), z.number()).default({}),
    })
    // a factory, not an object: a literal default's nested record would be shared by every new store
    .default(() => ({ paperFunding: {} })),
  outbox: z.array(outboxEntrySchema).default([]),
  /** the last Telegram update_id handled (a re-delivered update is skipped) */
  lastUpdateId: z.number().optional(),
  /** new opens paused by an unresolved trade: lifted by the bot once recovery resolves it */
  autoPaused: z.boolean().default(false),
  health: z
    .object({
      lastScanAt: z.number().optional(),
      lastIncomeSyncAt: z.number().optional(),
      lastReconcileAt: z.number().optional(),
    })
    .default({}),
});

export const storeSchema = stateSchema.extend({
  fills: z.array(fillSchema).default([]),
  funding: z.array(fundingRowSchema).default([]),
});

export type StateData = z.infer<typeof stateSchema>;
export type StoreData = z.infer<typeof storeSchema>;
export type Position = z.infer<typeof positionSchema>;
export type Intent = z.infer<typeof intentSchema>;
export type IntentLeg = z.infer<typeof intentLegSchema>;
export type Fill = z.infer<typeof fillSchema>;
export type FundingRow = z.infer<typeof fundingRowSchema>;
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;
export type Transfer = z.infer<typeof transferSchema>;
export type AutoExit = z.infer<typeof autoExitSchema>;
export type UserSettings = z.infer<typeof userSettingsSchema>;

export function emptyStore(now: number): StoreData {
  return storeSchema.parse({ version: STORE_VERSION, createdAt: now });
}
