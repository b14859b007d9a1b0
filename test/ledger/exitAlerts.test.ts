import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { checkExitAlerts, exitConditions } from '../../src/ledger/exitAlerts.js';
import { T0, position, outboxRecorder, seed, signal, tempStore, type TempStore } from './helpers.js';

let ts: TempStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

test('conditions: negative current rate, 7-day APR under EXIT_APR', () => {
  assert.deepEqual(exitConditions({ rate: -0.0001, apr7d: 12 }, 5), ['negative']);
  assert.deepEqual(exitConditions({ rate: 0.0001, apr7d: 4.9 }, 5), ['low_apr']);
  assert.deepEqual(exitConditions({ rate: -0.0001, apr7d: 1 }, 5), ['negative', 'low_apr']);
  assert.deepEqual(exitConditions({ rate: 0.0001, apr7d: null }, 5), []);
});

test('an exit alert fires once when funding turns negative, not every tick, and again after recovering', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5', spotEntryPrice: '60000', futuresEntryPrice: '60010' }));
    d.positions.push(position({ id: 'p0', symbol: 'BTCUSDT', status: 'closed', openedAt: T0 - 10, closedAt: T0 - 5 }));
    d.funding.push({ tranId: '1', symbol: 'BTCUSDT', amount: '3.75', asset: 'USDT', time: T0, positionId: 'p1', mode: 'live' });
  });
  const notifier = outboxRecorder(() => deps.ledger);
  const deps = { ledger: ts.ledger, audience: notifier.audience, mode: 'live' as const, exitApr: 5 };
  const tick = (rate: number, apr7d = 12) => checkExitAlerts(deps, { rows: [signal('BTCUSDT', { rate, apr: rate * 109500, apr7d })] });

  await tick(0.0001);
  assert.equal(notifier.sent.length, 0, 'healthy: nothing');

  await tick(-0.0002);
  assert.equal(notifier.sent.length, 1);
  const alert = notifier.sent[0]!;
  assert.match(alert.text, /ledger\.exit\.title \{"symbol":"BTCUSDT"\}/);
  assert.match(alert.text, /ledger\.exit\.negative \{"rate":"-0\.0200%"/);
  assert.match(alert.text, /"funding":"3\.75 USDT"/);
  assert.deepEqual(alert.buttons, [[{ text: 'ledger.exit.closeButton {"symbol":"BTCUSDT"}', data: 'trade:cl:BTCUSDT' }]]);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, 'negative');

  await tick(-0.0003);
  await tick(-0.0001);
  assert.equal(notifier.sent.length, 1, 'unchanged condition: no repeat');

  // survives a restart: the condition key is in the file
  deps.ledger = await ts.reopen();
  await tick(-0.0001);
  assert.equal(notifier.sent.length, 1);

  await tick(0.0001);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, undefined, 'recovered: key cleared');
  assert.equal(notifier.sent.length, 1);

  await tick(-0.0001);
  assert.equal(notifier.sent.length, 2, 'negative again: fires again');

  await tick(-0.0001, 1);
  assert.equal(notifier.sent.length, 3, 'a new condition (low 7-day APR too) is a change');
  assert.match(notifier.sent[2]!.text, /ledger\.exit\.lowApr/);
});

test('positions of the other mode, closed ones and symbols missing from the scan are left alone', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'paper1', symbol: 'BTCUSDT', mode: 'paper', futuresQty: '1' }));
    d.positions.push(position({ id: 'gone', symbol: 'BTCUSDT', status: 'closed', closedAt: T0 + 1 }));
    d.positions.push(position({ id: 'eth', symbol: 'ETHUSDT', futuresQty: '1' }));
    d.exitAlerts.gone = 'negative';
  });
  const notifier = outboxRecorder(() => ts!.ledger);
  await checkExitAlerts(
    { ledger: ts.ledger, audience: notifier.audience, mode: 'live', exitApr: 5 },
    { rows: [signal('BTCUSDT', { rate: -0.001 })] },
  );
  assert.equal(notifier.sent.length, 0);
  assert.equal(ts.ledger.snapshot().exitAlerts.gone, undefined, 'a closed position forgets its alert');
});

test('a condition ending is not a new alert; missing 7-day history keeps the low_apr state', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5', spotEntryPrice: '60000', futuresEntryPrice: '60010' }));
  });
  const notifier = outboxRecorder(() => deps.ledger);
  const deps = { ledger: ts.ledger, audience: notifier.audience, mode: 'live' as const, exitApr: 5 };
  const tick = (rate: number, apr7d: number | null) => checkExitAlerts(deps, { rows: [signal('BTCUSDT', { rate, apr: rate * 109500, apr7d })] });

  await tick(-0.0001, 1);
  assert.equal(notifier.sent.length, 1);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, 'negative+low_apr');

  await tick(0.0001, 1);
  assert.equal(notifier.sent.length, 1, 'negative ended, low_apr stays: nothing new to say');
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, 'low_apr', 'the current set is stored');

  await tick(0.0001, null);
  assert.equal(notifier.sent.length, 1);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, 'low_apr', 'history missing: low_apr carried over, not cleared');
  await tick(0.0001, 1);
  assert.equal(notifier.sent.length, 1, 'history back, still low: no repeat');

  await tick(-0.0001, null);
  assert.equal(notifier.sent.length, 2, 'negative is new: alert');
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, 'negative+low_apr');

  await tick(0.0001, 12);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, undefined, 'all clear');
  await tick(0.0001, null);
  assert.equal(ts.ledger.snapshot().exitAlerts.p1, undefined, 'nothing to carry over');
  assert.equal(notifier.sent.length, 2);
});
