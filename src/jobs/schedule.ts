import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/**
 * A node-cron job that is safe to leave running: each tick's error is caught and logged (the
 * next tick runs normally), a tick still running when the next one is due is skipped (debug
 * log) instead of overlapping, and stop() waits for the tick in flight (at most `waitMs` when
 * given: a tick waiting on a slow exchange can take long, the process has 5 s to stop).
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
  /** no further ticks; waits for the one in flight, at most `waitMs` when given (then logs and returns) */
  stop(waitMs?: number): Promise<void>;
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
    async stop(waitMs?: number) {
      const started = Date.now();
      stopped = true;
      if (task) {
        await task.stop();
        await task.destroy();
      }
      const running = inFlight;
      if (!running) return;
      if (waitMs === undefined) return running;
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, waitMs - (Date.now() - started));
      const timedOut = await Promise.race([
        running.then(() => false),
        // not unref'd: stop() must finish (and the store be flushed) even if nothing else holds the loop
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left))),
      ]);
      clearTimeout(timer);
      // the tick is not cancelled; it ends (or fails) on its own, or with the process
      if (timedOut) log.warn({ waitedMs: Date.now() - started }, 'tick still running at stop; not waiting for it');
    },
  };
}
