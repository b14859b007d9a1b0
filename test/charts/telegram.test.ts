import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { renderChart } from '../../src/charts/render.js';
import { pngSize } from '../helpers/png.js';
import { expectedNextText } from '../helpers/clockText.js';
import { startHarness, waitUntil, type Harness } from '../telegram/harness.js';

const OWNER = 111;

describe('charts in the chat (fake Bot API)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowed: [OWNER] });
    await h.running.launched;
  });
  after(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.running.deps.charts = renderChart;
    h.tg.clearCalls();
  });

  it('/funding SOLUSDT sends one PNG chart with the rate, 7-day APR and next settlement as its caption', async () => {
    const next = Date.now() + 2 * 3_600_000 + 60_000;
    h.binance.setFunding('SOLUSDT', { nextFundingTime: next });
    const photo = h.tg.nextCall('sendPhoto', (c) => c.body.chat_id === OWNER, 15_000);
    h.tg.sendText(OWNER, '/funding SOLUSDT');
    const call = await photo;
    const bytes = call.files?.photo?.bytes;
    assert.ok(bytes, 'the photo was uploaded as a file');
    assert.deepEqual(pngSize(bytes), { width: 1200, height: 700 });
    assert.deepEqual(call.result.photo.map((p: { width: number; height: number }) => [p.width, p.height]), [[1200, 700]]);
    const caption = String(call.body.caption);
    assert.equal(call.body.parse_mode, 'HTML');
    assert.match(caption, /Rate: +\+0\.0120% \/ 4h/);
    assert.match(caption, /7d mean: +\+\d+\.\d\d% \(\d+ settl\.\)/);
    assert.match(caption, expectedNextText(next));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.tg.callsOf('sendPhoto', OWNER).length, 1, 'one image');
    assert.equal(h.tg.callsOf('sendMessage', OWNER).length, 0, 'the text fits the caption');
  });

  it('a renderer that throws: the text still arrives, alone, and the failure is logged', async () => {
    h.running.deps.charts = async () => {
      throw new Error('renderer exploded');
    };
    const reply = h.tg.nextCall('sendMessage', (c) => c.body.chat_id === OWNER, 15_000);
    h.tg.sendText(OWNER, '/funding SOLUSDT');
    assert.match(String((await reply).body.text), /Rate: +\+0\.0120% \/ 4h/);
    assert.equal(h.tg.callsOf('sendPhoto').length, 0);
    await waitUntil(() => h.logs.some((l) => l.msg === 'chart rendering failed; sending the text alone'), 'the failure logged');
  });

  it('/signals attaches one bar chart of the signals it lists', async () => {
    const photo = h.tg.nextCall('sendPhoto', (c) => c.body.chat_id === OWNER, 15_000);
    h.tg.sendText(OWNER, '/signals 2');
    const call = await photo;
    assert.deepEqual(pngSize(call.files!.photo!.bytes), { width: 1200, height: 700 });
    assert.match(String(call.body.caption), /TRBUSDT[\s\S]*LPTUSDT/);
    assert.equal(h.tg.callsOf('sendPhoto', OWNER).length, 1);
  });
});
