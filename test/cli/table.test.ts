import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countdown, formatScanError, formatScanJson, formatScanTable, formatSummary, parseScanArgs, signed, utcHm } from '../../src/cli/table.js';
import { ConfigError, ExchangeError, RejectedError, RetryableError } from '../../src/errors.js';
import type { ScanResult, SymbolSignal } from '../../src/market/types.js';

const NOW = Date.UTC(2025, 0, 10, 9, 0, 0);
const H = 3_600_000;

function row(over: Partial<SymbolSignal>): SymbolSignal {
  return {
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    intervalHours: 8,
    periodsPerDay: 3,
    rate: 0.0005,
    apr: 54.75,
    apr7d: 54.75,
    settlements7d: 21,
    basisPct: 0.1,
    roundTripFeePct: 0.3,
    breakEvenDays: 2,
    netApr: 51.1,
    capitalApr: 25.55,
    markPrice: '100',
    spotAsk: '100',
    spotBid: '99.9',
    futuresBid: '100.1',
    futuresAsk: '100.2',
    nextFundingTime: NOW + 7 * H + 5 * 60_000,
    warnings: [],
    isSignal: true,
    ...over,
  };
}

const rows = [
  row({}),
  row({
    symbol: 'DOGEUSDT',
    intervalHours: 4,
    rate: -0.0001,
    apr: -21.9,
    apr7d: null,
    basisPct: -0.25,
    breakEvenDays: null,
    netApr: -25.55,
    nextFundingTime: NOW + 10 * 60_000,
    warnings: ['negative_funding', 'settlement_soon'],
    isSignal: false,
  }),
];

describe('scan table', () => {
  it('prints a ranked, right-aligned table with signs, countdowns and marks', () => {
    const lines = formatScanTable(rows, NOW).split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^SYMBOL\s+INT\s+RATE %\s+APR %\s+7D APR %\s+BASIS %\s+BE DAYS\s+NET APR %\s+NEXT FUNDING\s+SIG\s+WARNINGS$/);
    assert.match(lines[1] ?? '', /^BTCUSDT\s+8h\s+\+0\.0500\s+\+54\.75\s+\+54\.75\s+\+0\.100\s+2\.0\s+\+51\.10\s+16:05 in 7h05m\s+✓$/);
    assert.match(lines[2] ?? '', /^DOGEUSDT\s+4h\s+-0\.0100\s+-21\.90\s+—\s+-0\.250\s+—\s+-25\.55\s+09:10 in 10m\s+·\s+negative funding, settles <15m$/);
    // Right alignment: every numeric column ends at the same character offset on every line.
    const end = (l: string, needle: string) => l.indexOf(needle) + needle.length;
    assert.equal(end(lines[0] ?? '', 'NET APR %'), end(lines[1] ?? '', '+51.10'));
    assert.equal(end(lines[1] ?? '', '+51.10'), end(lines[2] ?? '', '-25.55'));
    assert.equal(end(lines[0] ?? '', 'RATE %'), end(lines[2] ?? '', '-0.0100'));
  });

  it('formats numbers with explicit signs and no negative zero', () => {
    assert.equal(signed(1.234, 2), '+1.23');
    assert.equal(signed(-1.235, 1), '-1.2');
    assert.equal(signed(-0.0001, 2), '0.00');
    assert.equal(signed(0, 2), '0.00');
    assert.equal(signed(null, 2), '—');
    assert.equal(countdown(7 * H + 5 * 60_000 + 59_000), '7h05m');
    assert.equal(countdown(59_000), '0m');
    assert.equal(countdown(-1), 'now');
    assert.equal(utcHm(Date.UTC(2025, 0, 1, 0, 7)), '00:07');
  });

  it('summarises what the scan found and cost', () => {
    const result: ScanResult = { at: NOW, rows, signals: [rows[0] as SymbolSignal], requests: 3, weight: 19, universeSize: 2, historyRequests: 4, historyPending: 6, missing: ['NOPEUSDT'] };
    const text = formatSummary(result, 1, { minApr: 15, holdDays: 30 });
    assert.match(text, /2025-01-10 09:00 UTC: 2 symbols, 1 signal \(net APR ≥ 15% after fees over 30 days/);
    assert.match(text, /cost: 3 requests \/ weight 19 \+ 4 funding-history requests; showing top 1 of 2/);
    assert.match(text, /6 more candidates have no 7-day history/);
    assert.match(text, /not tradable on both spot and futures: NOPEUSDT/);
    const json = JSON.parse(formatScanJson(result, rows.slice(1)));
    assert.deepEqual(
      json.rows.map((r: SymbolSignal) => r.symbol),
      ['DOGEUSDT'],
    );
    assert.deepEqual(json.signals, []);
    assert.equal(json.weight, 19);
  });
});

describe('scan args and errors', () => {
  it('parses options', () => {
    assert.deepEqual(parseScanArgs([]), { top: 20, all: false, json: false, help: false, venues: false });
    assert.deepEqual(parseScanArgs(['--top', '5', '--json']), { top: 5, all: false, json: true, help: false, venues: false });
    assert.deepEqual(parseScanArgs(['--top=7', '--all']), { top: 7, all: true, json: false, help: false, venues: false });
    assert.deepEqual(parseScanArgs(['--venues', '--venue=okx']), { top: 20, all: false, json: false, help: false, venues: true, venue: 'okx' });
    assert.match((parseScanArgs(['--venue', 'kraken']) as { error: string }).error, /--venue needs bybit, okx or all \(got kraken\)/);
    assert.ok('error' in parseScanArgs(['--top', '0']));
    assert.ok('error' in parseScanArgs(['--top']));
    assert.ok('error' in parseScanArgs(['--nope']));
  });

  it('explains a failure in one line, naming the market, URL and cause', () => {
    const urls = { spot: 'http://127.0.0.1:9', futures: 'http://127.0.0.1:1' };
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' });
    const net = new RetryableError('GET /fapi/v1/exchangeInfo: ECONNREFUSED', { market: 'futures', method: 'GET', path: '/fapi/v1/exchangeInfo', cause: refused });
    assert.equal(formatScanError(net, urls), 'scan failed: cannot reach Binance futures at http://127.0.0.1:1 (connect ECONNREFUSED)');

    const aggregate = new RetryableError('x', { market: 'spot', cause: new AggregateError([refused], '') });
    assert.equal(formatScanError(aggregate, urls), 'scan failed: cannot reach Binance spot at http://127.0.0.1:9 (connect ECONNREFUSED)');

    const http = new RejectedError('GET /api/v3/exchangeInfo:\nInvalid symbol.', { market: 'spot', status: 400, code: -1121 });
    assert.equal(formatScanError(http, urls), 'scan failed: Binance spot at http://127.0.0.1:9 answered HTTP 400 code -1121: GET /api/v3/exchangeInfo: Invalid symbol.');

    assert.equal(formatScanError(new ConfigError(['MIN_APR bad', 'HOLD_DAYS bad']), urls), 'scan failed: invalid configuration: MIN_APR bad; HOLD_DAYS bad');
    assert.equal(formatScanError(new ExchangeError('odd'), urls), 'scan failed: cannot reach Binance (odd)');
    assert.equal(formatScanError('boom', urls), 'scan failed: boom');
  });
});
