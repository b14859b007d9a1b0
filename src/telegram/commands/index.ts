import type { Feature } from '../context.js';
import { backtestCommand } from './backtest.js';
import { fundingCommand } from './funding.js';
import { helpCommand } from './help.js';
import { langCommand } from './lang.js';
import { pauseCommands } from './pause.js';
import { signalsCommand } from './signals.js';
import { startCommand } from './start.js';

/** The core commands: /start /help /signals /funding /backtest /lang /pause /resume. */
export const coreFeatures: Feature[] = [startCommand, helpCommand, signalsCommand, fundingCommand, backtestCommand, langCommand, pauseCommands];
