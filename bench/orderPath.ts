import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig } from '../src/config.js';
import { openLedger } from '../src/ledger/ledger.js';
import { createMarketService } from '../src/market/service.js';
import { createTrading } from '../src/trading/index.js';
import { startFakeBinance, type FakeRequest } from '../test/fakes/binance.js';
import { median, percentile, round, type Figure } from './report.js';
import { silent, unlimitedClient } from './shared.js';

/**
 * Order path, live mode against the fake (signed requests, paper off):
 *   confirm → futures order: from the trading service's confirm() call to the futures POST
 *     arriving at the fake (its request timestamp; same monotonic clock, same process);
 *   futures fill → spot order: from the futures answer leaving the fake to the spot POST arriving.
 * Each open is previewed (the slow reads happen there, as in the bot), confirmed and measured,
 * then closed through the same service so the next open passes the one-position-per-symbol rule.
 * Alongside, the floor: one signed GET round trip on the same client pool.
 */

const OPENS = 200;
const USER = 1001;

export async function benchOrderPath(): Promise<Figure[]> {
  const fake = await startFakeBinance({ spotBalances: { USDT: '1000000000' }, futuresBalances: { USDT: '1000000000' } });
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-bench-order-'));
  const binance = unlimitedClient(fake, true);
  const config = createConfig({
    TRADING_MODE: 'live',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.apiSecret,
    BINANCE_SPOT_URL: fake.url,
    BINANCE_FUTURES_URL: fake.url,
    DATA_FILE: join(dir, 'store.json'),
    VENUES: 'binance',
    MAX_POSITION_USDT: '100000000',
    MAX_TOTAL_USDT: '1000000000',
  });
  const ledger = await openLedger(config.dataFile, { logger: silent });
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger: silent });
  const trading = createTrading({ config, ledger, market, binance, logger: silent });

  let futuresReq: FakeRequest | undefined;
  let spotReq: FakeRequest | undefined;
  let between = 0;
  let counting = false;
  const onRequest = (r: FakeRequest) => {
    if (r.method === 'POST' && r.path === '/fapi/v1/order' && !futuresReq) {
      futuresReq = r;
      counting = false;
    } else if (r.method === 'POST' && r.path === '/api/v3/order' && !spotReq) spotReq = r;
    else if (counting) between += 1;
  };
  fake.on('request', onRequest);

  const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
  const toFutures: number[] = [];
  const toSpot: number[] = [];
  const preRequests: number[] = [];
  try {
    for (let i = 0; i < OPENS; i++) {
      const symbol = symbols[i % symbols.length]!;
      const { token } = await trading.previewOpen(USER, USER, symbol, symbol === 'BTCUSDT' ? '0.01' : '1');
      futuresReq = undefined;
      spotReq = undefined;
      between = 0;
      counting = true;
      const t0 = performance.now();
      const res = await trading.confirm(token, USER);
      if (res.kind !== 'open' || res.outcome.kind !== 'opened') throw new Error(`open ${i} of ${symbol} did not open: ${JSON.stringify(res).slice(0, 300)}`);
      const f = futuresReq as FakeRequest | undefined;
      const s = spotReq as FakeRequest | undefined;
      if (!f || !s || f.answeredAt === undefined) throw new Error(`open ${i}: orders not seen at the fake`);
      toFutures.push(f.at - t0);
      toSpot.push(s.at - f.answeredAt);
      preRequests.push(between);

      const close = await trading.previewClose(USER, USER, symbol);
      if (close.kind !== 'preview') throw new Error(`close ${i}: ${close.kind}`);
      const closed = await trading.confirm(close.token, USER);
      if (closed.kind !== 'close' || closed.outcome.kind !== 'closed') throw new Error(`close ${i} of ${symbol} failed: ${JSON.stringify(closed).slice(0, 300)}`);
    }

    // the floor: a signed GET of an existing order on the same pool
    const anyOrder = fake.orders.find((o) => o.market === 'futures')!;
    const floor: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await binance.futures.getOrder({ symbol: anyOrder.symbol, origClientOrderId: anyOrder.clientOrderId });
      floor.push(performance.now() - t0);
    }
    const floorMed = median(floor.slice(50));
    const futMed = median(toFutures);
    const pre = median(preRequests);
    return [
      { name: 'order: confirm → futures order (median)', value: round(futMed, 2), unit: 'ms', target: 20, note: `${OPENS} live opens; ${pre} request(s) before it (the 1 % re-check), intent written first` },
      { name: 'order: confirm → futures order (p99)', value: round(percentile(toFutures, 99), 2), unit: 'ms', target: 20 },
      { name: 'order: futures fill → spot order (median)', value: round(median(toSpot), 3), unit: 'ms', target: 2, note: 'futures answer leaves the fake → spot POST arrives' },
      { name: 'order: futures fill → spot order (p99)', value: round(percentile(toSpot, 99), 3), unit: 'ms', target: 2 },
      { name: 'order: floor, one signed round trip (median)', value: round(floorMed, 3), unit: 'ms', note: `same pool; confirm path = ${round(futMed / floorMed, 1)}× the floor` },
      { name: 'order: floor, one signed round trip (p99)', value: round(percentile(floor.slice(50), 99), 3), unit: 'ms' },
    ];
  } finally {
    fake.off('request', onRequest);
    await ledger.close();
    await binance.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export { OPENS as ORDER_PATH_OPENS };
