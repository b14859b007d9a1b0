import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRiskActions } from '../../src/risk/actions.js';
import { createMoveToFutures } from '../../src/risk/transfer.js';
import { createMarginWatch } from '../../src/risk/watch.js';
import type { MarginView } from '../../src/risk/view.js';
import { T0, silent, tempStore } from '../ledger/helpers.js';

/**
 * A move to futures is told in the transfer's own ledger write — the automatic top-up's report,
 * and a confirmed /topup's result (the preview's edit and every other user's message) — so a
 * crash (or a failed write) right after the move can never leave it untold.
 */

const view = (): MarginView => ({
  mode: 'paper',
  alertPct: 30,
  wallet: { walletBalance: '1000', marginBalance: '1000', maintMargin: '10', marginRatioPct: 1, available: '900' },
  spotUsdtFree: null,
  positions: [
    { positionId: 'p1', symbol: 'BTCUSDT', baseAsset: 'BTC', qty: '0.5', markPrice: '135000', liqPrice: '149000', distancePct: 10.4, mmr: '0.004', adl: null, topUp: '250' },
  ],
});

test('the automatic top-up report is in the outbox with the transfer, even when the write after it never happens', async () => {
  const ts = await tempStore();
  try {
    const ledger = ts.ledger;
    const move = createMoveToFutures({ config: { mode: 'paper' }, ledger, now: () => T0 });
    const watch = createMarginWatch({
      config: { mode: 'paper', marginAlertPct: 30, autoTopupUsdt: '100' },
      // the alert-state write after the move fails, as a crash there would leave it
      ledger: Object.assign(Object.create(ledger) as typeof ledger, {
        recordMarginAlerts: () => Promise.reject(new Error('killed before the alert write')),
      }),
      audience: { all: () => [111, 222] },
      view: async () => view(),
      move,
      logger: silent,
      now: () => T0,
    });
    await assert.rejects(watch.check(), /killed before the alert write/);
    const reopened = await ts.reopen();
    const d = reopened.snapshot();
    assert.deepEqual(d.transfers.map((t) => [t.amount, t.auto]), [['100', true]], 'the move is recorded');
    const told = d.outbox.filter((e) => (e.event as { notice?: { kind?: string } }).notice?.kind === 'auto_topup');
    assert.deepEqual(told.map((e) => e.chatId).sort(), [111, 222], 'and its report, for every user, on disk with it');
    assert.deepEqual((told[0]!.event as unknown as { notice: object }).notice, { kind: 'auto_topup', symbol: 'BTCUSDT', amount: '100', distancePct: 10.4, used: '100', budget: '100' });
  } finally {
    await ts.cleanup();
  }
});

test('a confirmed /topup: the preview edit and the other users’ message are in the outbox with the transfer', async () => {
  const ts = await tempStore();
  try {
    const ledger = ts.ledger;
    const move = createMoveToFutures({ config: { mode: 'paper' }, ledger, now: () => T0 });
    const actions = createRiskActions({
      config: { mode: 'paper', confirmTtlSeconds: 60 },
      ledger,
      audience: { all: () => [111, 222] },
      view: async () => view(),
      move,
      closer: () => Promise.reject(new Error('no close here')),
      logger: silent,
      now: () => T0,
    });
    const { token } = await actions.previewTopup(111, 111, '25');
    const started = actions.start(token, 111, 77);
    assert.equal(started.kind, 'started');
    const r = started.kind === 'started' ? await started.result : undefined;
    assert.deepEqual(r, { kind: 'moved', amount: '25', told: true });
    const d = (await ts.reopen()).snapshot();
    assert.deepEqual(d.transfers.map((t) => [t.amount, t.auto, t.userId]), [['25', false, 111]]);
    const told = d.outbox.filter((e) => e.event.type === 'risk_result').map((e) => [e.chatId, e.editMessageId]);
    assert.deepEqual(told.sort(), [[111, 77], [222, undefined]], 'the preview edited in its chat, the other user told');
  } finally {
    await ts.cleanup();
  }
});
