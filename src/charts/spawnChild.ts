import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Starting the chart renderer's child process (see renderProcess.ts). */

export interface Child {
  proc: ChildProcess;
  /** why it crashed: the first line of its stderr that names an error */
  crash(): string;
}

/**
 * Compiled, the entry is dist/charts/child.js; under tsx (tests, the CLI, the bench) child.ts
 * with tsx's loader. The child gets no secrets: only PATH and TMPDIR from the environment.
 */
export function spawnChild(heapMb: number): Child {
  const ts = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(ts ? './child.ts' : './child.js', import.meta.url));
  // --expose-gc: the child collects after each chart (child.ts); 1 MB semi-spaces: ~14 MB less RSS, no slower
  const execArgv = [...(ts ? ['--import', import.meta.resolve('tsx')] : []), '--expose-gc', `--max-old-space-size=${heapMb}`, '--max-semi-space-size=1'];
  // one libuv thread: renders are one at a time, and each extra thread would keep a malloc arena
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', UV_THREADPOOL_SIZE: '1' };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  // JSON over the channel, the PNG as base64: 'advanced' serialisation left the bot ~15 MB more RSS after a few hundred charts
  const proc = fork(entry, [], { execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let head = ''; // a crash prints its cause first; the stack trace after it is not kept
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (head = (head + d).slice(0, 4000)));
  const crash = () => {
    const lines = head.split('\n').map((l) => l.trim()).filter(Boolean);
    return (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '').slice(0, 300);
  };
  return { proc, crash };
}

/** while a render runs, the child keeps the bot's process alive (the CLI awaits it); idle, it does not */
export function hold(proc: ChildProcess, on: boolean): void {
  for (const handle of [proc, proc.channel, proc.stderr as Socket | null]) {
    if (on) handle?.ref();
    else handle?.unref();
  }
}
