import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PnlLine, PnlReport } from '../../src/ledger/pnl.js';
import { dec } from '../../src/money.js';
import { createI18n } from '../../src/telegram/i18n.js';
import { renderPnl } from '../../src/telegram/ledger/pnlView.js';

function line(days: number, apr: number): PnlLine {
  const z = dec(0);
  return {
    symbol: 'BTCUSDT', positions: 1, funding: z, fees: dec('13.27'), realizedSpot: z, realizedFutures: z, realized: z,
    unrealizedSpot: z, unrealizedFutures: z, unrealized: z, net: dec('-13.27'), total: dec('-13.27'), capital: dec('8843'), days, apr,
  } as unknown as PnlLine;
}

const report = (l: PnlLine): PnlReport => ({ period: 'all', mode: 'paper', rows: [l], total: l, unattributed: [], unpriced: [] }) as unknown as PnlReport;

test('/pnl does not annualise less than a day of carry into a seven-digit APR', () => {
  const t = createI18n().translator('en');
  const early = renderPnl(t, report(line(0.01, -1_270_343.57)));
  assert.ok(!early.includes('1,270,343'), early);
  assert.match(early, /APR on capital\s+— \(&lt; 1 d\)/);
  const later = renderPnl(t, report(line(3, 12.5)));
  assert.match(later, /APR on capital\s+\+12\.50\s?%/);
});
