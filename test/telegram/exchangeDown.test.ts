import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { startBot, type RunningBot } from '../../src/main.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

/**
 * Binance unreachable (nothing listens on port 1): the bot still starts and every command gets
 * an answer that says Binance is the problem, not a generic "something went wrong".
 */

const USER = 111;
let tg: FakeTelegram;
let running: RunningBot;
let dir: string;

before(async () => {
  tg = await startFakeTelegram();
  dir = await mkdtemp(join(tmpdir(), 'carrybot-down-'));
  running = await startBot(
    {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_ALLOWED_USERS: String(USER),
      BINANCE_SPOT_URL: 'http://127.0.0.1:1',
      BINANCE_FUTURES_URL: 'http://127.0.0.1:1',
      DATA_FILE: join(dir, 'store.json'),
      SIGNAL_CRON: '0 0 1 1 *',
      VENUES: 'binance',
    },
    { logDestination: new Writable({ write: (_c, _e, cb) => cb() }), pollRetryMs: 50, scanOnStart: false },
  );
  await running.launched;
});

after(async () => {
  await running?.stop('test');
  await tg.close();
  await rm(dir, { recursive: true, force: true });
});

for (const command of ['/signals', '/funding BTCUSDT']) {
  test(`${command} with Binance down says Binance is not answering`, async () => {
    const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER, 10_000);
    tg.sendText(USER, command);
    const text = String((await reply).body.text);
    assert.match(text, /Binance is not answering right now \(.*ECONNREFUSED.*\)/);
    assert.doesNotMatch(text, /Something went wrong/);
  });
}
