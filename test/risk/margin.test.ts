import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dec } from '../../src/money.js';
import { PAPER_MMR, alertLevel, crossShortLiquidation, liqDistancePct, paperMargin, usdtToReach } from '../../src/risk/margin.js';

describe('margin math', () => {
  test('distance of a short to liquidation is liquidation above mark, in % of mark', () => {
    assert.equal(liqDistancePct('130', '100'), 30);
    assert.equal(liqDistancePct('100', '100'), 0);
    assert.equal(liqDistancePct('0', '100'), null, 'no liquidation price');
    assert.equal(liqDistancePct(null, '100'), null);
  });

  test('USDT to reach a distance inverts the cross formula, rounded up to the cent', () => {
    // 2 BTC short, mark 100, liquidation 110 (10 %): to 60 % the LP must reach 160
    const need = usdtToReach({ qty: '2', liqPrice: '110', markPrice: '100', targetPct: 60, mmr: '0.004' });
    assert.equal(need.toFixed(), dec(50).mul(2).mul('1.004').toFixed()); // 100.4
    assert.equal(usdtToReach({ qty: '0.003', liqPrice: '110', markPrice: '100', targetPct: 60, mmr: '0.004' }).toFixed(), '0.16'); // 0.15060 up
    assert.equal(usdtToReach({ qty: '2', liqPrice: '170', markPrice: '100', targetPct: 60, mmr: '0' }).toFixed(), '0', 'already there');
  });

  test('adding what usdtToReach says moves the computed liquidation price exactly to the target', () => {
    const base = { othersMaint: '0', othersUpnl: '0', qty: '0.5', entryPrice: '60000', mmr: PAPER_MMR };
    const lp = crossShortLiquidation({ ...base, walletBalance: '10000' })!;
    const need = usdtToReach({ qty: '0.5', liqPrice: lp, markPrice: '61000', targetPct: 60, mmr: PAPER_MMR });
    const after = crossShortLiquidation({ ...base, walletBalance: dec(10000).plus(need) })!;
    const distance = liqDistancePct(after, '61000')!;
    assert.ok(distance >= 60 && distance < 60.001, `distance after the top-up: ${distance}`);
  });

  test('alert level: none above the threshold, one more per further 10 points', () => {
    assert.equal(alertLevel(30, 30), null);
    assert.equal(alertLevel(null, 30), null);
    assert.equal(alertLevel(29.9, 30), 0);
    assert.equal(alertLevel(20.5, 30), 0);
    assert.equal(alertLevel(20, 30), 1);
    assert.equal(alertLevel(9, 30), 2);
  });

  test('paper wallet: notional / LEVERAGE + PAPER_FUTURES_USDT + top-ups + funding', () => {
    const shorts = [{ symbol: 'BTCUSDT', qty: '0.1', entryPrice: '60000', markPrice: '60000' }];
    const m = paperMargin({ shorts, leverage: 3, extra: '500', transferred: '100', funding: '1.5' });
    assert.equal(m.wallet.walletBalance.toFixed(), '2601.5');
    assert.equal(m.wallet.maintMargin.toFixed(), '60');
    assert.equal(m.wallet.unrealized.toFixed(), '0');
    // LP = (2601.5 + 6000) / (0.1 × 1.01)
    assert.equal(m.positions[0]!.liqPrice!.toFixed(2), dec('8601.5').div('0.101').toFixed(2));
    assert.equal(m.wallet.available.toFixed(), '601.5');
  });

  test('paper at 1x is far from liquidation; at 3x a 3 % rise crosses 30 %', () => {
    const at = (leverage: number, mark: string) => {
      const m = paperMargin({ shorts: [{ symbol: 'X', qty: '1', entryPrice: '100', markPrice: mark }], leverage, extra: '0', transferred: '0', funding: '0' });
      return liqDistancePct(m.positions[0]!.liqPrice, mark)!;
    };
    assert.ok(at(1, '100') > 90);
    assert.ok(at(3, '100') > 30);
    assert.ok(at(3, '103') < 30);
  });
});
