import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[REDACTED]';

/** Keys whose values are secrets wherever they appear in a logged object. */
const SECRET_KEYS = /^(x-mbx-apikey|apikey|api_key|apisecret|api_secret|secret|token|bottoken|signature|authorization|password)$/i;

/** Patterns that carry secrets inside strings: signed query strings and Bot API URLs. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(signature=)[0-9a-fA-F]+/g, `$1${REDACTED}`],
  [/(\/bot)\d+:[A-Za-z0-9_-]+/g, `$1${REDACTED}`],
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, REDACTED],
];

export interface Scrubber {
  (value: unknown): unknown;
  text(s: string): string;
}

/**
 * Builds a function that removes secrets from any value: known secret strings (the configured
 * token, key and secret) and the patterns above, in strings, nested objects and errors.
 */
export function createScrubber(secrets: Array<string | undefined>): Scrubber {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const text = (s: string): string => {
    let out = s;
    for (const k of known) out = out.split(k).join(REDACTED);
    for (const [re, rep] of SECRET_PATTERNS) out = out.replace(re, rep);
    return out;
  };
  const walk = (v: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object' || depth > 8) return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (v instanceof Error) return walk(stdSerializers.err(v), depth + 1, seen);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      out[k] = SECRET_KEYS.test(k) && val !== undefined && val !== null ? REDACTED : walk(val, depth + 1, seen);
    }
    return out;
  };
  const scrub = ((v: unknown) => walk(v, 0, new WeakSet())) as Scrubber;
  scrub.text = text;
  return scrub;
}

export interface LoggerOptions {
  level?: string;
  /** secret values to strip from every log line (token, API key, API secret) */
  secrets?: Array<string | undefined>;
  destination?: DestinationStream;
}

/** pino with every log record (message, merged object, errors) passed through the scrubber. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const scrub = createScrubber(opts.secrets ?? []);
  const options = {
    level: opts.level ?? 'info',
    base: { app: 'carrybot' },
    serializers: { err: (e: unknown) => scrub(e) },
    formatters: {
      log: (obj: Record<string, unknown>) => scrub(obj) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrub.text(a) : a)),
        );
      },
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
