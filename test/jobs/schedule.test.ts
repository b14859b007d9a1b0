import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { scheduleJob } from '../../src/jobs/schedule.js';
import { createLogger } from '../../src/logger.js';
import { startHarness, waitUntil } from '../telegram/harness.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(c: Buffer, _e, cb) {
        for (const l of c.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  });
  return { logger, lines };
}

describe('scheduleJob', () => {
  it('never overlaps: a tick while one runs is skipped with a debug log', async () => {
    const { logger, lines } = capture();
    let runs = 0;
    let release!: () => void;
    const job = scheduleJob('slow', '* * * * *', async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    }, { logger, manual: true });
    const first = job.runNow();
    assert.equal(job.busy(), true);
    const second = job.runNow();
    assert.equal(runs, 1);
    assert.ok(lines.some((l) => l.job === 'slow' && l.level === 20 && /skipped/.test(String(l.msg))));
    release();
    await Promise.all([first, second]);
    assert.equal(job.busy(), false);
    const third = job.runNow();
    release();
    await third;
    await job.stop();
    assert.equal(runs, 2);
  });

  it('a failing tick is logged and does not stop the next; stop() ends it', async () => {
    const { logger, lines } = capture();
    let n = 0;
    const job = scheduleJob('flaky', '* * * * * *', async () => {
      n++;
      if (n === 1) throw new Error('boom');
    }, { logger, manual: true });
    await job.runNow();
    assert.ok(lines.some((l) => l.job === 'flaky' && l.level === 50));
    await job.runNow();
    assert.equal(n, 2);
    await job.stop();
    await job.runNow();
    assert.equal(n, 2, 'no ticks after stop');
  });

  it('stop(waitMs) waits for the tick in flight at most waitMs, then logs and returns', async () => {
    const { logger, lines } = capture();
    let release!: () => void;
    const job = scheduleJob('stuck', '* * * * *', () => new Promise<void>((r) => (release = r)), { logger, manual: true });
    const tick = job.runNow();
    const started = Date.now();
    await job.stop(100);
    const waited = Date.now() - started;
    assert.ok(waited >= 90 && waited < 1000, `waited ${waited} ms`);
    assert.ok(lines.some((l) => l.job === 'stuck' && l.level === 40 && /still running/.test(String(l.msg))));
    release();
    await tick;

    // without a bound, or when the tick ends in time, stop() still waits for it
    const quick = scheduleJob('quick', '* * * * *', () => new Promise<void>((r) => setTimeout(r, 50)), { logger, manual: true });
    let ended = false;
    void quick.runNow().then(() => (ended = true));
    await quick.stop(5000);
    assert.equal(ended, true);
  });

  it('the bot stops within the 5 s contract while a job tick hangs (SIGTERM path)', async () => {
    // premiumIndex never answers: the signal tick sits in the request (5 s timeout, then retries)
    const h = await startHarness({ beforeStart: (_tg, binance) => void binance.inject('/fapi/v1/premiumIndex', 'hang', { times: Infinity }) });
    try {
      const job = h.running.jobs[0]!;
      void job.runNow();
      await waitUntil(() => h.binance.requests.some((r) => r.path === '/fapi/v1/premiumIndex'), 'the hung scan');
      assert.equal(job.busy(), true);
      const started = Date.now();
      await h.running.stop('test');
      const took = Date.now() - started;
      assert.ok(took < 4000, `stop() took ${took} ms`);
      assert.ok(h.logs.some((l) => l.job === 'signals' && /still running/.test(String(l.msg))), 'the abandoned tick is logged');
    } finally {
      await h.close();
    }
  });

  it('really fires on a cron with a seconds field', async () => {
    const { logger } = capture();
    let fired!: () => void;
    const done = new Promise<void>((r) => (fired = r));
    const job = scheduleJob('sec', '* * * * * *', async () => fired(), { logger });
    await done;
    await job.stop();
  });
});
