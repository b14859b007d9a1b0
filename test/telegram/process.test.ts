import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { runBot as run } from '../helpers/botProcess.js';
import { baseEnv, startHarness, waitUntil } from './harness.js';




describe('the bot process (node src/main.ts)', () => {
  let tg: FakeTelegram;
  let binance: FakeBinance;
  let dir: string;
  before(async () => {
    tg = await startFakeTelegram();
    binance = await startFakeBinance();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-proc-'));
  });
  after(async () => {
    await tg.close();
    await binance.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts, answers, and exits 0 on SIGTERM', async () => {
    const dataFile = join(dir, 'ok.json');
    const p = run(baseEnv(tg, binance, dataFile, [111]), dir);
    try {
      await waitUntil(() => p.stdout().includes('connected to Telegram'), 'startup', 10_000);
      assert.match(p.stdout(), /"mode":"PAPER".*"allowedUsers":1.*"signalCron":"0 0 1 1 \*"/);
      assert.ok(!p.stdout().includes(tg.token), 'token never logged');
      // the start-up scan may push signals first: the answer is the message with the commands
      const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === 111 && /Commands/.test(String(c.body.text)), 10_000);
      tg.sendText(111, '/help');
      assert.match(String((await reply).body.text), /Commands/);
      p.kill('SIGTERM');
      assert.equal(await p.exit, 0);
      assert.match(p.stdout(), /"msg":"stopped"/);
      JSON.parse(await readFile(dataFile, 'utf8'));
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('refuses a corrupt DATA_FILE with a clear message, exit 1, file untouched', async () => {
    const dataFile = join(dir, 'corrupt.json');
    const garbage = '{"version": 1, "users": [oops';
    await writeFile(dataFile, garbage);
    const p = run(baseEnv(tg, binance, dataFile, [111]), dir);
    assert.equal(await p.exit, 1);
    assert.match(p.stderr(), /cannot start — the store .*corrupt\.json is not valid JSON.*left untouched/);
    assert.equal(await readFile(dataFile, 'utf8'), garbage);
  });

  it('lists every configuration problem and exits 1', async () => {
    const env = { ...baseEnv(tg, binance, join(dir, 'cfg.json'), [111]), TELEGRAM_BOT_TOKEN: '', MIN_APR: 'lots' };
    const p = run(env, dir);
    assert.equal(await p.exit, 1);
    assert.match(p.stderr(), /TELEGRAM_BOT_TOKEN is required/);
    assert.match(p.stderr(), /MIN_APR must be/);
  });
});

describe('polling conflicts', () => {
  it('a 409 from getUpdates is logged as another instance, then polling recovers', async () => {
    const h = await startHarness({
      allowed: [111],
      beforeStart: (tg) => tg.inject({ method: 'getUpdates', status: 409, times: 2 }),
    });
    try {
      await waitUntil(() => h.logs.filter((l) => /another instance is polling this token/.test(String(l.msg))).length >= 2, '409 logs');
      const conflict = h.logs.find((l) => /another instance/.test(String(l.msg)))!;
      assert.equal(conflict.level, 50, 'logged at error');
      const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === 111);
      h.tg.sendText(111, '/help');
      assert.match(String((await reply).body.text), /Commands/);
    } finally {
      await h.close();
    }
  });

  it('a rejected token (401) is fatal: done rejects, nothing retries forever', async () => {
    const h = await startHarness({ allowed: [111], env: { TELEGRAM_BOT_TOKEN: '42:wrongTokenWrongTokenWrongToken_0000' } });
    try {
      await assert.rejects(h.running.done, /rejected the bot token/);
      assert.ok(h.logs.some((l) => l.level === 60 && /rejected the bot token/.test(String(l.msg))));
    } finally {
      await h.close();
    }
  });

  it('an empty allowlist starts, warns loudly, executes nothing and tells senders their id', async () => {
    const h = await startHarness({ allowed: [] });
    try {
      assert.ok(h.logs.some((l) => (l.level as number) >= 50 && /TELEGRAM_ALLOWED_USERS is EMPTY/.test(String(l.msg))));
      const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === 42);
      h.tg.sendText(42, '/pause');
      assert.match(String((await reply).body.text), /<code>42<\/code>/);
      assert.equal(h.running.deps.ledger.snapshot().paused, false);
      await h.running.jobs[0]!.runNow();
      assert.equal(h.tg.sentTexts().length, 1, 'no pushes to anyone');
    } finally {
      await h.close();
    }
  });
});
