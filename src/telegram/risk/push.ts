import type { Logger } from '../../logger.js';
import type { Risk, RiskEvent } from '../../risk/index.js';
import type { BotNotifier } from '../notifier.js';
import { renderRiskEvent } from './render.js';

/**
 * The scheduled risk runs with their pushes: margin alerts, automatic top-ups and automatic
 * exits go to every allowlisted user, as critical messages (retried until delivered).
 * Each run catches and logs its own errors, like the jobs that call it.
 */
export interface RiskPushes {
  /** margin alerts and automatic top-ups (after each scan, on the income schedule) */
  watch(): Promise<void>;
  /** automatic exits that are due (after each scan and on a short timer) */
  runDue(): Promise<void>;
}

export function createRiskPushes(deps: { risk: Risk; notifier: BotNotifier; mode: string; logger: Logger }): RiskPushes {
  const { risk, notifier, mode, logger } = deps;
  const push = async (events: RiskEvent[]) => {
    for (const e of events) {
      logger.warn({ event: e.kind, symbol: 'symbol' in e ? e.symbol : e.position.symbol }, 'risk push');
      await notifier.broadcast((t) => renderRiskEvent(t, e, mode), { critical: true });
    }
  };
  const guarded = (what: string, run: () => Promise<void>) => async () => {
    try {
      await run();
    } catch (err) {
      logger.error({ err }, `${what} failed`);
    }
  };
  return {
    watch: guarded('margin watch', () => risk.watch(push)),
    runDue: guarded('automatic exit', () => risk.runDueExits(push)),
  };
}
