import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/errors.js';
import { createBot } from '../../src/telegram/bot.js';
import type { Feature } from '../../src/telegram/context.js';
import { MENU_COMMANDS } from '../../src/telegram/menu.js';
import { replyHtml } from '../../src/telegram/reply.js';
import { startFakeTelegram } from '../fakes/telegram.js';
import { expectedNextText } from '../helpers/clockText.js';
import { startHarness, type Harness } from './harness.js';

const OWNER = 111;
const STRANGER = 999;

describe('bot in-process against fake Telegram + fake Binance', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER] });
    await h.running.launched;
  });
  after(async () => {
    await h.close();
  });

  const ask = async (text: string, from = OWNER) => {
    const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === from);
    h.tg.sendText(from, text);
    return String((await reply).body.text);
  };

  it('registers the command menu in en (default) and ru with every command', async () => {
    await h.tg.waitFor('setMyCommands', (c) => c.body.language_code === 'ru');
    for (const lang of ['', 'en', 'ru']) {
      const cmds = h.tg.commands.get(lang);
      assert.ok(cmds, `menu for "${lang}"`);
      assert.deepEqual(cmds.map((c) => c.command), [...MENU_COMMANDS]);
      for (const c of cmds) assert.ok(c.description.length > 0 && !c.description.startsWith('core.'));
    }
    assert.match(h.tg.commands.get('ru')!.find((c) => c.command === 'signals')!.description, /сигнал/);
  });

  it('/help lists every command with examples, in HTML', async () => {
    const text = await ask('/help');
    assert.ok(!/core\.\w/.test(text), 'no untranslated keys');
    for (const c of ['/signals', '/funding', '/open', '/close', '/status', '/pnl', '/fills', '/pause', '/resume', '/lang', '/help', '/start']) {
      assert.ok(text.includes(c), `help mentions ${c}`);
    }
    assert.match(text, /<code>\/funding BTCUSDT<\/code>/);
    const call = h.tg.callsOf('sendMessage', OWNER).at(-1)!;
    assert.equal(call.body.parse_mode, 'HTML');
  });

  it('a stranger gets their id once per window and nothing executes', async () => {
    // everything but the last handled update_id (bookkeeping of what was received)
    const state = () => JSON.stringify({ ...h.running.deps.ledger.snapshot(), lastUpdateId: undefined });
    const before = state();
    const first = await ask('/pause', STRANGER);
    assert.match(first, /999/);
    assert.equal(h.running.deps.ledger.snapshot().paused, false);
    // second attempt inside the window: no reply at all; prove it by a later owner reply
    h.tg.sendText(STRANGER, '/pause');
    h.tg.sendText(STRANGER, '/signals');
    await ask('/help');
    assert.equal(h.tg.sentTexts(STRANGER).length, 1);
    // a button tap from a stranger: answered, nothing else
    const answered = h.tg.nextCall('answerCallbackQuery');
    h.tg.sendCallback(STRANGER, 'trade:confirm:abc');
    assert.match(String((await answered).body.text), /999/);
    assert.equal(h.tg.sentTexts(STRANGER).length, 1);
    assert.equal(state(), before);
    assert.ok(h.logs.filter((l) => l.msg === 'unauthorized Telegram user' && l.userId === STRANGER).length >= 4);
  });

  it('a stranger is answered in their Telegram language', async () => {
    const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === 777);
    h.tg.sendText(777, '/start', { languageCode: 'ru' });
    assert.match(String((await reply).body.text), /У вас нет доступа.*\n.*<code>777<\/code>/);
  });

  it('a stranger in a group with an allowlisted chat id is still refused (by sender)', async () => {
    const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
    h.tg.sendText(555, '/pause', { chatId: OWNER, chatType: 'private' });
    assert.match(String((await reply).body.text), /555/);
    assert.equal(h.running.deps.ledger.snapshot().paused, false);
  });

  it('/funding escapes hostile input and refuses it', async () => {
    const text = await ask('/funding <b>x</b>');
    assert.ok(text.includes('&lt;b&gt;x&lt;/b&gt;'), text);
    assert.ok(!text.includes('<b>x'), text);
  });

  it('unknown command and bad arguments get usage', async () => {
    assert.match(await ask('/frobnicate'), /\/frobnicate.*\/help/);
    assert.match(await ask('/signals lots'), /\/signals \[n\]/);
    assert.match(await ask('/signals 500'), /\/signals \[n\]/);
    assert.match(await ask('/funding'), /\/funding SYMBOL/);
    assert.match(await ask('/funding NOPEUSDT'), /NOPEUSDT is not a USDT perpetual/);
  });
});

describe('core commands: numbers, language, pause', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER, 222] });
    await h.running.launched;
  });
  after(async () => {
    await h.close();
  });

  const ask = async (text: string, from = OWNER) => {
    const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === from);
    h.tg.sendText(from, text);
    return String((await reply).body.text);
  };
  /** /funding and /signals answer with a chart: its caption and any message right after it are the text */
  const askChart = async (text: string, from = OWNER) => {
    // the first chart starts the renderer's child process: seconds under a loaded machine
    const photo = h.tg.nextCall('sendPhoto', (c) => c.body.chat_id === from, 20_000);
    h.tg.sendText(from, text);
    const call = await photo;
    await new Promise((r) => setTimeout(r, 200)); // the rest of a long caption follows as a message
    const rest = h.tg.calls.slice(h.tg.calls.indexOf(call) + 1).filter((c) => c.method === 'sendMessage' && c.body.chat_id === from);
    return [String(call.body.caption), ...rest.map((c) => String(c.body.text))].join('\n');
  };

  /** the 7-day mean funding APR % straight from the fake's settled history */
  const apr7dOf = (symbol: string, periodsPerDay: number) => {
    const now = Date.now();
    const rows = h.binance.symbols.get(symbol)!.fundingHistory.filter((r) => r.fundingTime > now - 7 * 86_400_000);
    return (rows.reduce((a, r) => a + Number(r.fundingRate), 0) / rows.length) * periodsPerDay * 365 * 100;
  };

  it('/signals shows the signals with rate, interval, 7d and net APR from the market', async () => {
    const text = await askChart('/signals');
    assert.match(text, /<pre>/);
    const lpt = apr7dOf('LPTUSDT', 6);
    const trb = apr7dOf('TRBUSDT', 24);
    const fee = 2 * (0.001 + 0.0005) * 100;
    // LPTUSDT: 0.025% per 4h
    assert.ok(text.includes(`LPTUSDT +0.0250  4h  ${lpt.toFixed(1)}  ${(lpt - (fee * 365) / 30).toFixed(1)}`), text);
    assert.ok(text.includes(`TRBUSDT +0.0350  1h ${trb.toFixed(1)} ${(trb - (fee * 365) / 30).toFixed(1)}`), text);
    assert.ok(text.includes('1h interval (capped)'), 'TRB warns about the 1h cap');
    assert.ok(!text.includes('BTCUSDT'), 'BTC (net ~5%) is not a signal');
    // ranked by net APR
    assert.ok(text.indexOf('TRBUSDT') < text.indexOf('LPTUSDT') && text.indexOf('LPTUSDT') < text.indexOf('SOLUSDT'));
    const one = await askChart('/signals 1');
    assert.ok(one.includes('TRBUSDT') && !one.includes('LPTUSDT'));
  });

  it('/signals with no signal says so and shows the best candidates', async () => {
    for (const s of ['TRBUSDT', 'LPTUSDT', 'SOLUSDT']) h.binance.setFunding(s, { lastFundingRate: '-0.00010000' });
    await h.running.deps.market.scan(); // refresh the cached scan (the command reuses one ≤ 1 min old)
    try {
      const text = await askChart('/signals 3');
      assert.match(text, /No signals right now/);
      assert.match(text, /Best candidates/);
      assert.match(text, /<pre>Symbol/);
    } finally {
      h.binance.setFunding('TRBUSDT', { lastFundingRate: '0.00035000' });
      h.binance.setFunding('LPTUSDT', { lastFundingRate: '0.00025000' });
      h.binance.setFunding('SOLUSDT', { lastFundingRate: '0.00012000' });
      await h.running.deps.market.scan();
    }
  });

  it('/funding shows rate, interval, next settlement, APR now/7d/30d and the last settlements', async () => {
    // pin the settlement 2 h ahead: the fake's default is the next boundary after it started,
    // which reads "(now)" when the test happens to run exactly at a settlement time
    const next = Date.now() + 2 * 3_600_000 + 60_000;
    h.binance.setFunding('LPTUSDT', { nextFundingTime: next });
    const text = await askChart('/funding lptusdt');
    assert.match(text, /<b>LPTUSDT<\/b>/);
    assert.match(text, /Rate: +\+0\.0250% \/ 4h/);
    assert.match(text, /APR now: +\+54\.75%/);
    assert.ok(text.includes(`7d mean:  +${apr7dOf('LPTUSDT', 6).toFixed(2)}%`), text);
    assert.match(text, /30d mean: +\+\d+\.\d\d%/);
    assert.match(text, expectedNextText(next));
    const last = h.binance.symbols.get('LPTUSDT')!.fundingHistory.at(-1)!;
    assert.ok(text.includes(`+${(Number(last.fundingRate) * 100).toFixed(4)}%`), 'latest settlement listed');
    assert.equal((text.match(/\d\d\/\d\d \d\d:\d\d [+-]/g) ?? []).length, 9, 'nine settlements');
  });

  it('/lang ru switches later replies (and only for that user); bad code lists languages', async () => {
    assert.match(await ask('/lang xx'), /Unknown language “xx”. Available: en, ru/);
    assert.equal(await ask('/lang ru'), 'Язык: русский.');
    assert.equal(h.running.deps.ledger.snapshot().users[String(OWNER)]?.lang, 'ru');
    assert.match(await ask('/help'), /<b>Команды<\/b>/);
    assert.match(await askChart('/funding SOLUSDT'), /Ставка: +\+0,0120\u00a0% \/ 4ч/);
    assert.match(await ask('/help', 222), /<b>Commands<\/b>/);
    assert.equal(await ask('/lang en'), 'Language set to English.');
  });

  it('/pause records who and when; /resume clears it', async () => {
    assert.match(await ask('/pause'), /Paused/);
    assert.equal(h.running.deps.ledger.snapshot().paused, true);
    assert.match(h.running.deps.ledger.snapshot().pausedReason ?? '', /User111 \(111\), \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    assert.match(await ask('/pause'), /Already paused/);
    const start = await ask('/start');
    assert.match(start, /paused/);
    assert.ok(!/core\.\w/.test(start), 'no untranslated keys');
    assert.match(await ask('/resume'), /Resumed/);
    assert.equal(h.running.deps.ledger.snapshot().paused, false);
    assert.match(await ask('/resume'), /not paused/);
  });

  it('an unclaimed button is answered as stale', async () => {
    const answered = h.tg.nextCall('answerCallbackQuery');
    h.tg.sendCallback(OWNER, 'nobody:xyz');
    assert.match(String((await answered).body.text), /no longer active/);
  });
});

describe('createBot: features, errors, callback routing', () => {
  it('runs features after the allowlist, turns UserError into its text and other errors into a generic reply', async () => {
    const h = await startHarness({ allowed: [OWNER] });
    const tg = await startFakeTelegram();
    const seen: string[] = [];
    const feature: Feature = (bot) => {
      bot.command('usererr', () => {
        throw new UserError('core.errors.unknownSymbol', { symbol: '<X>' });
      });
      bot.command('missingkey', () => {
        throw new UserError('nowhere.key');
      });
      bot.command('boom', () => {
        throw new Error('secret internals');
      });
      bot.action(/^demo:/, async (ctx) => {
        seen.push('data' in ctx.callbackQuery ? ctx.callbackQuery.data : '');
        await ctx.answerCbQuery('ok');
        await replyHtml(ctx, { text: 'done', buttons: [[{ text: 'again', data: 'demo:2' }]] });
      });
    };
    const deps = h.running.deps;
    const bot = createBot({ ...deps, config: { ...deps.config, telegram: { ...deps.config.telegram, apiRoot: tg.url, token: tg.token } } }, [feature]);
    const polling = bot.launch();
    try {
      const ask = async (text: string) => {
        const reply = tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER);
        tg.sendText(OWNER, text);
        return String((await reply).body.text);
      };
      assert.equal(await ask('/usererr'), '&lt;X&gt; is not a USDT perpetual with a spot pair on Binance.');
      assert.match(await ask('/missingkey'), /Something went wrong/);
      const generic = await ask('/boom');
      assert.match(generic, /Something went wrong/);
      assert.ok(!generic.includes('secret internals'));
      assert.ok(h.logs.some((l) => l.msg === 'update handler failed'), 'internal error logged');
      const answered = tg.nextCall('answerCallbackQuery');
      const done = tg.nextCall('sendMessage', (c) => c.body.text === 'done');
      tg.sendCallback(OWNER, 'demo:1');
      assert.equal((await answered).body.text, 'ok');
      assert.deepEqual((await done).body.reply_markup, { inline_keyboard: [[{ text: 'again', callback_data: 'demo:2' }]] });
      assert.deepEqual(seen, ['demo:1']);
      // strangers never reach features
      const refused = tg.nextCall('answerCallbackQuery');
      tg.sendCallback(STRANGER, 'demo:3');
      await refused;
      assert.deepEqual(seen, ['demo:1']);
    } finally {
      bot.stop('test');
      await polling;
      await tg.close();
      await h.close();
    }
  });
});
