import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { emptyStore } from '../../src/ledger/schema.js';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import { startHarness, type Harness } from '../telegram/harness.js';

/** P3-7: /resume refuses while a position is 'broken' (a naked short), with its own message. */

const USER = 111;
let dir: string;
let h: Harness;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carrybot-resume-broken-'));
  const dataFile = join(dir, 'store.json');
  const now = Date.now();
  const ledger = emptyStore(now);
  ledger.paused = true;
  ledger.pausedReason = 'ETHUSDT: naked futures short after a failed unwind';
  ledger.positions.push({
    id: 'p1', symbol: 'ETHUSDT', baseAsset: 'ETH', mode: 'live', status: 'broken', openedAt: now,
    spotQty: '0', futuresQty: '1', spotEntryPrice: '0', futuresEntryPrice: '3000', openedBy: USER,
  });
  await writeFile(dataFile, JSON.stringify(ledger));
  h = await startHarness({ allowed: [USER], dataFile, env: { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET } });
});

after(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

test('/resume stays paused while a position is broken', async () => {
  h.tg.sendText(USER, '/resume');
  const reply = await h.tg.waitFor('sendMessage', (c) => String(c.body.text).includes('Still paused'), 15_000);
  assert.match(String(reply.body.text), /ETHUSDT/);
  assert.match(String(reply.body.text), /unhedged/);
  assert.equal(h.running.deps.ledger.snapshot().paused, true);
});
