import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { StateData } from '../../src/ledger/schema.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { runBot } from '../helpers/botProcess.js';
import { baseEnv, waitUntil } from '../telegram/harness.js';
import { crashBeforeIntent, spotFaultSettles, telegramOutage } from './realProcess.js';

/**
 * Fault injection, the process itself (`node src/main.ts`): a SIGKILL right after the store
 * write that records a trade's outcome loses no message (the outbox is in that write); a
 * SIGTERM is obeyed even when nobody reads the process's stdout any more, and right after
 * "connected to Telegram"; Telegram off the network for a full minute during a trade, with the
 * bot's own retry timings, loses nothing and sends nothing twice. The minute runs alongside the
 * other tests of this file (each has its own fakes).
 */

const USER = 111;
const PARTNER = 222;
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;
const readStore = async (file: string): Promise<StateData | undefined> =>
  JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as StateData | undefined;

describe('faults: the process', { concurrency: true }, () => {
  it('Telegram off the network for 60 s from the confirm tap on: both legs fill, the outcome arrives once it is back, once per chat, nothing given up', { timeout: 240_000 }, async () => {
    await telegramOutage(60_000);
  });

  it('spot BUY 503 after the futures fill (default timings): hedged or flat by the bot alone, both users told, /help answered meanwhile', async (t) => {
    const m = await spotFaultSettles();
    t.diagnostic(`naked short lived ${m.nakedMs} ms; /help answered in ${m.helpMs} ms`);
  });

  it('SIGKILL while the confirm re-reads prices (before the intent write): the preview never said "sending", and after the restart nothing was sent and nothing is owed', async () => {
    await crashBeforeIntent();
  });

  it('SIGTERM right after "connected to Telegram" (polling not started yet): exit 0 within the 5 s, every time', async () => {
    await sigtermRightAfterConnected(3);
  });

  // one at a time: these bots poll the same fake Telegram, and a concurrent bot would take the other's updates
  // (a describe inherits its parent's concurrency: true unless told otherwise)
  describe('with shared fakes', { concurrency: false }, sharedFakeTests);
});

/**
 * telegraf throws "Bot is not running" from stop() between getMe ("connected") and the start of
 * polling (deleteWebhook runs in that gap); a slow deleteWebhook makes every SIGTERM land there.
 */
async function sigtermRightAfterConnected(starts: number): Promise<void> {
  const tg = await startFakeTelegram();
  const fake = await startFakeBinance();
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-early-term-'));
  try {
    for (let i = 0; i < starts; i++) {
      tg.inject({ method: 'deleteWebhook', delayMs: 1500 });
      const p = runBot(baseEnv(tg, fake, join(dir, `s${i}.json`), [USER]), dir);
      try {
        await waitUntil(() => p.output().includes('connected to Telegram'), 'startup', 30_000);
        p.kill('SIGTERM');
        const code = await Promise.race([p.exit, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 15_000))]);
        assert.equal(code, 0, `start ${i}: exited 0 after SIGTERM`);
        // the hard exit at 5 s says so on stderr: its absence means the graceful stop finished in time
        assert.doesNotMatch(p.stderr(), /shutdown took longer/, `start ${i}: stopped within the budget`);
        assert.match(p.stdout(), /"msg":"stopped"/);
      } finally {
        p.kill('SIGKILL');
      }
    }
  } finally {
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function sharedFakeTests(): void {
  let tg: FakeTelegram;
  let fake: FakeBinance;
  let dir: string;
  before(async () => {
    tg = await startFakeTelegram();
    fake = await startFakeBinance();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-process-'));
  });
  after(async () => {
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = (dataFile: string, extra: Record<string, string> = {}) => ({
    ...baseEnv(tg, fake, dataFile, [USER, PARTNER]),
    TRADING_MODE: 'live',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.apiSecret,
    LOG_LEVEL: 'info',
    ...extra,
  });

  it('SIGKILL right after the outcome is written: it is delivered after the restart, once per chat', async () => {
    const dataFile = join(dir, 'kill.json');
    const a = runBot(env(dataFile), dir);
    try {
      await waitUntil(() => a.output().includes('connected to Telegram'), 'startup', 20_000);
      const previewCall = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER && c.body.reply_markup !== undefined, 15_000);
      tg.sendText(USER, '/open BTCUSDT 0.01');
      const preview = await previewCall;
      // Telegram takes nothing from now on: the outcome can only be in the store
      tg.inject({ method: /^(sendMessage|editMessageText)$/, status: 502, description: 'Bad Gateway', times: Infinity });
      tg.sendCallback(USER, okData(preview), { messageId: preview.result.message_id });
      // the moment the write with the outcome (and its outbox message) is on disk, the process dies
      const deadline = Date.now() + 20_000;
      let written = false;
      while (!written) {
        assert.ok(Date.now() < deadline, 'the outcome was written');
        const d = await readStore(dataFile);
        written = !!d?.outbox.some((e) => e.sentAt === undefined && (e.event as { outcome?: { kind?: string } }).outcome?.kind === 'opened');
        if (!written) await new Promise((r) => setTimeout(r, 5));
      }
      a.kill('SIGKILL');
      await a.exit;
    } finally {
      a.kill('SIGKILL');
    }
    tg.clearInjections();
    tg.clearCalls();
    const b = runBot(env(dataFile), dir);
    try {
      const ok = (chat: number) => tg.calls.filter((c) => ['sendMessage', 'editMessageText'].includes(c.method) && c.error === undefined && c.body.chat_id === chat && /Opened BTCUSDT/.test(String(c.body.text)));
      await waitUntil(() => ok(USER).length > 0 && ok(PARTNER).length > 0, 'the outcome after the restart', 20_000);
      await waitUntil(() => b.output().includes('connected to Telegram'), 'startup', 20_000);
      b.kill('SIGTERM');
      assert.equal(await b.exit, 0);
      const after = await readStore(dataFile);
      assert.equal(after!.outbox.length, 0, 'delivered, so gone from the outbox (never sent again)');
      assert.equal(ok(USER).length, 1, 'once to the initiator');
      assert.equal(ok(PARTNER).length, 1, 'once to the other user');
    } finally {
      b.kill('SIGKILL');
    }
  });

  it('SIGTERM when nobody reads stdout any more: the process still exits', async () => {
    const dataFile = join(dir, 'pipe.json');
    // stdout is a pipe this test never reads: once its buffer is full, every write would wait
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env(dataFile, { LOG_LEVEL: 'debug' }) },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const polls = () => tg.calls.filter((c) => c.method === 'getUpdates').length;
      const before = polls();
      await waitUntil(() => polls() > before, 'polling', 20_000);
      // a stranger knocking many times: each attempt is logged, far more than a pipe buffer holds
      const STRANGER = 999;
      let last = 0;
      for (let i = 0; i < 3000; i++) last = Number(tg.sendText(STRANGER, `/open BTCUSDT ${i}`).update_id);
      await waitUntil(() => tg.calls.some((c) => c.method === 'getUpdates' && Number(c.body.offset) > last), 'every attempt handled (and logged)', 30_000);
      child.kill('SIGTERM');
      const code = await Promise.race([exit, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 20_000))]);
      assert.equal(code, 0, 'exited after SIGTERM');
    } finally {
      child.kill('SIGKILL');
    }
  });
}
