import type { Feature } from '../context.js';
import { closeCommand } from './close.js';
import { confirmActions } from './confirm.js';
import { openCommand } from './open.js';

export { closeButton, CB as TRADING_CALLBACKS } from './buttons.js';

/** /open, /close and the confirm / cancel / close buttons (callback prefix `trade:`). */
export const tradingFeature: Feature = (bot, deps) => {
  const { trading } = deps;
  const ttl = deps.config.confirmTtlSeconds;
  openCommand(bot, trading, ttl);
  closeCommand(bot, trading, ttl);
  confirmActions(bot, trading, deps.editsInFlight);
};
