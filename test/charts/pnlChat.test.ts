import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Position } from '../../src/ledger/schema.js';
import { renderChart } from '../../src/charts/render.js';
import { USER, row, startLedgerBot, type LedgerBot } from '../ledger/botHarness.js';
import { DAY, HOUR, fill } from '../ledger/helpers.js';
import { pngSize } from '../helpers/png.js';

const NB = '\u00a0';

describe('/pnl chart in the chat (fake Bot API)', () => {
  let bot: LedgerBot;
  before(async () => {
    bot = await startLedgerBot({
      mode: 'paper',
      seed: (d, now) => {
        const p: Position = {
          id: 'peth', symbol: 'ETHUSDT', baseAsset: 'ETH', mode: 'paper', status: 'open', openedAt: now - 3 * DAY,
          spotQty: '2', futuresQty: '2', spotEntryPrice: '4500', futuresEntryPrice: '4502',
        };
        d.positions.push(p);
        d.fills.push(
          fill(p, { market: 'futures', side: 'SELL', role: 'open', qty: '2', price: '4502', feeUsdt: '4.502', time: p.openedAt }),
          fill(p, { market: 'spot', side: 'BUY', role: 'open', qty: '2', price: '4500', feeUsdt: '9.00012345', time: p.openedAt + 1 }),
        );
        for (let i = 1; i <= 8; i++) {
          d.funding.push({ tranId: `paper:peth:${i}`, symbol: 'ETHUSDT', amount: '0.90210987', asset: 'USDT', time: p.openedAt + i * 8 * HOUR, positionId: 'peth', mode: 'paper' });
        }
      },
    });
  });
  after(async () => {
    await bot.close();
  });
  beforeEach(() => {
    bot.running.deps.charts = renderChart;
    bot.tg.clearCalls();
  });

  it('/pnl sends one PNG chart with the figures, rounded for a person, as its caption', async () => {
    const caption = await bot.ask('/pnl all', /PnL/);
    const photos = bot.tg.callsOf('sendPhoto', USER);
    assert.equal(photos.length, 1);
    assert.deepEqual(pngSize(photos[0]!.files!.photo!.bytes), { width: 1200, height: 700 });
    assert.equal(String(photos[0]!.body.caption), caption);
    // 8 × 0.90210987 = 7.21687896; fees 4.502 + 9.00012345 = 13.50212345; net −6.28524449
    assert.equal(row(caption, 'Funding'), `+7.22${NB}USDT`);
    assert.equal(row(caption, 'Fees'), `-13.50${NB}USDT`);
    assert.equal(row(caption, 'Net'), `-6.29${NB}USDT`);
    // and the chart's series end on the ledger's exact figures
    const series = bot.running.deps.reports.pnlSeries('all');
    assert.equal(series.total.at(-1)!.net.toFixed(), '-6.28524449');
  });

  it('a renderer that throws: the /pnl text still arrives, alone', async () => {
    bot.running.deps.charts = async () => {
      throw new Error('renderer exploded');
    };
    const text = await bot.ask('/pnl all', /PnL/);
    assert.equal(row(text, 'Funding'), `+7.22${NB}USDT`);
    assert.equal(bot.tg.callsOf('sendPhoto').length, 0);
    assert.equal(bot.tg.callsOf('sendMessage', USER).length, 1);
  });

  it('/status shows money rounded for a person; /fills keeps the exact fee', async () => {
    const status = await bot.ask('/status', /Status/);
    assert.equal(row(status, 'Fees'), `-13.50${NB}USDT`);
    assert.equal(row(status, 'Funding'), `+7.22${NB}USDT`);
    const fills = await bot.ask('/fills', /fills/i);
    assert.match(fills, /fee 9\.00012345/);
  });
});
