import type { Config } from '../config.js';
import { ExchangeError, UserError, errorMessage } from '../errors.js';
import { errorText, type Audience, type RiskNotice } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { Closer } from '../trading/closeNow.js';

/**
 * Automatic exit (AUTO_EXIT_MINUTES > 0). An exit alert schedules a close N minutes later; a
 * Keep open tap holds the position until the exit condition clears (and a new alert can
 * schedule again). When due, the position is closed through the executor like `/close`
 * (futures reduce-only first, then spot) — never while trading is paused or while a trade on
 * that symbol is unresolved; it waits for the next run then.
 */

export type AutoExitEvent = Extract<RiskNotice, { kind: 'auto_exit' | 'auto_exit_failed' }>;

export interface AutoExitDeps {
  config: Pick<Config, 'autoExitMinutes' | 'telegram' | 'mode'>;
  ledger: Ledger;
  audience: Pick<Audience, 'all'>;
  closer: Closer;
  logger: Logger;
  now: () => number;
  isStopping?: () => boolean;
}

const CLOSABLE = new Set(['open', 'closing', 'broken']);

export function createAutoExit(deps: AutoExitDeps) {
  const { config, ledger, logger, now } = deps;
  const enabled = config.autoExitMinutes > 0;
  // acts for the first allowlisted user: the intent needs someone to tell about a recovered trade
  const owner = config.telegram.allowedUsers[0];

  /** minutes until the automatic close an exit alert for this position would announce; null: none */
  function minutesFor(positionId: string): number | null {
    if (!enabled || owner === undefined) return null;
    return ledger.autoExit(positionId)?.keptBy !== undefined ? null : config.autoExitMinutes;
  }

  /** after the exit alerts of a scan: schedule the newly alerted, forget what cleared */
  async function alerted(sent: string[], cleared: string[]): Promise<void> {
    if (cleared.length) await ledger.clearAutoExits(cleared);
    if (minutesFor('') === null) return;
    for (const id of sent) await ledger.scheduleAutoExit(id, now() + config.autoExitMinutes * 60_000);
  }

  /** Keep open: 'kept' (everyone is told), or 'gone' when nothing is scheduled (closed, cleared, or already kept). */
  async function keep(positionId: string, userId: number): Promise<'kept' | 'gone'> {
    const e = ledger.autoExit(positionId);
    if (!e || e.dueAt === undefined) return 'gone';
    const symbol = ledger.position(positionId)?.symbol ?? '—';
    await ledger.keepOpen(positionId, userId, [{ event: { type: 'kept_open', symbol }, chats: deps.audience.all() }]);
    return 'kept';
  }

  /** closes what is due; each close's report (its own trade event) and what it was are told to everyone */
  async function runDue(): Promise<AutoExitEvent[]> {
    if (!enabled || owner === undefined) return [];
    const events: AutoExitEvent[] = [];
    for (const id of ledger.dueAutoExits(now())) {
      const pos = ledger.position(id);
      if (!pos || !CLOSABLE.has(pos.status)) {
        await ledger.clearAutoExits([id]);
        continue;
      }
      if (deps.isStopping?.()) break;
      const paused = ledger.pauseState().paused;
      if (paused || ledger.hasPending(pos.symbol, pos.id)) {
        logger.warn({ symbol: pos.symbol, paused }, 'automatic exit due but trading is paused or a trade is unresolved; waiting');
        continue;
      }
      logger.info({ symbol: pos.symbol, positionId: id }, 'automatic exit: closing');
      await ledger.clearAutoExits([id]);
      try {
        events.push({ kind: 'auto_exit', symbol: pos.symbol, outcome: await deps.closer(id, { userId: owner, chatId: owner }) });
      } catch (err) {
        if (!(err instanceof UserError) && !(err instanceof ExchangeError)) throw err;
        const error = err instanceof UserError ? err : new UserError('trading.error.exchange', { reason: errorMessage(err).slice(0, 120) });
        events.push({ kind: 'auto_exit_failed', symbol: pos.symbol, error: errorText(error) });
      }
    }
    if (events.length) {
      const chats = deps.audience.all();
      await ledger.publish(events.map((notice) => ({ event: { type: 'risk', mode: config.mode, notice }, chats })));
    }
    return events;
  }

  return { minutesFor, alerted, keep, runDue };
}

export type AutoExit = ReturnType<typeof createAutoExit>;
