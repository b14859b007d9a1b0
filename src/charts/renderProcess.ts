import { setPriority } from 'node:os';
import type { Logger } from '../logger.js';
import { hold, spawnChild, type Child } from './spawnChild.js';
import type { ChartRenderer, ChartSpec, RenderedChart } from './spec.js';

/**
 * Charts are rendered in a child process, so the bot's process never loads ECharts or the resvg
 * native module and all the renderer's memory goes back to the OS when the child exits. The child
 * starts with the first chart, renders one chart at a time (up to `queueMax` more wait in line,
 * beyond that a chart is refused at once), runs at a lower CPU priority than the bot, and exits
 * after `idleMs` without work. A crash, an out-of-memory or a timeout (the child is killed)
 * rejects that render — the caller sends its text alone — and the next render starts a fresh
 * child. close() kills the child and refuses further renders.
 */

export interface ChartProcessOptions {
  /** the child exits after this long without a render (default 60 s) */
  idleMs?: number;
  /** a render that takes longer is rejected and its child killed (default 10 s) */
  timeoutMs?: number;
  /** the child's old-generation heap cap in MB (default 96) */
  heapMb?: number;
  /** renders allowed to wait behind the one in progress (default 8) */
  queueMax?: number;
  /** the child's niceness: it yields the CPU to the bot (default 10) */
  nice?: number;
  logger?: Logger;
  /** called each time a child has exited */
  onExit?: () => void;
}

export interface ChartProcess {
  render: ChartRenderer;
  /** kills the child (a render in progress is rejected); later renders are refused */
  close(): Promise<void>;
  /** the running child's pid, if one runs */
  readonly pid: number | undefined;
  /** children started, the most renders ever handed to a child at once, the children's peak RSS */
  readonly stats: { started: number; maxInFlight: number; childPeakRssMb: number };
}

interface Reply {
  /** base64 */
  png?: string;
  width?: number;
  height?: number;
  error?: string;
  /** the child's peak RSS so far (KB) */
  peakKb?: number;
}

export function chartProcess(opts: ChartProcessOptions = {}): ChartProcess {
  const idleMs = opts.idleMs ?? 60_000;
  const queueMax = opts.queueMax ?? 8;
  const stats = { started: 0, maxInFlight: 0, childPeakRssMb: 0 };
  let child: Child | undefined;
  let idle: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let waiting = 0;
  let closed = false;
  let line: Promise<unknown> = Promise.resolve();

  function start(): Child {
    const c = spawnChild(opts.heapMb ?? 96);
    const { proc } = c;
    stats.started++;
    const killOnExit = () => proc.kill('SIGKILL'); // the bot exits without close(): the child goes too
    process.once('exit', killOnExit);
    proc.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      if (child === c) child = undefined;
      opts.logger?.debug({ pid: proc.pid, code, signal, peakRssMb: stats.childPeakRssMb }, 'chart renderer stopped');
      opts.onExit?.();
    });
    proc.on('error', () => undefined); // a failed spawn or kill; the render in progress sees it too
    try {
      if (proc.pid !== undefined) setPriority(proc.pid, opts.nice ?? 10);
    } catch {
      // not allowed here: the child runs at the bot's priority
    }
    opts.logger?.debug({ pid: proc.pid }, 'chart renderer started');
    return c;
  }

  function stop(c: Child, signal: NodeJS.Signals): void {
    if (child === c) child = undefined;
    c.proc.kill(signal);
  }

  function renderOne(spec: ChartSpec): Promise<RenderedChart> {
    clearTimeout(idle);
    if (closed) return Promise.reject(new Error('chart renderer closed'));
    const timeoutMs = opts.timeoutMs ?? 10_000; // read per render: a caller may change it
    const c = (child ??= start());
    const { proc } = c;
    hold(proc, true);
    stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, reply?: Reply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.off('message', onMessage).off('error', onError).off('exit', onExit);
        inFlight--;
        if (reply?.peakKb) stats.childPeakRssMb = Math.max(stats.childPeakRssMb, Math.round(reply.peakKb / 102.4) / 10);
        if (!reply) return stop(c, 'SIGKILL'), reject(err); // crashed, hung or unreachable: never reused
        hold(proc, false);
        idle = setTimeout(() => stop(c, 'SIGTERM'), idleMs).unref();
        if (err) return reject(err);
        resolve({ png: Buffer.from(reply.png!, 'base64'), width: reply.width!, height: reply.height! });
      };
      const onMessage = (m: Reply) => settle(typeof m.png === 'string' ? undefined : new Error(`chart rendering failed: ${m.error ?? 'no image'}`), m);
      const onError = (err: Error) => settle(err);
      const onExit = (code: number | null, signal: string | null) =>
        settle(new Error(`chart renderer exited (${signal ?? `code ${code}`})${c.crash() ? `: ${c.crash()}` : ''}`));
      const timer = setTimeout(() => settle(new Error(`chart rendering timed out after ${timeoutMs} ms`)), timeoutMs);
      proc.on('message', onMessage).once('error', onError).once('exit', onExit);
      proc.send({ spec }, (err) => err && settle(err));
    });
  }

  return {
    stats,
    get pid() {
      return child?.proc.pid;
    },
    render(spec) {
      if (closed) return Promise.reject(new Error('chart renderer closed'));
      if (waiting >= queueMax) return Promise.reject(new Error(`chart queue full (${queueMax} waiting)`));
      waiting++;
      const out = line.then(() => (waiting--, renderOne(spec))); // one at a time: the next waits for this one
      line = out.catch(() => undefined);
      return out;
    },
    async close() {
      closed = true;
      clearTimeout(idle);
      const c = child;
      child = undefined;
      if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
      const exited = new Promise((r) => c.proc.once('exit', r));
      hold(c.proc, true); // until it has exited and been reaped
      c.proc.kill('SIGKILL'); // it holds nothing worth a graceful stop
      await exited;
    },
  };
}

const shared = chartProcess();

/** the CLI's renderer: one shared child, which exits when idle or with the CLI */
export const renderChart: ChartRenderer = (spec) => shared.render(spec);
