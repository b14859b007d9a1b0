import { lcmStep } from '../binance/filters.js';
import type { SymbolRules } from '../binance/types.js';
import type { Config, TradingMode } from '../config.js';
import { ExchangeError, UserError, errorMessage } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { hedgeDrift } from '../ledger/pnl.js';
import type { Position } from '../ledger/schema.js';
import type { Logger } from '../logger.js';
import { breakEvenDaysDaily, roundTripFeePct } from '../market/signals.js';
import type { MarketService, SignalWarning, SymbolSignal } from '../market/types.js';
import { Decimal, dec, floorToStep, toPlain } from '../money.js';
import type { RecoveryTrigger } from '../events.js';
import type { CloseOutcome, Executor, OpenOutcome, RecoveryReport } from './executor.js';
import { netOfBaseFee, spotBuyQty } from './fees.js';
import type { ExchangePort } from './port.js';
import { checkMarketFilters } from './preflight.js';
import { createConfirmTokens } from './tokens.js';
import { checkAccount, checkCanOpen, checkCaps, fundingFlipped, movedMoreThan, parseSymbol, sizeOpen, type SizedOpen } from './risk.js';

/**
 * The transport-neutral trading service the bot calls (after freqtrade's rpc.py): it returns
 * plain data, the Telegram layer only formats it. Previews do every slow read (filters, books,
 * funding, balances, leverage); confirm does only the 1 % / funding-sign re-check, the intent
 * write and the orders, so the tap reaches the exchange fast.
 */

export type Warning = SignalWarning | 'spot_dust' | 'hedge_drift';

interface PreviewBase {
  mode: TradingMode;
  symbol: string;
  baseAsset: string;
  /** prices the legs are valued at (open: spot ask / futures bid; close: spot bid / futures ask) */
  spotPrice: string;
  futuresPrice: string;
  /** open: the spot BUY as sent (grossed up), what the caps and the balance check are judged on */
  spotNotional: string;
  futuresNotional: string;
  /** taker-fee estimates in USDT */
  spotFee: string;
  futuresFee: string;
  rate: number;
  intervalHours: number;
  apr: number;
  apr7d: number | null;
  basisPct: number;
  breakEvenDays: number | null;
  nextFundingTime: number;
  warnings: Warning[];
  /** epoch ms the confirm button stops working */
  expiresAt: number;
}

export interface OpenPreview extends PreviewBase {
  action: 'open';
  /** what the user typed, and the quantity after rounding to both markets' steps */
  requestedQty: string;
  qty: string;
  /** the spot BUY (grossed up when the fee is taken in the coin) and what it leaves held */
  spotGrossQty: string;
  spotNetQty: string;
  /** the rates the fees and break-even are figured at: the account's (live) or configured */
  spotFeeRate: string;
  futuresFeeRate: string;
  spotFeeAsset: 'base' | 'BNB' | 'USDT';
}

export interface ClosePreview extends PreviewBase {
  action: 'close';
  positionId: string;
  status: Position['status'];
  /** short to buy back (reduce-only) */
  futuresQty: string;
  /** spot to sell (held quantity rounded down to the step) and what stays behind */
  spotQty: string;
  dustQty: string;
  spotEntryPrice: string;
  futuresEntryPrice: string;
}

export type Preview = OpenPreview | ClosePreview;

export type ClosePreviewResult = { kind: 'preview'; token: string; preview: ClosePreview } | { kind: 'choose'; symbols: string[] };

export type ConfirmResult =
  | { kind: 'expired' }
  | { kind: 'not_yours' }
  /** the bot is shutting down: nothing was sent */
  | { kind: 'stopping' }
  /** nothing was sent: the re-check or a guard refused (moved price, flipped funding, paused…) */
  | { kind: 'refused'; error: UserError; preview: Preview }
  | { kind: 'open'; preview: OpenPreview; outcome: OpenOutcome }
  | { kind: 'close'; preview: ClosePreview; outcome: CloseOutcome };

/** What a tap decides at once; the trade itself runs on the trading queue (`result`). */
export type ConfirmStart =
  | { kind: 'expired' }
  | { kind: 'not_yours' }
  | { kind: 'stopping' }
  | {
      kind: 'started';
      preview: Preview;
      result: Promise<ConfirmResult>;
      /**
       * true once the intent is on disk and orders are going out; false when the trade ended
       * before that (refused, expired, shutting down). Until then a crash leaves nothing to tell:
       * "sending" shown earlier would never be followed by an outcome.
       */
      sending: Promise<boolean>;
    };

export type CancelResult = 'cancelled' | 'expired' | 'not_yours';

export interface TradingServiceDeps {
  config: Pick<Config, 'mode' | 'maxPositionUsdt' | 'maxTotalUsdt' | 'spotTakerFee' | 'futuresTakerFee' | 'leverage' | 'confirmTtlSeconds'>;
  ledger: Ledger;
  market: Pick<MarketService, 'symbol'>;
  port: ExchangePort;
  executor: Executor;
  logger: Logger;
  now?: () => number;
  /** waits between the bot's own retries of a trade it could not settle yet (default 1, 2, 5, 10, 30 s) */
  recoveryRetryMs?: number[];
}

export interface TradingService {
  readonly mode: TradingMode;
  previewOpen(userId: number, chatId: number, symbol: string | undefined, qtyText: string | undefined): Promise<{ token: string; preview: OpenPreview }>;
  previewClose(userId: number, chatId: number, symbol?: string): Promise<ClosePreviewResult>;
  /** decides the tap at once and runs the trade on the trading queue; messageId: the preview to show the outcome in */
  start(token: string, userId: number, messageId?: number): ConfirmStart;
  /** start() and wait for the trade */
  confirm(token: string, userId: number): Promise<ConfirmResult>;
  cancel(token: string, userId: number): CancelResult;
  /** resolves unfinished intents and tells their users (start: before taking commands; resume: /resume) */
  recover(trigger?: Exclude<RecoveryTrigger, 'auto'>): Promise<RecoveryReport[]>;
  /** symbols with a position that /close can act on */
  closable(): Position[];
  /** shutdown: from now on confirms send nothing (also those already waiting for the lock) and recovery stops waiting */
  shutdown(): void;
}

interface Pending {
  userId: number;
  chatId: number;
  expiresAt: number;
  preview: Preview;
  /** open: spot step for a partial futures fill; close: spot step and min qty */
  spotStep: string;
  spotMinQty: string;
  /** open: futures step (an unwind after a partial spot fill is rounded down to it) */
  futuresStep?: string;
  /** close (live): free spot balance of the base asset at preview */
  spotAvailable?: string;
  /** open (live): the spot fee is taken from the coin at this rate: gross the BUY up */
  spotBaseFeeRate?: string;
}

/** thrown by the confirm guard when the token ran out while waiting for the trading lock */
class TokenExpired extends Error {}
/** thrown by the confirm guard when shutdown began while waiting for the trading lock */
class ShuttingDown extends Error {}

export const spotStepOf = (r: SymbolRules): string => lcmStep(r.stepSize, r.marketStepSize).toFixed();
export const spotMinOf = (r: SymbolRules): string => Decimal.max(dec(r.minQty), dec(r.marketMinQty)).toFixed();
const usd = (d: Decimal): string => toPlain(d.toDecimalPlaces(8));

/** Network trouble during a preview is the user's answer too: one sentence, try again. */
function asUserError(err: unknown): never {
  if (err instanceof UserError) throw err;
  if (err instanceof ExchangeError) throw new UserError('trading.error.exchange', { reason: errorMessage(err).slice(0, 120) });
  throw err;
}

export function createTradingService(deps: TradingServiceDeps): TradingService {
  const { config, ledger, market, port, executor, logger } = deps;
  const now = deps.now ?? Date.now;
  const tokens = createConfirmTokens<Pending>(now);
  const remember = tokens.remember;
  const ttlMs = config.confirmTtlSeconds * 1000;

  const signalPart = (s: SymbolSignal) => ({
    rate: s.rate,
    intervalHours: s.intervalHours,
    apr: s.apr,
    apr7d: s.apr7d,
    basisPct: s.basisPct,
    breakEvenDays: s.breakEvenDays,
    nextFundingTime: s.nextFundingTime,
  });

  const warningsOf = (s: SymbolSignal): Warning[] => {
    const w: Warning[] = [...s.warnings];
    if (s.rate < 0 && !w.includes('negative_funding')) w.push('negative_funding');
    return w;
  };

  async function previewOpen(userId: number, chatId: number, symbolText: string | undefined, qtyText: string | undefined) {
    const symbol = parseSymbol(symbolText, 'trading.error.usage_open');
    if (qtyText === undefined || qtyText.trim() === '') throw new UserError('trading.error.usage_open');
    // "0,01" is how a decimal is written in many locales (ru): accept a single comma as the point
    if (/^\s*\d+,\d+\s*$/.test(qtyText)) qtyText = qtyText.replace(',', '.');
    checkSaved();
    checkCanOpen(ledger, symbol);
    checkNoPending(symbol);
    try {
      const rules = await port.rules(symbol);
      if (!rules.spot || !rules.futures) throw new UserError('trading.error.unknown_symbol', { symbol });
      const signal = await market.symbol(symbol);
      const books = { spotBid: signal.spotBid, spotAsk: signal.spotAsk, futuresBid: signal.futuresBid, futuresAsk: signal.futuresAsk, fundingRate: String(signal.rate) };
      const net: SizedOpen = sizeOpen(symbol, qtyText, rules, books);
      const account = await port.account();
      const fees = await openFees(symbol, net, account, rules.spot, signal.apr7d);
      // the caps and the balance are judged on what will be bought: the grossed-up spot BUY
      const sized: SizedOpen = { ...net, spotNotional: fees.spotNotional };
      checkCaps(ledger, sized, config);
      if (account) checkAccount(account, sized, config);
      await preflight(symbol, rules.spot, rules.futures, dec(fees.preview.spotGrossQty), sized.qty, signal);
      if (port.mode === 'live' && ledger.leverageOf(symbol) !== config.leverage) {
        await port.setLeverage(symbol, config.leverage);
        await ledger.recordLeverage(symbol, config.leverage);
      }
      const preview: OpenPreview = {
        action: 'open',
        mode: port.mode,
        symbol,
        baseAsset: rules.spot.baseAsset,
        requestedQty: qtyText.trim(),
        qty: toPlain(sized.qty),
        spotPrice: signal.spotAsk,
        futuresPrice: signal.futuresBid,
        spotNotional: usd(sized.spotNotional),
        futuresNotional: usd(sized.futuresNotional),
        ...signalPart(signal),
        ...fees.preview,
        warnings: warningsOf(signal),
        expiresAt: now() + ttlMs,
      };
      const token = remember({
        userId, chatId, expiresAt: preview.expiresAt, preview, spotStep: spotStepOf(rules.spot), spotMinQty: spotMinOf(rules.spot), futuresStep: rules.futures.stepSize,
        ...(fees.baseFeeRate !== undefined ? { spotBaseFeeRate: fees.baseFeeRate } : {}),
      });
      return { token, preview };
    } catch (err) {
      if (err instanceof UserError && err.key === 'core.errors.unknownSymbol') throw new UserError('trading.error.unknown_symbol', { symbol });
      return asUserError(err);
    }
  }

  /**
   * The account's rates decide the fees, the break-even and the spot BUY size: paid in BNB (the
   * discount on and BNB held) the coin arrives whole; otherwise live spot takes the fee from
   * the coin, so the BUY is grossed up to leave at least the short held.
   */
  async function openFees(symbol: string, sized: SizedOpen, account: Awaited<ReturnType<ExchangePort['account']>>, spotRules: SymbolRules, apr7d: number | null) {
    const rates = await port.feeRates(symbol);
    const bnb = rates.bnbDiscount && account !== null && dec(account.bnbFree).gt(0);
    const spotRate = bnb ? rates.spotTakerBnb : rates.spotTaker;
    const baseFeeRate = port.mode === 'live' && !bnb ? spotRate : undefined;
    const gross = spotBuyQty(sized.qty, spotStepOf(spotRules), baseFeeRate);
    const spotNotional = sized.spotNotional.mul(gross).div(sized.qty);
    const spotFee = spotNotional.mul(spotRate);
    const futuresFee = sized.futuresNotional.mul(rates.futuresTaker);
    const spotFeeAsset: OpenPreview['spotFeeAsset'] = bnb ? 'BNB' : baseFeeRate !== undefined ? 'base' : 'USDT';
    return {
      baseFeeRate,
      spotNotional,
      preview: {
        spotGrossQty: toPlain(gross),
        spotNetQty: toPlain(netOfBaseFee(gross, baseFeeRate)),
        spotFeeRate: spotRate,
        futuresFeeRate: rates.futuresTaker,
        spotFeeAsset,
        spotFee: usd(spotFee),
        futuresFee: usd(futuresFee),
        // at the 7-day mean daily funding (APR % / 365 / 100), as the signal figures it
        breakEvenDays: breakEvenDaysDaily(roundTripFeePct(spotRate, rates.futuresTaker), apr7d === null ? null : apr7d / 36_500),
      },
    };
  }

  /** The filters that could refuse a leg after the short filled, with the reads they need (preview only). */
  async function preflight(symbol: string, spot: SymbolRules, futures: SymbolRules, spotQty: Decimal, futuresQty: Decimal, signal: SymbolSignal): Promise<void> {
    const needsAvg = spot.applyMinToMarket || (spot.applyMaxToMarket && spot.maxNotional !== undefined);
    const [avgPrice, baseHeld] = await Promise.all([
      needsAvg ? port.spotAvgPrice(symbol) : undefined,
      spot.maxPosition !== undefined && port.spotFree ? port.spotFree(spot.baseAsset) : undefined,
    ]);
    checkMarketFilters({
      symbol, spot, futures, spotQty, futuresQty, futuresBid: signal.futuresBid, markPrice: signal.markPrice,
      ...(avgPrice !== undefined ? { avgPrice } : {}),
      ...(baseHeld !== undefined ? { baseHeld } : {}),
    });
  }

  /** An unresolved trade (outcome unknown) on this symbol/position: /resume runs recovery first. */
  function checkNoPending(symbol: string, positionId?: string): void {
    if (ledger.hasPending(symbol, positionId)) {
      throw new UserError('trading.error.unresolved', { symbol });
    }
  }

  /** held positions past 'opening' (one mid-open has nothing /close could act on yet) */
  const closable = (): Position[] => ledger.openPositions().filter((p) => p.status !== 'opening');

  async function previewClose(userId: number, chatId: number, symbolText?: string): Promise<ClosePreviewResult> {
    let position: Position | undefined;
    if (symbolText === undefined || symbolText.trim() === '') {
      const list = closable();
      if (list.length === 0) throw new UserError('trading.error.no_positions');
      if (list.length > 1) return { kind: 'choose', symbols: list.map((p) => p.symbol) };
      position = list[0];
    } else {
      const symbol = parseSymbol(symbolText, 'trading.error.usage_close');
      position = closable().find((p) => p.symbol === symbol);
      if (!position) {
        const other = ledger.positionFor(symbol);
        if (other) throw new UserError('trading.error.busy', { symbol, status: other.status });
        throw new UserError('trading.error.no_position', { symbol });
      }
    }
    const pos = position!;
    checkNoPending(pos.symbol, pos.id);
    try {
      const rules = await port.rules(pos.symbol);
      const signal = await market.symbol(pos.symbol);
      const step = rules.spot ? spotStepOf(rules.spot) : '0';
      const minQty = rules.spot ? spotMinOf(rules.spot) : '0';
      // live: never sell more than is held (the ledger can be above it when a base-asset
      // commission was lost); read here so nothing extra sits between the close legs
      const spotAvailable = port.spotFree ? await port.spotFree(pos.baseAsset) : undefined;
      let spotQty = floorToStep(spotAvailable !== undefined ? Decimal.min(pos.spotQty, Decimal.max(dec(spotAvailable), 0)) : pos.spotQty, step);
      if (spotQty.lt(minQty)) spotQty = dec(0);
      const dust = dec(pos.spotQty).minus(spotQty);
      const spotNotional = spotQty.mul(signal.spotBid);
      const futuresNotional = dec(pos.futuresQty).mul(signal.futuresAsk);
      const warnings = warningsOf(signal);
      if (dust.gt(0)) warnings.push('spot_dust');
      if (!hedgeDrift(pos).isZero()) warnings.push('hedge_drift');
      const preview: ClosePreview = {
        action: 'close',
        mode: port.mode,
        symbol: pos.symbol,
        baseAsset: pos.baseAsset,
        positionId: pos.id,
        status: pos.status,
        futuresQty: toPlain(pos.futuresQty),
        spotQty: toPlain(spotQty),
        dustQty: toPlain(dust),
        spotEntryPrice: pos.spotEntryPrice,
        futuresEntryPrice: pos.futuresEntryPrice,
        spotPrice: signal.spotBid,
        futuresPrice: signal.futuresAsk,
        spotNotional: usd(spotNotional),
        futuresNotional: usd(futuresNotional),
        spotFee: usd(spotNotional.mul(config.spotTakerFee)),
        futuresFee: usd(futuresNotional.mul(config.futuresTakerFee)),
        ...signalPart(signal),
        warnings,
        expiresAt: now() + ttlMs,
      };
      const token = remember({ userId, chatId, expiresAt: preview.expiresAt, preview, spotStep: step, spotMinQty: minQty, ...(spotAvailable !== undefined ? { spotAvailable } : {}) });
      return { kind: 'preview', token, preview };
    } catch (err) {
      return asUserError(err);
    }
  }

  const claim = tokens.claim;

  /** The 1 % / funding-sign re-check against fresh books. */
  async function recheck(p: Pending): Promise<void> {
    const { preview } = p;
    const books = await port.books(preview.symbol);
    const [spotNow, futNow] = preview.action === 'open' ? [books.spotAsk, books.futuresBid] : [books.spotBid, books.futuresAsk];
    const spotMoved = dec(preview.spotNotional).gt(0) && movedMoreThan(preview.spotPrice, spotNow);
    const futMoved = movedMoreThan(preview.futuresPrice, futNow) && (preview.action === 'open' || dec(preview.futuresNotional).gt(0));
    if (spotMoved || futMoved) {
      throw new UserError('trading.error.moved', { symbol: preview.symbol, before: spotMoved ? preview.spotPrice : preview.futuresPrice, after: spotMoved ? spotNow : futNow });
    }
    if (fundingFlipped(String(preview.rate), books.fundingRate)) {
      throw new UserError('trading.error.flipped', { symbol: preview.symbol });
    }
  }

  let stopping = false;

  function start(token: string, userId: number, messageId?: number): ConfirmStart {
    if (stopping) return { kind: 'stopping' };
    const claimed = claim(token, userId);
    if (claimed === 'expired') return { kind: 'expired' };
    if (claimed === 'not_yours') return { kind: 'not_yours' };
    let markSending!: (sending: boolean) => void;
    const sending = new Promise<boolean>((resolve) => (markSending = resolve));
    const result = run(claimed, userId, messageId, () => markSending(true)).finally(() => {
      markSending(false);
      scheduleRecovery();
    });
    // the caller looks at it later (after answering the tap): not an unhandled rejection meanwhile
    result.catch(() => undefined);
    return { kind: 'started', preview: claimed.preview, result, sending };
  }

  async function confirm(token: string, userId: number): Promise<ConfirmResult> {
    const s = start(token, userId);
    return s.kind === 'started' ? s.result : s;
  }

  async function run(p: Pending, userId: number, messageId: number | undefined, onSending: () => void): Promise<ConfirmResult> {
    const { preview } = p;
    const msg = { ...(messageId !== undefined ? { messageId } : {}), onSending };
    // Expiry and the 1 % / funding re-check run under the trading lock, right before the intent
    // write: waiting for the lock (another trade, recovery) must not let stale prices through.
    const fresh = async (): Promise<void> => {
      if (stopping) throw new ShuttingDown();
      if (p.expiresAt < now()) throw new TokenExpired();
      await recheck(p);
    };
    try {
      if (preview.action === 'open') {
        // the preview's spot notional is the grossed-up BUY's: the caps see what preview saw
        const sized: SizedOpen = { qty: dec(preview.qty), spotNotional: dec(preview.spotNotional), futuresNotional: dec(preview.futuresNotional) };
        const outcome = await executor.open({
          symbol: preview.symbol,
          baseAsset: preview.baseAsset,
          qty: preview.qty,
          spotStep: p.spotStep,
          ...(p.futuresStep ? { futuresStep: p.futuresStep } : {}),
          ...(p.spotBaseFeeRate !== undefined ? { spotBaseFeeRate: p.spotBaseFeeRate } : {}),
          userId,
          chatId: p.chatId,
          ...msg,
          // state may have changed since the preview (another open, a pause): checked under the lock
          guard: async () => {
            checkSaved();
            checkCanOpen(ledger, preview.symbol);
            checkCaps(ledger, sized, config);
            await fresh();
          },
        });
        return { kind: 'open', preview, outcome };
      }
      const outcome = await executor.close({
        positionId: preview.positionId,
        spotStep: p.spotStep,
        spotMinQty: p.spotMinQty,
        ...(p.spotAvailable !== undefined ? { spotAvailable: p.spotAvailable } : {}),
        userId,
        chatId: p.chatId,
        ...msg,
        guard: async () => {
          const pos = ledger.position(preview.positionId);
          if (!pos || !['open', 'closing', 'broken'].includes(pos.status)) throw new UserError('trading.error.no_position', { symbol: preview.symbol });
          if (!dec(pos.futuresQty).eq(preview.futuresQty) || !dec(pos.spotQty).minus(preview.dustQty).eq(preview.spotQty)) {
            throw new UserError('trading.error.changed', { symbol: preview.symbol });
          }
          await fresh();
        },
      });
      return { kind: 'close', preview, outcome };
    } catch (err) {
      if (err instanceof TokenExpired) return { kind: 'expired' };
      if (err instanceof ShuttingDown) return { kind: 'stopping' };
      if (err instanceof UserError) return { kind: 'refused', error: err, preview };
      if (err instanceof ExchangeError) {
        logger.warn({ symbol: preview.symbol, err: errorMessage(err) }, 'confirm re-check failed; nothing sent');
        return { kind: 'refused', error: new UserError('trading.error.exchange', { reason: errorMessage(err).slice(0, 120) }), preview };
      }
      throw err;
    }
  }

  function cancel(token: string, userId: number): CancelResult {
    const claimed = claim(token, userId);
    return typeof claimed === 'string' ? claimed : 'cancelled';
  }

  async function recover(trigger: Exclude<RecoveryTrigger, 'auto'> = 'start'): Promise<RecoveryReport[]> {
    const reports = await executor.recover(trigger);
    for (const r of reports) logger.warn({ intentId: r.intentId, symbol: r.symbol, found: r.found, outcome: r.outcome.kind, trigger }, 'unfinished trade resolved');
    scheduleRecovery();
    return reports;
  }

  // ── the bot settles an unknown outcome itself: once its order can no longer arrive, a query
  // says for sure whether it exists; then the hedge is completed or unwound and people are told
  const retryMs = deps.recoveryRetryMs ?? [1000, 2000, 5000, 10_000, 30_000];
  let recoveryTimer: NodeJS.Timeout | undefined;
  let retries = 0;
  function scheduleRecovery(): void {
    if (stopping || recoveryTimer) return;
    const due = executor.settleAt();
    if (due === 0) {
      retries = 0;
      return;
    }
    const wait = Math.max(due - now(), retries === 0 ? 0 : (retryMs[Math.min(retries - 1, retryMs.length - 1)] ?? 1000));
    retries += 1;
    recoveryTimer = setTimeout(() => {
      recoveryTimer = undefined;
      if (stopping) return;
      executor
        .recover('auto')
        .then((reports) => {
          for (const r of reports) logger.warn({ intentId: r.intentId, symbol: r.symbol, found: r.found, outcome: r.outcome.kind }, 'unresolved trade settled by the bot');
        })
        .catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'automatic recovery failed; retrying'))
        .finally(() => scheduleRecovery());
    }, wait);
    recoveryTimer.unref();
  }
  // a full disk kept a trade in memory: once it is written, settle whatever is still open
  ledger.onSaved(() => scheduleRecovery());

  /** memory is ahead of the file (a failed write): no new opens until it is saved */
  function checkSaved(): void {
    if (ledger.unsaved) throw new UserError('trading.error.notSavedYet');
  }

  function shutdown(): void {
    stopping = true;
    if (recoveryTimer) clearTimeout(recoveryTimer);
    recoveryTimer = undefined;
    executor.halt();
  }

  return { mode: port.mode, previewOpen, previewClose, start, confirm, cancel, recover, closable, shutdown };
}
