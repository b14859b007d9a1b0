/**
 * What rendering needs without knowing about Telegram: a reader's Translator and the shape of a
 * message (HTML text, optional inline buttons). Services never send anything themselves: they
 * store events (src/events.ts) in the outbox, and the Telegram layer renders and sends them.
 */

export type Params = Record<string, string | number>;

export interface Translator {
  readonly lang: string;
  /** locale text for `key` ("file.path.to.key"), `{name}` placeholders filled from params (HTML-escaped); plural objects choose by `count` */
  t(key: string, params?: Params): string;
  /** a decimal string/number with grouping, fixed fraction digits, optional forced sign */
  num(value: string | number, digits?: number, opts?: { sign?: boolean }): string;
  /** percent: 12.3456 → "12.35 %"; sign forced when opts.sign */
  pct(value: number, digits?: number, opts?: { sign?: boolean }): string;
  /** USDT amount: "1,234.56 USDT" (sign forced when opts.sign) */
  usdt(value: string | number, opts?: { sign?: boolean; digits?: number }): string;
  /** epoch ms → "14:00 UTC" (date added when not today) */
  time(ms: number, nowMs?: number): string;
  /** epoch ms in the future → "in 2 h 15 min" / "через 2 ч 15 мин" */
  countdown(targetMs: number, nowMs?: number): string;
}

export interface InlineButton {
  text: string;
  /** callback_data (≤ 64 bytes) */
  data: string;
}

export interface OutgoingMessage {
  /** HTML parse mode; every dynamic value already escaped */
  text: string;
  buttons?: InlineButton[][];
}

/** HTML-escape a dynamic value for Telegram's HTML parse mode. */
export function escapeHtml(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
