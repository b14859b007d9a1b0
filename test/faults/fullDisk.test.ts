import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { historyPaths } from '../../src/ledger/history.js';
import type { StateData } from '../../src/ledger/schema.js';
import { FAKE_API_KEY, FAKE_API_SECRET } from '../fakes/binance.js';
import type { RecordedCall } from '../fakes/telegram.js';
import { startHarness, waitUntil, type Harness } from '../telegram/harness.js';

/**
 * Fault injection, a full disk mid-trade: the intent is saved, then every write fails (the state
 * document through the writer hook, the journals for real: they point at /dev/full, which
 * answers ENOSPC). The bot keeps what the fills told it, shows it with a warning, refuses new
 * opens, and once space returns writes it all exactly once — no restart, nothing sent again.
 */

const OWNER = 111;
const PARTNER = 222;
const live = { TRADING_MODE: 'live', BINANCE_API_KEY: FAKE_API_KEY, BINANCE_API_SECRET: FAKE_API_SECRET };
const okData = (call: RecordedCall): string => call.body.reply_markup.inline_keyboard[0][0].callback_data as string;
const lines = (file: string): unknown[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) : []);

async function ask(h: Harness, chat: number, text: string, match: RegExp): Promise<string> {
  const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === chat && match.test(String(c.body.text)), 8000);
  h.tg.sendText(chat, text);
  return String((await reply).body.text);
}

describe('faults: a full disk mid-trade', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const harnesses: Harness[] = [];
  let dir: string | undefined;
  after(async () => {
    for (const h of harnesses) await h.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs on memory with a warning, refuses new opens, and once space returns is saved once and carries on — no restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'carrybot-fulldisk-'));
    const dataFile = join(dir, 'store.json');
    const paths = historyPaths(dataFile);
    const journals = [paths.fills, paths.intents, paths.positions];
    let full = false;
    let armed = false;
    const fillDisk = () => {
      full = true;
      for (const f of journals) {
        rmSync(f, { force: true });
        symlinkSync('/dev/full', f);
      }
    };
    const h = await startHarness({
      allowed: [OWNER, PARTNER],
      env: live,
      dataFile,
      timings: { saveRetryMs: [20, 40, 80] },
      writeState: async (text) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        // atomically, as the real writer does (the test reads the file meanwhile)
        await writeFile(`${dataFile}.tmp`, text);
        await rename(`${dataFile}.tmp`, dataFile);
        // the open's intent is on disk; from here on the disk takes nothing
        if (armed && text.includes('"kind":"open"')) {
          armed = false;
          fillDisk();
        }
      },
    });
    harnesses.push(h);
    await h.running.launched;
    const { ledger } = h.running.deps;

    const preview = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined, 8000);
    h.tg.sendText(OWNER, '/open BTCUSDT 0.01');
    const p = await preview;
    armed = true;
    h.tg.sendCallback(OWNER, okData(p), { messageId: p.result.message_id, chatId: OWNER });
    await waitUntil(() => ledger.openPositions()[0]?.status === 'open' && ledger.pendingIntents().length === 0 && ledger.unsaved, 'the hedge kept in memory, unsaved', 15_000);
    assert.ok(full, 'the disk filled after the intent');
    assert.deepEqual(h.binance.orders.map((o) => `${o.market}:${o.side}`), ['futures:SELL', 'spot:BUY']);
    const onDisk = JSON.parse(readFileSync(dataFile, 'utf8')) as StateData;
    assert.equal(onDisk.intents[0]?.status, 'pending', 'the disk holds the intent: a restart now would query Binance, not forget');

    // what people see is memory, with the warning
    const status = await ask(h, PARTNER, '/status', /Status/);
    assert.match(status, /Store not saved/);
    assert.match(status, /BTCUSDT<\/b> · open/);
    assert.match(status, /hedged/);
    assert.match(await ask(h, PARTNER, '/fills', /Store not saved/), /BTCUSDT/);
    // everyone was told, from memory, while the disk refused the message
    for (const chat of [OWNER, PARTNER]) await waitUntil(() => h.tg.sentTexts(chat).some((t) => /Free disk space/.test(t)), `user ${chat} told the store is not saved`, 8000);
    // a new open waits, and says nothing was sent
    assert.match(await ask(h, PARTNER, '/open ETHUSDT 0.1', /New opens wait/), /Nothing was sent/);
    assert.equal(h.binance.orders.length, 2);
    // a /close goes ahead only if its intent can be saved: not now, and it says nothing was sent
    const closePreview = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER && c.body.reply_markup !== undefined, 8000);
    h.tg.sendText(OWNER, '/close BTCUSDT');
    const cp = await closePreview;
    const refused = h.tg.nextCall('editMessageText', (c) => c.body.message_id === cp.result.message_id && /Nothing was sent/.test(String(c.body.text)), 8000);
    h.tg.sendCallback(OWNER, okData(cp), { messageId: cp.result.message_id, chatId: OWNER });
    await refused;
    assert.equal(h.binance.orders.length, 2, 'no close order went out');
    assert.equal(ledger.openPositions()[0]?.status, 'open', 'the position is as it was');
    assert.equal(ledger.pendingIntents().length, 0);

    // space returns: nobody does anything
    full = false;
    for (const f of journals) rmSync(f, { force: true });
    await waitUntil(() => !ledger.unsaved, 'the ledger saved again', 15_000);
    const saved = JSON.parse(readFileSync(dataFile, 'utf8')) as StateData;
    assert.equal(saved.intents.length, 0, 'no intent pending on disk');
    assert.equal(saved.positions[0]?.status, 'open');
    const fills = lines(paths.fills) as Array<{ id: string }>;
    assert.equal(fills.length, 2, 'each fill written once');
    assert.equal(new Set(fills.map((f) => f.id)).size, 2);
    assert.equal(lines(paths.intents).length, 1, 'the finished intent written once');
    assert.equal(h.binance.orders.length, 2, 'nothing was sent again');
    for (const chat of [OWNER, PARTNER]) await waitUntil(() => h.tg.sentTexts(chat).some((t) => /Store saved again/.test(t)), `user ${chat} told it is saved`, 8000);
    assert.equal(h.tg.sentTexts(OWNER).filter((t) => /Store saved again/.test(t)).length, 1, 'told once');
    // the owner was told the outcome (the preview edited with it)
    await waitUntil(() => h.tg.callsOf('editMessageText', OWNER).some((c) => /BTCUSDT/.test(String(c.body.text)) && !/Sending orders/.test(String(c.body.text))), 'the outcome told', 8000);
    assert.doesNotMatch(await ask(h, PARTNER, '/status', /Status/), /Store not saved/);
    // new opens work again
    await ask(h, PARTNER, '/open ETHUSDT 0.1', /ETHUSDT/);
    const before = ledger.openPositions();

    // a restart shows the same
    await h.close();
    harnesses.length = 0;
    const again = await startHarness({ allowed: [OWNER, PARTNER], env: live, dataFile });
    harnesses.push(again);
    await again.running.launched;
    assert.deepEqual(again.running.deps.ledger.openPositions(), before);
    assert.equal(again.running.deps.ledger.pendingIntents().length, 0);
    assert.equal(again.running.deps.ledger.latestFills({ symbol: 'BTCUSDT' }).length, 2);
  });
});
