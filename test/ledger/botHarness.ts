import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../src/jobs/schedule.js';
import { saveLedger } from '../../src/ledger/ledgerStore.js';
import { emptyStore, type StoreData } from '../../src/ledger/schema.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { baseEnv } from '../telegram/harness.js';

/**
 * The real bot (src/main.ts startBot) over the loopback fakes, with a ledger file seeded BEFORE
 * start and the fake exchange configured before the on-start jobs run; restart() stops the bot
 * and starts a fresh one on the same file and fakes.
 */
export const USER = 111;

export interface LedgerBot {
  tg: FakeTelegram;
  binance: FakeBinance;
  running: RunningBot;
  file: string;
  job(name: string): Job;
  /** send a command and return the text of the bot's answer */
  ask(text: string, match?: RegExp): Promise<string>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface LedgerBotOptions {
  mode: 'paper' | 'live';
  seed?: (d: StoreData, now: number) => void;
  setup?: (fake: FakeBinance) => void;
  env?: Record<string, string>;
}

export async function startLedgerBot(opts: LedgerBotOptions): Promise<LedgerBot> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-ledger-bot-'));
  const file = join(dir, 'store.json');
  const now = Date.now();
  const data = emptyStore(now);
  opts.seed?.(data, now);
  await saveLedger(file, data, { now: () => now });
  const tg = await startFakeTelegram();
  const binance = await startFakeBinance();
  opts.setup?.(binance);
  const env = {
    ...baseEnv(tg, binance, file, [USER]),
    TRADING_MODE: opts.mode,
    LOG_LEVEL: 'silent',
    ...(opts.mode === 'live' ? { BINANCE_API_KEY: binance.apiKey, BINANCE_API_SECRET: binance.apiSecret } : {}),
    ...opts.env,
  };
  const start = async () => {
    const r = await startBot(env, { pollRetryMs: 50, scanOnStart: false });
    await r.launched;
    return r;
  };
  const h: LedgerBot = {
    tg,
    binance,
    running: await start(),
    file,
    job(name) {
      const j = h.running.jobs.find((x) => x.name === name);
      if (!j) throw new Error(`no job ${name}`);
      return j;
    },
    async ask(text, match) {
      const since = tg.calls.length;
      tg.sendText(USER, text);
      // an answer is a message, or a chart whose caption is the text (/pnl)
      const textOf = (c: RecordedCall) => String(c.method === 'sendPhoto' ? c.body.caption : c.body.text);
      const hit = (c: RecordedCall) =>
        (c.method === 'sendMessage' || c.method === 'sendPhoto') && c.error === undefined && c.body.chat_id === USER && (!match || match.test(textOf(c)));
      // a chart's first render starts the renderer's child process: seconds under a loaded machine
      for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
        const call = tg.calls.slice(since).find(hit);
        if (call) return textOf(call);
      }
      throw new Error(`no answer to ${text} matching ${match ?? 'anything'} within 20 s`);
    },
    async restart() {
      await h.running.stop('restart');
      h.running = await start();
    },
    async close() {
      await h.running.stop('test');
      await tg.close();
      await binance.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** The value cell of a `label   value` row inside the answer's <pre> blocks (first match). */
export function row(text: string, label: string): string | undefined {
  for (const line of text.split('\n')) {
    const clean = line.replace(/<[^>]+>/g, '');
    if (clean.startsWith(label)) return clean.slice(label.length).trim();
  }
  return undefined;
}
