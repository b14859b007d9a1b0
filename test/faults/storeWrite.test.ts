import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { openStore } from '../../src/ledger/store.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { isOrderPost, silent, tradingRig } from './helpers.js';

/**
 * Fault injection, storage: a write that fails (a full disk, simulated through
 * openStore's writeText hook) leaves the previous file byte-for-byte intact, and when the intent
 * of an open cannot be written, no order is sent.
 */

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('faults: store write failure', () => {
  let fake: FakeBinance;
  before(async () => {
    fake = await startFakeBinance();
  });
  after(async () => {
    await fake.close();
  });

  it('a failed write keeps the previous file intact and memory back at it; the next write works', async () => {
    let full = false;
    const dir = await mkdtemp(join(tmpdir(), 'carrybot-faults-store-'));
    const file = join(dir, 'store.json');
    try {
      const { store } = await openStore(file, {
        logger: silent,
        writeText: async (text) => {
          if (full) throw enospc();
          await writeFile(file, text);
        },
      });
      await store.update((d) => {
        d.pausedReason = 'before';
      });
      const good = await readFile(file, 'utf8');

      full = true;
      await assert.rejects(
        store.update((d) => {
          d.pausedReason = 'lost';
          d.paused = true;
        }),
        StoreError,
      );
      assert.equal(await readFile(file, 'utf8'), good, 'file untouched');
      assert.equal(store.data.pausedReason, 'before', 'memory back to what is on disk');
      assert.equal(store.data.paused, false);

      full = false;
      await store.update((d) => {
        d.pausedReason = 'after';
      });
      assert.equal(JSON.parse(await readFile(file, 'utf8')).pausedReason, 'after');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the open intent cannot be written: NO order is sent, no position, file intact', async () => {
    fake.reset();
    let full = false;
    const rig = await tradingRig(fake, {
      writeText: (file) => async (text) => {
        if (full) throw enospc();
        await writeFile(file, text);
      },
    });
    try {
      const { token } = await rig.trading.previewOpen(1001, 1001, 'BTCUSDT', '0.01');
      await rig.ledger.flush();
      const before = await readFile(rig.file, 'utf8');
      fake.clearRequests();

      full = true;
      const res = await rig.trading.confirm(token, 1001).then(
        (r) => r,
        (err: unknown) => err,
      );
      assert.ok(res instanceof StoreError || (typeof res === 'object' && res !== null && 'kind' in res && res.kind !== 'open'), `confirm did not open: ${String(res)}`);
      assert.deepEqual(fake.requests.filter(isOrderPost).map((r) => r.path), [], 'no order reached the exchange');
      assert.equal(fake.orders.length, 0);
      assert.equal(await readFile(rig.file, 'utf8'), before, 'previous file intact');
      assert.equal(rig.ledger.snapshot().intents.length, 0, 'no intent in memory either');
      assert.equal(rig.ledger.snapshot().positions.length, 0);
    } finally {
      full = false;
      await rig.close();
    }
  });
});
