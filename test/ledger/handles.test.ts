import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { openLedger } from '../../src/ledger/ledger.js';
import { DAY, T0, position, tempStore } from './helpers.js';

/** Every file a ledger opens is closed by close(): none is left for the garbage collector. */

const openFds = (): number => readdirSync('/proc/self/fd').length;
const NOW = T0 + 10 * DAY;

test('close() closes every journal the ledger opened, after appends, a rewrite and a reopen', { skip: !existsSync('/proc/self/fd') && 'needs /proc/self/fd' }, async () => {
  const store = await tempStore(() => NOW);
  try {
    await store.ledger.close();
    const before = openFds();
    let ledger = await openLedger(store.file, { now: () => NOW });
    const row = (tranId: string, positionId: string | null = 'p1') => ({ tranId, symbol: 'BTCUSDT', amount: '0.5', asset: 'USDT', time: NOW - DAY, positionId, mode: 'live' as const });
    await ledger.appendFunding(() => [row('t0', null)], { incomeTime: NOW - DAY, syncedAt: NOW });
    // the rewrite replaces the history: the journals it had open are closed, new ones opened
    await ledger.rewrite((d) => void d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0, spotQty: '1', futuresQty: '1' })));
    await ledger.appendFunding(() => [row('t1')], { incomeTime: NOW - DAY, syncedAt: NOW });
    await ledger.close();
    ledger = await openLedger(store.file, { now: () => NOW });
    await ledger.appendFunding(() => [row('t2')], { incomeTime: NOW - DAY, syncedAt: NOW });
    assert.ok(openFds() > before, 'the appends hold their journals open');
    await ledger.close();
    assert.equal(openFds(), before, 'nothing left open');
  } finally {
    await store.cleanup();
  }
});
