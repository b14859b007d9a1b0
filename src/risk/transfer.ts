import { randomBytes } from 'node:crypto';
import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Publication } from '../events.js';
import { toPlain, type Decimal } from '../money.js';

/**
 * One spot → USDⓈ-M futures move, by hand or by the bot: live sends the transfer and records
 * Binance's tranId; paper records a simulated move, which the paper wallet then includes.
 * The ledger entry is written after Binance confirmed, so a refused move is never counted.
 */

export interface MoveBy {
  auto: boolean;
  userId?: number;
  symbol?: string;
  /** what the recorded move tells people: stored in the outbox in the transfer's own write */
  publish?: readonly Publication[];
}

export type MoveToFutures = (amount: Decimal, by: MoveBy) => Promise<{ tranId?: string }>;

export function createMoveToFutures(deps: {
  config: Pick<Config, 'mode'>;
  ledger: Ledger;
  binance?: Pick<Binance, 'margin'>;
  now: () => number;
}): MoveToFutures {
  const { config, ledger, now } = deps;
  return async (amount, by) => {
    const plain = toPlain(amount);
    let tranId: string | undefined;
    if (config.mode === 'live') {
      if (!deps.binance) throw new Error('live transfers need the Binance client');
      tranId = (await deps.binance.margin.transferToFutures(plain)).tranId;
    }
    await ledger.recordTransfer({
      id: `${now().toString(36)}${randomBytes(3).toString('hex')}`,
      time: now(),
      mode: config.mode,
      amount: plain,
      auto: by.auto,
      ...(by.userId !== undefined ? { userId: by.userId } : {}),
      ...(by.symbol ? { symbol: by.symbol } : {}),
      ...(tranId ? { tranId } : {}),
    }, by.publish);
    return tranId ? { tranId } : {};
  };
}
