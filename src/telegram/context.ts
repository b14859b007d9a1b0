import type { Context, Telegraf } from 'telegraf';
import type { Binance } from '../binance/index.js';
import type { ChartRenderer } from '../charts/spec.js';
import type { Config } from '../config.js';
import type { Audience } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerService } from '../ledger/service.js';
import type { UpdateLog } from '../ledger/updates.js';
import type { Logger, Scrubber } from '../logger.js';
import type { Risk } from '../risk/index.js';
import type { Trading } from '../trading/index.js';
import type { RiskPushes } from './risk/push.js';
import type { MarketService, ScanResult } from '../market/types.js';
import type { Translator } from '../notify.js';
import type { I18n } from './i18n.js';

/**
 * What every Telegram feature receives. Built once in src/main.ts (the composition root) and
 * passed to each Feature; tests build it with the same factories over loopback fakes.
 */

/** The update context every handler sees: telegraf's Context plus the sender's language and a child logger. */
export interface BotContext extends Context {
  /** translator in the sender's language (stored /lang, else LOCALE; strangers: their Telegram language_code) */
  t: Translator;
  /** child logger bound to { updateId, userId } */
  log: Logger;
}

/** Runs after every successful scheduled scan (LEDGER: exit alerts). Errors are caught and logged per hook. */
export type ScanHook = (scan: ScanResult) => Promise<void>;

/** Runs on shutdown, after polling and jobs stop and before the store is flushed. */
export type StopHook = () => Promise<void> | void;

export interface BotDeps {
  config: Config;
  logger: Logger;
  ledger: Ledger;
  market: MarketService;
  /** both Binance clients (spot + futures); the only way to talk to the exchange */
  binance: Binance;
  i18n: I18n;
  /** who pushes go to: every allowlisted user, or those with alerts on (pushes are written to the outbox) */
  audience: Audience;
  /** the clock; tests pass a fixed one */
  now: () => number;
  /** post-scan hooks the signal job calls after each tick (push to it from your Feature or main.ts) */
  onScan: ScanHook[];
  /** shutdown hooks (stop your own cron jobs, finish in-flight work) */
  onStop: StopHook[];
  trading: Trading;
  /** margin, top-ups, automatic exit, the kill switch */
  risk: Risk;
  riskPushes: RiskPushes;
  /** turns a chart spec into a PNG (ECharts + resvg; tests swap in one that fails) */
  charts: ChartRenderer;
  /** /status, /pnl: the ledger's figures with market prices */
  reports: LedgerService;
  /** strips secrets from text (the same scrubber as the logs): every Bot API call goes through it */
  scrub: Scrubber;
  /** re-delivered updates are skipped */
  updates: UpdateLog;
  /** previews being edited to "sending…" (the outbox edits the outcome in after them) */
  editsInFlight: Map<string, Promise<unknown>>;
}

/**
 * One slice of the bot: registers its commands / actions on the bot. Features run in the order
 * of the array in main.ts, AFTER the allowlist and translator middleware, so a handler only
 * ever sees allowlisted senders and always has ctx.t / ctx.log.
 */
export type Feature = (bot: Telegraf<BotContext>, deps: BotDeps) => void;
