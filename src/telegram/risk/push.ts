import type { Logger } from '../../logger.js';
import type { Risk } from '../../risk/index.js';

/**
 * The scheduled risk runs (the margin watch, due automatic exits), each catching and logging its
 * own errors so a Binance outage never breaks the scan hook or the timer that runs it. What they
 * tell people is in the outbox (written by src/risk with the state it reports).
 */
export interface RiskPushes {
  /** margin alerts and automatic top-ups (after each scan, on the income schedule) */
  watch(): Promise<void>;
  /** automatic exits that are due (after each scan and on a short timer) */
  runDue(): Promise<void>;
}

export function createRiskPushes(deps: { risk: Risk; logger: Logger }): RiskPushes {
  const { risk, logger } = deps;
  const guarded = (what: string, run: () => Promise<void>) => async () => {
    try {
      await run();
    } catch (err) {
      logger.error({ err }, `${what} failed`);
    }
  };
  return {
    watch: guarded('margin watch', () => risk.watch()),
    runDue: guarded('automatic exit', () => risk.runDueExits()),
  };
}
