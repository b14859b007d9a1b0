import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RejectedError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

const TOKEN = '7123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0';
const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

test('tokens, keys, secrets and signatures never reach the log', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'debug', secrets: [TOKEN, KEY, SECRET], destination });
  log.info({ headers: { 'X-MBX-APIKEY': KEY }, url: `https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71` }, 'sent');
  log.error({ err: new RejectedError(`request to https://api.telegram.org/bot${TOKEN}/sendMessage failed`, { code: -1022 }) }, 'failed');
  log.warn(`secret is ${SECRET}`);
  log.info({ config: { apiSecret: SECRET, token: TOKEN, nested: [{ signature: 'abc' }] } }, 'config');
  const out = lines.join('');
  for (const s of [TOKEN, KEY, SECRET, 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71', '"abc"']) {
    assert.ok(!out.includes(s), `leaked ${s.slice(0, 12)}… in ${out}`);
  }
  assert.match(out, /\[REDACTED\]/);
  assert.match(out, /"code":-1022/, 'error details other than secrets survive');
  assert.equal(lines.length, 4);
});
