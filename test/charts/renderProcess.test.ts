import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { chartProcess } from '../../src/charts/renderProcess.js';
import type { ChartSpec } from '../../src/charts/spec.js';
import type { BotContext } from '../../src/telegram/context.js';
import { replyWithChart } from '../../src/telegram/photo.js';
import { exists } from '../helpers/pid.js';
import { pngSize } from '../helpers/png.js';
import { waitUntil } from '../telegram/harness.js';

const T0 = Date.UTC(2026, 0, 1);
const spec = (title = 'BTCUSDT', points = 2): ChartSpec => ({
  title,
  locale: 'en',
  x: { kind: 'time' },
  axes: [{ name: 'USDT', digits: 2 }],
  series: [{ name: 'net', kind: 'line', points: Array.from({ length: points }, (_, i) => [T0 + i * 60_000, Math.sin(i / 20)]) }],
});

/** a chat context that records what the user was sent */
function chat(sent: string[]): BotContext {
  return {
    log: pino({ level: 'silent' }),
    replyWithPhoto: async () => void sent.push('photo'),
    reply: async (text: string) => void sent.push(text),
  } as unknown as BotContext;
}

describe('chart renderer process', () => {
  it('renders in one child process, one chart at a time; close() leaves no child behind', async () => {
    const p = chartProcess();
    try {
      const out = await Promise.all(['a', 'b', 'c'].map((t) => p.render(spec(t))));
      for (const o of out) assert.deepEqual(pngSize(o.png), { width: 1200, height: 700 });
      assert.deepEqual({ started: p.stats.started, maxInFlight: p.stats.maxInFlight }, { started: 1, maxInFlight: 1 });
      assert.ok(p.stats.childPeakRssMb > 0, 'the child reports its peak RSS');
      assert.equal(getPriority(p.pid!), 10, 'it yields the CPU to the bot');
    } finally {
      const pid = p.pid!;
      assert.ok(exists(pid));
      await p.close();
      assert.equal(exists(pid), false, 'killed and reaped');
    }
    await assert.rejects(p.render(spec()), /closed/, 'no new child after close()');
    assert.equal(p.pid, undefined);
  });

  it('the child gets no secrets from the environment', async () => {
    const p = chartProcess();
    process.env.CARRYBOT_TEST_SECRET = 'do-not-leak';
    try {
      await p.render(spec());
      assert.doesNotMatch(readFileSync(`/proc/${p.pid}/environ`, 'utf8'), /do-not-leak/);
    } finally {
      delete process.env.CARRYBOT_TEST_SECRET;
      await p.close();
    }
  });

  it('the child exits after the idle period; the next chart starts a new one', async () => {
    let exited!: () => void;
    const exit = new Promise<void>((r) => (exited = r));
    const p = chartProcess({ idleMs: 20, onExit: () => exited() });
    try {
      await p.render(spec());
      const pid = p.pid!;
      // an idle child and its timer hold nothing open; a bot's polling would, this stands in for it
      const alive = setInterval(() => {}, 1_000);
      await exit.finally(() => clearInterval(alive)); // never resolves (the test times out) when an idle child is kept
      assert.equal(exists(pid), false, 'gone, its memory returned');
      assert.equal(p.pid, undefined);
      await p.render(spec());
      assert.equal(p.stats.started, 2);
    } finally {
      await p.close();
    }
  });

  it('a render that times out is rejected, its child killed, and the next one gets a fresh child', async () => {
    const opts = { timeoutMs: 1 }; // a child cannot even start in 1 ms
    const p = chartProcess(opts);
    try {
      const first = p.render(spec());
      await tick();
      const pid = p.pid!;
      await assert.rejects(first, /timed out/);
      await waitUntil(() => !exists(pid), 'the hung child killed');
      opts.timeoutMs = 60_000;
      assert.deepEqual(pngSize((await p.render(spec())).png), { width: 1200, height: 700 });
      assert.equal(p.stats.started, 2);
    } finally {
      await p.close();
    }
  });

  it('a child killed mid-render: that chart is lost, its text goes alone, the next chart gets a fresh child', async () => {
    const p = chartProcess();
    const sent: string[] = [];
    try {
      await p.render(spec()); // warm: the child is up
      const pid = p.pid!;
      const answer = replyWithChart(chat(sent), { charts: p.render }, 'the answer', () => spec('big', 100_000));
      await tick(); // the spec is on its way; 100,000 points take the child far longer than this
      process.kill(pid, 'SIGKILL');
      await answer;
      assert.deepEqual(sent, ['the answer']);
      await replyWithChart(chat(sent), { charts: p.render }, 'next', () => spec());
      assert.deepEqual(sent, ['the answer', 'photo']);
      assert.equal(p.stats.started, 2);
    } finally {
      await p.close();
    }
  });

  it('a child that runs out of its heap rejects the render with its error, and the text goes alone', async () => {
    const p = chartProcess({ heapMb: 4 });
    const sent: string[] = [];
    try {
      await assert.rejects(p.render(spec()), /exited.*(memory|heap)/is);
      await replyWithChart(chat(sent), { charts: p.render }, 'the answer', () => spec());
      assert.deepEqual(sent, ['the answer']);
      assert.equal(p.stats.started, 2);
    } finally {
      await p.close();
    }
  });

  it('charts wait in a bounded line: beyond it one is refused at once', async () => {
    const p = chartProcess({ queueMax: 1 });
    try {
      const a = p.render(spec('a'));
      await tick(); // a is in progress
      const b = p.render(spec('b'));
      await assert.rejects(p.render(spec('c')), /queue full/);
      assert.equal((await a).width, 1200);
      assert.equal((await b).width, 1200);
      assert.equal((await p.render(spec('d'))).width, 1200, 'room again once the line moved');
    } finally {
      await p.close();
    }
  });
});
