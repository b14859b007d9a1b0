import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INCOME_JOB } from '../../src/jobs/income.js';
import { RECONCILE_JOB } from '../../src/jobs/reconcile.js';
import type { Position, StoreData } from '../../src/ledger/schema.js';
import { USER, row, startLedgerBot } from './botHarness.js';
import { DAY, HOUR, fill } from './helpers.js';

const NB = '\u00a0';

function seedPosition(d: StoreData, p: Position, fees: { spot: string; futures: string }): void {
  d.positions.push(p);
  d.fills.push(
    fill(p, { market: 'futures', side: 'SELL', role: 'open', qty: p.futuresQty, price: p.futuresEntryPrice, feeUsdt: fees.futures, time: p.openedAt }),
    fill(p, { market: 'spot', side: 'BUY', role: 'open', qty: p.spotQty, price: p.spotEntryPrice, feeUsdt: fees.spot, time: p.openedAt + 1 }),
  );
}

test('live: income pages (with a duplicate tranId) sum exactly in /pnl and /status, survive a restart; drift alerted once', async () => {
  let openedAt = 0;
  const bot = await startLedgerBot({
    mode: 'live',
    seed: (d, now) => {
      openedAt = now - 5 * DAY - HOUR;
      const p: Position = {
        id: 'pbtc', symbol: 'BTCUSDT', baseAsset: 'BTC', mode: 'live', status: 'open', openedAt,
        spotQty: '0.5', futuresQty: '0.5', spotEntryPrice: '114000', futuresEntryPrice: '114100',
      };
      seedPosition(d, p, { spot: '57', futures: '28.525' });
    },
    setup: (fake) => {
      fake.setPosition('BTCUSDT', '-0.5', '114100');
      fake.setSpotBalance('BTC', '0.5');
    },
  });
  try {
    const fake = bot.binance;
    // 1000 rows fill the first page: 600 × +0.0125 = 7.5, 400 × −0.0025 = −1
    const t0 = openedAt + 60_000;
    for (let i = 0; i < 1000; i++) fake.addIncome({ symbol: 'BTCUSDT', income: i < 600 ? '0.01250000' : '-0.00250000', time: t0 + i * 1000 });
    // second page: +0.12345678 and +0.5, the exchange repeats the +0.5 row; ETHUSDT has no position
    fake.addIncome({ symbol: 'BTCUSDT', income: '0.12345678', time: t0 + 2_000_000 });
    const dup = fake.addIncome({ symbol: 'BTCUSDT', income: '0.50000000', time: t0 + 2_000_001 });
    fake.addIncome({ symbol: 'BTCUSDT', income: '0.50000000', time: t0 + 2_000_001, tranId: dup.tranId });
    fake.addIncome({ symbol: 'ETHUSDT', income: '-0.30000000', time: t0 + 2_000_002 });
    // funding total = 7.5 − 1 + 0.12345678 + 0.5 = 7.12345678

    await bot.job(RECONCILE_JOB).runNow();
    await bot.job(INCOME_JOB).runNow();
    const incomeCalls = fake.requestsTo('/fapi/v1/income');
    assert.equal(incomeCalls.length, 2, 'two pages');
    assert.equal(incomeCalls[0]!.params.limit, '1000');
    assert.equal(incomeCalls[0]!.params.incomeType, 'FUNDING_FEE');

    const pnl = await bot.ask('/pnl', /PnL/);
    // rounded for a person in the chat; exact in the ledger
    assert.equal(row(pnl, 'Funding'), `+7.12${NB}USDT`);
    assert.equal(row(pnl, 'Fees'), `-85.53${NB}USDT`);
    const exact = await bot.running.deps.reports.pnl('all');
    assert.equal(exact.total.funding.toFixed(), '7.12345678');
    assert.equal(exact.total.fees.toFixed(), '85.525');
    assert.match(pnl, new RegExp(`ETHUSDT\\s+-0\\.30${NB}USDT`), 'unattributed funding shown apart');

    const status = await bot.ask('/status', /Status/);
    assert.match(status, /LIVE/);
    assert.equal(row(status, 'Funding'), `+7.12${NB}USDT`);
    assert.equal(row(status, 'Hedge drift'), 'hedged');
    assert.ok(row(status, 'Liq. price'), 'liquidation price of the short');
    const uSpot = row(status, 'uPnL spot');
    assert.ok(uSpot);

    // a restart: same file, same numbers
    await bot.restart();
    const pnl2 = await bot.ask('/pnl', /PnL/);
    for (const label of ['Funding', 'Fees', 'Basis PnL', 'Net', 'Unrealized']) assert.equal(row(pnl2, label), row(pnl, label), label);
    const status2 = await bot.ask('/status', /Status/);
    for (const label of ['Funding', 'Fees', 'uPnL spot', 'uPnL perp', 'uPnL total', 'Spot long', 'Perp short']) assert.equal(row(status2, label), row(status, label), label);
    // and the income sync after the restart adds nothing
    await bot.job(INCOME_JOB).runNow();
    assert.equal(row(await bot.ask('/pnl', /PnL/), 'Funding'), `+7.12${NB}USDT`);
    assert.equal((await bot.running.deps.reports.pnl('all')).total.funding.toFixed(), '7.12345678');

    // drift: part of the short disappears on the exchange
    fake.setPosition('BTCUSDT', '-0.3', '114100');
    await bot.job(RECONCILE_JOB).runNow();
    await bot.job(RECONCILE_JOB).runNow();
    const drifts = bot.tg.sentTexts(USER).filter((t) => t.includes('Hedge drift: BTCUSDT'));
    assert.equal(drifts.length, 1);
    assert.match(drifts[0]!, /0\.5\s+0\.3\s+-0\.2/);
    assert.equal(fake.requestsTo('/fapi/v1/order', 'POST').length, 0, 'reconciliation never trades');
  } finally {
    await bot.close();
  }
});

test('paper: two settlements accrue exactly twice, never again after a restart; exit alert once with a close button', async () => {
  let openedAt = 0;
  const bot = await startLedgerBot({
    mode: 'paper',
    seed: (d, now) => {
      openedAt = now - 20 * HOUR;
      const p: Position = {
        id: 'peth', symbol: 'ETHUSDT', baseAsset: 'ETH', mode: 'paper', status: 'open', openedAt,
        spotQty: '2', futuresQty: '2', spotEntryPrice: '4500', futuresEntryPrice: '4502',
      };
      seedPosition(d, p, { spot: '9', futures: '4.502' });
    },
    setup: (fake) => {
      fake.symbols.get('ETHUSDT')!.fundingHistory = [
        { fundingTime: openedAt - 4 * HOUR, fundingRate: '0.00050000', markPrice: '4400' }, // before the open
        { fundingTime: openedAt + 4 * HOUR, fundingRate: '0.00010000', markPrice: '4510.5' }, // 0.0001 × 2 × 4510.5 = 0.9021
        { fundingTime: openedAt + 12 * HOUR, fundingRate: '-0.00002000', markPrice: '4520' }, // −0.00002 × 2 × 4520 = −0.1808
        { fundingTime: openedAt + 28 * HOUR, fundingRate: '0.00100000', markPrice: '4600' }, // not settled yet
      ];
    },
  });
  try {
    const income = bot.job(INCOME_JOB);
    await income.runNow();
    await income.runNow();
    const funding = () => bot.running.deps.ledger.snapshot().funding.map((r) => r.amount);
    assert.deepEqual(funding(), ['0.9021', '-0.1808']);
    const pnl = await bot.ask('/pnl all', /PnL/);
    assert.match(pnl, /PAPER/);
    assert.equal(row(pnl, 'Funding'), `+0.7213${NB}USDT`);
    assert.equal(row(pnl, 'Fees'), `-13.50${NB}USDT`);
    const status = await bot.ask('/status', /Status/);

    await bot.restart();
    await bot.job(INCOME_JOB).runNow();
    assert.deepEqual(funding(), ['0.9021', '-0.1808']);
    const pnl2 = await bot.ask('/pnl all', /PnL/);
    assert.equal(row(pnl2, 'Funding'), row(pnl, 'Funding'));
    assert.equal(row(pnl2, 'Net'), row(pnl, 'Net'));
    const status2 = await bot.ask('/status', /Status/);
    assert.equal(row(status2, 'Funding'), row(status, 'Funding'));
    assert.equal(row(status2, 'uPnL total'), row(status, 'uPnL total'));

    // exit alert through the scan hook: ETH funding turns negative
    bot.binance.setFunding('ETHUSDT', { lastFundingRate: '-0.00030000' });
    const scanJob = bot.running.jobs[0]!;
    await scanJob.runNow();
    await scanJob.runNow();
    const alerts = bot.tg.callsOf('sendMessage', USER).filter((c) => String(c.body.text).includes('Exit alert: ETHUSDT'));
    assert.equal(alerts.length, 1);
    const keyboard = alerts[0]!.body.reply_markup?.inline_keyboard ?? JSON.parse(alerts[0]!.body.reply_markup).inline_keyboard;
    assert.equal(keyboard.length, 1);
    assert.equal(keyboard[0][0].text, 'Close ETHUSDT');
    assert.equal(keyboard[0][0].callback_data, 'trade:cl:ETHUSDT', "TRADING's close-preview button");
  } finally {
    await bot.close();
  }
});

test('bad arguments get a short usage; /fills lists newest first; no positions points to /signals', async () => {
  const bot = await startLedgerBot({
    mode: 'paper',
    seed: (d, now) => {
      const p: Position = {
        id: 'px', symbol: 'BTCUSDT', baseAsset: 'BTC', mode: 'paper', status: 'closed', openedAt: now - DAY, closedAt: now - HOUR,
        spotQty: '0', futuresQty: '0', spotEntryPrice: '114000', futuresEntryPrice: '114100',
      };
      seedPosition(d, p, { spot: '11.4', futures: '5.705' });
      d.fills.push(fill(p, { market: 'futures', side: 'BUY', role: 'close', qty: '0.1', price: '114200', feeUsdt: '5.71', time: now - HOUR }));
    },
  });
  try {
    assert.match(await bot.ask('/pnl 90d', /Usage/), /\/pnl \[7d\|30d\|all\]/);
    assert.match(await bot.ask('/fills BTC ETH', /Usage/), /\/fills \[SYMBOL\]/);
    const fills = await bot.ask('/fills btc', /fills/);
    const lines = fills.split('\n');
    const closeAt = lines.findIndex((l) => l.includes('close'));
    const openAt = lines.findIndex((l) => l.includes('· open'));
    assert.ok(closeAt >= 0 && openAt > closeAt, 'newest first');
    assert.match(fills, /perp BUY 0\.1 @ 114,200\.00/);
    assert.match(await bot.ask('/fills ETHUSDT', /fills/), /No fills yet/);
    assert.match(await bot.ask('/status', /Status/), /No open positions[\s\S]*\/signals/);
    bot.tg.sendText(USER, '/lang ru');
    await bot.tg.waitFor('sendMessage', (c) => c.body.chat_id === USER && /язык|Язык|русск/i.test(String(c.body.text)), 5000).catch(() => undefined);
    assert.match(await bot.ask('/pnl 7d', /PnL/), /за 7 дней/);
  } finally {
    await bot.close();
  }
});

test('paper, through /open and /close: closing moves unrealized into realized basis PnL, funding stays counted', async () => {
  const bot = await startLedgerBot({ mode: 'paper' });
  try {
    const { tg } = bot;
    const tapFirstButton = async (text: string, expect: RegExp) => {
      const preview = tg.nextCall('sendMessage', (c) => c.body.chat_id === USER);
      tg.sendText(USER, text);
      const p = await preview;
      const ok = p.body.reply_markup.inline_keyboard[0][0].callback_data as string;
      const edit = tg.nextCall('editMessageText', (c) => c.body.message_id === p.result.message_id && expect.test(String(c.body.text)), 5000);
      tg.sendCallback(USER, ok, { messageId: Number(p.result.message_id) });
      await edit;
    };
    await tapFirstButton('/open ETHUSDT 0.1', /Opened ETHUSDT/);
    const pos = bot.running.deps.ledger.snapshot().positions.find((p) => p.symbol === 'ETHUSDT')!;
    assert.equal(pos.status, 'open');
    // one settlement right after the open: 0.0002 × 0.1 × 4500 = 0.09
    const shortFilledAt = Math.max(...bot.running.deps.ledger.snapshot().fills.filter((f) => f.positionId === pos.id).map((f) => f.time));
    bot.binance.symbols.get('ETHUSDT')!.fundingHistory.push({ fundingTime: shortFilledAt + 1, fundingRate: '0.00020000', markPrice: '4500' });
    await new Promise((r) => setTimeout(r, 5));
    await bot.job(INCOME_JOB).runNow();

    const before = await bot.ask('/pnl', /PnL/);
    assert.equal(row(before, 'Funding'), `+0.09${NB}USDT`);
    assert.equal(row(before, 'Basis PnL'), `0.00${NB}USDT`);
    const unrealized = row(before, 'Unrealized');
    assert.ok(unrealized && unrealized !== `0.00${NB}USDT`, 'open legs marked at the spread');

    await tapFirstButton('/close ETHUSDT', /Closed ETHUSDT/);
    const after = await bot.ask('/pnl', /PnL/);
    assert.equal(row(after, 'Funding'), `+0.09${NB}USDT`, 'funding stays counted');
    assert.equal(row(after, 'Unrealized'), `0.00${NB}USDT`);
    assert.equal(row(after, 'Basis PnL'), unrealized, 'closed at the prices it was marked at: unrealized became realized');
    const fees = (s: string) => Number(row(s, 'Fees')!.replace(/[^\d.-]/g, ''));
    assert.ok(fees(after) < fees(before), 'close fees added');
    assert.match(await bot.ask('/status', /Status/), /No open positions/);
  } finally {
    await bot.close();
  }
});
