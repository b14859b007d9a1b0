import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreError, UserError } from '../../src/errors.js';
import type { StateData } from '../../src/ledger/schema.js';
import { openStore } from '../../src/ledger/store.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { waitUntil } from '../telegram/harness.js';
import { isOrderPost, silent, tradingRig } from './helpers.js';

/**
 * Fault injection, storage: a write that fails (a full disk, simulated through
 * openStore's writeText hook) leaves the previous file byte-for-byte intact while memory keeps
 * the change, and when the intent of an open cannot be written, no order is sent.
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

  it('a failed write keeps the previous file intact and the change in memory; the next write saves it', async () => {
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
      assert.equal(store.data.pausedReason, 'lost', 'memory keeps what happened');
      assert.equal(store.unsaved, true);

      full = false;
      await store.update((d) => {
        d.pausedReason = 'after';
      });
      const saved = JSON.parse(await readFile(file, 'utf8'));
      assert.equal(saved.pausedReason, 'after');
      assert.equal(saved.paused, true, 'the kept change is saved with it');
      assert.equal(store.unsaved, false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the disk fills after the intent write: new opens wait, and once space returns the bot settles the trade by itself — no restart', async () => {
    fake.reset();
    let full = false;
    let armed = false;
    const rig = await tradingRig(fake, {
      absentAfterMs: 300,
      writeText: (file) => async (text) => {
        if (full) throw enospc();
        await writeFile(file, text);
        // the intent is on disk; every write after it fails until space returns
        if (armed && text.includes('"kind":"open"')) {
          armed = false;
          full = true;
        }
      },
    });
    try {
      const { token } = await rig.trading.previewOpen(1001, 1001, 'BTCUSDT', '0.01');
      await rig.ledger.flush();
      armed = true;
      const res = await rig.trading.confirm(token, 1001);
      assert.equal(res.kind === 'open' && res.outcome.kind, 'opened', 'both legs went out and the bot knows it');
      assert.deepEqual(fake.orders.map((o) => `${o.market}:${o.side}`), ['futures:SELL', 'spot:BUY']);
      assert.equal(rig.ledger.unsaved, true);
      const onDisk = JSON.parse(await readFile(rig.file, 'utf8')) as StateData;
      assert.equal(onDisk.intents[0]?.status, 'pending', 'the disk has the intent: nothing is forgotten');
      await assert.rejects(rig.trading.previewOpen(1001, 1001, 'ETHUSDT', '0.1'), (e: unknown) => e instanceof UserError && e.key === 'trading.error.notSavedYet');

      full = false;
      // nobody does anything: the bot queries the orders, finds both fills and records the hedge
      await waitUntil(() => !rig.ledger.unsaved && rig.ledger.pendingIntents().length === 0, 'the trade settled and saved', 20_000);
      const saved = JSON.parse(await readFile(rig.file, 'utf8')) as StateData;
      assert.equal(saved.intents.length, 0, 'no intent pending on disk');
      assert.equal(saved.positions[0]?.status, 'open');
      assert.ok(saved.outbox.some((e) => (e.event as { outcome?: { kind?: string } }).outcome?.kind === 'opened'), 'the outcome message is saved with it');
      assert.equal(fake.orders.length, 2, 'nothing was sent again');
      await rig.trading.previewOpen(1001, 1001, 'ETHUSDT', '0.1');
    } finally {
      full = false;
      await rig.close();
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
      const res = await rig.trading.confirm(token, 1001);
      // told plainly: nothing was sent
      assert.equal(res.kind === 'refused' && res.error.key, 'trading.error.notSaved');
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
