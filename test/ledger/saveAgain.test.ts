import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { afterEach, test } from 'node:test';
import { historyPaths } from '../../src/ledger/history.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { FundingRow } from '../../src/ledger/schema.js';
import { HOUR, T0, position, silent, tempStore, type TempStore } from './helpers.js';

/**
 * A write the disk refuses (ENOSPC: the journal points at /dev/full, the state document's writer
 * throws): memory keeps it, and the ledger writes it by itself once space returns — each journal
 * line once, the state document whole — with no other write to carry it.
 */

let ts: TempStore | undefined;
let full: Ledger | undefined;
afterEach(async () => {
  await full?.close();
  full = undefined;
  await ts?.cleanup();
  ts = undefined;
});

const row = (tranId: string): FundingRow => ({ tranId, symbol: 'BTCUSDT', amount: '1.5', asset: 'USDT', time: T0 + 8 * HOUR, positionId: 'p1', mode: 'live' });

test('a refused write is kept in memory and saved by the ledger itself once space returns, each line once', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, async () => {
  ts = await tempStore();
  await ts.ledger.rewrite((d) => void d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: T0 })));
  await ts.ledger.close();
  const file = ts.file;
  const journal = historyPaths(file).funding;
  let refuse = false;
  const ledger = (full = await openLedger(file, {
    logger: silent,
    saveRetryMs: [5, 10, 20],
    writeText: async (text) => {
      if (refuse) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    },
  }));
  let saved = 0;
  ledger.onSaved(() => saved++);

  refuse = true;
  rmSync(journal, { force: true });
  symlinkSync('/dev/full', journal);
  await assert.rejects(ledger.appendFunding(() => [row('7')], { incomeTime: T0 + 8 * HOUR, syncedAt: T0 + 9 * HOUR }), /ENOSPC/);
  assert.equal(ledger.unsaved, true);
  assert.equal(ledger.fundingTotal('p1').toFixed(), '1.5', 'memory has the row');
  // the same row again (the next sync): memory knows it, it is not added twice
  await assert.rejects(ledger.appendFunding(() => [row('7')], { incomeTime: T0 + 8 * HOUR, syncedAt: T0 + 10 * HOUR }));
  assert.equal(ledger.fundingTotal('p1').toFixed(), '1.5');
  // a state change the document's writer refuses stays in memory too
  await assert.rejects(ledger.pause('disk test'), /could not save/);
  assert.equal(ledger.pauseState().paused, true);

  // space returns; nobody writes anything
  rmSync(journal);
  refuse = false;
  const deadline = Date.now() + 10_000;
  while (ledger.unsaved && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(ledger.unsaved, false, 'saved by the retries');
  assert.equal(saved, 1, 'listeners told once');
  const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 1, 'the row written once');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).paused, true, 'the state document written with it');

  await ledger.close();
  full = undefined;
  const reopened = await openLedger(file, { logger: silent });
  assert.equal(reopened.fundingTotal('p1').toFixed(), '1.5');
  assert.equal(reopened.pauseState().paused, true);
  await reopened.close();
});
