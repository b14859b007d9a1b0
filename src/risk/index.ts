import type { Binance } from '../binance/index.js';
import type { Config } from '../config.js';
import type { Audience } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { MarketService } from '../market/types.js';
import type { Closer } from '../trading/closeNow.js';
import { createRiskActions, type RiskActions } from './actions.js';
import { createAutoExit, type AutoExit } from './autoExit.js';
import { createMoveToFutures } from './transfer.js';
import { marginView, type MarginView } from './view.js';
import { createMarginWatch } from './watch.js';

export type * from './actions.js';
export { riskResultOf } from './actions.js';
export type { AutoExitEvent } from './autoExit.js';
export type { MarginView, PositionMargin } from './view.js';
export type { MarginEvent } from './watch.js';


/**
 * The risk guardrails as one service for any transport: the margin picture, the confirm-gated
 * top-up and kill switch, the margin watch (alerts, automatic top-up) and the automatic exit.
 * Each scheduled run (`watch`, `runDueExits`) is serialised with itself, so a scan and the
 * income tick never alert or move money twice for the same crossing; a slow alert never holds
 * up a due exit.
 */
export interface Risk extends RiskActions {
  view(): Promise<MarginView>;
  /** margin alerts and automatic top-ups (told to everyone through the outbox) */
  watch(): Promise<void>;
  /** closes positions whose automatic exit is due (told to everyone through the outbox) */
  runDueExits(): Promise<void>;
  autoExit: Pick<AutoExit, 'minutesFor' | 'alerted' | 'keep'>;
}

export interface RiskDeps {
  config: Pick<Config, 'mode' | 'leverage' | 'marginAlertPct' | 'autoTopupUsdt' | 'autoExitMinutes' | 'paperFuturesUsdt' | 'confirmTtlSeconds' | 'telegram'>;
  ledger: Ledger;
  /** who the alerts and the automatic actions' reports go to */
  audience: Audience;
  market: Pick<MarketService, 'symbol'>;
  /** live: the futures account, positionRisk, ADL, spot balances and the transfer */
  binance?: Pick<Binance, 'spot' | 'futures' | 'margin'>;
  closer: Closer;
  /** the trading queue (a manual move runs on it, one at a time with trades) */
  queue?: <T>(fn: () => Promise<T>) => Promise<T>;
  logger: Logger;
  now: () => number;
  isStopping?: () => boolean;
}

export function createRisk(deps: RiskDeps): Risk {
  const { config, ledger, logger, now, audience } = deps;
  const binance = config.mode === 'live' ? deps.binance : undefined;
  const view = () => marginView({ config, ledger, market: deps.market, binance, logger });
  const move = createMoveToFutures({ config, ledger, binance, now });
  const actions = createRiskActions({ config, ledger, audience, view, move, closer: deps.closer, ...(deps.queue ? { queue: deps.queue } : {}), logger, now });
  const watcher = createMarginWatch({ config, ledger, audience, view, move, logger, now });
  const autoExit = createAutoExit({ config, ledger, audience, closer: deps.closer, logger, now, isStopping: deps.isStopping });

  const watchOne = serialised();
  const exitOne = serialised();

  return {
    ...actions,
    view,
    watch: () => watchOne(async () => void (await watcher.check())),
    runDueExits: () => exitOne(async () => void (await autoExit.runDue())),
    autoExit,
  };
}

/** runs the functions it is given one at a time, in call order */
function serialised(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  };
}
