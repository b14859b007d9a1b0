import { readLedgerFiles } from '../../src/ledger/ledgerStore.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startBot } from '../../src/main.js';
import { FAKE_API_KEY, FAKE_API_SECRET, startFakeBinance, type FakeBinance, type FakeRequest } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { runBot } from '../helpers/botProcess.js';
import { baseEnv, waitUntil } from './harness.js';

/**
 * Shutdown of the real process (node src/main.ts) while a live trade runs (exit 0
 * within 5 s; §4: the intent on disk lets recovery finish what was cut short):
 * - stop waits (bounded) for the trading lock and does not close the Binance pools under the trade
 * - a second signal does not kill the process mid-trade
 * - a signal during start-up (recovery running) stops gracefully
 */

const USER = 111;
const isOrderPost = (r: FakeRequest) => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/api/v3/order');

describe('shutdown with a trade in flight (real process)', () => {
  let tg: FakeTelegram;
  let binance: FakeBinance;
  let dir: string;
  let env: Record<string, string>;
  let dataFile: string;
  before(async () => {
    tg = await startFakeTelegram();
    binance = await startFakeBinance();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-shutdown-'));
    dataFile = join(dir, 'store.json');
    env = { ...baseEnv(tg, binance, dataFile, [USER]), TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET, LOG_LEVEL: 'info' };
  });
  after(async () => {
    await tg.close();
    await binance.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** starts the process, confirms an open whose spot order hangs, resolves once the futures order arrived */
  async function startHungTrade(symbol: string, qty: string) {
    const p = runBot(env, dir);
    await waitUntil(() => p.stdout().includes('connected to Telegram'), 'startup', 15_000);
    const previewCall = tg.nextCall('sendMessage', (c: RecordedCall) => c.body.chat_id === USER && c.body.reply_markup !== undefined, 15_000);
    tg.sendText(USER, `/open ${symbol} ${qty}`);
    const preview = await previewCall;
    const raw = preview.body.reply_markup;
    const data = (typeof raw === 'string' ? JSON.parse(raw) : raw).inline_keyboard[0][0].callback_data as string;
    binance.inject({ path: '/api/v3/order', method: 'POST' }, 'hang');
    binance.clearRequests();
    tg.sendCallback(USER, data, { messageId: preview.result?.message_id });
    await waitUntil(() => binance.requests.some((r) => r.path === '/api/v3/order' && r.method === 'POST'), 'the spot order at the fake', 10_000);
    return p;
  }

  it('stop waits for the lock at most ~3 s, does not close the pools under the trade, exits 0 within 5 s; the intent stays for recovery', async () => {
    const p = await startHungTrade('BTCUSDT', '0.01');
    try {
      const ordersBefore = binance.requests.filter(isOrderPost).length;
      p.kill('SIGTERM');
      const code = await p.exit;
      assert.equal(code, 0);
      // the hard exit fires at 5 s: its absence means stop() itself finished within 5 s
      assert.doesNotMatch(p.stderr(), /shutdown took longer/, 'no hard exit: stop() itself finished');
      assert.match(p.stdout(), /a trade is still running; exiting without waiting for it/);
      assert.match(p.stdout(), /"msg":"stopped"/);
      assert.equal(binance.requests.filter(isOrderPost).length, ordersBefore, 'no order after stop began');
      const ledger = readLedgerFiles(dataFile) as { intents: Array<{ status: string; symbol: string }> };
      assert.deepEqual(ledger.intents.filter((i) => i.status === 'pending').map((i) => i.symbol), ['BTCUSDT'], 'the intent is on disk for recovery');
    } finally {
      p.kill('SIGKILL');
      binance.clearFaults();
    }
  });

  it('a signal during start-up (recovery waiting) stops gracefully: exit 0, nothing sent, the intent left for the next start', async () => {
    binance.clearRequests();
    const p = runBot(env, dir);
    try {
      // live recovery waits ~7 s before querying orders; the signal lands in that wait
      await waitUntil(() => p.stdout().includes('resolving unfinished trades'), 'recovery to start', 15_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.doesNotMatch(p.stdout(), /connected to Telegram/, 'still starting');
      p.kill('SIGTERM');
      const code = await p.exit;
      assert.equal(code, 0);
      assert.doesNotMatch(p.stderr(), /shutdown took longer/);
      assert.match(p.stdout(), /"msg":"stopped"/, 'the graceful stop ran');
      assert.equal(binance.requests.filter(isOrderPost).length, 0, 'no order sent');
      const ledger = readLedgerFiles(dataFile) as { intents: Array<{ status: string }> };
      assert.equal(ledger.intents.filter((i) => i.status === 'pending').length, 1, 'still pending');
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('a restart resolves the intent; every order it sends belongs to that intent', async () => {
    const before = readLedgerFiles(dataFile) as { intents: Array<{ id: string; status: string }> };
    const intent = before.intents.find((i) => i.status === 'pending')!;
    binance.clearRequests();
    const logs = new Writable({ write: (_c, _e, cb) => cb() });
    const running = await startBot(env, { logDestination: logs, pollRetryMs: 50, scanOnStart: false });
    try {
      const after = running.deps.ledger.snapshot().intents.find((i) => i.id === intent.id)!;
      assert.notEqual(after.status, 'pending', 'resolved by recovery');
      for (const o of binance.requests.filter(isOrderPost)) {
        assert.ok(String(o.params.newClientOrderId).startsWith(`cb${intent.id}`), `order ${o.params.newClientOrderId} belongs to the intent`);
      }
      await tg.waitFor('sendMessage', (c) => c.body.chat_id === USER && /BTCUSDT/.test(String(c.body.text)) && c.error === undefined, 10_000);
    } finally {
      await running.stop('test');
    }
  });

  it('a second signal while stopping does not kill the process mid-trade', async () => {
    const p = await startHungTrade('ETHUSDT', '0.1');
    try {
      p.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      p.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      p.kill('SIGTERM');
      assert.equal(await p.exit, 0, 'exit 0, not killed by the signal');
      assert.match(p.stdout(), /"msg":"stopped"/);
    } finally {
      p.kill('SIGKILL');
      binance.clearFaults();
    }
  });
});
