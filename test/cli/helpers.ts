import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `src/cli/<tool>.ts` in a child process, spawned asynchronously because the fakes answer
 * from this process's event loop. A clean environment: the developer's own settings must not
 * leak in, neither from the shell nor from a ./.env (variables already set, even empty, win over
 * the file; empty = default); never the real Bybit/OKX (venue runs name their fakes).
 */
export function runCli(tool: 'scan' | 'backtest', args: string[], env: Record<string, string>): Promise<CliRun> {
  const base: Record<string, string> = Object.fromEntries(
    ['SYMBOLS', 'MIN_APR', 'EXIT_APR', 'HOLD_DAYS', 'SPOT_TAKER_FEE', 'FUTURES_TAKER_FEE', 'LEVERAGE', 'LOG_LEVEL', 'BINANCE_TESTNET', 'TRADING_MODE'].map((k) => [k, '']),
  );
  base.VENUES = 'binance';
  for (const k of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${tool}.ts`, ...args], { cwd: ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
