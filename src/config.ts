import { existsSync } from 'node:fs';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * One zod schema over the environment. `createConfig(env)` is pure: it reads
 * nothing but the object it is given and throws a ConfigError listing every problem at once.
 */

const PRODUCTION = {
  spot: 'https://api.binance.com',
  futures: 'https://fapi.binance.com',
};
const TESTNET = {
  spot: 'https://testnet.binance.vision',
  futures: 'https://demo-fapi.binance.com',
};

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const bool = (def: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const num = (def: number, check: (n: number) => boolean, what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(String(def))
      .transform((s, ctx) => {
        const n = Number(s.trim());
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) || !Number.isFinite(n) || !check(n)) {
          ctx.addIssue({ code: 'custom', message: `must be ${what} (got "${s}")` });
          return z.NEVER;
        }
        return n;
      }),
  );

/** Decimal-valued settings stay strings so money math never sees a binary float. */
const decimalString = (def: string, what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(def)
      .transform((s) => s.trim())
      .refine((s) => /^(\d+\.?\d*|\.\d+)$/.test(s) && Number(s) >= 0, { message: `must be ${what}` }),
  );

const cronExpr = (def: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(def)
      .transform((s) => s.trim())
      .refine((s) => cron.validate(s), {
        message: 'must be a cron expression like "*/5 * * * *" (an optional leading seconds field is allowed)',
      }),
  );

const url = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
);

const symbolList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const list = s
        .split(',')
        .map((x) => x.trim().toUpperCase())
        .filter(Boolean);
      const bad = list.filter((x) => !/^[A-Z0-9]{2,20}USDT$/.test(x));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `must list USDT symbols like BTCUSDT,ETHUSDT (bad: ${bad.join(', ')})` });
        return z.NEVER;
      }
      return [...new Set(list)];
    }),
);

const userIds = z.preprocess(
  (v) => (v === undefined ? '' : v),
  z.string().transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => !/^\d{1,15}$/.test(p));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `must be comma-separated numeric Telegram user ids (bad: ${bad.join(', ')})` });
      return z.NEVER;
    }
    return [...new Set(parts.map(Number))];
  }),
);

const optionalSecret = z.preprocess(emptyToUndefined, z.string().optional());

const VENUE_NAMES = ['binance', 'bybit', 'okx'] as const;
const venueList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default(VENUE_NAMES.join(','))
    .transform((s, ctx) => {
      const list = [...new Set(s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))];
      const bad = list.filter((x) => !(VENUE_NAMES as readonly string[]).includes(x));
      if (bad.length || !list.includes('binance')) {
        ctx.addIssue({ code: 'custom', message: `must list venues from ${VENUE_NAMES.join(', ')}, binance included (trading runs there)${bad.length ? ` (bad: ${bad.join(', ')})` : ''}` });
        return z.NEVER;
      }
      return list as Array<(typeof VENUE_NAMES)[number]>;
    }),
);

const urlWithDefault = (def: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default(def)
      .transform((u) => u.replace(/\/+$/, '')),
  );

const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: optionalSecret,
  TELEGRAM_ALLOWED_USERS: userIds,
  TELEGRAM_API_ROOT: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api.telegram.org')
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  TRADING_MODE: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.trim().toLowerCase()) : v),
    z.enum(['paper', 'live'], { error: 'must be "paper" or "live"' }).default('paper'),
  ),
  BINANCE_API_KEY: optionalSecret,
  BINANCE_API_SECRET: optionalSecret,
  BINANCE_TESTNET: bool(false),
  BINANCE_SPOT_URL: url,
  BINANCE_FUTURES_URL: url,
  DATA_FILE: z.preprocess(emptyToUndefined, z.string().default('./data/carrybot.json')),
  SIGNAL_CRON: cronExpr('*/5 * * * *'),
  INCOME_CRON: cronExpr('*/10 * * * *'),
  SYMBOLS: symbolList,
  MIN_APR: num(15, (n) => n >= 0 && n <= 10000, 'a number of percent per year, 0 or more'),
  EXIT_APR: num(5, (n) => n >= -10000 && n <= 10000, 'a number of percent per year'),
  HOLD_DAYS: num(30, (n) => n > 0 && n <= 3650, 'a number of days greater than 0'),
  SPOT_TAKER_FEE: decimalString('0.001', 'a fee rate as a fraction, e.g. 0.001'),
  FUTURES_TAKER_FEE: decimalString('0.0005', 'a fee rate as a fraction, e.g. 0.0005'),
  LEVERAGE: num(1, (n) => Number.isInteger(n) && n >= 1 && n <= 20, 'a whole number from 1 to 20'),
  MAX_POSITION_USDT: decimalString('10000', 'a positive USDT amount'),
  MAX_TOTAL_USDT: decimalString('50000', 'a positive USDT amount'),
  MARGIN_ALERT_PCT: num(30, (n) => n > 0 && n < 100, 'a percent above 0 and below 100'),
  AUTO_TOPUP_USDT: decimalString('0', 'a USDT amount, 0 or more (0 = off)'),
  AUTO_EXIT_MINUTES: num(0, (n) => Number.isInteger(n) && n >= 0 && n <= 1440, 'a whole number of minutes from 0 (off) to 1440'),
  PAPER_FUTURES_USDT: decimalString('0', 'a USDT amount, 0 or more'),
  CONFIRM_TTL_SECONDS: num(60, (n) => Number.isInteger(n) && n >= 5 && n <= 3600, 'a whole number of seconds from 5 to 3600'),
  UNWIND_BUDGET_SECONDS: num(15, (n) => Number.isInteger(n) && n >= 2 && n <= 120, 'a whole number of seconds from 2 to 120'),
  VENUES: venueList,
  BYBIT_URL: urlWithDefault('https://api.bybit.com'),
  OKX_URL: urlWithDefault('https://www.okx.com'),
  BYBIT_SPOT_TAKER_FEE: decimalString('0.001', 'a fee rate as a fraction, e.g. 0.001'),
  BYBIT_FUTURES_TAKER_FEE: decimalString('0.00055', 'a fee rate as a fraction, e.g. 0.00055'),
  OKX_SPOT_TAKER_FEE: decimalString('0.001', 'a fee rate as a fraction, e.g. 0.001'),
  OKX_FUTURES_TAKER_FEE: decimalString('0.0005', 'a fee rate as a fraction, e.g. 0.0005'),
  VENUE_GAP_APR: num(20, (n) => n > 0 && n <= 10000, 'a number of percent per year greater than 0'),
  LOCALE: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.trim().toLowerCase()) : v),
    z.string().default('en'),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.trim().toLowerCase()) : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  ),
});

export type TradingMode = 'paper' | 'live';

export interface Config {
  telegram: { token?: string; allowedUsers: number[]; apiRoot: string };
  mode: TradingMode;
  binance: {
    apiKey?: string;
    apiSecret?: string;
    testnet: boolean;
    spotUrl: string;
    futuresUrl: string;
  };
  dataFile: string;
  signalCron: string;
  incomeCron: string;
  symbols?: string[];
  minApr: number;
  exitApr: number;
  holdDays: number;
  /** fee rates as decimal strings (fractions) */
  spotTakerFee: string;
  futuresTakerFee: string;
  leverage: number;
  /** USDT caps as decimal strings */
  maxPositionUsdt: string;
  maxTotalUsdt: string;
  confirmTtlSeconds: number;
  /** how long a refused buy-back may escalate before the position is declared broken */
  unwindBudgetSeconds: number;
  /** push a margin alert when a short's distance to liquidation falls below this % */
  marginAlertPct: number;
  /** USDT the bot may move spot → futures by itself per 24 h (decimal string; '0' = off) */
  autoTopupUsdt: string;
  /** minutes after an exit alert before the position is closed automatically (0 = off) */
  autoExitMinutes: number;
  /** paper: extra USDT in the simulated futures wallet beyond notional / LEVERAGE */
  paperFuturesUsdt: string;
  /** venues scanned for funding; binance always among them (the only one traded) */
  venues: Array<'binance' | 'bybit' | 'okx'>;
  venueUrls: { bybit: string; okx: string };
  /** taker fee rates per secondary venue, decimal strings */
  venueFees: { bybit: { spot: string; futures: string }; okx: { spot: string; futures: string } };
  /** push when another venue's funding APR is this many points above Binance's */
  venueGapApr: number;
  locale: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface CreateConfigOptions {
  /** `npm start` needs a token; `npm run scan` does not. */
  requireToken?: boolean;
  /** locales that exist; LOCALE must be one of them */
  locales?: readonly string[];
}

export function createConfig(env: Record<string, string | undefined>, opts: CreateConfigOptions = {}): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      problems.push(`${name} ${issue.message}`);
    }
  }
  const e = parsed.success ? parsed.data : undefined;

  if (opts.requireToken && !emptyToUndefined(env.TELEGRAM_BOT_TOKEN)) {
    problems.push('TELEGRAM_BOT_TOKEN is required to start the bot (get one from @BotFather)');
  }
  // read from the raw env so these are listed even when another variable failed to parse
  if (String(env.TRADING_MODE ?? '').trim().toLowerCase() === 'live') {
    if (!emptyToUndefined(env.BINANCE_API_KEY)) problems.push('BINANCE_API_KEY is required when TRADING_MODE=live');
    if (!emptyToUndefined(env.BINANCE_API_SECRET)) problems.push('BINANCE_API_SECRET is required when TRADING_MODE=live');
  }
  if (e && opts.locales && !opts.locales.includes(e.LOCALE)) {
    problems.push(`LOCALE must be one of ${opts.locales.join(', ')} (got "${e.LOCALE}")`);
  }
  if (e && Number(e.MAX_POSITION_USDT) <= 0) problems.push('MAX_POSITION_USDT must be greater than 0');
  if (e && Number(e.MAX_TOTAL_USDT) < Number(e.MAX_POSITION_USDT)) {
    problems.push('MAX_TOTAL_USDT must be at least MAX_POSITION_USDT');
  }
  if (e && e.EXIT_APR > e.MIN_APR) problems.push('EXIT_APR must not be above MIN_APR');

  if (problems.length || !e) throw new ConfigError(problems);

  const base = e.BINANCE_TESTNET ? TESTNET : PRODUCTION;
  return {
    telegram: { token: e.TELEGRAM_BOT_TOKEN, allowedUsers: e.TELEGRAM_ALLOWED_USERS, apiRoot: e.TELEGRAM_API_ROOT },
    mode: e.TRADING_MODE,
    binance: {
      apiKey: e.BINANCE_API_KEY,
      apiSecret: e.BINANCE_API_SECRET,
      testnet: e.BINANCE_TESTNET,
      spotUrl: e.BINANCE_SPOT_URL ?? base.spot,
      futuresUrl: e.BINANCE_FUTURES_URL ?? base.futures,
    },
    dataFile: e.DATA_FILE,
    signalCron: e.SIGNAL_CRON,
    incomeCron: e.INCOME_CRON,
    symbols: e.SYMBOLS,
    minApr: e.MIN_APR,
    exitApr: e.EXIT_APR,
    holdDays: e.HOLD_DAYS,
    spotTakerFee: e.SPOT_TAKER_FEE,
    futuresTakerFee: e.FUTURES_TAKER_FEE,
    leverage: e.LEVERAGE,
    maxPositionUsdt: e.MAX_POSITION_USDT,
    maxTotalUsdt: e.MAX_TOTAL_USDT,
    confirmTtlSeconds: e.CONFIRM_TTL_SECONDS,
    unwindBudgetSeconds: e.UNWIND_BUDGET_SECONDS,
    marginAlertPct: e.MARGIN_ALERT_PCT,
    autoTopupUsdt: e.AUTO_TOPUP_USDT,
    autoExitMinutes: e.AUTO_EXIT_MINUTES,
    paperFuturesUsdt: e.PAPER_FUTURES_USDT,
    venues: e.VENUES,
    venueUrls: { bybit: e.BYBIT_URL, okx: e.OKX_URL },
    venueFees: {
      bybit: { spot: e.BYBIT_SPOT_TAKER_FEE, futures: e.BYBIT_FUTURES_TAKER_FEE },
      okx: { spot: e.OKX_SPOT_TAKER_FEE, futures: e.OKX_FUTURES_TAKER_FEE },
    },
    venueGapApr: e.VENUE_GAP_APR,
    locale: e.LOCALE,
    logLevel: e.LOG_LEVEL,
  };
}

/** Loads `./.env` into process.env when present (existing variables win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
