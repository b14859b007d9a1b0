import { realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import sonicBoom from 'sonic-boom';
import { Telegram, type Telegraf } from 'telegraf';
import { createBinance } from './binance/index.js';
import { createConfig, loadDotEnv, type Config } from './config.js';
import { createAudience } from './events.js';
import { ConfigError, StoreError, errorMessage } from './errors.js';
import { startSignalJob } from './jobs/signals.js';
import { startIncomeJob } from './jobs/income.js';
import { startReconcileJob } from './jobs/reconcile.js';
import type { Job } from './jobs/schedule.js';
import { openLedger } from './ledger/ledger.js';
import type { OpenStoreOptions } from './ledger/store.js';
import { createLogger, createScrubber, type Logger } from './logger.js';
import { startLifecycle, type CloseHook } from './lifecycle.js';
import { chartProcess, type ChartProcess } from './charts/renderProcess.js';
import { createLedgerService } from './ledger/service.js';
import { createUpdateLog } from './ledger/updates.js';
import { createOutboxSender } from './telegram/outbox.js';
import { guardTelegram } from './telegram/transport.js';
import { createMarketService } from './market/service.js';
import { createVenueScanner } from './market/venueScanner.js';
import { createVenueClients } from './venues/index.js';
import { createBot } from './telegram/bot.js';
import { coreFeatures } from './telegram/commands/index.js';
import { ledgerFeature } from './telegram/ledger/index.js';
import type { BotContext, BotDeps, Feature } from './telegram/context.js';
import { DEFAULT_LOCALES_DIR, createI18n, listLanguages } from './telegram/i18n.js';
import { setMenu } from './telegram/menu.js';
import { tradingFeature } from './telegram/trading/index.js';
import { createAccountFeeRates } from './trading/feeRates.js';
import { createTrading } from './trading/index.js';
import { createCloser } from './trading/closeNow.js';
import { createRisk } from './risk/index.js';
import { createRiskPushes, riskFeature } from './telegram/risk/index.js';

/**
 * Composition root: config → logger → ledger → Binance → market → i18n → outbox sender → bot and
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
  /** shorter waits for tests (defaults: the real ones) */
  timings?: {
    /** an unknown order counts as never placed this long after it was sent (recvWindow + margin) */
    absentAfterMs?: number;
    /** the bot's retries of a trade it could not settle yet */
    recoveryRetryMs?: number[];
    /** retries of an outbox message Telegram did not accept */
    outboxRetryMs?: number[];
    /** retries of a ledger write the disk refused */
    saveRetryMs?: number[];
    /** the chart renderer's child process exits after this long without a chart (default 60 s) */
    chartIdleMs?: number;
  };
  /** test hook: replaces the state document's writer (to simulate a full disk) */
  writeState?: OpenStoreOptions['writeText'];
}

export interface RunningBot {
  bot: Telegraf<BotContext>;
  deps: BotDeps;
  jobs: Job[];
  /** the chart renderer (a child process while charts are asked for) */
  charts: ChartProcess;
  /** resolves once getMe succeeded and polling started */
  launched: Promise<void>;
  /** rejects on a fatal Telegram error (401: token rejected); resolves after stop() */
  done: Promise<void>;
  /** once-guarded graceful stop: the close hooks in order (see below) */
  stop(reason?: string): Promise<void>;
}

/** how long stop() waits for a running trade (the whole stop must stay within the 5 s run contract) */
const TRADE_DRAIN_MS = 3000;

export async function startBot(env: Record<string, string | undefined>, opts: StartOptions = {}): Promise<RunningBot> {
  const localesDir = opts.localesDir ?? DEFAULT_LOCALES_DIR;
  const config = createConfig(env, { requireToken: true, locales: listLanguages(localesDir) });
  const secrets = [config.telegram.token, config.binance.apiKey, config.binance.apiSecret];
  const scrub = createScrubber(secrets);
  const logger = createLogger({ level: config.logLevel, secrets, destination: opts.logDestination });
  const now = opts.now ?? Date.now;
  const timings = opts.timings ?? {};
  const ledger = await openLedger(config.dataFile, { logger, now, saveRetryMs: timings.saveRetryMs, ...(opts.writeState ? { writeText: opts.writeState } : {}) });
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
  // live: one reading of the account's commission rates for previews, fills and the signal scan
  const feeRates = config.mode === 'live' ? createAccountFeeRates({ spot: binance.spot, futures: binance.futures, config, logger, now }) : undefined;
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger, now, keep: openSymbols, venues, ...(feeRates ? { feeRates: feeRates.latest } : {}) });
  const i18n = createI18n({ dir: localesDir, defaultLang: config.locale, now });
  const token = config.telegram.token!;
  const pushTelegram = guardTelegram(new Telegram(token, { apiRoot: config.telegram.apiRoot }), { scrub, logger, retryMs: [] });
  const audience = createAudience(config.telegram.allowedUsers, (id) => ledger.userSettings(id));
  // everyone hears when the disk refuses the ledger (the message waits in memory) and when it takes it again
  const storeNotice = (saved: boolean) => void ledger.publish([{ event: { type: 'store', saved }, chats: audience.all() }]).catch(() => undefined);
  ledger.onUnsaved(() => storeNotice(false));
  ledger.onSaved(() => storeNotice(true));
  const trading = createTrading({ config, ledger, market, binance, logger, now, absentAfterMs: timings.absentAfterMs, recoveryRetryMs: timings.recoveryRetryMs, ...(feeRates ? { feeRates } : {}) });
  // a signal during start-up (recovery can take a while): stop waiting, leave unstarted intents pending
  opts.stopSignal?.addEventListener('abort', () => trading.shutdown(), { once: true });
  if (opts.stopSignal?.aborted) trading.shutdown();
  const reports = createLedgerService({ ledger, market, config, futures: binance.futures, stats: () => binance.stats(), logger, now });
  const editsInFlight = new Map<string, Promise<unknown>>();
  const outbox = createOutboxSender({ telegram: pushTelegram, ledger, i18n, config, logger, editsInFlight, retryMs: timings.outboxRetryMs });
  ledger.onPublished(() => outbox.kick());

  /** set by the first close hook: automatic actions (exits, top-ups) start nothing new */
  let stopping = false;
  const risk = createRisk({
    config,
    ledger,
    audience,
    market,
    binance,
    closer: createCloser({ ledger, port: trading.port, executor: trading.executor }),
    queue: trading.executor.exclusive,
    logger: logger.child({ module: 'risk' }),
    now,
    isStopping: () => stopping,
  });
  const riskPushes = createRiskPushes({ risk, logger });

  const charts = chartProcess({ idleMs: timings.chartIdleMs, logger: logger.child({ module: 'charts' }) });
  const deps: BotDeps = { config, logger, ledger, market, binance, i18n, audience, now, onScan: [], onStop: [], trading, risk, riskPushes, reports, charts: charts.render, scrub, updates: createUpdateLog(ledger), editsInFlight };

  // ── features: ONE line per module, in order (allowlist and ctx.t/ctx.log run before all) ──
  const features: Feature[] = [
    ...coreFeatures, // /start /help /signals /funding /lang /pause /resume
    riskFeature, // /margin /topup, /close all (before trading's /close), margin watch (callback prefix "risk:")
    tradingFeature, // /open /close, confirm buttons (callback prefix "trade:")
    ledgerFeature, // /status /pnl /fills, exit alerts (deps.onScan)
  ];
  const bot = createBot(deps, features);
  // last post-scan hook: automatic exits scheduled by this scan's exit alerts run once due
  deps.onScan.push(() => riskPushes.runDue());
  // unfinished trades from a previous run are resolved (and their users told) before any command is taken
  const unfinished = ledger.pendingIntents().length;
  if (unfinished) logger.info({ intents: unfinished }, 'resolving unfinished trades before taking commands');
  await trading.recover('start');
  outbox.kick();

  const jobs: Job[] = [
    startSignalJob({ market, ledger, audience, logger, now, onScan: deps.onScan, cron: config.signalCron, venueGapApr: config.venueGapApr }),
    startIncomeJob({ config, ledger, binance, logger, now, audience, after: riskPushes.watch }), // then the margin watch
    ...[startReconcileJob({ config, ledger, binance, audience, logger, now })].filter((j) => j !== undefined),
  ];
  // The first cron tick may be minutes away; scan once now so /signals and pushes start warm.
  if (opts.scanOnStart !== false && !opts.stopSignal?.aborted) void jobs[0]?.runNow();
  logStart(logger, config, ledger.file);

  // Close hooks, in order. Each gets what is left of the stop budget.
  let drained = false;
  const hooks: CloseHook[] = [
    // no new trade starts (a confirm answers "shutting down", also one waiting for the lock)
    {
      name: 'trading',
      run: () => {
        stopping = true;
        trading.shutdown();
      },
    },
    // a tick can be waiting on Binance: wait for it only within the trade window
    { name: 'jobs', run: async (left) => void (await Promise.allSettled(jobs.map((j) => j.stop(Math.min(left, TRADE_DRAIN_MS))))) },
    { name: 'features', run: async () => void (await Promise.allSettled(deps.onStop.map(async (h) => h()))) },
    // the renderer's child is killed (a chart in progress loses its image; its text still goes)
    { name: 'charts', run: async (left) => void (await Promise.race([charts.close(), sleep(left, undefined, { ref: false })])) },
    // the trade in flight, if any, may finish; else its intent stays on disk for the next start
    {
      name: 'trade in flight',
      run: async (left) => {
        const idle = trading.executor.exclusive(async () => undefined).then(() => void (drained = true));
        await Promise.race([idle, sleep(Math.min(left, TRADE_DRAIN_MS), undefined, { ref: false })]);
        if (!drained) logger.warn('a trade is still running; exiting without waiting for it (recovery resolves it on restart)');
      },
    },
    // what the last trade wrote to the outbox: try to deliver it now (else it goes after restart)
    { name: 'outbox', run: async (left) => { await outbox.drain(Math.max(0, left - 500)); outbox.stop(); } },
    { name: 'ledger', run: async () => void (await ledger.close()) },
    { name: 'venues', run: async (left) => void (await Promise.race([venues?.close().catch(() => undefined), sleep(left, undefined, { ref: false })])) },
    {
      // undici's close() waits for requests in flight; closing the pools under a running trade
      // would fail its next request (its intent is on disk: recovery finishes it on restart)
      name: 'binance',
      run: async (left) => {
        if (!drained) return;
        const closing = binance.close().then(() => true);
        const closed = await Promise.race([closing, sleep(jobs.some((j) => j.busy()) ? 0 : left, false, { ref: false })]);
        if (!closed) {
          closing.catch(() => undefined);
          logger.warn('Binance connections still busy (a job tick); exiting without waiting for them');
        }
      },
    },
  ];
  const life = startLifecycle({
    bot,
    logger,
    hooks,
    pollRetryMs: opts.pollRetryMs ?? 5000,
    onLaunched: () => {
      logger.info({ bot: bot.botInfo?.username }, 'connected to Telegram; polling for updates');
      void setMenu(bot.telegram, i18n, logger);
    },
  });
  return { bot, deps, jobs, charts, launched: life.launched, done: life.done, stop: life.stop };
}

function logStart(logger: Logger, config: Config, dataFile: string): void {
  const allowed = config.telegram.allowedUsers;
  logger.info(
    { mode: config.mode.toUpperCase(), allowedUsers: allowed.length, signalCron: config.signalCron, incomeCron: config.incomeCron, dataFile, locale: config.locale },
    `carrybot starting in ${config.mode.toUpperCase()} mode`,
  );
  if (allowed.length === 0) {
    logger.error(
      'TELEGRAM_ALLOWED_USERS is EMPTY: the bot executes nothing and answers every sender with their user id. Add your id to TELEGRAM_ALLOWED_USERS and restart.',
    );
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

/**
 * Logs go to stdout through an asynchronous writer that is never flushed synchronously at exit:
 * pino's default one is, and when whoever reads stdout stops reading, that flush waits (a futex
 * wait, signals unanswered) until the pipe drains — a SIGTERM then left the process alive for
 * minutes. Here whatever the pipe does not take within a moment is dropped, and the process exits.
 */
// sonic-boom is CommonJS: its module.exports is the class
const SonicBoom = sonicBoom as unknown as typeof import('sonic-boom').SonicBoom;
let logOut: InstanceType<typeof SonicBoom> | undefined;

async function exitAfterLogs(code: number): Promise<never> {
  const out = logOut;
  if (out) {
    // end() writes what is buffered, then closes: 'close' says it all went out
    const closed = new Promise<void>((r) => out.once('close', () => r()));
    out.end();
    await Promise.race([closed, sleep(500, undefined, { ref: false })]).catch(() => undefined);
  }
  process.exit(code);
}

async function runFromCommandLine(): Promise<void> {
  const HARD_EXIT_MS = 5000;
  logOut = new SonicBoom({ fd: 1, sync: false });
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
      () => exitAfterLogs(0),
      () => undefined,
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    loadDotEnv();
    started = startBot(process.env, { stopSignal: stopRequested.signal, logDestination: logOut });
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
    await exitAfterLogs(1);
  });
}

if (isEntry()) void runFromCommandLine();
