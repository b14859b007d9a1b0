import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildUniverse } from '../../src/market/universe.js';
import { info, rules } from './stubs.js';

const futures = info('futures', [
  rules('BTCUSDT', 'futures'),
  rules('ETHUSDT', 'futures'),
  rules('AAAUSDT', 'futures'),
  rules('BTCUSDT_250627', 'futures', { contractType: 'CURRENT_QUARTER' }), // delivery contract
  rules('BTCUSDC', 'futures', { quoteAsset: 'USDC' }),
  rules('OLDUSDT', 'futures', { status: 'SETTLING' }),
  rules('PERPONLYUSDT', 'futures'), // no spot pair
  rules('HALTUSDT', 'futures'),
]);
const spot = info('spot', [
  rules('BTCUSDT', 'spot'),
  rules('ETHUSDT', 'spot'),
  rules('AAAUSDT', 'spot'),
  rules('BTCUSDC', 'spot', { quoteAsset: 'USDC' }),
  rules('OLDUSDT', 'spot'),
  rules('HALTUSDT', 'spot', { status: 'BREAK' }), // spot halted: cannot buy the long leg
]);

describe('buildUniverse', () => {
  it('keeps TRADING USDT perpetuals with a TRADING spot pair, sorted', () => {
    const u = buildUniverse(spot, futures);
    assert.deepEqual(
      u.entries.map((e) => e.symbol),
      ['AAAUSDT', 'BTCUSDT', 'ETHUSDT'],
    );
    assert.equal(u.bySymbol.get('BTCUSDT')?.spot.market, 'spot');
    assert.equal(u.bySymbol.get('BTCUSDT')?.futures.market, 'futures');
    assert.equal(u.bySymbol.get('BTCUSDT')?.baseAsset, 'BTC');
    assert.deepEqual(u.missing, []);
  });

  it('intersects the SYMBOLS watchlist and reports what is missing', () => {
    const u = buildUniverse(spot, futures, ['ethusdt', 'BTCUSDT', 'HALTUSDT', 'NOPEUSDT']);
    assert.deepEqual(
      u.entries.map((e) => e.symbol),
      ['BTCUSDT', 'ETHUSDT'],
    );
    assert.deepEqual(u.missing, ['HALTUSDT', 'NOPEUSDT']);
  });

  it('an empty watchlist means the whole market', () => {
    assert.equal(buildUniverse(spot, futures, []).entries.length, 3);
  });
});
