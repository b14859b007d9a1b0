import { realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import { Telegram, type Telegraf } from 'telegraf';
import { createBinance } from './binance/index.js';
import { createConfig, loadDotEnv } from './config.js';
import { ConfigError, StoreError, errorMessage } from './errors.js';
import { startSignalJob } from './jobs/signals.js';
import { startIncomeJob } from './jobs/income.js';
import { startReconcileJob } from './jobs/reconcile.js';
import type { Job } from './jobs/schedule.js';
import { openLedger } from './ledger/ledger.js';
import { createLogger, type Logger } from './logger.js';
import { createMarketService } from './market/service.js';
import { createVenueScanner } from './market/venueScanner.js';
import { createVenueClients } from './venues/index.js';
import { createBot } from './telegram/bot.js';
import { coreFeatures } from './telegram/commands/index.js';
import { ledgerFeature } from './telegram/ledger/index.js';
import type { BotContext, BotDeps, BotServices, Feature } from './telegram/context.js';
import { DEFAULT_LOCALES_DIR, createI18n, listLanguages } from './telegram/i18n.js';
import { setMenu } from './telegram/menu.js';
import { createNotifier } from './telegram/notifier.js';
import { createTradingNotices, tradingFeature } from './telegram/trading/index.js';
import { createTrading } from './trading/index.js';
import { createCloser } from './trading/closeNow.js';
import { createRisk } from './risk/index.js';
import { createRiskPushes, riskFeature } from './telegram/risk/index.js';

/**
 * Composition root: config → logger → ledger → Binance → market → i18n → notifier → bot and
 * features → jobs → long polling. Nothing else in the code base builds these singletons.
 *
 * `startBot()` returns once everything is wired and polling has been started (it does not wait
 * for Telegram to answer); tests run it in-process, `npm start` runs the entry block below.
 */

export interface StartOptions {
  /** pino destination (tests capture logs) */
  logDestination?: DestinationStream;
  localesDir?: string;
  now?: () => number;
  /** first retry delay when polling fails (409 conflict, Telegram unreachable); default 5 s, doubles to 60 s */
  pollRetryMs?: number;
  /** aborted when a stop was requested before startBot returned (the caller then calls stop()) */
  stopSignal?: AbortSignal;
  /** run one signal scan right after start instead of waiting for SIGNAL_CRON (default true; tests drive ticks by hand) */
  scanOnStart?: boolean;
  /** deadline for each other venue's part of a scan tick (default 4 s) */
  venueTimeoutMs?: number;
}

export interface RunningBot {
  bot: Telegraf<BotContext>;
  deps: BotDeps;
  jobs: Job[];
  /** resolves once getMe succeeded and polling started */
  launched: Promise<void>;
  /** rejects on a fatal Telegram error (401: token rejected); resolves after stop() */
  done: Promise<void>;
  /** once-guarded graceful stop: polling, jobs, hooks, store flush, Binance pools */
  stop(reason?: string): Promise<void>;
}

/** how long stop() waits for a running trade (the whole stop must stay within the 5 s run contract) */
const TRADE_DRAIN_MS = 3000;
/** the whole stop() before its last step (the process's hard exit is at 5 s) */
const STOP_BUDGET_MS = 4000;

export async function startBot(env: Record<string, string | undefined>, opts: StartOptions = {}): Promise<RunningBot> {
  const localesDir = opts.localesDir ?? DEFAULT_LOCALES_DIR;
  const config = createConfig(env, { requireToken: true, locales: listLanguages(localesDir) });
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.telegram.token, config.binance.apiKey, config.binance.apiSecret],
    destination: opts.logDestination,
  });
  const now = opts.now ?? Date.now;
  const ledger = await openLedger(config.dataFile, { logger, now });
  const binance = createBinance({
    spotUrl: config.binance.spotUrl,
    futuresUrl: config.binance.futuresUrl,
    apiKey: config.binance.apiKey,
    apiSecret: config.binance.apiSecret,
    logger,
    now,
  });
  const openSymbols = () => ledger.openPositions().map((p) => p.symbol);
  const venueClients = createVenueClients({ venues: config.venues, urls: config.venueUrls, logger, now, timeoutMs: opts.venueTimeoutMs });
  const venues = venueClients.length ? createVenueScanner({ clients: venueClients, config, logger, now, timeoutMs: opts.venueTimeoutMs }) : undefined;
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger, now, keep: openSymbols, venues });
  const i18n = createI18n({ dir: localesDir, defaultLang: config.locale, now });
  const token = config.telegram.token!;
  const notifier = createNotifier({ telegram: new Telegram(token, { apiRoot: config.telegram.apiRoot }), config, ledger, i18n, logger });

  // ── services: TRADING / LEDGER build theirs here and put them in the bag ──────────────────
  const services: BotServices = {};
  const trading = createTrading({ config, ledger, market, binance, logger, now, alerts: createTradingNotices({ notifier, config, logger }) });
  services.trading = trading;
  // a signal during start-up (recovery can take a while): stop waiting, leave unstarted intents pending
  opts.stopSignal?.addEventListener('abort', () => trading.shutdown(), { once: true });
  if (opts.stopSignal?.aborted) trading.shutdown();

  const risk = createRisk({
    config,
    ledger,
    market,
    binance,
    closer: createCloser({ ledger, port: trading.port, executor: trading.executor }),
    logger: logger.child({ module: 'risk' }),
    now,
    isStopping: () => stopping,
  });
  services.risk = risk;
  const riskPushes = createRiskPushes({ risk, notifier, mode: config.mode, logger });
  services.riskPushes = riskPushes;

  const deps: BotDeps = { config, logger, ledger, market, binance, i18n, notifier, now, onScan: [], onStop: [], services };

  // ── features: ONE line per module, in order (allowlist and ctx.t/ctx.log run before all) ──
  const features: Feature[] = [
    ...coreFeatures, // /start /help /signals /funding /lang /pause /resume
    riskFeature, // RISK: /margin /topup, /close all (before trading's /close), margin watch (callback prefix "risk:")
    tradingFeature, // TRADING: /open /close, confirm buttons (callback prefix "trade:")
    ledgerFeature, // LEDGER: /status /pnl /fills, exit alerts (deps.onScan)
  ];
  const bot = createBot(deps, features);
  // last post-scan hook: automatic exits scheduled by this scan's exit alerts run once due
  deps.onScan.push(() => riskPushes.runDue());
  // unfinished trades from a previous run are resolved (and their users told) before any command is taken
  const unfinished = ledger.pendingIntents().length;
  if (unfinished) logger.info({ intents: unfinished }, 'resolving unfinished trades before taking commands');
  await trading.recover();

  // ── jobs ─────────────────────────────────────────────────────────────────────────────────
  const jobs: Job[] = [
    startSignalJob({ market, ledger, notifier, logger, now, onScan: deps.onScan, cron: config.signalCron, venueGapApr: config.venueGapApr }),
    startIncomeJob({ config, ledger, binance, logger, now, notifier, after: riskPushes.watch }), // LEDGER: funding income (live sync / paper accrual), then the margin watch
    ...[startReconcileJob({ config, ledger, binance, notifier, logger, now })].filter((j) => j !== undefined), // LEDGER: live, on start + hourly
  ];

  // The first cron tick may be minutes away; scan once now so /signals and pushes start warm.
  // It shares the job's overlap guard, and the job catches and logs its own errors.
  if (opts.scanOnStart !== false && !opts.stopSignal?.aborted) void jobs[0]?.runNow();

  const allowed = config.telegram.allowedUsers;
  logger.info(
    {
      mode: config.mode.toUpperCase(),
      allowedUsers: allowed.length,
      signalCron: config.signalCron,
      incomeCron: config.incomeCron,
      dataFile: ledger.file,
      locale: config.locale,
    },
    `carrybot starting in ${config.mode.toUpperCase()} mode`,
  );
  if (allowed.length === 0) {
    logger.error(
      'TELEGRAM_ALLOWED_USERS is EMPTY: the bot executes nothing and answers every sender with their user id. Add your id to TELEGRAM_ALLOWED_USERS and restart.',
    );
  }

  // ── long polling with a retry loop (409 conflict / network); never blocks startup ──────────
  const abort = new AbortController();
  let stopping = false;
  let pollingEnded = false;
  let markLaunched!: () => void;
  const launched = new Promise<void>((resolve) => (markLaunched = resolve));
  const polling = pollLoop(bot, logger, abort.signal, opts.pollRetryMs ?? 5000, () => stopping, () => {
    logger.info({ bot: bot.botInfo?.username }, 'connected to Telegram; polling for updates');
    markLaunched();
    void setMenu(bot.telegram, i18n, logger);
  }).finally(() => {
    pollingEnded = true;
  });

  let stopPromise: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> => {
    stopPromise ??= (async () => {
      const stopStarted = Date.now();
      stopping = true;
      logger.info({ reason }, 'stopping');
      // first: no new trade starts (a confirm answers "shutting down", also one waiting for the lock);
      // then the trade in flight, if any, is given until TRADE_DRAIN_MS to finish (see below)
      trading.shutdown();
      let drained = false;
      const drain = trading.executor.exclusive(async () => undefined).then(() => void (drained = true));
      abort.abort();
      // bot.stop() throws while launch() is still between getMe and startPolling: retry briefly
      for (let i = 0; i < 40 && !pollingEnded; i++) {
        try {
          bot.stop(reason);
          break;
        } catch {
          await sleep(50);
        }
      }
      // A tick can be inside a notifier retry (minutes): wait for it only within the stop budget
      // (the same window as the trade drain); the store is flushed below either way.
      const jobsLeft = Math.max(0, stopStarted + TRADE_DRAIN_MS - Date.now());
      await Promise.allSettled(jobs.map((j) => j.stop(jobsLeft)));
      for (const hook of deps.onStop) {
        try {
          await hook();
        } catch (err) {
          logger.error({ err }, 'stop hook failed');
        }
      }
      await Promise.race([polling.catch(() => undefined), sleep(2000, undefined, { ref: false })]);
      const left = () => Math.max(0, stopStarted + TRADE_DRAIN_MS - Date.now());
      await Promise.race([drain, sleep(left(), undefined, { ref: false })]);
      // critical alerts fired by the last trade: give them what is left of the budget
      if (drained) await Promise.race([trading.executor.alertsSettled(), sleep(left(), undefined, { ref: false })]);
      await ledger.flush();
      await venues?.close().catch(() => undefined);
      if (drained) {
        // undici's close() waits for requests in flight, e.g. of a job tick stop() stopped waiting
        // for: then it is not waited for at all, else at most until the stop budget
        const closing = binance.close().then(() => true);
        const budget = jobs.some((j) => j.busy()) ? 0 : Math.max(0, stopStarted + STOP_BUDGET_MS - Date.now());
        const closed = await Promise.race([closing, sleep(budget, false, { ref: false })]);
        if (!closed) {
          closing.catch(() => undefined);
          logger.warn({ waitedMs: Date.now() - stopStarted }, 'Binance connections still busy (a job tick); exiting without waiting for them');
        }
      } else {
        // closing the pools under the running trade would fail its next request; its intent is on
        // disk, so recovery finishes it on the next start
        logger.warn({ waitedMs: Date.now() - stopStarted }, 'a trade is still running; exiting without waiting for it (recovery resolves it on restart)');
      }
      logger.info('stopped');
    })();
    return stopPromise;
  };

  const done = polling.then(async () => {
    if (!stopping) await stop('polling ended');
  });
  done.catch(() => undefined); // observed by the entry block / tests; never an unhandled rejection

  return { bot, deps, jobs, launched, done, stop };
}

/** Thrown out of the poll loop when retrying cannot help (the token was rejected). */
export class FatalTelegramError extends Error {
  override name = 'FatalTelegramError';
}

async function pollLoop(
  bot: Telegraf<BotContext>,
  logger: Logger,
  signal: AbortSignal,
  firstDelayMs: number,
  isStopping: () => boolean,
  onLaunched: () => void,
): Promise<void> {
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
        logger.error(
          { retryInMs: delay },
          'another instance is polling this token (getUpdates 409 Conflict): stop the other bot process (or delete its webhook); retrying',
        );
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

// ── entry: `node dist/main.js` / `node --import tsx src/main.ts` ───────────────────────────────
function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function runFromCommandLine(): Promise<void> {
  const HARD_EXIT_MS = 5000;
  let running: RunningBot | undefined;
  let shuttingDown = false;
  /** aborted by a signal that arrives while startBot() runs (recovery stops waiting) */
  const stopRequested = new AbortController();
  let started: Promise<RunningBot> | undefined;
  const shutdown = (signal: string) => {
    // process.on, not once: a second SIGINT/SIGTERM must not kill the process mid-trade
    if (shuttingDown) return;
    shuttingDown = true;
    setTimeout(() => {
      process.stderr.write(`carrybot: shutdown took longer than ${HARD_EXIT_MS} ms; exiting\n`);
      process.exit(0);
    }, HARD_EXIT_MS).unref();
    stopRequested.abort();
    // during start-up: wait for startBot() (it stops recovery early), then stop gracefully; a failed
    // start exits through its own path below
    const stopping = running ? running.stop(signal) : started ? started.then((r) => r.stop(signal)) : Promise.resolve();
    void stopping.then(
      () => process.exit(0),
      () => undefined,
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    loadDotEnv();
    started = startBot(process.env, { stopSignal: stopRequested.signal });
    running = await started;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`carrybot: cannot start — ${err.message}\n`);
    } else if (err instanceof StoreError) {
      process.stderr.write(`carrybot: cannot start — ${err.message}\n`);
    } else {
      process.stderr.write(`carrybot: cannot start — ${err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}\n`);
    }
    process.exit(1);
  }
  const log = running.deps.logger;
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  if (shuttingDown) return; // the signal handler stops it (it waited for startBot)
  running.done.catch(async (err: unknown) => {
    log.fatal({ err }, 'fatal; exiting');
    await running?.stop('fatal').catch(() => undefined);
    process.exit(1);
  });
}

if (isEntry()) void runFromCommandLine();
