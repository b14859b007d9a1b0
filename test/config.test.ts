import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

function problems(env: Record<string, string>, opts = {}): string[] {
  try {
    createConfig(env, opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('createConfig', () => {
  test('other venues: defaults, a trimmed list, binance required, bad names and fees listed', () => {
    const c = createConfig({});
    assert.deepEqual(c.venues, ['binance', 'bybit', 'okx']);
    assert.deepEqual(c.venueUrls, { bybit: 'https://api.bybit.com', okx: 'https://www.okx.com' });
    assert.deepEqual(c.venueFees, { bybit: { spot: '0.001', futures: '0.00055' }, okx: { spot: '0.001', futures: '0.0005' } });
    assert.equal(c.venueGapApr, 20);
    assert.deepEqual(createConfig({ VENUES: ' Binance , okx ', OKX_URL: 'http://127.0.0.1:9/' }).venues, ['binance', 'okx']);
    assert.equal(createConfig({ OKX_URL: 'http://127.0.0.1:9/' }).venueUrls.okx, 'http://127.0.0.1:9');
    const bad = problems({ VENUES: 'bybit,kraken', BYBIT_FUTURES_TAKER_FEE: 'x', VENUE_GAP_APR: '0' });
    assert.equal(bad.length, 3, bad.join('\n'));
    assert.match(bad[0]!, /^VENUES must list venues from binance, bybit, okx, binance included .*\(bad: kraken\)/);
  });

  test('defaults match the documented ones', () => {
    const c = createConfig({});
    assert.equal(c.mode, 'paper');
    assert.equal(c.telegram.apiRoot, 'https://api.telegram.org');
    assert.deepEqual(c.telegram.allowedUsers, []);
    assert.equal(c.binance.spotUrl, 'https://api.binance.com');
    assert.equal(c.binance.futuresUrl, 'https://fapi.binance.com');
    assert.equal(c.dataFile, './data/carrybot.json');
    assert.equal(c.signalCron, '*/5 * * * *');
    assert.equal(c.incomeCron, '*/10 * * * *');
    assert.equal(c.symbols, undefined);
    assert.equal(c.minApr, 15);
    assert.equal(c.exitApr, 5);
    assert.equal(c.holdDays, 30);
    assert.equal(c.spotTakerFee, '0.001');
    assert.equal(c.futuresTakerFee, '0.0005');
    assert.equal(c.leverage, 1);
    assert.equal(c.maxPositionUsdt, '10000');
    assert.equal(c.maxTotalUsdt, '50000');
    assert.equal(c.confirmTtlSeconds, 60);
    assert.equal(c.unwindBudgetSeconds, 15);
    assert.equal(c.marginAlertPct, 30);
    assert.equal(c.autoTopupUsdt, '0');
    assert.equal(c.autoExitMinutes, 0);
    assert.equal(c.paperFuturesUsdt, '0');
    assert.equal(c.locale, 'en');
    assert.equal(c.logLevel, 'info');
  });

  test('parses allowlist, symbols, testnet and URL overrides', () => {
    const c = createConfig({
      TELEGRAM_ALLOWED_USERS: ' 111, 222 ,111',
      SYMBOLS: 'btcusdt, ETHUSDT',
      BINANCE_TESTNET: 'true',
      BINANCE_FUTURES_URL: 'http://127.0.0.1:9999/',
      SIGNAL_CRON: '*/10 * * * * *',
    });
    assert.deepEqual(c.telegram.allowedUsers, [111, 222]);
    assert.deepEqual(c.symbols, ['BTCUSDT', 'ETHUSDT']);
    assert.equal(c.binance.spotUrl, 'https://testnet.binance.vision');
    assert.equal(c.binance.futuresUrl, 'http://127.0.0.1:9999');
    assert.equal(c.signalCron, '*/10 * * * * *');
  });

  test('margin guardrail variables: values kept, bad ones listed', () => {
    const c = createConfig({ MARGIN_ALERT_PCT: '25', AUTO_TOPUP_USDT: '150.5', AUTO_EXIT_MINUTES: '1', PAPER_FUTURES_USDT: '200' });
    assert.equal(c.marginAlertPct, 25);
    assert.equal(c.autoTopupUsdt, '150.5');
    assert.equal(c.autoExitMinutes, 1);
    assert.equal(c.paperFuturesUsdt, '200');
    const p = problems({ MARGIN_ALERT_PCT: '0', AUTO_TOPUP_USDT: '-5', AUTO_EXIT_MINUTES: '1.5', PAPER_FUTURES_USDT: 'lots' });
    assert.deepEqual(p.map((x) => x.split(' ')[0]).sort(), ['AUTO_EXIT_MINUTES', 'AUTO_TOPUP_USDT', 'MARGIN_ALERT_PCT', 'PAPER_FUTURES_USDT']);
  });

  test('npm start without a token is a clear problem', () => {
    const p = problems({}, { requireToken: true });
    assert.equal(p.length, 1);
    assert.match(p[0]!, /TELEGRAM_BOT_TOKEN is required/);
  });

  test('live without keys names both missing keys', () => {
    const p = problems({ TRADING_MODE: 'live' });
    assert.ok(p.some((x) => /BINANCE_API_KEY is required when TRADING_MODE=live/.test(x)));
    assert.ok(p.some((x) => /BINANCE_API_SECRET is required when TRADING_MODE=live/.test(x)));
  });

  test('every problem is listed at once', () => {
    const p = problems(
      { SIGNAL_CRON: 'every five minutes', MIN_APR: 'lots', LEVERAGE: '2.5', TELEGRAM_ALLOWED_USERS: '12,abc', TRADING_MODE: 'live' },
      { requireToken: true },
    );
    assert.ok(p.some((x) => x.startsWith('SIGNAL_CRON must be a cron expression')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('MIN_APR must be') && x.includes('"lots"')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('LEVERAGE must be a whole number')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('BINANCE_API_KEY is required when TRADING_MODE=live')), p.join('\n'));
    assert.ok(problems({ TRADING_MODE: 'yolo' }).some((x) => x.startsWith('TRADING_MODE must be "paper" or "live"')));
    assert.ok(p.some((x) => x.startsWith('TELEGRAM_ALLOWED_USERS') && x.includes('abc')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('TELEGRAM_BOT_TOKEN is required')), p.join('\n'));
  });

  test('bad numbers and fees are refused with the variable name', () => {
    assert.ok(problems({ SPOT_TAKER_FEE: '-0.1' }).some((x) => x.startsWith('SPOT_TAKER_FEE')));
    assert.ok(problems({ HOLD_DAYS: '0' }).some((x) => x.startsWith('HOLD_DAYS')));
    assert.ok(problems({ UNWIND_BUDGET_SECONDS: '1' }).some((x) => x.startsWith('UNWIND_BUDGET_SECONDS')));
    assert.ok(problems({ MAX_POSITION_USDT: '1e5' }).some((x) => x.startsWith('MAX_POSITION_USDT')));
    assert.ok(problems({ SYMBOLS: 'BTC-USD' }).some((x) => x.startsWith('SYMBOLS')));
    assert.ok(problems({ BINANCE_SPOT_URL: 'ftp://x' }).some((x) => x.startsWith('BINANCE_SPOT_URL')));
    assert.ok(problems({ LOCALE: 'de' }, { locales: ['en', 'ru'] }).some((x) => x.startsWith('LOCALE')));
    assert.ok(problems({ MAX_POSITION_USDT: '100', MAX_TOTAL_USDT: '50' }).some((x) => x.startsWith('MAX_TOTAL_USDT')));
  });

  test('the error message never echoes a secret', () => {
    try {
      createConfig({ TRADING_MODE: 'live', BINANCE_API_KEY: 'k'.repeat(64), TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij', LEVERAGE: 'x' });
      assert.fail('expected ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes('k'.repeat(64)));
      assert.ok(!err.message.includes('ABCDEFGHIJ'));
    }
  });
});
