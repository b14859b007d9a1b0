import { UserError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { CloseOutcome, Executor } from './executor.js';
import type { ExchangePort } from './port.js';
import { spotStepOf, spotMinOf } from './service.js';

/**
 * Closing without a per-position preview, for the kill switch (`/close all`, after its own
 * confirm) and the automatic exit: the same executor close as `/close` — the intent written
 * first, the futures BUY reduce-only, then the spot SELL of what is held — minus the 1 %
 * price re-check, which would stop an exit exactly when prices move fast.
 */

export interface Closer {
  (positionId: string, by: { userId: number; chatId: number }): Promise<CloseOutcome>;
}

export function createCloser(deps: { ledger: Ledger; port: ExchangePort; executor: Executor }): Closer {
  const { ledger, port, executor } = deps;
  return async (positionId, by) => {
    const pos = ledger.position(positionId);
    if (!pos) throw new UserError('trading.error.no_position', { symbol: '—' });
    const rules = await port.rules(pos.symbol);
    // live: never sell more than is held (a lost base-asset commission leaves the ledger above it)
    const spotAvailable = port.spotFree ? await port.spotFree(pos.baseAsset) : undefined;
    return executor.close({
      positionId,
      spotStep: rules.spot ? spotStepOf(rules.spot) : '0',
      spotMinQty: rules.spot ? spotMinOf(rules.spot) : '0',
      ...(spotAvailable !== undefined ? { spotAvailable } : {}),
      userId: by.userId,
      chatId: by.chatId,
    });
  };
}
