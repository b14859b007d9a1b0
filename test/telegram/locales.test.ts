import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createI18n, loadCatalogs, placeholders } from '../../src/telegram/i18n.js';
import { MENU_COMMANDS } from '../../src/telegram/menu.js';

describe('locales', () => {
  const catalogs = loadCatalogs();

  it('has en and ru, every language with the same keys and the same placeholders (all namespaces)', () => {
    assert.ok(catalogs.has('en') && catalogs.has('ru'));
    const en = catalogs.get('en')!;
    for (const [lang, catalog] of catalogs) {
      if (lang === 'en') continue;
      const missing = [...en.keys()].filter((k) => !catalog.has(k));
      const extra = [...catalog.keys()].filter((k) => !en.has(k));
      assert.deepEqual(missing, [], `${lang} lacks keys`);
      assert.deepEqual(extra, [], `${lang} has keys en lacks`);
      for (const [key, leaf] of en) {
        assert.deepEqual(placeholders(catalog.get(key)!), placeholders(leaf), `placeholders of ${key} in ${lang}`);
        assert.equal(typeof catalog.get(key), typeof leaf, `${key}: plural in one language only`);
      }
    }
  });

  it('every namespace file is covered and every menu command has a description and help line', () => {
    const en = catalogs.get('en')!;
    assert.ok([...en.keys()].some((k) => k.startsWith('core.')));
    for (const c of MENU_COMMANDS) {
      assert.ok(en.has(`core.menu.${c}`), `core.menu.${c}`);
      assert.ok(en.has(`core.help.${c}`), `core.help.${c}`);
    }
  });

  it('interpolates with escaping (except *Html params), plural forms by count, fallback to the key', () => {
    const i18n = createI18n({ defaultLang: 'en' });
    const en = i18n.translator('en');
    const ru = i18n.translator('ru');
    assert.equal(en.t('core.funding.unknownSymbol', { symbol: '<b>x</b>' }), '&lt;b&gt;x&lt;/b&gt; is not a USDT perpetual with a spot pair on Binance.');
    assert.equal(en.t('core.errors.usage', { usageHtml: '<code>/x</code>' }), 'Usage: <code>/x</code>');
    assert.match(en.t('core.push.entered', { count: 1 }), /1 new signal</);
    assert.match(en.t('core.push.entered', { count: 2 }), /2 new signals</);
    assert.match(ru.t('core.push.entered', { count: 1 }), /1 новый сигнал</);
    assert.match(ru.t('core.push.entered', { count: 3 }), /3 новых сигнала</);
    assert.match(ru.t('core.push.entered', { count: 5 }), /5 новых сигналов</);
    assert.equal(en.t('no.such.key'), 'no.such.key');
    assert.equal(i18n.translator('xx').lang, 'en');
    assert.equal(i18n.fromTelegram('ru-RU'), 'ru');
    assert.equal(i18n.fromTelegram('de'), 'en');
  });

  it('formats numbers, percent, USDT, times and countdowns per locale', () => {
    const now = Date.UTC(2025, 8, 14, 13, 45);
    const i18n = createI18n({ now: () => now });
    const en = i18n.translator('en');
    const ru = i18n.translator('ru');
    assert.equal(en.num('1234.5678', 2), '1,234.57');
    assert.equal(ru.num('1234.5678', 2), '1\u00a0234,57');
    assert.equal(en.pct(12.3456), '12.35%');
    assert.equal(en.pct(-0.5, 1, { sign: true }), '-0.5%');
    assert.equal(ru.pct(0.5, 1, { sign: true }), '+0,5\u00a0%');
    assert.equal(en.usdt('-1234.5', { sign: true }), '-1,234.50\u00a0USDT');
    assert.equal(en.num('abc'), '—');
    assert.equal(en.time(Date.UTC(2025, 8, 14, 16, 0)), '16:00 UTC');
    assert.equal(en.time(Date.UTC(2025, 8, 15, 0, 0)), 'Sep 15 00:00 UTC', 'date added when not today');
    assert.equal(en.countdown(Date.UTC(2025, 8, 14, 16, 0)), 'in 2 h 15 min');
    assert.equal(ru.countdown(Date.UTC(2025, 8, 14, 16, 0)), 'через 2 ч 15 мин');
    assert.equal(en.countdown(now + 3 * 86_400_000 + 3_600_000), 'in 3 d 1 h');
    assert.equal(en.countdown(now - 5 * 60_000), '5 min ago');
    assert.equal(en.countdown(now + 10_000), 'now');
  });
});
