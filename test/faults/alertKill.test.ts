import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StateData } from '../../src/ledger/schema.js';
import { startFakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { runBot } from '../helpers/botProcess.js';
import { baseEnv, waitUntil } from '../telegram/harness.js';

/**
 * The real process, killed with SIGKILL the moment a critical alert (a short on the exchange the
 * store knows nothing about) is on disk while Telegram refuses every message: the alert is in the
 * same state write as its "already reported" fingerprint — never one without the other — and the
 * restarted process delivers it once per chat and does not raise it again.
 */

const USER = 111;
const PARTNER = 222;

const readStore = async (file: string): Promise<StateData | undefined> => JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as StateData | undefined;
const driftMessages = (tg: FakeTelegram, chat: number) => tg.sentTexts(chat).filter((t) => /Hedge drift: ETHUSDT/.test(t));

test('SIGKILL right after the drift alert is written: delivered after the restart, once per chat, not raised again', async () => {
  const tg = await startFakeTelegram();
  const fake = await startFakeBinance();
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-alertkill-'));
  const dataFile = join(dir, 'store.json');
  fake.setPosition('ETHUSDT', '-3', '3000');
  const env = { ...baseEnv(tg, fake, dataFile, [USER, PARTNER]), TRADING_MODE: 'live', BINANCE_API_KEY: fake.apiKey, BINANCE_API_SECRET: fake.apiSecret, LOG_LEVEL: 'info' };
  tg.inject({ method: 'sendMessage', status: 502, description: 'Bad Gateway', times: Infinity });
  const a = runBot(env, dir);
  let reconciledAt = 0;
  try {
    // the reconciliation on start finds the short; the moment its alert is on disk, the process dies
    let written = false;
    for (const deadline = Date.now() + 40_000; !written; ) {
      assert.ok(Date.now() < deadline, 'the alert was written');
      const d = await readStore(dataFile);
      const alert = (d?.outbox ?? []).filter((e) => e.event.type === 'drift').map((e) => e.chatId).sort();
      const fingerprint = d?.reconcileAlerts.ETHUSDT;
      assert.equal(alert.length > 0, fingerprint !== undefined, 'the alert and its fingerprint are written together');
      written = alert.length > 0;
      reconciledAt = d?.health.lastReconcileAt ?? 0;
      if (written) assert.deepEqual(alert, [USER, PARTNER], 'owed to both users');
      else await new Promise((r) => setTimeout(r, 5));
    }
    a.kill('SIGKILL');
    await a.exit;
  } finally {
    a.kill('SIGKILL');
  }
  tg.clearInjections();
  const b = runBot(env, dir);
  try {
    await waitUntil(() => driftMessages(tg, USER).length > 0 && driftMessages(tg, PARTNER).length > 0, 'the alert after the restart', 40_000);
    // the restarted process reconciles again on start: the stored fingerprint keeps it from raising the same drift
    let store = await readStore(dataFile);
    for (const deadline = Date.now() + 30_000; !((store?.health.lastReconcileAt ?? 0) > reconciledAt && store?.outbox.length === 0); ) {
      assert.ok(Date.now() < deadline, 'the start-up reconciliation of the restarted process');
      await new Promise((r) => setTimeout(r, 50));
      store = await readStore(dataFile);
    }
    assert.equal(driftMessages(tg, USER).length, 1, 'once to the user');
    assert.equal(driftMessages(tg, PARTNER).length, 1, 'once to the partner');
  } finally {
    b.kill('SIGTERM');
    await b.exit;
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});
