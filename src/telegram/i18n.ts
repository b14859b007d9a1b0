import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml, type Params, type Translator } from '../notify.js';

/**
 * Locale loading and formatting.
 *
 * Layout: `locales/<lang>/<namespace>.json`. Every file of a language is merged with its keys
 * prefixed by the file name: `locales/en/core.json` `{ "help": { "title": "…" } }` → key
 * `core.help.title`. Each module owns its own namespace file (core, trading, ledger…).
 *
 * Text rules:
 * - `{name}` is filled from params. Values are HTML-escaped, EXCEPT params whose name ends in
 *   `Html` (e.g. `{tableHtml}`), which the caller has already built from escaped parts.
 * - A plural leaf is an object with `other` plus any of zero/one/two/few/many; the form is
 *   chosen by Intl.PluralRules of the language from the `count` param.
 * - A missing key falls back to the default language, then to the key itself (never throws).
 */

/** src/telegram → project root; also right from dist/telegram. */
export const DEFAULT_LOCALES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'locales');

const PLURAL_FORMS = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

export type PluralLeaf = Partial<Record<'zero' | 'one' | 'two' | 'few' | 'many', string>> & { other: string };
export type Leaf = string | PluralLeaf;
/** flattened keys → leaf, per language */
export type Catalog = Map<string, Leaf>;

export function isPluralLeaf(v: unknown): v is PluralLeaf {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.includes('other') && keys.every((k) => PLURAL_FORMS.has(k) && typeof (v as Record<string, unknown>)[k] === 'string');
}

function flatten(prefix: string, value: unknown, out: Catalog, file: string): void {
  if (typeof value === 'string' || isPluralLeaf(value)) {
    out.set(prefix, value);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: "${prefix}" must be a string, a plural object or a nested object`);
  }
  for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v, out, file);
}

/** Reads every `<dir>/<lang>/*.json`. Throws with the file name on bad JSON. */
export function loadCatalogs(dir = DEFAULT_LOCALES_DIR): Map<string, Catalog> {
  const result = new Map<string, Catalog>();
  if (!existsSync(dir)) throw new Error(`locales directory not found: ${dir}`);
  for (const lang of readdirSync(dir).sort()) {
    const langDir = join(dir, lang);
    if (!statSync(langDir).isDirectory()) continue;
    const catalog: Catalog = new Map();
    for (const name of readdirSync(langDir).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = join(langDir, name);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
      }
      flatten(name.slice(0, -'.json'.length), json, catalog, file);
    }
    result.set(lang, catalog);
  }
  return result;
}

/** Language directories under `dir` (no JSON parsing), for config validation of LOCALE. */
export function listLanguages(dir = DEFAULT_LOCALES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** `{name}` placeholders of a leaf (all plural forms together). */
export function placeholders(leaf: Leaf): string[] {
  const texts = typeof leaf === 'string' ? [leaf] : Object.values(leaf);
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\{(\w+)\}/g)) names.add(m[1]!);
  return [...names].sort();
}

export interface I18n {
  /** languages found under locales/, e.g. ['en', 'ru'] */
  readonly languages: readonly string[];
  readonly defaultLang: string;
  /** a Translator for `lang` (unknown → default) */
  translator(lang: string | undefined): Translator;
  /** maps a Telegram language_code ('ru', 'ru-RU', 'en-GB'…) to a supported language, else default */
  fromTelegram(code: string | undefined): string;
  has(lang: string): boolean;
  /** true when `key` exists in `lang` or the default language */
  hasKey(key: string, lang?: string): boolean;
}

export interface I18nOptions {
  dir?: string;
  defaultLang?: string;
  /** clock for time()/countdown() when no now is passed */
  now?: () => number;
}

export function createI18n(opts: I18nOptions = {}): I18n {
  const catalogs = loadCatalogs(opts.dir);
  const languages = [...catalogs.keys()];
  const defaultLang = opts.defaultLang && catalogs.has(opts.defaultLang) ? opts.defaultLang : 'en';
  const clock = opts.now ?? Date.now;
  const cache = new Map<string, Translator>();

  const has = (lang: string) => catalogs.has(lang);
  const translator = (lang: string | undefined): Translator => {
    const l = lang && catalogs.has(lang) ? lang : defaultLang;
    let tr = cache.get(l);
    if (!tr) {
      tr = createTranslator(l, catalogs.get(l)!, catalogs.get(defaultLang) ?? new Map(), clock);
      cache.set(l, tr);
    }
    return tr;
  };
  const fromTelegram = (code: string | undefined) => {
    const base = (code ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
    return catalogs.has(base) ? base : defaultLang;
  };
  const hasKey = (key: string, lang?: string) =>
    !!(lang && catalogs.get(lang)?.has(key)) || !!catalogs.get(defaultLang)?.has(key);
  return { languages, defaultLang, translator, fromTelegram, has, hasKey };
}

function fill(text: string, params: Params | undefined): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return name.endsWith('Html') ? String(v) : escapeHtml(v);
  });
}

function createTranslator(lang: string, catalog: Catalog, fallback: Catalog, clock: () => number): Translator {
  const plural = new Intl.PluralRules(lang);
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const nf = (digits: number, sign: boolean) => {
    const k = `${digits}:${sign}`;
    let f = numberFormats.get(k);
    if (!f) {
      f = new Intl.NumberFormat(lang, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
        signDisplay: sign ? 'exceptZero' : 'auto',
      });
      numberFormats.set(k, f);
    }
    return f;
  };
  const hm = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
  const dayMonth = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' });

  const t = (key: string, params?: Params): string => {
    const leaf = catalog.get(key) ?? fallback.get(key);
    if (leaf === undefined) return escapeHtml(key);
    if (typeof leaf === 'string') return fill(leaf, params);
    const count = Number(params?.count ?? 0);
    const form = plural.select(count) as keyof PluralLeaf;
    return fill(leaf[form] ?? leaf.other, params);
  };

  const num = (value: string | number, digits = 2, opts: { sign?: boolean } = {}): string => {
    // Intl accepts decimal strings exactly (no binary rounding of what the store holds).
    const v = typeof value === 'string' ? value.trim() : value;
    if (typeof v === 'number' && !Number.isFinite(v)) return '—';
    if (typeof v === 'string' && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) return '—';
    return nf(digits, !!opts.sign).format(v as unknown as number);
  };

  const pctSep = lang === 'en' ? '' : '\u00a0';
  const pct = (value: number, digits = 2, opts: { sign?: boolean } = {}) => `${num(value, digits, opts)}${pctSep}%`;
  const usdt = (value: string | number, opts: { sign?: boolean; digits?: number } = {}) =>
    `${num(value, opts.digits ?? 2, { sign: opts.sign })}\u00a0USDT`;

  const time = (ms: number, nowMs = clock()) => {
    const sameDay = Math.floor(ms / 86_400_000) === Math.floor(nowMs / 86_400_000);
    const clockText = `${hm.format(ms)} UTC`;
    return sameDay ? clockText : `${dayMonth.format(ms)} ${clockText}`;
  };

  const span = (ms: number): string => {
    const totalMin = Math.floor(ms / 60_000);
    const d = Math.floor(totalMin / 1440);
    const h = Math.floor((totalMin % 1440) / 60);
    const m = totalMin % 60;
    const parts: string[] = [];
    if (d) parts.push(t('core.time.d', { n: d }));
    if (h) parts.push(t('core.time.h', { n: h }));
    if (m && !d) parts.push(t('core.time.min', { n: m }));
    if (!parts.length) parts.push(t('core.time.lessThanMin'));
    return parts.join(' ');
  };

  const countdown = (targetMs: number, nowMs = clock()) => {
    const diff = targetMs - nowMs;
    if (Math.abs(diff) < 30_000) return t('core.time.now');
    return diff > 0 ? t('core.time.in', { span: span(diff) }) : t('core.time.ago', { span: span(-diff) });
  };

  return { lang, t, num, pct, usdt, time, countdown };
}
