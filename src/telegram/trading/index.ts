import type { Trading } from '../../trading/index.js';
import type { Feature } from '../context.js';
import { closeCommand } from './close.js';
import { confirmActions } from './confirm.js';
import { openCommand } from './open.js';

export { closeButton, CB as TRADING_CALLBACKS } from './buttons.js';
export { createTradingNotices } from './alerts.js';

declare module '../context.js' {
  interface BotServices {
    /** built in main.ts with createTrading(); /open, /close and the trade: buttons use it */
    trading?: Trading;
  }
}

/** /open, /close and the confirm / cancel / close buttons (callback prefix `trade:`). */
export const tradingFeature: Feature = (bot, deps) => {
  const trading = deps.services.trading;
  if (!trading) throw new Error('tradingFeature needs deps.services.trading (createTrading in main.ts)');
  const ttl = deps.config.confirmTtlSeconds;
  openCommand(bot, trading, ttl);
  closeCommand(bot, trading, ttl);
  confirmActions(bot, trading, deps.notifier);
};
