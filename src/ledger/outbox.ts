import type { Publication } from '../events.js';
import type { OutboxEntry, StateData } from './schema.js';

/**
 * The outbox: messages owed to chats, written in the same store write as what they report and
 * marked sent once Telegram accepted them. The ledger (ledger.ts) is their only caller.
 */

export interface EnqueueOptions {
  now: number;
  newId: () => string;
  /** deliver to this chat by editing this message */
  edit?: { chatId: number; messageId: number };
}

/** Call inside a store change: one entry per chat (each chat once), in the order given. */
export function enqueue(d: StateData, event: { type: string } & object, chats: readonly number[], opts: EnqueueOptions): void {
  for (const chatId of new Set(chats)) {
    const editMessageId = opts.edit && opts.edit.chatId === chatId ? opts.edit.messageId : undefined;
    const entry: OutboxEntry = { id: opts.newId(), chatId, createdAt: opts.now, event: structuredClone(event) as OutboxEntry['event'], attempts: 0 };
    if (editMessageId !== undefined) entry.editMessageId = editMessageId;
    d.outbox.push(entry);
  }
}

let seq = 0;
/** unique within the process and across restarts (time-based prefix) */
export const newMessageId = (): string => `m${Date.now().toString(36)}${(seq++).toString(36)}`;

/** Call inside a store change: each publication to each of its chats, in order. */
export function publishAll(d: StateData, items: readonly Publication[] | undefined, now: number): boolean {
  for (const p of items ?? []) enqueue(d, p.event, p.chats, { now, newId: newMessageId, ...(p.edit ? { edit: p.edit } : {}) });
  return (items?.length ?? 0) > 0;
}

/** The oldest unsent entry of each chat, in outbox order (a chat's later entries wait for it). */
export function nextPerChat(d: StateData): OutboxEntry[] {
  const seen = new Set<number>();
  const out: OutboxEntry[] = [];
  for (const e of d.outbox) {
    if (e.sentAt !== undefined || seen.has(e.chatId)) continue;
    seen.add(e.chatId);
    out.push(e);
  }
  return out;
}

/** Every unsent entry of one chat, oldest first. */
export const queuedFor = (d: StateData, chatId: number): OutboxEntry[] => d.outbox.filter((e) => e.chatId === chatId && e.sentAt === undefined);

/**
 * Once Telegram accepted an entry it leaves the state document (call inside a store change):
 * nothing reads a sent message back, and every kept one would ride along in each later state
 * write (100 trades in an hour made every trade-path write ~160 KB). Entries marked sent by an
 * older version are dropped too.
 */
export function dropSent(d: StateData, id: string): void {
  d.outbox = d.outbox.filter((x) => x.id !== id && x.sentAt === undefined);
}
