import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startFakeBinance } from '../fakes/binance.js';
import { startFakeTelegram } from '../fakes/telegram.js';
import { runBot } from '../helpers/botProcess.js';
import { exists, running } from '../helpers/pid.js';
import { pngSize } from '../helpers/png.js';
import { baseEnv, startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * The bot's own chart renderer (a child process), end to end: /funding through it, its child
 * gone when the bot stops, when it idles, and when the bot process is killed outright.
 */

const OWNER = 111;

async function fundingPhoto(h: Harness): Promise<void> {
  const photo = h.tg.nextCall('sendPhoto', (c) => c.body.chat_id === OWNER, 30_000);
  h.tg.sendText(OWNER, '/funding SOLUSDT');
  assert.deepEqual(pngSize((await photo).files!.photo!.bytes), { width: 1200, height: 700 });
}

const startedPids = (h: Harness): number[] => h.logs.filter((l) => l.msg === 'chart renderer started').map((l) => Number(l.pid));

describe("the bot's chart renderer process", () => {
  it('/funding is drawn by a child process, which the bot kills and reaps when it stops', async () => {
    const h = await startHarness({ allowed: [OWNER] });
    let pid: number | undefined;
    try {
      await h.running.launched;
      await fundingPhoto(h);
      pid = h.running.charts.pid!;
      assert.deepEqual(startedPids(h), [pid]);
      assert.ok(exists(pid), 'kept warm for the next chart');
    } finally {
      await h.close();
    }
    assert.equal(exists(pid), false, 'no child, not even a zombie, once stop() returned');
  });

  it('the child exits once charts are no longer asked for (idle window), and the next chart starts one', async () => {
    const h = await startHarness({ allowed: [OWNER], timings: { chartIdleMs: 50 } });
    try {
      await h.running.launched;
      await fundingPhoto(h);
      const [first] = startedPids(h);
      await waitUntil(() => !exists(first!), 'the idle child gone', 10_000);
      await fundingPhoto(h);
      assert.equal(startedPids(h).length, 2);
    } finally {
      await h.close();
    }
  });

  it('a bot process killed outright (SIGKILL) takes its renderer child with it', async () => {
    const tg = await startFakeTelegram();
    const binance = await startFakeBinance();
    const dir = await mkdtemp(join(tmpdir(), 'carrybot-charts-'));
    const p = runBot(baseEnv(tg, binance, join(dir, 'store.json'), [OWNER]), dir);
    try {
      await waitUntil(() => p.stdout().includes('connected to Telegram'), 'startup', 15_000);
      const photo = tg.nextCall('sendPhoto', (c) => c.body.chat_id === OWNER, 30_000);
      tg.sendText(OWNER, '/funding SOLUSDT');
      await photo;
      const pid = Number(/"pid":(\d+)[^\n]*"msg":"chart renderer started"/.exec(p.stdout())?.[1]);
      assert.ok(running(pid), 'the renderer child runs');
      p.kill('SIGKILL');
      await p.exit;
      await waitUntil(() => !running(pid), 'the orphaned child exits by itself', 10_000);
    } finally {
      p.kill('SIGKILL');
      await tg.close();
      await binance.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
