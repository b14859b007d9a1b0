import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  bookTickerSchema,
  exchangeInfoSchema,
  fundingInfoListSchema,
  fundingRateListSchema,
  incomeListSchema,
  premiumIndexSchema,
  spotOrderSchema,
} from '../../src/binance/schemas.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

test('futures exchangeInfo (seed sample): filters parsed into SymbolRules, weight limit from rateLimits', () => {
  const info = exchangeInfoSchema('futures').parse(fixture('futures-exchangeInfo.json'));
  assert.equal(info.market, 'futures');
  assert.equal(info.weightLimit1m, 2400);
  assert.deepEqual(info.symbols.get('BLZUSDT'), {
    symbol: 'BLZUSDT',
    market: 'futures',
    status: 'TRADING',
    baseAsset: 'BLZ',
    quoteAsset: 'USDT',
    stepSize: '1',
    minQty: '1',
    maxQty: '10000000',
    marketStepSize: '1',
    marketMinQty: '1',
    marketMaxQty: '590119',
    minNotional: '5.0',
    tickSize: '0.0001',
    contractType: 'PERPETUAL',
    // what can refuse a MARKET leg beyond LOT_SIZE and MIN_NOTIONAL
    multiplierUp: '1.1500',
    multiplierDown: '0.8500',
    marketTakeBound: '0.30',
  });
  const btc = info.symbols.get('BTCUSDT');
  assert.equal(btc?.minNotional, '100');
  assert.equal(btc?.marketMaxQty, '120');
  assert.equal(btc?.tickSize, '0.10');
});

test('spot exchangeInfo: NOTIONAL minNotional; zero MARKET_LOT_SIZE falls back to LOT_SIZE', () => {
  const info = exchangeInfoSchema('spot').parse(fixture('spot-exchangeInfo.json'));
  assert.equal(info.weightLimit1m, 6000);
  const btc = info.symbols.get('BTCUSDT');
  assert.ok(btc);
  assert.equal(btc.minNotional, '5.00000000');
  assert.equal(btc.stepSize, '0.00001000');
  assert.equal(btc.marketStepSize, '0.00001000'); // MARKET_LOT_SIZE stepSize "0.00000000"
  assert.equal(btc.marketMinQty, '0.00001000'); // MARKET_LOT_SIZE minQty "0.00000000"
  assert.equal(btc.marketMaxQty, '83.73416045'); // non-zero: kept
  assert.equal(btc.contractType, undefined);
});

test('spot exchangeInfo: legacy MIN_NOTIONAL is read when NOTIONAL is absent; symbols without LOT_SIZE are skipped', () => {
  const raw = fixture('spot-exchangeInfo.json') as { symbols: Array<{ symbol: string; filters: Array<Record<string, unknown>> }> };
  const sym = raw.symbols[0]!;
  const legacy = {
    ...sym,
    symbol: 'OLDUSDT',
    filters: sym.filters.filter((f) => f.filterType !== 'NOTIONAL' && f.filterType !== 'MARKET_LOT_SIZE').concat([{ filterType: 'MIN_NOTIONAL', minNotional: '10.00000000' }]),
  };
  const noLot = { ...sym, symbol: 'NOLOTUSDT', filters: sym.filters.filter((f) => f.filterType !== 'LOT_SIZE') };
  const info = exchangeInfoSchema('spot').parse({ ...raw, symbols: [sym, legacy, noLot] });
  assert.equal(info.symbols.get('OLDUSDT')?.minNotional, '10.00000000');
  assert.equal(info.symbols.get('OLDUSDT')?.marketStepSize, '0.00001000'); // MARKET_LOT_SIZE absent
  assert.equal(info.symbols.has('NOLOTUSDT'), false);
});

test('exchangeInfo rejects a symbol missing a required field', () => {
  const raw = fixture('futures-exchangeInfo.json') as { symbols: Array<Record<string, unknown>> };
  const broken = { ...raw, symbols: [{ ...raw.symbols[0], status: undefined }] };
  assert.equal(exchangeInfoSchema('futures').safeParse(broken).success, false);
});

test('600-symbol futures exchangeInfo: every symbol kept, each with its own rules', () => {
  const raw = fixture('futures-exchangeInfo.json') as { symbols: Array<Record<string, unknown>> };
  const many = { ...raw, symbols: Array.from({ length: 600 }, (_, i) => ({ ...raw.symbols[1], symbol: `S${i}USDT` })) };
  const info = exchangeInfoSchema('futures').parse(many);
  assert.equal(info.symbols.size, 600);
  const one = exchangeInfoSchema('futures').parse({ ...raw, symbols: [raw.symbols[1]] });
  const [first] = [...one.symbols.values()];
  assert.deepEqual({ ...info.symbols.get('S599USDT'), symbol: first!.symbol }, first);
});

test('premiumIndex (live seed response) keeps decimal strings', () => {
  const p = premiumIndexSchema.parse(fixture('futures-premiumIndex-BTCUSDT.json'));
  assert.deepEqual(p, {
    symbol: 'BTCUSDT',
    markPrice: '114873.40000000',
    indexPrice: '114915.30608696',
    lastFundingRate: '0.00008425',
    interestRate: '0.00010000',
    nextFundingTime: 1757952000000,
    time: 1757935716002,
  });
});

test('fundingRate history (live seed rows)', () => {
  const rows = fundingRateListSchema.parse(fixture('futures-fundingRate-BTCUSDT.json'));
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[5], { symbol: 'BTCUSDT', fundingRate: '0.00001939', fundingTime: 1755216000000, markPrice: '118245.12016304' });
  // markPrice is optional (older rows send "" or omit it)
  assert.deepEqual(fundingRateListSchema.parse([{ symbol: 'X', fundingRate: '0.0001', fundingTime: 1, markPrice: '' }]), [
    { symbol: 'X', fundingRate: '0.0001', fundingTime: 1 },
  ]);
});

test('fundingInfo (live seed rows): interval and caps, extra fields ignored', () => {
  const rows = fundingInfoListSchema.parse(fixture('futures-fundingInfo.json'));
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[1], { symbol: 'LPTUSDT', fundingIntervalHours: 4, adjustedFundingRateCap: '0.02000000', adjustedFundingRateFloor: '-0.02000000' });
  assert.equal(rows[0]?.fundingIntervalHours, 8); // adjusted caps with the standard interval are listed too
});

test('bookTicker (live seed response)', () => {
  assert.deepEqual(bookTickerSchema.parse(fixture('futures-bookTicker-BTCUSDT.json')), {
    symbol: 'BTCUSDT',
    bidPrice: '114867.50',
    bidQty: '4.414',
    askPrice: '114867.60',
    askQty: '17.364',
  });
});

test('income: numeric tranId normalised to string', () => {
  const rows = incomeListSchema.parse([
    { symbol: 'BTCUSDT', incomeType: 'FUNDING_FEE', income: '-0.37500000', asset: 'USDT', info: 'FUNDING_FEE', time: 1570636800000, tranId: 9689322392, tradeId: '' },
  ]);
  assert.equal(rows[0]?.tranId, '9689322392');
});

test('spot order: a missing required field fails the schema', () => {
  assert.equal(spotOrderSchema.safeParse({ symbol: 'BTCUSDT', orderId: 1 }).success, false);
});
