import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorText, signalRow, type DomainEvent, type RiskNotice } from '../../src/events.js';
import type { ExitCondition } from '../../src/market/signals.js';
import type { SymbolSignal } from '../../src/market/types.js';
import type { CloseOutcome } from '../../src/trading/executorTypes.js';
import { renderDomainEvent } from '../../src/telegram/events.js';
import { createI18n } from '../../src/telegram/i18n.js';
import * as c from '../fixtures/pushes/cases.js';

/**
 * Every push kind, stored as an outbox event and rendered at send time, reads exactly as the
 * bot's pushes did when services rendered them themselves: `expected.json` holds those texts
 * and buttons, in English and Russian, recorded from the earlier renderers over `cases.ts`.
 */

const expected = JSON.parse(readFileSync(new URL('../fixtures/pushes/expected.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;
const i18n = createI18n({ defaultLang: 'en', now: () => c.NOW });

const closed = c.closedOutcome as CloseOutcome;
const partial = c.partialOutcome as CloseOutcome;
const risk = (notice: unknown, mode: 'live' | 'paper' = 'live'): DomainEvent => ({ type: 'risk', mode, notice: notice as RiskNotice });
const exitAlert = (conditions: string[], autoExitMinutes?: number): DomainEvent => ({
  type: 'exit_alert',
  positionId: c.exitAlert.position.id,
  symbol: c.exitAlert.position.symbol,
  baseAsset: c.exitAlert.position.baseAsset,
  futuresQty: c.exitAlert.position.futuresQty,
  conditions: conditions as ExitCondition[],
  ...c.exitAlert.sig,
  exitApr: c.exitAlert.exitApr,
  funding: c.exitAlert.funding,
  ...(autoExitMinutes !== undefined ? { autoExitMinutes } : {}),
});
const left = c.signals.left.map((l) => (l.row ? { symbol: l.symbol, netApr: l.row.netApr } : { symbol: l.symbol }));
const { qty: _q, mmr: _m, topUp: _t, positionId: _p, baseAsset: _b, ...shown } = c.marginPosition;

const events: Record<string, DomainEvent> = {
  signals: { type: 'signals', at: c.NOW, entered: (c.signals.entered as SymbolSignal[]).map(signalRow), left },
  signalsLeftOnly: { type: 'signals', at: c.NOW, entered: [], left },
  venueGap: { type: 'venue_gap', gaps: c.gaps as never },
  exitAlert: exitAlert(c.exitAlert.conditions),
  exitAlertAuto: exitAlert(['negative'], c.exitAlert.autoExitMinutes),
  drift: { type: 'drift', drift: c.drift },
  driftStray: { type: 'drift', drift: c.strayDrift },
  incomeStale: { type: 'income_stale', days: 100 },
  marginAlert: risk({ kind: 'margin_alert', position: shown, alertPct: 30, move: '21284.8' }),
  marginAlertNoSpot: risk({ kind: 'margin_alert', position: { ...shown, adl: 2 }, alertPct: 30, move: '0' }),
  adlAlert: risk({ kind: 'adl_alert', position: shown }),
  autoTopup: risk({ kind: 'auto_topup', symbol: 'BTCUSDT', amount: '250.5', distancePct: 12.3, used: '400', budget: '1000' }),
  autoTopupFailed: risk({ kind: 'auto_topup_failed', symbol: 'BTCUSDT', amount: '250', error: errorText(c.userError), reason: 'x' }),
  autoTopupUnknown: risk({ kind: 'auto_topup_failed', symbol: 'BTCUSDT', amount: '250', error: null, reason: 'ETIMEDOUT' }),
  autoExit: risk({ kind: 'auto_exit', symbol: 'BTCUSDT', outcome: closed }),
  autoExitPartial: risk({ kind: 'auto_exit', symbol: 'ETHUSDT', outcome: partial }, 'paper'),
  autoExitFailed: risk({ kind: 'auto_exit_failed', symbol: 'SOLUSDT', error: errorText(c.closeError) }),
  moved: { type: 'risk_result', mode: 'live', result: { kind: 'moved', amount: '21284.8' } },
  closedAll: {
    type: 'risk_result',
    mode: 'live',
    result: { kind: 'closed_all', results: [{ symbol: 'BTCUSDT', outcome: closed }, { symbol: 'ETHUSDT', outcome: partial }, { symbol: 'SOLUSDT', error: errorText(c.closeError) }] },
  },
  keptOpen: { type: 'kept_open', symbol: 'BTCUSDT' },
};

test('every push kind is covered', () => {
  assert.deepEqual(Object.keys(events).sort(), Object.keys(expected).sort());
});

for (const [name, event] of Object.entries(events)) {
  test(`${name}: the same text and buttons as before, in en and ru, from stored plain data`, () => {
    // what the outbox holds: the event through JSON (no class instances, no functions survive)
    const stored = JSON.parse(JSON.stringify(event)) as DomainEvent;
    for (const lang of ['en', 'ru']) assert.deepEqual(renderDomainEvent(i18n.translator(lang), stored), expected[name]![lang], `${name} (${lang})`);
  });
}
