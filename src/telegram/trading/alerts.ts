import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Notifier } from '../../notify.js';
import type { RecoveryReport, TradingAlerts } from '../../trading/executor.js';
import { renderOutcome, renderRecovery } from './render.js';

export interface TradingNotices extends TradingAlerts {
  recovered(report: RecoveryReport): Promise<void>;
}

/**
 * Alerts that cannot wait for a reply. Critical ones (a naked short, an order whose fate is
 * unknown, a spot leg that would not sell) go to every allowlisted user AND the chat the trade
 * came from (a group is not in the broadcast list); recovery reports go to that chat.
 */
export function createTradingNotices(deps: { notifier: Notifier; config: Pick<Config, 'mode' | 'telegram'>; logger: Logger }): TradingNotices {
  const { notifier, config } = deps;
  const isUser = (chatId: number) => config.telegram.allowedUsers.includes(chatId);
  return {
    async critical(outcome, ctx) {
      deps.logger.error({ symbol: outcome.symbol, outcome: outcome.kind, chatId: ctx.chatId }, 'critical trading alert');
      const render = (t: Parameters<Parameters<Notifier['broadcast']>[0]>[0]) => ({ text: renderOutcome(t, outcome, config.mode) });
      await notifier.broadcast(render, { critical: true });
      if (!isUser(ctx.chatId)) await notifier.send(ctx.chatId, render, { critical: true });
    },
    async recovered(report) {
      await notifier.send(report.chatId, (t) => ({ text: renderRecovery(t, report, config.mode) }), { critical: true });
    },
  };
}
