/**
 * How services talk to people without knowing about Telegram. A service passes a `Render`
 * callback; the notifier calls it once per recipient with that recipient's Translator, so each
 * user gets the message in their own language, then sends it (HTML, split, retried).
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

export type Render = (t: Translator) => OutgoingMessage;

export interface SendOptions {
  /** critical alerts are retried harder and never dropped for rate limits */
  critical?: boolean;
}

export interface BroadcastOptions extends SendOptions {
  /** user ids left out (e.g. the initiator, who already sees the outcome in the chat) */
  except?: readonly number[];
}

export interface Notifier {
  /** to every allowlisted user (private chat id = user id) */
  broadcast(render: Render, opts?: BroadcastOptions): Promise<void>;
  /** to one chat, rendered in that chat's user language */
  send(chatId: number, render: Render, opts?: SendOptions): Promise<void>;
}

/** HTML-escape a dynamic value for Telegram's HTML parse mode. */
export function escapeHtml(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
