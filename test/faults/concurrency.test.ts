import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { isOrderPost, tradingRig, type Rig } from './helpers.js';

/**
 * Fault injection, concurrency ("one at a time"): 50 confirms of /open, from two
 * allowlisted users, all fired at once. The caps allow exactly 10 (every open is 1 coin at 100
 * USDT; MAX_TOTAL_USDT 1000.5), so exactly 10 futures+spot pairs reach the fake, strictly F,S,F,S
 * with both legs of one open next to each other, and the other 40 are refused by the cap.
 */

const USERS = [1001, 2002];
const N_CONFIRMS = 50;
const ALLOWED = 10;

describe('faults: 50 concurrent /open confirms', () => {
  let fake: FakeBinance;
  let rig: Rig;
  let symbols: string[];

  before(async () => {
    fake = await startFakeBinance({ spotBuyCommissionIn: 'quote', spotBalances: { USDT: '1000000' }, futuresBalances: { USDT: '1000000' } });
    fake.generateMarket(80, { seed: 7, historyDays: 1 });
    symbols = [...fake.symbols.values()].filter((s) => s.spot && s.futures).map((s) => s.symbol).slice(0, N_CONFIRMS);
    assert.equal(symbols.length, N_CONFIRMS);
    for (const s of symbols) {
      // identical books and filters: 1 coin = 100 USDT spot, 100.05 futures, on every symbol
      fake.setFilters(s, 'spot', { stepSize: '0.001', minQty: '0.001', maxQty: '100000', marketStepSize: '0', marketMinQty: '0', marketMaxQty: '0', minNotional: '5', tickSize: '0.01' });
      fake.setFilters(s, 'futures', { stepSize: '0.001', minQty: '0.001', maxQty: '100000', marketStepSize: '0.001', marketMinQty: '0.001', marketMaxQty: '100000', minNotional: '5', tickSize: '0.01' });
      fake.setPrice(s, { spotBid: '99.99', spotAsk: '100', futuresBid: '100.05', futuresAsk: '100.06', markPrice: '100.05', indexPrice: '100' });
      fake.setFunding(s, { lastFundingRate: '0.0001' });
    }
    rig = await tradingRig(fake, {
      env: { TELEGRAM_ALLOWED_USERS: USERS.join(','), MAX_POSITION_USDT: '200', MAX_TOTAL_USDT: '1000.5' },
    });
  });
  after(async () => {
    await rig?.close();
    await fake.close();
  });

  it('exactly the cap-respecting opens, serialized F,S,F,S, nothing more', async () => {
    const previews = [];
    for (let i = 0; i < N_CONFIRMS; i++) {
      const user = USERS[i % USERS.length]!;
      const { token } = await rig.trading.previewOpen(user, user, symbols[i], '1');
      previews.push({ user, token, symbol: symbols[i]! });
    }
    fake.clearRequests();

    const results = await Promise.all(previews.map((p) => rig.trading.confirm(p.token, p.user)));

    const opened = results.filter((r) => r.kind === 'open' && r.outcome.kind === 'opened');
    const refused = results.filter((r) => r.kind === 'refused');
    assert.equal(opened.length, ALLOWED, `opened ${opened.length}: ${results.map((r) => (r.kind === 'refused' ? r.error.key : r.kind === 'open' ? r.outcome.kind : r.kind)).join(',')}`);
    assert.equal(refused.length, N_CONFIRMS - ALLOWED);
    for (const r of refused) assert.equal(r.kind === 'refused' && r.error.key, 'trading.error.max_total');

    const posts = fake.requests.filter(isOrderPost);
    assert.equal(posts.length, 2 * ALLOWED, 'one futures + one spot order per allowed open, nothing more');
    assert.equal(posts.map((r) => (r.path === '/fapi/v1/order' ? 'F' : 'S')).join(''), 'FS'.repeat(ALLOWED), 'strictly alternating F,S');
    for (let k = 0; k < ALLOWED; k++) {
      const [f, s] = [posts[2 * k]!, posts[2 * k + 1]!];
      assert.equal(f.params.symbol, s.params.symbol, `pair ${k} is one open's two legs`);
      // the spot order went out after the futures answer, before any other order
      assert.ok(f.status !== undefined && s.at >= (f.answeredAt ?? Infinity), `pair ${k}: spot sent after the futures fill`);
    }
    const pairSymbols = new Set(posts.map((p) => p.params.symbol));
    assert.equal(pairSymbols.size, ALLOWED, 'no symbol opened twice');

    const live = rig.ledger.snapshot().positions.filter((p) => p.status !== 'closed');
    assert.equal(live.length, ALLOWED);
    assert.ok(live.every((p) => p.status === 'open'));
    assert.equal(fake.orders.length, 2 * ALLOWED);
    assert.equal([...fake.positions.values()].filter((p) => !p.amt.eq(0)).length, ALLOWED, 'the fake holds exactly the allowed shorts');
  });
});
