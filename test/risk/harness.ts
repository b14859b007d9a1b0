import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveLedger } from '../../src/ledger/ledgerStore.js';
import { emptyStore, type Position, type StoreData } from '../../src/ledger/schema.js';
import { startBot, type RunningBot, type StartOptions } from '../../src/main.js';
import { startFakeBinance, type FakeBinance, type FakeRequest } from '../fakes/binance.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram.js';
import { baseEnv, delivered } from '../telegram/harness.js';

/**
 * The real bot over the loopback fakes with ONE injected clock shared by the bot and the fake
 * exchange (signed timestamps stay valid when a test moves time on), a store seeded with
 * positions before start, and helpers for commands, taps and the orders that reached Binance.
 */

export const OWNER = 111;
export const PARTNER = 222;

export interface RiskBot {
  tg: FakeTelegram;
  fake: FakeBinance;
  running: RunningBot;
  clock: { t: number; now(): number; advance(ms: number): void };
  say(text: string, from?: number): Promise<RecordedCall>;
  /** taps a button; resolves with the callback answer */
  tap(data: string, from: number, messageId: number): Promise<RecordedCall>;
  /** one scan tick with its post-scan hooks, then until what they pushed was delivered */
  scan(): Promise<void>;
  /** stops the bot and starts a new process on the same store, fakes and clock */
  restart(): Promise<void>;
  orders(): FakeRequest[];
  transfers(): FakeRequest[];
  close(): Promise<void>;
}

export function buttonsOf(call: RecordedCall): Array<{ text: string; callback_data: string }> {
  return (call.body.reply_markup?.inline_keyboard ?? []).flat();
}

/** A held live/paper position with the exchange side to match (live). */
export function seedShort(d: StoreData, p: Pick<Position, 'id' | 'symbol' | 'mode'> & { qty: string; entry: string }, openedAt: number): void {
  d.positions.push({
    id: p.id, symbol: p.symbol, baseAsset: p.symbol.replace(/USDT$/, ''), mode: p.mode, status: 'open', openedAt,
    spotQty: p.qty, futuresQty: p.qty, spotEntryPrice: p.entry, futuresEntryPrice: p.entry,
  });
}

export async function startRiskBot(opts: {
  mode: 'live' | 'paper';
  seed?: (d: StoreData, now: number) => void;
  setup?: (fake: FakeBinance) => void;
  env?: Record<string, string>;
  timings?: StartOptions['timings'];
}): Promise<RiskBot> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-risk-'));
  const file = join(dir, 'store.json');
  const clock = { t: Date.now(), now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  const data = emptyStore(clock.t);
  opts.seed?.(data, clock.t);
  await saveLedger(file, data, { now: clock.now });
  const tg = await startFakeTelegram();
  const fake = await startFakeBinance({ now: clock.now });
  opts.setup?.(fake);
  const env = {
    ...baseEnv(tg, fake, file, [OWNER, PARTNER]),
    TRADING_MODE: opts.mode,
    LOG_LEVEL: 'silent',
    ...(opts.mode === 'live' ? { BINANCE_API_KEY: fake.apiKey, BINANCE_API_SECRET: fake.apiSecret } : {}),
    ...opts.env,
  };
  const start = async () => {
    const r = await startBot(env, { pollRetryMs: 50, scanOnStart: false, now: clock.now, ...(opts.timings ? { timings: opts.timings } : {}) });
    await r.launched;
    return r;
  };
  let running = await start();
  return {
    tg,
    fake,
    get running() {
      return running;
    },
    clock,
    async say(text, from = OWNER) {
      const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === from);
      tg.sendText(from, text);
      return reply;
    },
    async tap(data, from, messageId) {
      const answer = tg.nextCall('answerCallbackQuery');
      tg.sendCallback(from, data, { messageId, chatId: from });
      return answer;
    },
    async scan() {
      await running.jobs.find((j) => j.name === 'signals')!.runNow();
      await delivered({ running });
    },
    async restart() {
      await running.stop('restart');
      running = await start();
    },
    orders: () => fake.requests.filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/api/v3/order')),
    transfers: () => fake.requestsTo('/sapi/v1/asset/transfer', 'POST'),
    async close() {
      await running.stop('test');
      await tg.close();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
