import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { z } from 'zod';
import { parseExchangeJson } from '../../src/binance/json.js';
import * as s from '../../src/binance/schemas.js';

/**
 * Every body in test/fixtures/binance (Binance's own documentation examples, see the README
 * there) goes through the bot's parser and schema: ids exact to the digit, decimals unchanged.
 */

const DIR = new URL('../fixtures/binance/', import.meta.url);
const ID_KEYS = ['orderId', 'id', 'tradeId', 'tranId'];

/** file name (without .json and variant suffix) → the schema the bot reads that endpoint with */
const SCHEMAS: Record<string, z.ZodType<unknown>> = {
  'spot-GET_api_v3_time': s.serverTimeSchema,
  'spot-GET_api_v3_ticker_bookticker': s.bookTickerSchema,
  'spot-GET_api_v3_ticker_bookticker-all': s.bookTickerListSchema,
  'spot-GET_api_v3_avgprice': s.avgPriceSchema,
  'spot-GET_api_v3_account': s.spotAccountSchema,
  'spot-GET_api_v3_account_commission': s.spotCommissionSchema,
  'spot-GET_api_v3_mytrades': s.spotTradeListSchema,
  'spot-GET_api_v3_order': s.spotOrderSchema,
  'spot-POST_api_v3_order-RESULT': s.spotOrderSchema,
  'spot-POST_api_v3_order-FULL': s.spotOrderSchema,
  'futures-GET_fapi_v1_time': s.serverTimeSchema,
  'futures-GET_fapi_v1_premiumindex': s.premiumIndexSchema,
  'futures-GET_fapi_v1_premiumindex-all': s.premiumIndexListSchema,
  'futures-GET_fapi_v1_fundingrate': s.fundingRateListSchema,
  'futures-GET_fapi_v1_fundinginfo': s.fundingInfoListSchema,
  'futures-GET_fapi_v1_ticker_bookticker': s.bookTickerSchema,
  'futures-GET_fapi_v1_ticker_bookticker-all': s.bookTickerListSchema,
  'futures-POST_fapi_v1_order': s.futuresOrderSchema,
  'futures-GET_fapi_v1_order': s.futuresOrderSchema,
  'futures-GET_fapi_v1_usertrades': s.futuresTradeListSchema,
  'futures-GET_fapi_v1_income': s.incomeListSchema,
  'futures-GET_fapi_v1_commissionrate': s.futuresCommissionSchema,
  'futures-GET_fapi_v1_positionside_dual': s.dualSideSchema,
  'futures-GET_fapi_v3_positionrisk': s.positionRiskListSchema,
  'futures-GET_fapi_v3_positionrisk-hedge': s.positionRiskListSchema,
  'futures-GET_fapi_v3_balance': s.futuresBalanceListSchema,
  'futures-GET_fapi_v2_positionrisk': s.positionRiskListSchema,
  'futures-GET_fapi_v2_balance': s.futuresBalanceListSchema,
  'futures-POST_fapi_v1_leverage': s.leverageSchema,
};
/** bodies the bot never reads through a schema (ACK is not requested; convert only tests the parser) */
const PARSER_ONLY = new Set(['spot-POST_api_v3_order-ACK', 'futures-GET_fapi_v1_convert_orderStatus']);

const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const read = (f: string) => readFileSync(new URL(f, DIR), 'utf8');

/** Lifts every id in the text to 19 digits (today's magnitude), keeping it unique per value. */
const lift = (text: string) =>
  text.replace(new RegExp(`"(${ID_KEYS.join('|')})"(\\s*):(\\s*)(\\d+)`, 'g'), (_m, k: string, a: string, b: string, d: string) => `"${k}"${a}:${b}${8_389_765_927_340_000_000n + BigInt(d)}`);

/** The ids in a body's text, in order, as the digits written there. */
const idsIn = (text: string) => [...text.matchAll(new RegExp(`"(?:${ID_KEYS.join('|')})"\\s*:\\s*"?(\\d+)`, 'g'))].map((m) => m[1]!);

/** Ids found in the parsed value, in document order (same walk order as the text for these bodies). */
function idsOut(v: unknown, out: string[] = [], safeNumbers = false): string[] {
  if (Array.isArray(v)) v.forEach((x) => idsOut(x, out, safeNumbers));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!ID_KEYS.includes(k)) idsOut(x, out, safeNumbers);
      else if (typeof x === 'string' || (safeNumbers && Number.isSafeInteger(x))) out.push(String(x));
      else out.push(`not a string: ${String(x)}`);
    }
  }
  return out;
}

/** Every string the schema kept is the exact string in the body (same path). */
function sameStrings(raw: unknown, parsed: unknown, path = ''): void {
  if (typeof parsed === 'string' && typeof raw === 'string') assert.equal(parsed, raw, path);
  else if (parsed && typeof parsed === 'object' && raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(parsed)) {
      if (!ID_KEYS.includes(k)) sameStrings((raw as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}

test('every fixture has a schema (or is listed as parser-only) and a README line', () => {
  const readme = read('README.md');
  for (const f of files) {
    const name = f.replace(/\.json$/, '');
    assert.ok(SCHEMAS[name] || PARSER_ONLY.has(name), `no schema mapped for ${f}`);
    assert.ok(readme.includes(name.replace(/-(all|hedge|ACK|RESULT|FULL)$/, '')), `${f} missing from the README`);
  }
  assert.ok(files.length >= 30);
});

for (const f of files) {
  const name = f.replace(/\.json$/, '');
  const schema = SCHEMAS[name];
  for (const [variant, text] of [['as documented', read(f)], ['ids at 19 digits', lift(read(f))]] as const) {
    test(`${f} (${variant}): ids exact, decimals exact`, () => {
      const body = parseExchangeJson(text);
      const expected = idsIn(text);
      if (!schema) {
        // the raw parse: small ids stay numbers, ids past 2^53 come back as their digits
        assert.deepEqual(idsOut(body, [], true), expected);
        return;
      }
      const parsed = schema.safeParse(body);
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues[0]));
      const got = idsOut(parsed.data);
      // the schema keeps the ids the bot reads; each must be one of the body's, digit for digit
      for (const id of got) assert.ok(expected.includes(id), `${id} is not among ${expected.join(', ')}`);
      sameStrings(JSON.parse(text.replace(/:\s*(\d{16,})/g, ':"$1"')), parsed.data);
    });
  }
}

test('a documented 18-digit id above 2^53 survives; JSON.parse would round it', () => {
  const text = read('futures-GET_fapi_v1_convert_orderStatus.json');
  assert.equal((parseExchangeJson(text) as { orderId: unknown }).orderId, '933256278426274426');
  assert.notEqual(String((JSON.parse(text) as { orderId: number }).orderId), '933256278426274426');
});

test('adjacent 19-digit ids stay distinct; small ids stay numbers the schema turns into exact strings', () => {
  const rows = s.incomeListSchema.parse(
    parseExchangeJson('[{"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"0.1","asset":"USDT","time":1,"tranId":4527613902411838001},{"symbol":"ETHUSDT","incomeType":"FUNDING_FEE","income":"0.2","asset":"USDT","time":1,"tranId":4527613902411838002}]'),
  );
  assert.deepEqual(rows.map((r) => r.tranId), ['4527613902411838001', '4527613902411838002']);
  assert.equal(s.idSchema.parse(28), '28');
  // a float that already lost digits is refused rather than stored rounded
  assert.equal(s.idSchema.safeParse(4527613902411838001).success, false);
});
