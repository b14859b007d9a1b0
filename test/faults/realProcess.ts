import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateData } from '../../src/ledger/schema.js';
import { dec } from '../../src/money.js';
import { startFakeBinance } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { runBot } from '../helpers/botProcess.js';
import { baseEnv, waitUntil } from '../telegram/harness.js';

/** what a scenario measured, for the test's diagnostics (never asserted: no timing assertions) */
export type Measured = Record<string, number>;

const USER = 111;
const PARTNER = 222;

const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;
const readStore = async (file: string): Promise<StateData | undefined> => JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as StateData | undefined;

/** fresh fakes, a data folder and the live-mode environment of one scenario; close() removes them all */
async function liveRig(prefix: string, users: number[]) {
  const tg = await startFakeTelegram();
  const fake = await startFakeBinance();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const dataFile = join(dir, 'store.json');
  const env = { ...baseEnv(tg, fake, dataFile, users), TRADING_MODE: 'live', BINANCE_API_KEY: fake.apiKey, BINANCE_API_SECRET: fake.apiSecret, LOG_LEVEL: 'info' };
  const close = async () => {
    await tg.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { tg, fake, dir, dataFile, env, close };
}

/** once the bot is connected, USER asks for `/open BTCUSDT 0.01`: the preview with its buttons */
async function openPreview(p: ReturnType<typeof runBot>, tg: FakeTelegram): Promise<RecordedCall> {
  await waitUntil(() => p.output().includes('connected to Telegram'), 'startup', 30_000);
  const previewCall = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER && c.body.reply_markup !== undefined, 15_000);
  tg.sendText(USER, '/open BTCUSDT 0.01');
  return previewCall;
}

/** accepted sends and edits of the open's outcome to one chat */
const outcomes = (tg: FakeTelegram, chat: number) =>
  tg.calls.filter((c) => ['sendMessage', 'editMessageText'].includes(c.method) && c.error === undefined && c.body.chat_id === chat && /Opened BTCUSDT/.test(String(c.body.text)));

/**
 * The real process with the bot's own (default) retry timings: /open, confirm, and from the tap
 * on Telegram answers no message (502) and, once the tap is taken, is off the network altogether
 * (every connection cut) for `outageMs`. Both legs fill meanwhile and the outcome is in the store;
 * once Telegram is back it reaches both users, once each, and nothing was given up.
 */
export async function telegramOutage(outageMs: number): Promise<void> {
  const rig = await liveRig('carrybot-outage-', [USER, PARTNER]);
  const { tg, fake, dir, dataFile, env } = rig;
  const p = runBot(env, dir);
  try {
    const preview = await openPreview(p, tg);

    tg.inject({ method: /^(?!getUpdates$)/, status: 502, description: 'Bad Gateway', times: Infinity });
    const tap = tg.sendCallback(USER, okData(preview), { messageId: preview.result.message_id });
    const tapTaken = (c: RecordedCall) => c.method === 'getUpdates' && Array.isArray(c.result) && c.result.some((u: { update_id: number }) => u.update_id === tap.update_id);
    await waitUntil(() => tg.calls.some(tapTaken), 'the tap to be taken', 15_000);
    // counted by position, not by time: a call recorded in the same millisecond just before the
    // cut would pass a time comparison; once unreachable, the fake records nothing that arrives
    const downAt = Date.now();
    tg.setUnreachable(true);
    const callsBefore = tg.calls.length;
    tg.clearInjections();

    await waitUntil(() => fake.orders.length === 2, 'both legs while Telegram is away', 20_000);
    assert.deepEqual(fake.orders.map((o) => `${o.market}:${o.side}`), ['futures:SELL', 'spot:BUY']);
    let store = await readStore(dataFile);
    for (let waited = 0; store?.positions[0]?.status !== 'open' && waited < 10_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      store = await readStore(dataFile);
    }
    assert.equal(store?.positions[0]?.status, 'open', 'the hedge is on disk');
    assert.ok(store?.outbox.some((e) => e.sentAt === undefined), 'the outcome waits in the store');

    await new Promise((r) => setTimeout(r, downAt + outageMs - Date.now()));
    const during = tg.calls.slice(callsBefore);
    assert.equal(during.length, 0, `nothing reached Telegram during the outage (got ${during.map((c) => c.method).join(', ')})`);
    assert.ok(tg.refusedConnections > 0, 'the bot kept trying');
    assert.equal(outcomes(tg, USER).length + outcomes(tg, PARTNER).length, 0, 'nobody was told yet');
    tg.setUnreachable(false);

    // the outbox's backoff (1 s doubling to 60 s) tries again within a minute of Telegram's return
    await waitUntil(() => outcomes(tg, USER).length > 0 && outcomes(tg, PARTNER).length > 0, 'the outcome after Telegram is back', 90_000);
    const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === PARTNER && /Commands/.test(String(c.body.text)), 20_000);
    tg.sendText(PARTNER, '/help');
    await reply; // polling is back too; and by now the outbox had several rounds to send anything twice
    p.kill('SIGTERM');
    assert.equal(await p.exit, 0);

    assert.equal(outcomes(tg, USER).length, 1, 'the initiator: once');
    assert.equal(outcomes(tg, PARTNER).length, 1, 'the other user: once');
    assert.equal((await readStore(dataFile))?.outbox.length, 0, 'delivered, so gone from the outbox');
    assert.doesNotMatch(p.output(), /giving up|undeliverable|dropped/, 'nothing given up');
  } finally {
    p.kill('SIGKILL');
    await rig.close();
  }
}

/**
 * The real process with its default timings: the spot BUY meets a 503 and does not execute, and
 * its first queries fail too. Nobody sends anything after the tap: the bot settles the trade by
 * itself (hedged or flat at the fake), tells both users, and lifts the pause; a pending trade
 * does not hold up another user's /help meanwhile.
 */
export async function spotFaultSettles(): Promise<Measured> {
  const rig = await liveRig('carrybot-spot503-', [USER, PARTNER]);
  const { tg, fake, dir, dataFile, env } = rig;
  const p = runBot(env, dir);
  try {
    const preview = await openPreview(p, tg);
    fake.inject({ path: '/api/v3/order', method: 'POST' }, { status: 503, unknown: true });
    fake.inject({ path: '/api/v3/order', method: 'GET' }, { status: 503, unknown: true }, { times: 4 });
    tg.sendCallback(USER, okData(preview), { messageId: preview.result.message_id });

    await waitUntil(() => fake.requestsTo('/api/v3/order', 'POST').some((r) => r.status === 503), 'the spot BUY to meet the 503', 20_000);
    const shortAt = fake.requestsTo('/fapi/v1/order', 'POST')[0]!.answeredAt!;
    const helpAsked = performance.now();
    const help = tg.nextCall('sendMessage', (c) => c.body.chat_id === PARTNER && /Commands/.test(String(c.body.text)), 15_000);
    tg.sendText(PARTNER, '/help');
    await help;
    const helpMs = performance.now() - helpAsked;
    const stillPending = (await readStore(dataFile))?.intents.some((i) => i.status === 'pending');

    const short = () => fake.positions.get('BTCUSDT')?.amt ?? dec(0);
    const coins = () => fake.spotBalances.get('BTC')?.free ?? dec(0);
    const covered = () => short().isZero() || short().neg().lte(coins());
    await waitUntil(covered, 'the naked short hedged or bought back, by the bot alone', 60_000);
    const nakedMs = performance.now() - shortAt;
    for (const chat of [USER, PARTNER]) await waitUntil(() => tg.sentTexts(chat).some((t) => /settled by the bot/.test(t)) || outcomes(tg, chat).length > 0, `user ${chat} told`, 30_000);
    const told = (chat: number) => tg.calls.filter((c) => c.error === undefined && c.body.chat_id === chat && /settled by the bot/.test(String(c.body.text))).length;
    assert.equal(told(PARTNER), 1, 'the other user told once');
    assert.equal(stillPending, true, '/help was answered while the trade was unresolved');
    p.kill('SIGTERM');
    assert.equal(await p.exit, 0);

    const store = await readStore(dataFile);
    assert.ok(store?.intents.every((i) => i.status !== 'pending'), 'no intent left pending');
    assert.equal(store?.paused, false, 'the pause the unknown trade set was lifted');
    assert.ok(short().isZero() || short().neg().eq(coins()), `flat or hedged: short ${short().toFixed()}, spot ${coins().toFixed()}`);
    const live = store?.positions.filter((x) => x.status !== 'closed') ?? [];
    assert.equal(live.reduce((a, x) => a.plus(x.futuresQty), dec(0)).toFixed(), short().neg().toFixed(), 'the store agrees with the exchange');
    return { nakedMs: Math.round(nakedMs), helpMs: Math.round(helpMs) };
  } finally {
    p.kill('SIGKILL');
    await rig.close();
  }
}

/**
 * The real process is SIGKILLed while the confirm's 1 % re-check reads the book (it hangs at the
 * fake): nothing is on disk yet, so nothing will ever be recovered or told. The preview must not
 * have said "sending orders" (no outcome would follow it); after a restart nothing was sent and
 * nothing is owed.
 */
export async function crashBeforeIntent(): Promise<void> {
  const rig = await liveRig('carrybot-recheck-', [USER]);
  const { tg, fake, dir, dataFile, env } = rig;
  try {
    const a = runBot(env, dir);
    try {
      const preview = await openPreview(a, tg);
      fake.inject({ path: '/fapi/v1/ticker/bookTicker', when: (r) => r.params.symbol === 'BTCUSDT' }, 'hang');
      const answered = tg.nextCall('answerCallbackQuery', undefined, 15_000);
      tg.sendCallback(USER, okData(preview), { messageId: preview.result.message_id });
      await answered;
      await waitUntil(() => fake.requestsTo('/fapi/v1/ticker/bookTicker').some((r) => r.params.symbol === 'BTCUSDT' && r.status === undefined), 'the re-check on the wire', 15_000);
      await new Promise((r) => setTimeout(r, 300));
      a.kill('SIGKILL');
      await a.exit;
    } finally {
      a.kill('SIGKILL');
      fake.clearFaults();
    }
    const sending = tg.calls.filter((c) => c.method === 'editMessageText' && c.error === undefined && /Sending orders/.test(String(c.body.text)));
    assert.equal(sending.length, 0, 'no "sending…" that no outcome would ever follow');
    const b = runBot(env, dir);
    try {
      await waitUntil(() => b.output().includes('connected to Telegram'), 'restart', 30_000);
      b.kill('SIGTERM');
      assert.equal(await b.exit, 0);
    } finally {
      b.kill('SIGKILL');
    }
    const data = await readStore(dataFile);
    assert.equal(data?.intents.length ?? 0, 0, 'no intent was written');
    assert.equal(data?.outbox.length ?? 0, 0, 'nothing owed');
    assert.equal(fake.orders.length, 0, 'no order sent');
  } finally {
    await rig.close();
  }
}
