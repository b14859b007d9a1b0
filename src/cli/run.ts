import { destination } from 'pino';
import { createBinance, type Binance } from '../binance/index.js';
import { createConfig, loadDotEnv, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { formatScanError } from './table.js';

/**
 * The scaffolding every command-line tool shares: its arguments (a bad one prints the usage and
 * exits 2, --help prints it and exits 0), the config from .env, a logger on stderr that stays
 * quiet unless LOG_LEVEL asks (stdout is the tool's output), a Binance client with no keys
 * (public market data only, so nothing signed can be sent by accident), one error report, and
 * everything closed at the end. The exit code is set rather than exit() called, so a piped stdout
 * drains before the process ends.
 */

export interface CliContext {
  config: Config;
  logger: Logger;
  binance: Binance;
  /** closed with the Binance client when the tool ends, whatever happened */
  onClose(close: () => Promise<unknown>): void;
}

export interface CliTool<A extends { help: boolean }> {
  /** the tool's name, first word of every failure line */
  name: string;
  usage: string;
  parse(argv: readonly string[]): A | { error: string };
  /** the work itself: resolves to the exit code */
  run(args: A, cx: CliContext): Promise<number>;
}

async function main<A extends { help: boolean }>(tool: CliTool<A>): Promise<number> {
  const args = tool.parse(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`${tool.name} failed: ${args.error}\n${tool.usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${tool.usage}\n`);
    return 0;
  }
  let config: Config | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    loadDotEnv();
    config = createConfig(process.env);
    const logger = createLogger({
      level: process.env.LOG_LEVEL ? config.logLevel : 'silent',
      secrets: [config.binance.apiKey, config.binance.apiSecret, config.telegram.token],
      destination: destination(2),
    });
    const binance = createBinance({ spotUrl: config.binance.spotUrl, futuresUrl: config.binance.futuresUrl, logger });
    closers.push(() => binance.close());
    return await tool.run(args, { config, logger, binance, onClose: (close) => closers.push(close) });
  } catch (err) {
    const urls = config ? { spot: config.binance.spotUrl, futures: config.binance.futuresUrl } : { spot: '?', futures: '?' };
    process.stderr.write(`${formatScanError(err, urls).replace(/^scan/, tool.name)}\n`);
    return 1;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

export function runCli<A extends { help: boolean }>(tool: CliTool<A>): void {
  main(tool).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${tool.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
