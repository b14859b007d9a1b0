import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Telegram } from 'telegraf';
import { createLogger } from '../../src/logger.js';
import { createI18n } from '../../src/telegram/i18n.js';
import { createNotifier } from '../../src/telegram/notifier.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

describe('notifier over the fake Bot API', () => {
  let tg: FakeTelegram;
  const sleeps: number[] = [];
  const users: Record<string, { lang?: string; alerts: boolean }> = {};
  const logger = createLogger({ level: 'silent' });
  const i18n = createI18n();
  let notifier: ReturnType<typeof createNotifier>;

  before(async () => {
    tg = await startFakeTelegram();
    notifier = createNotifier({
      telegram: new Telegram(tg.token, { apiRoot: tg.url }),
      config: { telegram: { allowedUsers: [1, 2, 3], apiRoot: tg.url }, locale: 'en' },
      ledger: { userSettings: (id) => users[String(id)] },
      i18n,
      logger,
      baseDelayMs: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });
  after(() => tg.close());
  beforeEach(() => {
    tg.clearCalls();
    tg.clearInjections();
    sleeps.length = 0;
    for (const k of Object.keys(users)) delete users[k];
  });

  const hello = () => ({ text: '<b>hello</b>' });

  it('honours 429 retry_after and delivers the message', async () => {
    tg.inject({ method: 'sendMessage', status: 429, retryAfter: 3 });
    await notifier.send(1, hello);
    assert.deepEqual(sleeps, [3000]);
    assert.deepEqual(tg.sentTexts(1), ['<b>hello</b>']);
    assert.equal(tg.callsOf('sendMessage')[0]!.body.parse_mode, 'HTML');
  });

  it('retries 5xx and a reset connection with backoff; nothing is lost', async () => {
    tg.inject({ method: 'sendMessage', status: 502 });
    tg.inject({ method: 'sendMessage', reset: true });
    await notifier.send(1, hello);
    assert.deepEqual(sleeps, [10, 20]);
    assert.deepEqual(tg.sentTexts(1), ['<b>hello</b>']);
  });

  it('gives up after 3 attempts (6 when critical) without throwing; 403 is not retried', async () => {
    tg.inject({ method: 'sendMessage', status: 500, times: 10 });
    await notifier.send(1, hello);
    assert.equal(tg.calls.filter((c) => c.method === 'sendMessage').length, 3);
    tg.clearCalls();
    tg.clearInjections();
    tg.inject({ method: 'sendMessage', status: 500, times: 10 });
    await notifier.send(1, hello, { critical: true });
    assert.equal(tg.calls.filter((c) => c.method === 'sendMessage').length, 6);
    tg.clearCalls();
    tg.clearInjections();
    tg.inject({ method: 'sendMessage', status: 403, description: 'Forbidden: bot was blocked by the user', times: 10 });
    tg.inject({ method: 'sendMessage', status: 500, times: 10 }); // would be retried if reached
    await notifier.send(1, hello);
    assert.equal(tg.calls.filter((c) => c.method === 'sendMessage').length, 1);
  });

  it('broadcast: every allowlisted user in their language; alert(): only users with alerts on', async () => {
    users['2'] = { lang: 'ru', alerts: true };
    users['3'] = { alerts: false };
    await notifier.broadcast((t) => ({ text: t.t('core.lang.set') }));
    assert.deepEqual(tg.sentTexts(1), ['Language set to English.']);
    assert.deepEqual(tg.sentTexts(2), ['Язык: русский.']);
    assert.deepEqual(tg.sentTexts(3), ['Language set to English.']);
    tg.clearCalls();
    await notifier.alert(() => ({ text: 'x' }));
    assert.deepEqual(
      tg.callsOf('sendMessage').map((c) => c.body.chat_id).sort(),
      [1, 2],
    );
  });

  it('splits long messages and puts the buttons under the last part', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `row ${i} ${'x'.repeat(20)}`);
    await notifier.send(1, () => ({ text: `<pre>${rows.join('\n')}</pre>`, buttons: [[{ text: 'OK', data: 'core:ok' }, { text: 'No', data: 'core:no' }]] }));
    const calls = tg.callsOf('sendMessage', 1);
    assert.ok(calls.length >= 3);
    for (const c of calls) {
      const text = String(c.body.text);
      assert.ok(text.length <= 4096);
      assert.ok(text.startsWith('<pre>') && text.endsWith('</pre>'), 'each part is a whole <pre>');
    }
    assert.deepEqual(calls.at(-1)!.body.reply_markup, {
      inline_keyboard: [[{ text: 'OK', callback_data: 'core:ok' }, { text: 'No', callback_data: 'core:no' }]],
    });
    assert.ok(calls.slice(0, -1).every((c) => c.body.reply_markup === undefined));
    const joined = calls.map((c) => String(c.body.text).replace(/^<pre>|<\/pre>$/g, '')).join('\n');
    assert.equal(joined, rows.join('\n'));
  });

  it('resends as plain text when Telegram rejects the HTML; a throwing render never escapes', async () => {
    tg.inject({ method: 'sendMessage', status: 400, description: "Bad Request: can't parse entities: unexpected end tag" });
    await notifier.send(1, () => ({ text: '<b>a &lt; b</b>' }));
    const ok = tg.callsOf('sendMessage', 1);
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.body.text, 'a < b');
    assert.equal(ok[0]!.body.parse_mode, undefined);
    await notifier.send(1, () => {
      throw new Error('render bug');
    });
  });
});
