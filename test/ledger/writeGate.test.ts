import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWriteGate } from '../../src/ledger/writeGate.js';
import { tempStore } from './helpers.js';

test('the write gate: open by default; holds nest; a release is idempotent', async () => {
  const gate = createWriteGate();
  assert.equal(gate.passage(), undefined, 'nothing held: a write goes on in the same tick');
  const a = gate.hold();
  const b = gate.hold();
  let passed = false;
  const waiting = gate.passage()!.then(() => (passed = true));
  a();
  a();
  await new Promise((r) => setImmediate(r));
  assert.equal(passed, false, 'still held by the second hold (the first released twice)');
  b();
  await waiting;
  assert.equal(gate.passage(), undefined);
});

test('a held ledger applies no queued write until released, then applies them in order', async () => {
  const store = await tempStore();
  try {
    const { ledger } = store;
    const release = ledger.holdWrites();
    const done: string[] = [];
    const scan = ledger.recordScan({ at: 5, entered: [], left: [], signals: [] }).then(() => done.push('scan'));
    const paused = ledger.pause('held').then(() => done.push('pause'));
    await new Promise((r) => setImmediate(r));
    assert.equal(ledger.health().lastScanAt, undefined, 'not applied while held');
    assert.equal(ledger.pauseState().paused, false);
    release();
    await Promise.all([scan, paused]);
    assert.deepEqual(done, ['scan', 'pause']);
    assert.equal(ledger.health().lastScanAt, 5);
    assert.equal(ledger.pauseState().paused, true);
  } finally {
    await store.cleanup();
  }
});
