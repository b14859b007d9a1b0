import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyPaths } from '../../src/ledger/history.js';
import { openLedger } from '../../src/ledger/ledger.js';
import { ExactSum } from '../../src/ledger/pnl.js';
import type { FundingRow } from '../../src/ledger/schema.js';
import { position, silent } from './helpers.js';

/** Starts the appending child and SIGKILLs it once it has written `pages` pages plus a moment. */
async function killMidAppend(file: string, start: number, pages: number, extraMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'helpers', 'appendForever.ts'), file, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<void>((r) => child.on('exit', () => r()));
  let seen = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      seen += String(b).split('\n').filter(Boolean).length;
      if (seen >= pages) resolve();
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => setTimeout(r, extraMs));
  child.kill('SIGKILL');
  await exit;
}

test('kill -9 in the middle of journal appends: the restarted ledger is consistent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-kill-'));
  const file = join(dir, 'carrybot.json');
  try {
    const first = await openLedger(file, { logger: silent });
    await first.rewrite((d) => void d.positions.push(position({ id: 'p1', symbol: 'BTCUSDT', openedAt: 0, spotQty: '1', futuresQty: '1' })));
    await first.close();
    let start = 0;
    for (const extraMs of [0, 3, 7]) {
      await killMidAppend(file, start, 3, extraMs);
      const ledger = await openLedger(file, { logger: silent });
      const lines = readFileSync(historyPaths(file).funding, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the journal ends on a whole line');
      const rows = lines.map((l) => JSON.parse(l) as FundingRow);
      const ids = rows.map((r) => r.tranId);
      assert.equal(new Set(ids).size, ids.length, 'no row twice');
      // every row that is on disk counts, exactly once, and nothing else does
      const sum = new ExactSum();
      for (const r of rows) sum.add(r.amount);
      assert.equal(ledger.fundingTotal('p1').toFixed(), sum.value().toFixed());
      assert.equal(ledger.snapshot().funding.length, rows.length);
      // the cursor is never ahead of the rows it stands for
      const cursor = ledger.incomeCursor();
      if (cursor !== undefined) assert.ok(cursor <= Math.max(...rows.map((r) => r.time)));
      // the next writer appends on a clean line, and a re-sent page is not counted twice
      start = rows.length ? Number(rows.at(-1)!.tranId) - 5 : 0;
      await ledger.appendFunding(() => rows.slice(-5), { syncedAt: 0 });
      assert.equal(ledger.fundingTotal('p1').toFixed(), sum.value().toFixed());
      await ledger.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
