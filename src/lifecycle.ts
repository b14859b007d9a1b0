import { setTimeout as sleep } from 'node:timers/promises';
import type { Telegraf } from 'telegraf';
import type { Logger } from './logger.js';
import type { BotContext } from './telegram/context.js';

/**
 * The running process: long polling with its retry loop, and an ordered list of close hooks
 * that stop() runs one after another, each within what is left of the stop budget, so the
 * process stops within its 5 s even when one step hangs.
 */

export interface CloseHook {
  name: string;
  /** `msLeft`: what remains of the stop budget when this hook starts */
  run(msLeft: number): Promise<void> | void;
}

export interface Lifecycle {
  /** resolves once getMe succeeded and polling started */
  launched: Promise<void>;
  /** rejects on a fatal Telegram error (401: token rejected); resolves after stop() */
  done: Promise<void>;
  /** once-guarded: runs the close hooks in order */
  stop(reason?: string): Promise<void>;
}

export interface LifecycleOptions {
  bot: Telegraf<BotContext>;
  logger: Logger;
  /** run in order by stop() (the first stops new work; the last releases connections) */
  hooks: CloseHook[];
  /** after getMe succeeded and polling started */
  onLaunched(): void;
  /** first retry delay when polling fails (409 conflict, Telegram unreachable); doubles to 60 s */
  pollRetryMs: number;
  /** the whole stop() (the process's hard exit is at 5 s) */
  stopBudgetMs?: number;
}

/** Thrown out of the poll loop when retrying cannot help (the token was rejected). */
export class FatalTelegramError extends Error {
  override name = 'FatalTelegramError';
}

export function startLifecycle(opts: LifecycleOptions): Lifecycle {
  const { bot, logger } = opts;
  const budget = opts.stopBudgetMs ?? 4000;
  const abort = new AbortController();
  let stopping = false;
  let pollingEnded = false;
  let markLaunched!: () => void;
  const launched = new Promise<void>((resolve) => (markLaunched = resolve));
  const polling = pollLoop(bot, logger, abort.signal, opts.pollRetryMs, () => stopping, () => {
    markLaunched();
    opts.onLaunched();
  }).finally(() => {
    pollingEnded = true;
  });

  let stopPromise: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> => {
    stopPromise ??= (async () => {
      const started = Date.now();
      stopping = true;
      logger.info({ reason }, 'stopping');
      abort.abort();
      await stopPolling(bot, reason, () => pollingEnded);
      for (const hook of opts.hooks) {
        const left = Math.max(0, started + budget - Date.now());
        try {
          await hook.run(left);
        } catch (err) {
          logger.error({ err, hook: hook.name }, 'close hook failed');
        }
      }
      await Promise.race([polling.catch(() => undefined), sleep(Math.max(0, started + budget - Date.now()), undefined, { ref: false })]);
      logger.info({ ms: Date.now() - started }, 'stopped');
    })();
    return stopPromise;
  };

  const done = polling.then(async () => {
    if (!stopping) await stop('polling ended');
  });
  done.catch(() => undefined); // observed by the entry block / tests; never an unhandled rejection
  return { launched, done, stop };
}

/**
 * telegraf's stop() throws while launch() is between getMe and startPolling ("Bot is not
 * running"; deleteWebhook runs there): a SIGTERM right after "connected" lands in that gap. Keep
 * trying in the background until polling has started and stopped, without holding up stop() or
 * the process (unref'd waits).
 */
async function stopPolling(bot: Telegraf<BotContext>, reason: string, ended: () => boolean): Promise<void> {
  const tryStop = (): boolean => {
    try {
      bot.stop(reason);
      return true;
    } catch {
      return false;
    }
  };
  if (ended() || tryStop()) return;
  void (async () => {
    while (!ended() && !tryStop()) await sleep(20, undefined, { ref: false });
  })();
}

async function pollLoop(bot: Telegraf<BotContext>, logger: Logger, signal: AbortSignal, firstDelayMs: number, isStopping: () => boolean, onLaunched: () => void): Promise<void> {
  let delay = firstDelayMs;
  let first = true;
  /** a polling run that lasted this long was healthy: the next failure starts the backoff over */
  const healthyRunMs = 60_000;
  while (!isStopping()) {
    const startedAt = Date.now();
    try {
      await bot.launch({ dropPendingUpdates: false }, () => {
        if (first) {
          first = false;
          onLaunched();
        }
      });
      return; // launch() resolves only when polling was stopped
    } catch (err) {
      if (isStopping()) return;
      // getMe succeeding says nothing about a 409 conflict; only a long healthy run resets the backoff
      if (Date.now() - startedAt >= healthyRunMs) delay = firstDelayMs;
      const code = (err as { code?: unknown }).code;
      if (code === 401 || code === 404) {
        logger.fatal({ code }, 'Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)');
        throw new FatalTelegramError(`Telegram rejected the bot token (${String(code)})`);
      }
      if (code === 409) {
        logger.error({ retryInMs: delay }, 'another instance is polling this token (getUpdates 409 Conflict): stop the other bot process (or delete its webhook); retrying');
      } else {
        logger.error({ err, retryInMs: delay }, 'Telegram polling failed; retrying');
      }
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return; // aborted by stop()
      }
      delay = Math.min(delay * 2, 60_000);
    }
  }
}
