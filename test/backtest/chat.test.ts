import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pngSize } from '../helpers/png.js';
import { startHarness, waitUntil, type Harness } from '../telegram/harness.js';
import { NOW, scriptHistory } from './scenario.js';

/** /backtest in chat, through the real bot against the fakes with the scripted SOLUSDT history. */

let h: Harness;
before(async () => {
  h = await startHarness({ allowed: [111], now: () => NOW, binance: { now: () => NOW }, beforeStart: (_tg, fake) => scriptHistory(fake) });
  await h.running.launched;
});
after(async () => h.close());

/** The reply: a chart's caption (and what followed it), or a plain message. */
async function ask(text: string): Promise<{ text: string; png?: Buffer }> {
  h.tg.clearCalls();
  h.tg.sendText(111, text);
  const answers = () => [...h.tg.callsOf('sendPhoto', 111), ...h.tg.callsOf('sendMessage', 111)];
  await waitUntil(() => answers().length > 0, `an answer to ${text}`, 20_000);
  const call = answers()[0]!;
  if (call.method === 'sendMessage') return { text: String(call.body.text) };
  return { text: String(call.body.caption), png: call.files?.photo?.bytes };
}

test('/backtest SOLUSDT 90d answers with the figures of the hand computation', async () => {
  const { text, png } = await ask('/backtest SOLUSDT 90d');
  assert.ok(png, 'the cumulative net chart comes as a photo with the figures as its caption');
  assert.deepEqual(pngSize(png), { width: 1200, height: 700 });
  assert.match(text, /Backtest SOLUSDT<\/b> · 2026-07-01 00:00 → 2026-09-29 00:00 UTC \(90 d\)/);
  for (const figure of ['+1,802.95', '63.04', '+10.00', '+1,749.92', '+35.48', '35.42', '49.0', '2 / 1 +1']) assert.ok(text.includes(figure), `missing ${figure} in:\n${text}`);
  assert.match(text, /Always in: net \+1,592\.78\sUSDT \(\+32\.30\s?%\)/);
  assert.match(text, /Rules with fees ignored: net \+1,824\.97\sUSDT/);
  assert.match(text, /Not modelled: slippage beyond the book spread/);
  assert.match(text, /Requests: 7 \(weight 22\); from cache: no/);
});

test('asking again is answered from the cache: no request reaches Binance', async () => {
  const before = h.binance.requests.length;
  const { text } = await ask('/backtest solusdt 90d');
  assert.ok(text.includes('+1,749.92'));
  assert.match(text, /Requests: 0 \(weight 0\); from cache: yes/);
  assert.equal(h.binance.requests.length, before);
});

test('bad input gets the usage and sends nothing to Binance', async () => {
  const before = h.binance.requests.length;
  for (const bad of ['/backtest', '/backtest SOLUSDT 7d', '/backtest SOLUSDT 90d extra', '/backtest $$$']) {
    assert.match((await ask(bad)).text, /\/backtest SYMBOL \[30d\|90d\|180d\]/);
  }
  assert.equal(h.binance.requests.length, before);
});

test('a symbol Binance does not list gets a plain answer, not the exchange error text', async () => {
  const { text } = await ask('/backtest FOOUSDT 90d');
  assert.equal(text, 'FOOUSDT is not a USDT perpetual with a spot pair on Binance.');
});
