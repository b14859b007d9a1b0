import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startBot, type RunningBot } from '../../src/main.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { baseEnv } from '../telegram/harness.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The heap still in use after a full collection: garbage waiting for the GC is not a leak. */
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;
function retainedHeap(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

/**
 * Soak: one simulated day of cron ticks at full speed — every 5 minutes a signal scan and an
 * income sync (live mode, signed), on a clock injected into both the bot and the fake exchange,
 * funding settling every 8 hours and one signal leaving and coming back. No push without a change
 * of the signal set, no unhandled rejection, no memory growth trend.
 */

const USER = 111;
const TICK_MS = 5 * 60_000;
const TICKS = 288; // 24 h

describe('faults: soak, one simulated day of ticks', () => {
  let tg: FakeTelegram;
  let fake: FakeBinance;
  let running: RunningBot;
  let dir: string;
  let clock = Date.UTC(2025, 8, 1, 0, 2);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    tg = await startFakeTelegram();
    fake = await startFakeBinance({ now: () => clock });
    dir = await mkdtemp(join(tmpdir(), 'carrybot-soak-'));
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    running = await startBot(
      { ...baseEnv(tg, fake, join(dir, 'store.json'), [USER]), TRADING_MODE: 'live', BINANCE_API_KEY: fake.apiKey, BINANCE_API_SECRET: fake.apiSecret, LOG_LEVEL: 'warn', MIN_APR: '5' },
      { now: () => clock, logDestination: sink, pollRetryMs: 50 },
    );
    await running.launched;
  });
  after(async () => {
    await running?.stop('test');
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
    process.off('unhandledRejection', onUnhandled);
  });

  it('pushes only on change, no unhandled rejection, stable memory', async () => {
    const ledger = running.deps.ledger;
    const signalSet = () => Object.keys(ledger.snapshot().activeSignals).sort().join(',');
    const pushes = () => tg.calls.filter((c) => c.method === 'sendMessage' && c.body.chat_id === USER).length;
    const heap: number[] = [];
    let changes = 0;
    let flipped: string | undefined;
    let flippedRate = '';
    const requestsBefore = fake.requests.length;

    for (let i = 0; i < TICKS; i++) {
      const before = signalSet();
      const sent = pushes();
      for (const job of running.jobs) await job.runNow();
      // pushes are awaited by the job; allow a moment for the HTTP round trip to be recorded
      await new Promise((r) => setImmediate(r));
      const after = signalSet();
      const pushed = pushes() - sent;
      if (after !== before) {
        changes += 1;
        assert.equal(pushed, 1, `tick ${i}: one push for the change ${before} → ${after}`);
      } else {
        assert.equal(pushed, 0, `tick ${i}: no push without a change (set ${after})`);
      }

      if (i === 90 && !flipped) {
        flipped = Object.keys(ledger.snapshot().activeSignals)[0];
        if (flipped) {
          flippedRate = fake.symbols.get(flipped)!.futures!.lastFundingRate;
          fake.setFunding(flipped, { lastFundingRate: '-0.0002' });
        }
      }
      if (i === 190 && flipped) fake.setFunding(flipped, { lastFundingRate: flippedRate });

      clock += TICK_MS;
      for (const s of fake.symbols.values()) if (s.futures && s.futures.nextFundingTime <= clock) fake.settleFunding(s.symbol);
      if (i % 48 === 47) heap.push(retainedHeap());
    }

    assert.ok(flipped, 'some symbol was a signal to flip');
    assert.ok(changes >= 2, `the flip produced leave + enter pushes (changes: ${changes})`);
    assert.ok(fake.requestsTo('/fapi/v1/income').length >= TICKS, 'income synced every tick');
    assert.ok(fake.requests.length - requestsBefore > TICKS * 4, 'the ticks really went to the exchange');
    assert.deepEqual(unhandled, []);
    // retained after a full GC, so GC timing is not what is measured; loose: the fake's request log and
    // the ledger's recent funding rows live in this process too
    const growth = (heap[heap.length - 1]! - heap[0]!) / 1_048_576;
    assert.ok(growth < 15, `retained heap grew ${growth.toFixed(1)} MB over the day (${heap.map((h) => (h / 1_048_576).toFixed(0)).join('/')} MB)`);
  });
});
