import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import { accruePaperFunding, syncIncome } from '../ledger/income.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { Audience } from '../events.js';
import { scheduleJob, type Job } from './schedule.js';

/**
 * Funding income on INCOME_CRON: live pulls FUNDING_FEE income from Binance; paper accrues each
 * settled rate on the paper shorts. Both are idempotent (tranId), so a missed or doubled tick
 * changes nothing but timing.
 */
export interface IncomeJobDeps {
  config: Pick<Config, 'mode' | 'incomeCron'>;
  ledger: Ledger;
  binance: Pick<Binance, 'futures'>;
  logger: Logger;
  now: () => number;
  /** live: told when the income cursor is older than Binance keeps (rows may be lost) */
  audience?: Pick<Audience, 'all'>;
  /** runs after each sync (the margin watch); catches its own errors */
  after?: () => Promise<void>;
  /** tests: no cron timer, call runNow() */
  manual?: boolean;
}

export const INCOME_JOB = 'income';

export function startIncomeJob(deps: IncomeJobDeps): Job {
  const { config, ledger, binance, logger, now } = deps;
  const run = async () => {
    if (config.mode === 'live') await syncIncome({ ledger, futures: binance.futures, logger, now, audience: deps.audience });
    else await accruePaperFunding({ ledger, futures: binance.futures, logger, now });
    await deps.after?.();
  };
  return scheduleJob(INCOME_JOB, config.incomeCron, run, { logger, manual: deps.manual });
}
