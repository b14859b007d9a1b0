import type { Logger } from '../../logger.js';
import type { Risk, RiskEvent } from '../../risk/index.js';
import type { BotNotifier } from '../notifier.js';
import { renderRiskEvent } from './render.js';

/**
 * The scheduled risk runs with their pushes, to every allowlisted user. Alerts are awaited
 * (recorded only once sent, within the notifier's normal budget); what the bot already did by
 * itself (a move, a close) is in the ledger, so its report is sent as critical (retried for
 * long) without holding up the next run. Each run catches and logs its own errors.
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
      const render = (t: Parameters<typeof renderRiskEvent>[0]) => renderRiskEvent(t, e, mode);
      if (e.kind === 'margin_alert' || e.kind === 'adl_alert') await notifier.broadcast(render);
      else void notifier.broadcast(render, { critical: true });
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
