import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface BotProcess {
  /** exit code (null when killed by a signal) */
  exit: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they arrived */
  output(): string;
  kill(sig: NodeJS.Signals): void;
}

/**
 * The real entry point as `npm start` runs it (through tsx instead of a tsc build), with only
 * PATH, HOME and the given variables in its environment, so nothing from the test runner's
 * environment leaks into the bot's configuration.
 */
export function runBot(env: Record<string, string>, cwd: string): BotProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', VENUES: 'binance', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let all = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    all += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exit, stdout: () => out, stderr: () => err, output: () => all, kill: (sig) => void child.kill(sig) };
}
