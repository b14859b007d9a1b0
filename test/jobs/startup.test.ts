import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WARMUP_HISTORY_BUDGET, createSignalTick } from '../../src/jobs/signals.js';
import { createLogger } from '../../src/logger.js';
import type { MarketService, ScanOptions, ScanResult } from '../../src/market/types.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { startHarness } from '../telegram/harness.js';

test('the first tick after start may fetch more funding history than later ticks', async () => {
  const seen: Array<ScanOptions | undefined> = [];
  const scan: ScanResult = { at: 0, rows: [], signals: [], requests: 3, weight: 19, universeSize: 0 };
  const market = { scan: async (o?: ScanOptions) => (seen.push(o), scan) } as unknown as MarketService;
  const ledger = { activeSignals: () => [], openPositions: () => [], recordScan: async () => undefined } as unknown as Ledger;
  const audience = { all: () => [], alerts: () => [] };
  const tick = createSignalTick({ market, ledger, audience, logger: createLogger({ level: 'silent' }), now: Date.now, onScan: [] });
  await tick();
  await tick();
  assert.equal(seen[0]?.historyBudget, WARMUP_HISTORY_BUDGET);
  assert.equal(seen[1]?.historyBudget, undefined, 'later ticks use the bounded default');
});

test('the bot scans once at start: signals are pushed without waiting for SIGNAL_CRON', async () => {
  // SIGNAL_CRON in the harness is 1 Jan 00:00, so only the start-up scan can push here.
  const h2 = await startHarness({ allowed: [111], scanOnStart: true });
  try {
    const push = await h2.tg.waitFor('sendMessage', (c) => /new signals/.test(String(c.body.text)), 10_000);
    assert.match(String(push.body.text), /TRBUSDT/);
    assert.ok(h2.running.deps.ledger.snapshot().health.lastScanAt, 'the start-up scan is recorded');
  } finally {
    await h2.close();
  }
});
