import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 hex of `payload` keyed by `secret`: Binance's SIGNED scheme. The payload must be
 * byte-for-byte the query string (plus body) that goes on the wire, in the same order.
 */
export function signPayload(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}
