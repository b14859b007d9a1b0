import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { scheduleJob } from '../../src/jobs/schedule.js';
import { createLogger } from '../../src/logger.js';

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

  it('really fires on a cron with a seconds field', async () => {
    const { logger } = capture();
    let fired!: () => void;
    const done = new Promise<void>((r) => (fired = r));
    const job = scheduleJob('sec', '* * * * * *', async () => fired(), { logger });
    await done;
    await job.stop();
  });
});
