import { isInteger, isSafeNumber, parse } from 'lossless-json';

/**
 * Binance sends 64-bit ids (orderId ≈ 8.4e18, income tranId ≈ 4.5e18) as bare JSON numbers;
 * JSON.parse rounds them to the nearest double, so two adjacent ids become one. A body that
 * holds a run of 16+ digits is parsed by lossless-json instead, keeping every integer a double
 * cannot hold exactly as its decimal string; everything else stays a plain number. Bodies
 * without such a run (market data, the scan's big lists) keep the native parser's speed.
 */
const LONG_DIGITS = /\d{16}/;

function parseNumber(text: string): number | string {
  if (isInteger(text) && !isSafeNumber(text)) return text;
  return Number(text);
}

/** JSON.parse that never loses an integer's digits. Throws SyntaxError like JSON.parse. */
export function parseExchangeJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}
