import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { TransferPermissionError } from '../../src/binance/margin.js';
import { RejectedError, UnknownOutcomeError } from '../../src/errors.js';
import type { FakeBinance } from '../fakes/binance.js';
import type { Binance } from '../../src/binance/index.js';
import { setup } from './helpers.js';

describe('margin endpoints against the fake', () => {
  let fake: FakeBinance;
  let binance: Binance;
  let close: () => Promise<void>;
  before(async () => {
    ({ fake, binance, close } = await setup({ spotBalances: { USDT: '1000' }, futuresBalances: { USDT: '500' } }, { timeoutMs: 300 }));
  });
  after(async () => close());
  beforeEach(() => {
    fake.reset();
    fake.setSpotBalance('USDT', '1000');
    fake.setFuturesBalance('USDT', '500');
  });

  test('a transfer sends exactly one signed POST with type=MAIN_UMFUTURE and moves the money', async () => {
    const r = await binance.margin.transferToFutures('123.45');
    assert.match(r.tranId, /^\d+$/);
    const sent = fake.requestsTo('/sapi/v1/asset/transfer', 'POST');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.params.type, 'MAIN_UMFUTURE');
    assert.equal(sent[0]!.params.asset, 'USDT');
    assert.equal(sent[0]!.params.amount, '123.45');
    assert.equal(sent[0]!.signatureValid, true);
    assert.equal(fake.spotBalances.get('USDT')!.free.toFixed(), '876.55');
    assert.equal(fake.futuresWallet.get('USDT')!.toFixed(), '623.45');
  });

  test('a key without the universal-transfer permission is its own error; nothing moves', async () => {
    fake.universalTransfer = false;
    await assert.rejects(binance.margin.transferToFutures('10'), TransferPermissionError);
    assert.equal(fake.transfers.length, 0);
  });

  test('more than the spot wallet holds is a plain rejection', async () => {
    await assert.rejects(binance.margin.transferToFutures('5000'), (err) => err instanceof RejectedError && !(err instanceof TransferPermissionError) && (err as RejectedError).code === -5013);
  });

  test('a timeout is an unknown outcome and is not sent twice', async () => {
    fake.inject({ path: '/sapi/v1/asset/transfer', method: 'POST' }, 'hang');
    await assert.rejects(binance.margin.transferToFutures('10'), UnknownOutcomeError);
    assert.equal(fake.requestsTo('/sapi/v1/asset/transfer', 'POST').length, 1);
  });

  test('futures account and the short ADL quantile', async () => {
    fake.setPosition('BTCUSDT', '-0.5', '60000');
    fake.adl.set('BTCUSDT', 4);
    const acct = await binance.margin.futuresAccount();
    assert.equal(acct.totalWalletBalance, '500.00000000');
    assert.ok(Number(acct.totalMaintMargin) > 0);
    assert.equal(acct.positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt, '-0.5');
    assert.deepEqual(await binance.margin.adlQuantile(), [{ symbol: 'BTCUSDT', quantile: 4 }]);
  });
});
