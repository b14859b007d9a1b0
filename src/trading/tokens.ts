import { randomBytes } from 'node:crypto';

/**
 * Confirm tokens: the callback data of a confirm button is an opaque random token; the action
 * lives here with the initiating user and an expiry. Only that user can use it, and only once.
 */

/** url-safe, 16 chars: `<prefix>:ok:<token>` stays far below Telegram's 64-byte callback_data */
export const newToken = (): string => randomBytes(12).toString('base64url');

export interface Pendable {
  userId: number;
  expiresAt: number;
}

export interface ConfirmTokens<T extends Pendable> {
  remember(p: T): string;
  /** takes the token out (it works once) if it is live and the tapper's own */
  claim(token: string, userId: number): T | 'expired' | 'not_yours';
}

export function createConfirmTokens<T extends Pendable>(now: () => number): ConfirmTokens<T> {
  const pending = new Map<string, T>();
  function sweep(): void {
    const t = now();
    for (const [k, p] of pending) if (p.expiresAt < t) pending.delete(k);
  }
  return {
    remember(p) {
      sweep();
      const token = newToken();
      pending.set(token, p);
      return token;
    },
    claim(token, userId) {
      const p = pending.get(token);
      if (!p) return 'expired';
      if (p.expiresAt < now()) {
        pending.delete(token);
        return 'expired';
      }
      if (p.userId !== userId) return 'not_yours';
      pending.delete(token);
      return p;
    },
  };
}
