import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/**
 * A node-cron job that is safe to leave running: each tick's error is caught and logged (the
 * next tick runs normally), a tick still running when the next one is due is skipped (debug
 * log) instead of overlapping, and stop() waits for the tick in flight.
 *
 *   const job = scheduleJob('income', config.incomeCron, () => syncIncome(), { logger });
 *   deps.onStop.push(() => job.stop());
 */
export interface Job {
  readonly name: string;
  /** run one tick now (same overlap guard and error handling as a scheduled tick); resolves when done */
  runNow(): Promise<void>;
  /** true while a tick runs */
  busy(): boolean;
  /** no further ticks; waits for the one in flight */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  logger: Logger;
  /** don't start the cron timer (tests call runNow) */
  manual?: boolean;
}

export function scheduleJob(name: string, cronExpr: string, run: () => Promise<void>, opts: ScheduleOptions): Job {
  const log = opts.logger.child({ job: name });
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (inFlight) {
      log.debug('previous tick still running; this tick is skipped');
      return inFlight;
    }
    const started = Date.now();
    inFlight = (async () => {
      try {
        await run();
        log.debug({ ms: Date.now() - started }, 'tick done');
      } catch (err) {
        log.error({ err }, 'tick failed; the next tick runs as scheduled');
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  let task: ScheduledTask | undefined;
  if (!opts.manual) {
    task = cron.schedule(
      cronExpr,
      () => {
        void tick();
      },
      { name, timezone: 'UTC', suppressMissedWarning: true },
    );
  }

  return {
    name,
    runNow: tick,
    busy: () => inFlight !== undefined,
    async stop() {
      stopped = true;
      if (task) {
        await task.stop();
        await task.destroy();
      }
      await inFlight;
    },
  };
}
