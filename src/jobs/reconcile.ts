import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import { reconcile } from '../ledger/reconcile.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { Audience } from '../events.js';
import { scheduleJob, type Job } from './schedule.js';

/**
 * Live only: compare the ledger's open positions with the exchange on start and every hour;
 * drift raises one alert per change. Paper has nothing to compare and gets no job.
 */
export interface ReconcileJobDeps {
  config: Pick<Config, 'mode'>;
  ledger: Ledger;
  binance: Pick<Binance, 'futures' | 'spot'>;
  audience: Audience;
  logger: Logger;
  now: () => number;
  /** lot step per symbol (dust tolerance), when known */
  lotStep?: (symbol: string) => string | undefined;
  cron?: string;
  manual?: boolean;
}

export const RECONCILE_JOB = 'reconcile';
export const RECONCILE_CRON = '7 * * * *';

export function startReconcileJob(deps: ReconcileJobDeps): Job | undefined {
  if (deps.config.mode !== 'live') return undefined;
  const { ledger, binance, audience, logger, now } = deps;
  const job = scheduleJob(
    RECONCILE_JOB,
    deps.cron ?? RECONCILE_CRON,
    async () => {
      let lotStep = deps.lotStep;
      if (!lotStep) {
        // the futures lot step is the coarser of the two legs' steps in practice; weight 1
        const info = await binance.futures.exchangeInfo().catch((err: unknown) => void logger.warn({ err }, 'reconcile: exchangeInfo failed; 0.5 % tolerance only'));
        if (info) lotStep = (symbol) => info.symbols.get(symbol)?.stepSize;
      }
      await reconcile({ ledger, futures: binance.futures, spot: binance.spot, audience, logger, now, lotStep });
    },
    { logger, manual: deps.manual },
  );
  // on start, without holding up startup; errors are logged by the job
  void job.runNow();
  return job;
}
