import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { chartWorker } from '../../src/charts/offThread.js';
import type { ChartSpec } from '../../src/charts/spec.js';
import type { BotContext } from '../../src/telegram/context.js';
import { replyWithChart } from '../../src/telegram/photo.js';
import { pngSize } from '../helpers/png.js';

const spec = (title = 'BTCUSDT'): ChartSpec => ({
  title,
  locale: 'en',
  x: { kind: 'time' },
  axes: [{ name: 'USDT', digits: 2 }],
  series: [{ name: 'net', kind: 'line', points: [[Date.UTC(2026, 0, 1), 0], [Date.UTC(2026, 0, 2), 12.5]] }],
});

describe('chart worker', () => {
  it('renders in a worker, one chart at a time, all in one worker', async () => {
    const w = chartWorker();
    try {
      const out = await Promise.all(['a', 'b', 'c'].map((t) => w.render(spec(t))));
      for (const o of out) assert.deepEqual(pngSize(o.png), { width: 1200, height: 700 });
      assert.deepEqual(w.stats, { started: 1, maxInFlight: 1 });
    } finally {
      await w.close();
    }
  });

  it('stops the worker after the idle period; the next chart starts a new one', async () => {
    let exited!: () => void;
    const exit = new Promise<void>((r) => (exited = r));
    const w = chartWorker({ idleMs: 20, onExit: () => exited() });
    try {
      await w.render(spec());
      // an idle worker and its timer hold nothing open; a bot's polling would, this stands in for it
      const alive = setInterval(() => {}, 1_000);
      await exit.finally(() => clearInterval(alive)); // never resolves (the test times out) when an idle worker is kept
      await w.render(spec());
      assert.equal(w.stats.started, 2);
    } finally {
      await w.close();
    }
  });

  it('a render that times out is rejected and the next one gets a fresh worker', async () => {
    const opts = { timeoutMs: 1 }; // a worker cannot even load the renderer in 1 ms
    const w = chartWorker(opts);
    try {
      await assert.rejects(w.render(spec()), /timed out/);
      opts.timeoutMs = 60_000;
      assert.deepEqual(pngSize((await w.render(spec())).png), { width: 1200, height: 700 });
      assert.equal(w.stats.started, 2);
    } finally {
      await w.close();
    }
  });

  it('a worker that crashes (out of its heap) rejects the render and the text goes alone', async () => {
    const w = chartWorker({ heapMb: 2 });
    const sent: string[] = [];
    const ctx = {
      log: pino({ level: 'silent' }),
      replyWithPhoto: async () => void sent.push('photo'),
      reply: async (text: string) => void sent.push(text),
    } as unknown as BotContext;
    try {
      await assert.rejects(w.render(spec()), /memory|exited/i);
      await replyWithChart(ctx, { charts: w.render }, 'the answer', () => spec());
      assert.deepEqual(sent, ['the answer']);
      assert.equal(w.stats.started, 2);
    } finally {
      await w.close();
    }
  });
});
