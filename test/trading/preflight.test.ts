import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import { dec } from '../../src/money.js';
import { createI18n } from '../../src/telegram/i18n.js';
import { CHAT, USER, harnessPerTest } from './helpers.js';

/** Every filter that would refuse a leg refuses the open at preview: named, and nothing sent. */

const s = harnessPerTest();

const t = createI18n().translator('en');

/** previewOpen refuses with this key; the reply names the filter; no order of any kind went out. */
async function refused(key: string, filter: RegExp) {
  await assert.rejects(s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01'), (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.key, key);
    assert.match(t.t(err.key, err.params), filter);
    return true;
  });
  assert.equal(s.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/order')).length, 0, 'no order sent');
}

test('spot MAX_POSITION: what is held plus the BUY above the limit is refused before any order', async () => {
  s.fake.setFilters('BTCUSDT', 'spot', { maxPosition: '0.015' });
  s.fake.setSpotBalance('BTC', '0.008');
  await refused('trading.error.filter_max_position', /MAX_POSITION/);
});

test('spot NOTIONAL maxNotional (applied to MARKET) at the average price: refused before any order', async () => {
  s.fake.setFilters('BTCUSDT', 'spot', { maxNotional: '1000', applyMaxToMarket: true });
  await refused('trading.error.filter_notional_max', /NOTIONAL/);
  assert.equal(s.fake.requestsTo('/api/v3/avgPrice').length, 1, 'judged at the avgPriceMins average, as Binance does');
});

test('spot NOTIONAL minimum at the average price (not the ask): refused before any order', async () => {
  s.fake.setFilters('BTCUSDT', 'spot', { avgPrice: '100' }); // 0.01 × 100 = 1 USDT < 5
  await refused('trading.error.filter_notional_min', /NOTIONAL/);
});

test('futures PERCENT_PRICE: a best bid further below the mark than marketTakeBound is refused before any order', async () => {
  const f = s.fake.symbols.get('BTCUSDT')!.futures!;
  f.bid = dec(f.markPrice).mul('0.93').toDecimalPlaces(1).toFixed();
  await refused('trading.error.filter_percent_price', /PERCENT_PRICE/);
});

test('within every filter the open goes through (the checks are not over-eager)', async () => {
  s.fake.setFilters('BTCUSDT', 'spot', { maxPosition: '1', maxNotional: '100000', applyMaxToMarket: true });
  const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
  const r = await s.h.trading.confirm(token, USER);
  assert.equal(r.kind === 'open' && r.outcome.kind, 'opened');
});
