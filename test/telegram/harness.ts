import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startBot, type RunningBot, type StartOptions } from '../../src/main.js';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

/**
 * The whole bot in-process, wired by the real composition root (src/main.ts startBot) against
 * the loopback fakes of Telegram and Binance and a temp DATA_FILE.
 *
 *   const h = await startHarness({ allowed: [111] });
 *   h.tg.sendText(111, '/status');
 *   const reply = await h.tg.waitFor('sendMessage', (c) => c.body.chat_id === 111);
 *   await h.close();
 *
 * The signal cron is set to a date that never comes (1 Jan 00:00) unless `env.SIGNAL_CRON` is
 * given; run a tick with `h.running.jobs[0].runNow()`. Logs are captured in `h.logs` (parsed
 * pino lines).
 */
export interface Harness {
  tg: FakeTelegram;
  binance: FakeBinance;
  running: RunningBot;
  dataFile: string;
  dir: string;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  allowed?: number[];
  env?: Record<string, string>;
  binance?: FakeBinanceOptions;
  /** runs after the fakes start and before the bot does (inject failures here) */
  beforeStart?: (tg: FakeTelegram, binance: FakeBinance) => void;
  /** reuse an existing data file (restart tests) */
  dataFile?: string;
  /** run the start-up signal scan (off by default: tests drive ticks with runNow) */
  scanOnStart?: boolean;
  /** deadline for each other venue's part of a scan (tests with a hanging venue shorten it) */
  venueTimeoutMs?: number;
  /** shorter waits (recvWindow window, retries) */
  timings?: StartOptions['timings'];
  /** the bot's clock (default the wall clock) */
  now?: () => number;
  /** replaces the state document's writer (a full disk) */
  writeState?: StartOptions['writeState'];
}

export function baseEnv(tg: FakeTelegram, binance: FakeBinance, dataFile: string, allowed: number[]): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.url,
    TELEGRAM_ALLOWED_USERS: allowed.join(','),
    BINANCE_SPOT_URL: binance.spotUrl,
    BINANCE_FUTURES_URL: binance.futuresUrl,
    DATA_FILE: dataFile,
    SIGNAL_CRON: '0 0 1 1 *',
    INCOME_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'debug',
    // tests never reach the real Bybit/OKX: venue tests point these at the loopback fakes
    VENUES: 'binance',
  };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-tg-'));
  const dataFile = opts.dataFile ?? join(dir, 'store.json');
  const tg = await startFakeTelegram();
  const binance = await startFakeBinance(opts.binance);
  opts.beforeStart?.(tg, binance);
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const env = { ...baseEnv(tg, binance, dataFile, opts.allowed ?? [111]), ...opts.env };
  const running = await startBot(env, { logDestination: destination, pollRetryMs: 50, scanOnStart: opts.scanOnStart ?? false, venueTimeoutMs: opts.venueTimeoutMs, ...(opts.now ? { now: opts.now } : {}), ...(opts.writeState ? { writeState: opts.writeState } : {}), ...(opts.timings ? { timings: opts.timings } : {}) });
  return {
    tg,
    binance,
    running,
    dataFile,
    dir,
    logs,
    async close() {
      await running.stop('test');
      await tg.close();
      await binance.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 10 ms until it returns true; rejects with `what` after timeoutMs. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An edit of a confirmed preview that is not the progress line ("sending…", "working…"): the outcome or refusal. */
export const isOutcomeEdit = (c: { body: Record<string, unknown> }): boolean => !/Sending orders|Working…/.test(String(c.body.text));

/** Resolves once every outbox message was accepted by the fake Telegram (pushes go out asynchronously, through the outbox). */
export const delivered = (h: Pick<Harness, 'running'>, timeoutMs = 5000): Promise<void> =>
  waitUntil(() => h.running.deps.ledger.nextMessages().length === 0, 'the outbox to be delivered', timeoutMs);
