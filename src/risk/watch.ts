import type { Config } from '../config.js';
import { UnknownOutcomeError, errorMessage } from '../errors.js';
import { errorText, type Audience, type MarginPosition, type RiskNotice } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import { Decimal, dec, toPlain } from '../money.js';
import { transferError } from './actions.js';
import { alertLevel } from './margin.js';
import type { MoveToFutures } from './transfer.js';
import type { MarginView, PositionMargin } from './view.js';

/**
 * The margin watch, run after each scan and on the income schedule: one push per crossing of
 * MARGIN_ALERT_PCT (again per further 10 points), one per ADL quantile reaching 4, and — when
 * AUTO_TOPUP_USDT is set and a distance is below half the threshold — a move within the
 * rolling 24 h budget. What it tells everyone goes to the outbox in the same write as the alert
 * state ("pushed at this level"): never lost to a crash, never sent twice.
 */

export const ADL_ALERT = 4;

/** `move` of a margin alert: what the Move button offers (the top-up to 2× the threshold, capped at spot free USDT) */
export type MarginEvent = Extract<RiskNotice, { kind: 'margin_alert' | 'adl_alert' | 'auto_topup' | 'auto_topup_failed' }>;

const shown = (p: PositionMargin): MarginPosition => ({ symbol: p.symbol, markPrice: p.markPrice, liqPrice: p.liqPrice, distancePct: p.distancePct, adl: p.adl });

export interface WatchDeps {
  config: Pick<Config, 'mode' | 'marginAlertPct' | 'autoTopupUsdt'>;
  ledger: Ledger;
  audience: Pick<Audience, 'all'>;
  view: () => Promise<MarginView>;
  move: MoveToFutures;
  logger: Logger;
  now: () => number;
}

/** Capped at what the spot wallet holds (live); '0' when nothing can be moved. */
const moveFor = (p: PositionMargin, view: MarginView): Decimal =>
  Decimal.max(view.spotUsdtFree === null ? dec(p.topUp) : Decimal.min(dec(p.topUp), dec(view.spotUsdtFree).toDecimalPlaces(2, Decimal.ROUND_DOWN)), 0);

export function createMarginWatch(deps: WatchDeps) {
  const { config, ledger, logger, now } = deps;

  async function autoTopup(view: MarginView): Promise<MarginEvent[]> {
    const budget = dec(config.autoTopupUsdt);
    if (budget.lte(0)) return [];
    const events: MarginEvent[] = [];
    for (const p of view.positions) {
      if (p.distancePct === null || p.distancePct >= config.marginAlertPct / 2) continue;
      const left = budget.minus(ledger.autoTopupUsed(config.mode, now()));
      const amount = Decimal.min(moveFor(p, view), left).toDecimalPlaces(2, Decimal.ROUND_DOWN);
      if (amount.lt('0.01')) {
        logger.warn({ symbol: p.symbol, budget: budget.toFixed(), left: left.toFixed() }, 'automatic top-up wanted but its 24 h budget (or the spot wallet) is used up');
        continue;
      }
      // the report is written with the transfer itself: a crash after the move cannot lose it
      const used = budget.minus(left).plus(amount);
      const report: MarginEvent = { kind: 'auto_topup', symbol: p.symbol, amount: toPlain(amount), distancePct: p.distancePct, used: toPlain(used), budget: budget.toFixed() };
      try {
        await deps.move(amount, { auto: true, symbol: p.symbol, publish: [{ event: { type: 'risk', mode: config.mode, notice: report }, chats: deps.audience.all() }] });
        if (view.spotUsdtFree !== null) view.spotUsdtFree = toPlain(dec(view.spotUsdtFree).minus(amount));
        events.push(report);
      } catch (err) {
        logger.error({ symbol: p.symbol, amount: amount.toFixed(), err: errorMessage(err) }, 'automatic top-up failed');
        const unknown = err instanceof UnknownOutcomeError;
        events.push({ kind: 'auto_topup_failed', symbol: p.symbol, amount: toPlain(amount), error: unknown ? null : errorText(transferError(err)), reason: errorMessage(err).slice(0, 120) });
        break; // one failure says enough; the next run tries again
      }
    }
    return events;
  }

  function alerts(view: MarginView): { events: MarginEvent[]; changes: Record<string, { level?: number; adl?: number }> } {
    const events: MarginEvent[] = [];
    const changes: Record<string, { level?: number; adl?: number }> = {};
    for (const p of view.positions) {
      const before = ledger.marginAlert(p.positionId);
      const level = alertLevel(p.distancePct, view.alertPct) ?? undefined;
      const adl = p.adl !== null && p.adl >= ADL_ALERT ? p.adl : undefined;
      if (level !== undefined && (before.level === undefined || level > before.level)) {
        events.push({ kind: 'margin_alert', position: shown(p), alertPct: view.alertPct, move: toPlain(moveFor(p, view)) });
      }
      if (adl !== undefined && (before.adl === undefined || adl > before.adl)) events.push({ kind: 'adl_alert', position: shown(p) });
      // a level only goes down once the distance is back above the threshold: no repeat on a wobble
      const keptLevel = level === undefined ? undefined : Math.max(level, before.level ?? level);
      const keptAdl = adl === undefined ? undefined : Math.max(adl, before.adl ?? adl);
      if (keptLevel !== before.level || keptAdl !== before.adl) {
        changes[p.positionId] = { ...(keptLevel !== undefined ? { level: keptLevel } : {}), ...(keptAdl !== undefined ? { adl: keptAdl } : {}) };
      }
    }
    return { events, changes };
  }

  /** One run; the caller catches (a Binance outage is logged by the job, not pushed). */
  async function check(): Promise<MarginEvent[]> {
    const view = await deps.view();
    const moved = await autoTopup(view);
    const { events, changes } = alerts(view);
    const all = [...moved, ...events];
    for (const e of all) logger.warn({ event: e.kind, symbol: 'symbol' in e ? e.symbol : e.position.symbol }, 'risk alert');
    const chats = all.length ? deps.audience.all() : [];
    // an automatic top-up's report was published with its transfer
    const push = all.filter((notice) => notice.kind !== 'auto_topup').map((notice) => ({ event: { type: 'risk' as const, mode: config.mode, notice }, chats }));
    await ledger.recordMarginAlerts(changes, new Set(view.positions.map((p) => p.positionId)), push);
    return all;
  }

  return { check };
}

export type MarginWatch = ReturnType<typeof createMarginWatch>;
