import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hedgeDrift } from '../../src/ledger/pnl.js';
import { dec } from '../../src/money.js';
import { createI18n } from '../../src/telegram/i18n.js';
import { renderFills, renderPnl } from '../../src/telegram/ledger/pnlView.js';
import { CHAT, USER, harnessPerTest } from './helpers.js';

/** What an open really pays and leaves held: the account's rates, the spot fee's asset, the hedge. */

const s = harnessPerTest({ setup: (f) => void (f.bnbFees = false) });

const STEP = dec('0.00001'); // BTCUSDT spot LOT_SIZE
const t = createI18n().translator('en');

async function open(qty: string) {
  const { token, preview } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', qty);
  const result = await s.h.trading.confirm(token, USER);
  assert.equal(result.kind === 'open' && result.outcome.kind, 'opened');
  const [fut, spot] = [s.fake.requestsTo('/fapi/v1/order', 'POST')[0]!, s.fake.requestsTo('/api/v3/order', 'POST')[0]!];
  return { preview, fut, spot, pos: s.h.ledger.snapshot().positions[0]! };
}

test('fee taken from the coin: the spot BUY is grossed up, net spot ≥ the short and < one step above; /status hedged', async () => {
  s.fake.spotCommissionRate = '0.00095'; // the account's rate, not the configured 0.001
  const { preview, fut, spot, pos } = await open('0.077');
  assert.equal(s.fake.requestsTo('/api/v3/account/commission').length, 1, 'rates read from the account');
  assert.equal(preview.spotFeeRate, '0.00095');
  assert.equal(preview.spotFeeAsset, 'base');
  assert.equal(fut.params.quantity, '0.077');
  assert.equal(spot.params.quantity, preview.spotGrossQty);
  const held = s.fake.spotBalances.get('BTC')!.free;
  assert.ok(held.gte('0.077'), `net spot ${held} covers the short`);
  assert.ok(held.lt(dec('0.077').plus(STEP)), `net spot ${held} less than one step above`);
  assert.equal(pos.spotQty, held.toFixed(), 'the ledger holds what the wallet holds');
  assert.equal(preview.spotNetQty, held.toFixed(), 'the preview said so');
  assert.ok(hedgeDrift(pos).isZero(), '/status: hedged');
});

test('BNB fees: the coin arrives whole (no gross-up); the BNB commission valued at the BNB price, exact', async () => {
  s.fake.bnbFees = true;
  s.fake.setSymbol({ symbol: 'BNBUSDT', spot: { bid: '600.00', ask: '600.01', last: '600.00' }, futures: null });
  s.fake.setSpotBalance('BNB', '1');
  const { preview, fut, spot, pos } = await open('0.01');
  assert.equal(preview.spotFeeAsset, 'BNB');
  assert.equal(preview.spotFeeRate, '0.00075', 'the BNB discount applied');
  assert.equal(spot.params.quantity, fut.params.quantity);
  assert.equal(pos.spotQty, pos.futuresQty);
  const order = s.fake.orders.find((o) => o.market === 'spot')!;
  assert.equal(order.commissionAsset, 'BNB');
  const fill = s.h.ledger.snapshot().fills.find((f) => f.market === 'spot')!;
  assert.equal(fill.commissionAsset, 'BNB');
  assert.equal(fill.feeUsdt, dec(order.commission).mul('600').toFixed());
  assert.equal(fill.feeUnknown, undefined, 'exact: the BNB price was known');
  assert.doesNotMatch(renderFills(t, s.h.ledger.snapshot().fills), /≈/);
});

test('BNB fees with no BNB price at fill time: estimated and marked ≈ in /fills and /pnl', async () => {
  s.fake.bnbFees = true;
  s.fake.setSymbol({ symbol: 'BNBUSDT', spot: { bid: '600.00', ask: '600.01', last: '600.00' }, futures: null });
  s.fake.setSpotBalance('BNB', '1');
  s.fake.inject({ path: '/api/v3/ticker/price' }, { status: 500, code: -1000 }, { times: Infinity });
  await open('0.01');
  const fill = s.h.ledger.snapshot().fills.find((f) => f.market === 'spot')!;
  assert.equal(fill.commissionAsset, 'BNB');
  assert.equal(fill.feeUnknown, true);
  assert.match(renderFills(t, s.h.ledger.snapshot().fills), /fee ≈/);
  const report = s.h.ledger.pnl({ period: 'all', now: Date.now(), leverage: 1, mode: 'live', prices: new Map() });
  assert.match(renderPnl(t, report), /Fees\s+≈/);
});

test('signals use the account rates once read (the same as previews), the configured ones before', async () => {
  const { createMarketService } = await import('../../src/market/service.js');
  const { silent } = await import('./helpers.js');
  let account: { spotTaker: string; futuresTaker: string } | undefined;
  const market = createMarketService({ spot: s.h.binance.spot, futures: s.h.binance.futures, config: s.h.config, logger: silent, feeRates: () => account });
  assert.equal((await market.symbol('BTCUSDT')).roundTripFeePct, 0.3, 'configured 0.1 % + 0.05 %, both ways');
  account = { spotTaker: '0.00075', futuresTaker: '0.0004' };
  assert.equal((await market.symbol('BTCUSDT')).roundTripFeePct, 0.23);
});
