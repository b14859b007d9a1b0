import { Worker } from 'node:worker_threads';
import type { ChartRenderer, ChartSpec, RenderedChart } from './spec.js';

/**
 * Charts are rendered in a worker thread so the bot's event loop never builds an SVG and the
 * renderer's memory (ECharts' modules, render garbage, raster buffers) lives in a heap of its own,
 * capped, and given back when the worker stops. The worker starts with the first chart, renders
 * one chart at a time (the rest wait in line), and stops after `idleMs` without work. A crash,
 * an out-of-memory or a timeout rejects that render (the caller sends its text alone) and the
 * next render starts a fresh worker.
 */

export interface ChartWorkerOptions {
  /** stop the worker after this long without a render (default 60 s) */
  idleMs?: number;
  /** a render that takes longer is rejected and its worker stopped (default 10 s) */
  timeoutMs?: number;
  /** the worker's old-generation heap cap in MB (default 96) */
  heapMb?: number;
  /** called each time a worker has exited */
  onExit?: () => void;
}

export interface ChartWorker {
  render: ChartRenderer;
  /** stops the worker now (a render in progress is rejected) */
  close(): Promise<void>;
  /** workers started so far, and the most renders ever handed to a worker at once */
  readonly stats: { started: number; maxInFlight: number };
}

/**
 * Compiled, the entry is dist/charts/worker.js. Under tsx (tests, the CLI, the bench) it is
 * worker.ts, and a worker does not get tsx's loader from `--import tsx`, so a small bootstrap
 * registers it in the worker before importing the entry.
 */
function spawn(resourceLimits: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number }): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { resourceLimits });
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((api) => { api.register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, resourceLimits, execArgv: [] });
}

interface Reply {
  png?: Uint8Array;
  width?: number;
  height?: number;
  error?: string;
}

export function chartWorker(opts: ChartWorkerOptions = {}): ChartWorker {
  const idleMs = opts.idleMs ?? 60_000;
  const resourceLimits = { maxOldGenerationSizeMb: opts.heapMb ?? 96, maxYoungGenerationSizeMb: 8 };
  const stats = { started: 0, maxInFlight: 0 };
  let worker: Worker | undefined;
  let idle: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let line: Promise<unknown> = Promise.resolve();

  function start(): Worker {
    const w = spawn(resourceLimits);
    stats.started++;
    w.once('exit', () => {
      if (worker === w) worker = undefined;
      opts.onExit?.();
    });
    return w;
  }

  function stop(w: Worker): void {
    if (worker === w) worker = undefined;
    void w.terminate();
  }

  function renderOne(spec: ChartSpec): Promise<RenderedChart> {
    clearTimeout(idle);
    const timeoutMs = opts.timeoutMs ?? 10_000; // read per render: a caller may change it
    const w = (worker ??= start());
    w.ref(); // a render in progress keeps the process alive (the CLI awaits it and exits)
    stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
    return new Promise((resolve, reject) => {
      const settle = (err: Error | undefined, reply?: Reply): void => {
        clearTimeout(timer);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
        inFlight--;
        if (err && !reply) return stop(w), reject(err);
        w.unref(); // an idle worker never holds the process open
        idle = setTimeout(() => stop(w), idleMs).unref();
        if (err) return reject(err);
        const png = reply!.png!;
        resolve({ png: Buffer.from(png.buffer, png.byteOffset, png.byteLength), width: reply!.width!, height: reply!.height! });
      };
      const onMessage = (m: Reply) => settle(m.error === undefined ? undefined : new Error(`chart rendering failed: ${m.error}`), m);
      const onError = (err: Error) => settle(err);
      const onExit = (code: number) => settle(new Error(`chart worker exited (code ${code})`));
      const timer = setTimeout(() => settle(new Error(`chart rendering timed out after ${timeoutMs} ms`)), timeoutMs);
      w.on('message', onMessage).once('error', onError).once('exit', onExit);
      w.postMessage({ spec });
    });
  }

  return {
    stats,
    render(spec) {
      const out = line.then(() => renderOne(spec)); // one at a time: the next waits for this one
      line = out.catch(() => undefined);
      return out;
    },
    async close() {
      clearTimeout(idle);
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}

const shared = chartWorker();

/** the bot's and the CLI's renderer: one shared worker */
export const renderChart: ChartRenderer = (spec) => shared.render(spec);

/** stops the shared worker (at shutdown; it also stops by itself when idle) */
export const stopChartWorker = (): Promise<void> => shared.close();
