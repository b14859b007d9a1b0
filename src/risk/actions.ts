import type { Config } from '../config.js';
import { ExchangeError, RejectedError, UnknownOutcomeError, UserError, errorMessage } from '../errors.js';
import { errorText, type Audience, type Publication, type RiskResult } from '../events.js';
import { TransferPermissionError } from '../binance/margin.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Position } from '../ledger/schema.js';
import type { Logger } from '../logger.js';
import { Decimal, dec, toPlain } from '../money.js';
import type { CloseOutcome } from '../trading/executor.js';
import type { Closer } from '../trading/closeNow.js';
import { createConfirmTokens } from '../trading/tokens.js';
import type { MoveToFutures } from './transfer.js';
import type { MarginView, PositionMargin } from './view.js';

/**
 * The two confirm-gated risk actions: `/topup N` (and the alert's Move button) and the kill
 * switch `/close all`. Both go preview → confirm like `/open`: the token is the tapper's own,
 * works once and expires. Nothing reaches the exchange before the confirm.
 */

export interface TopupPreview {
  action: 'topup';
  mode: Config['mode'];
  amount: string;
  spotUsdtFree: string | null;
  /** each short now and after the move */
  positions: Array<PositionMargin & { distanceAfterPct: number | null }>;
  expiresAt: number;
}

export interface CloseAllPreview {
  action: 'close_all';
  mode: Config['mode'];
  positions: Array<Pick<Position, 'id' | 'symbol' | 'baseAsset' | 'spotQty' | 'futuresQty' | 'status'>>;
  paused: boolean;
  expiresAt: number;
}

export type RiskPreview = TopupPreview | CloseAllPreview;

export type RiskConfirmResult =
  | { kind: 'expired' }
  | { kind: 'not_yours' }
  | { kind: 'refused'; error: UserError }
  /** `told`: the result is in the outbox, written with the transfer (the preview is edited from there) */
  | { kind: 'moved'; amount: string; tranId?: string; told?: boolean }
  /** the transfer may or may not have happened: look before trying again */
  | { kind: 'move_unknown'; amount: string; reason: string }
  | { kind: 'closed_all'; results: CloseAllResult[] };

export type CloseAllResult = { symbol: string; outcome: CloseOutcome } | { symbol: string; error: UserError };

/** A confirmed action's result as plain data, to be told to the others through the outbox. */
export function riskResultOf(r: Exclude<RiskConfirmResult, { kind: 'expired' } | { kind: 'not_yours' }>): RiskResult {
  switch (r.kind) {
    case 'refused':
      return { kind: 'refused', error: errorText(r.error) };
    case 'moved':
      return { kind: 'moved', amount: r.amount };
    case 'move_unknown':
      return { kind: 'move_unknown', amount: r.amount, reason: r.reason };
    case 'closed_all':
      return { kind: 'closed_all', results: r.results.map((x) => ('error' in x ? { symbol: x.symbol, error: errorText(x.error) } : { symbol: x.symbol, outcome: x.outcome })) };
  }
}

interface Pending {
  userId: number;
  chatId: number;
  expiresAt: number;
  preview: RiskPreview;
}

export interface RiskActionDeps {
  config: Pick<Config, 'mode' | 'confirmTtlSeconds'>;
  ledger: Ledger;
  view: () => Promise<MarginView>;
  move: MoveToFutures;
  closer: Closer;
  /** who is told of a manual move besides the initiator's chat */
  audience?: Pick<Audience, 'all'>;
  /** the trading queue: a manual move waits for the trade in progress, and trades wait for it */
  queue?: <T>(fn: () => Promise<T>) => Promise<T>;
  logger: Logger;
  now: () => number;
}

/** A confirm tap, decided at once; the action itself runs on (`result`). */
export type RiskStart = { kind: 'expired' | 'not_yours' } | { kind: 'started'; action: RiskPreview['action']; result: Promise<RiskConfirmResult> };

const AMOUNT = /^\d{1,12}(\.\d{1,8})?$/;

/** Binance refusals as one sentence each; a key without the transfer permission says how to fix it. */
export function transferError(err: unknown): UserError {
  if (err instanceof TransferPermissionError) return new UserError('risk.error.permission');
  if (err instanceof RejectedError) return new UserError('risk.error.transferRefused', { reason: errorMessage(err).slice(0, 120) });
  if (err instanceof ExchangeError) return new UserError('trading.error.exchange', { reason: errorMessage(err).slice(0, 120) });
  throw err;
}

export function createRiskActions(deps: RiskActionDeps) {
  const { config, ledger, now } = deps;
  const tokens = createConfirmTokens<Pending>(now);
  const ttlMs = config.confirmTtlSeconds * 1000;

  async function previewTopup(userId: number, chatId: number, amountText: string | undefined) {
    const text = amountText?.trim().replace(/^(\d+),(\d+)$/, '$1.$2');
    if (!text || !AMOUNT.test(text) || dec(text).lt('0.01')) throw new UserError('risk.error.usageTopup');
    const amount = dec(text);
    let view: MarginView;
    try {
      view = await deps.view();
    } catch (err) {
      throw transferError(err);
    }
    if (view.spotUsdtFree !== null && amount.gt(view.spotUsdtFree)) {
      throw new UserError('risk.error.notEnoughSpot', { amount: toPlain(amount), free: view.spotUsdtFree });
    }
    const preview: TopupPreview = {
      action: 'topup',
      mode: config.mode,
      amount: toPlain(amount),
      spotUsdtFree: view.spotUsdtFree,
      positions: view.positions.map((p) => ({ ...p, distanceAfterPct: distanceAfter(p, amount) })),
      expiresAt: now() + ttlMs,
    };
    return { token: tokens.remember({ userId, chatId, expiresAt: preview.expiresAt, preview }), preview };
  }

  function previewCloseAll(userId: number, chatId: number) {
    const positions = ledger.openPositions(config.mode).filter((p) => p.status === 'open' || p.status === 'closing' || p.status === 'broken');
    if (!positions.length) throw new UserError('trading.error.no_positions');
    const preview: CloseAllPreview = {
      action: 'close_all',
      mode: config.mode,
      positions: positions.map(({ id, symbol, baseAsset, spotQty, futuresQty, status }) => ({ id, symbol, baseAsset, spotQty, futuresQty, status })),
      paused: ledger.pauseState().paused,
      expiresAt: now() + ttlMs,
    };
    return { token: tokens.remember({ userId, chatId, expiresAt: preview.expiresAt, preview }), preview };
  }

  /** claims the token now; the move or the closes run on, off the caller's path */
  function start(token: string, userId: number, messageId?: number): RiskStart {
    const p = tokens.claim(token, userId);
    if (p === 'expired' || p === 'not_yours') return { kind: p };
    const result = run(p, userId, messageId);
    // the caller looks at it later (after answering the tap): not an unhandled rejection meanwhile
    result.catch(() => undefined);
    return { kind: 'started', action: p.preview.action, result };
  }

  async function confirm(token: string, userId: number): Promise<RiskConfirmResult> {
    const s = start(token, userId);
    return s.kind === 'started' ? s.result : s;
  }

  async function run(p: Pending, userId: number, messageId: number | undefined): Promise<RiskConfirmResult> {
    if (p.preview.action === 'topup') {
      const amount = p.preview.amount;
      const where = { chatId: p.chatId, ...(messageId !== undefined ? { messageId } : {}) };
      return deps.queue ? deps.queue(() => topup(amount, userId, where)) : topup(amount, userId, where);
    }
    // one after another, each futures first (the executor's close); a refusal does not stop the rest
    const results: CloseAllResult[] = [];
    for (const pos of p.preview.positions) {
      try {
        results.push({ symbol: pos.symbol, outcome: await deps.closer(pos.id, { userId, chatId: p.chatId }) });
      } catch (err) {
        if (err instanceof UserError) results.push({ symbol: pos.symbol, error: err });
        else if (err instanceof ExchangeError) results.push({ symbol: pos.symbol, error: new UserError('trading.error.exchange', { reason: errorMessage(err).slice(0, 120) }) });
        else throw err;
      }
    }
    return { kind: 'closed_all', results };
  }

  async function topup(amount: string, userId: number, where: { chatId: number; messageId?: number }): Promise<RiskConfirmResult> {
    // the result rides in the transfer's own write: a crash after the move cannot leave it untold
    const publish: Publication[] = [
      {
        event: { type: 'risk_result', mode: config.mode, result: { kind: 'moved', amount } },
        chats: [...new Set([where.chatId, ...(deps.audience?.all() ?? [])])],
        ...(where.messageId !== undefined ? { edit: { chatId: where.chatId, messageId: where.messageId } } : {}),
      },
    ];
    try {
      const r = await deps.move(dec(amount), { auto: false, userId, publish });
      return { kind: 'moved', amount, ...r, told: true };
    } catch (err) {
      if (err instanceof UnknownOutcomeError) {
        deps.logger.error({ amount, err: errorMessage(err) }, 'transfer outcome unknown');
        return { kind: 'move_unknown', amount, reason: errorMessage(err).slice(0, 120) };
      }
      return { kind: 'refused', error: transferError(err) };
    }
  }

  function cancel(token: string, userId: number): 'cancelled' | 'expired' | 'not_yours' {
    const p = tokens.claim(token, userId);
    return typeof p === 'string' ? p : 'cancelled';
  }

  return { previewTopup, previewCloseAll, start, confirm, cancel };
}

export type RiskActions = ReturnType<typeof createRiskActions>;

/** The distance once `amount` is in the wallet: LP moves up by amount / (Q × (1 + MMR)). */
function distanceAfter(p: PositionMargin, amount: Decimal): number | null {
  if (p.liqPrice === null || dec(p.markPrice).lte(0)) return p.distancePct;
  const liq = dec(p.liqPrice).plus(amount.div(dec(p.qty).mul(dec(1).plus(p.mmr))));
  return liq.minus(p.markPrice).div(p.markPrice).mul(100).toNumber();
}
