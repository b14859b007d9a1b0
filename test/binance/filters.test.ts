import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lcmStep, roundHedgeQuantity, roundToStep, type HedgeQuantity } from '../../src/binance/filters.js';
import type { SymbolRules } from '../../src/binance/types.js';
import { rules } from '../market/stubs.js';

// BTC-like rules: spot step 0.00001 / min notional 5; futures step 0.001 / min notional 100.
const spot = rules('BTCUSDT', 'spot', { stepSize: '0.00001', minQty: '0.00001', maxQty: '9000', marketStepSize: '0.00001', marketMinQty: '0.00001', marketMaxQty: '120', minNotional: '5' });
const futures = rules('BTCUSDT', 'futures', { stepSize: '0.001', minQty: '0.001', maxQty: '1000', marketStepSize: '0.001', marketMinQty: '0.001', marketMaxQty: '120', minNotional: '100' });
const prices = { spotPrice: '60000', futuresPrice: '60010' };

const round = (qty: string, over: { spot?: SymbolRules | undefined; futures?: SymbolRules | undefined } = {}): HedgeQuantity =>
  roundHedgeQuantity({ qty, spot: 'spot' in over ? over.spot : spot, futures: 'futures' in over ? over.futures : futures, ...prices });

function ok(r: HedgeQuantity): Extract<HedgeQuantity, { ok: true }> {
  assert.equal(r.ok, true, JSON.stringify(r));
  return r as Extract<HedgeQuantity, { ok: true }>;
}

describe('roundHedgeQuantity', () => {
  it('keeps an exact multiple exactly and rounds anything finer down', () => {
    const exact = ok(round('0.077'));
    assert.equal(exact.qty.toFixed(), '0.077');
    assert.equal(exact.spotNotional.toFixed(), '4620');
    assert.equal(exact.futuresNotional.toFixed(), '4620.77');
    assert.equal(ok(round('0.0771')).qty.toFixed(), '0.077');
    assert.equal(ok(round('0.07799999')).qty.toFixed(), '0.077', 'never rounds up');
  });

  it('lands on a multiple of BOTH markets’ steps, even when neither divides the other', () => {
    const s = rules('XUSDT', 'spot', { stepSize: '0.4', marketStepSize: '0.4', minQty: '0', marketMinQty: '0', minNotional: '0' });
    const f = rules('XUSDT', 'futures', { stepSize: '0.3', marketStepSize: '0.3', minQty: '0', marketMinQty: '0', minNotional: '0' });
    const r = ok(roundHedgeQuantity({ qty: '2.5', spot: s, futures: f, spotPrice: '1', futuresPrice: '1' }));
    assert.equal(r.qty.toFixed(), '2.4', '2.4 = 6 × 0.4 = 8 × 0.3');
    const r2 = ok(roundHedgeQuantity({ qty: '1.9', spot: s, futures: f, spotPrice: '1', futuresPrice: '1' }));
    assert.equal(r2.qty.toFixed(), '1.2', 'not 1.6 (spot step only) nor 1.8 (futures step only)');
    assert.ok(r2.qty.mod('0.4').isZero() && r2.qty.mod('0.3').isZero());
  });

  it('honours MARKET_LOT_SIZE when it is coarser than LOT_SIZE', () => {
    const f = { ...futures, marketStepSize: '0.01' };
    assert.equal(ok(round('0.077', { futures: f })).qty.toFixed(), '0.07');
  });

  it('refuses dust with the reason and the numbers', () => {
    const r = round('0.0000001');
    assert.deepEqual(r, { ok: false, reason: 'below_min_qty', params: { qty: '0.0000001', rounded: '0', step: '0.001', market: 'spot', minQty: '0.00001' } });
    const r2 = round('0.0005'); // spot-valid, but rounds to 0 on the futures step
    assert.equal(r2.ok, false);
    assert.equal(!r2.ok && r2.reason, 'below_min_qty');
  });

  it('refuses a leg below its minimum notional and says which', () => {
    const r = round('0.001'); // 60 USDT spot (≥ 5) but 60.01 USDT futures (< 100)
    assert.deepEqual(r, {
      ok: false,
      reason: 'below_min_notional',
      params: { qty: '0.001', rounded: '0.001', step: '0.001', market: 'futures', notional: '60.01', minNotional: '100' },
    });
    assert.equal(ok(round('0.002')).futuresNotional.toFixed(), '120.02');
  });

  it('refuses above the smaller max quantity (MARKET_LOT_SIZE max)', () => {
    const r = round('121');
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.params, { qty: '121', rounded: '121', step: '0.001', market: 'spot', maxQty: '120' });
    assert.equal(!r.ok && r.reason, 'above_max_qty');
    ok(round('120'));
  });

  it('rejects what is not a plain positive decimal', () => {
    for (const bad of ['', 'abc', '0', '0.000', '-1', '1e-3', '1E2', '0x10', '1,5', 'NaN', 'Infinity', '1.' + '1'.repeat(19)]) {
      const r = round(bad);
      assert.equal(r.ok === false && r.reason, 'invalid_quantity', `"${bad}"`);
    }
    assert.equal(ok(round(' 0.5 ')).qty.toFixed(), '0.5');
  });

  it('refuses unknown or halted symbols per market', () => {
    assert.deepEqual(round('1', { spot: undefined }), { ok: false, reason: 'unknown_symbol', params: { market: 'spot' } });
    const r = round('1', { futures: { ...futures, status: 'SETTLING' } });
    assert.deepEqual(r, { ok: false, reason: 'not_trading', params: { market: 'futures', symbol: 'BTCUSDT', status: 'SETTLING' } });
  });
});

describe('step helpers', () => {
  it('roundToStep is exact decimal flooring', () => {
    assert.equal(roundToStep('0.077', '0.001').toFixed(), '0.077');
    assert.equal(roundToStep('0.3', '0.1').toFixed(), '0.3');
    assert.equal(roundToStep('7', '5').toFixed(), '5');
  });
  it('lcmStep ignores zero steps and finds the common multiple', () => {
    assert.equal(lcmStep('0.001', '0.00001').toFixed(), '0.001');
    assert.equal(lcmStep('0.4', '0.3').toFixed(), '1.2');
    assert.equal(lcmStep('0', '0.01').toFixed(), '0.01');
    assert.equal(lcmStep('0').toFixed(), '0');
  });
});
