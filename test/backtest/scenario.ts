import type { FakeBinance, FakeFundingRow } from '../fakes/binance.js';

/**
 * The scripted 90-day SOLUSDT history the backtest tests replay (window (T0, T0 + 90 d]):
 *
 *   T0−8d … T0+20d   8h prints at 0.0001 (10.95 % APR: below the entry bar)
 *   T0+20d … T0+40d  8h prints at 0.0006 (65.7 %)
 *   T0+40d … T0+45d  8h prints at −0.0002 (the negative spell)
 *   T0+45d … T0+60d  8h prints at 0.0001
 *   T0+60d+1h …      hourly prints at 0.0002 (the interval changed to 1h)
 *
 * Prices (hourly opens): spot 100 / futures 100.2 before T0+30d, 120 / 120.1 until T0+50d,
 * then 80 / 80.16. Each print's mark is the futures price of its hour.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const T0 = Date.UTC(2026, 6, 1); // 2026-07-01 00:00 UTC
export const at = (days: number, hours = 0) => T0 + days * DAY + hours * HOUR;
/** the clock of the test: half an hour after the window's last settlement */
export const NOW = at(90, 0.5);

export function spotPrice(t: number): string {
  return t < at(30) ? '100' : t < at(50) ? '120' : '80';
}
export function futuresPrice(t: number): string {
  return t < at(30) ? '100.2' : t < at(50) ? '120.1' : '80.16';
}

export function rateAt(t: number): string {
  if (t < at(20)) return '0.0001';
  if (t < at(40)) return '0.0006';
  if (t < at(45)) return '-0.0002';
  if (t <= at(60)) return '0.0001';
  return '0.0002';
}

export function scriptedFunding(): FakeFundingRow[] {
  const rows: FakeFundingRow[] = [];
  for (let t = at(-8); t <= at(60); t += 8 * HOUR) rows.push({ fundingTime: t, fundingRate: rateAt(t), markPrice: futuresPrice(t) });
  for (let t = at(60, 1); t <= at(90); t += HOUR) rows.push({ fundingTime: t, fundingRate: rateAt(t), markPrice: futuresPrice(t) });
  return rows;
}

/** Puts the scripted history on the fake's SOLUSDT (funding and both markets' hourly klines). */
export function scriptHistory(fake: FakeBinance, symbol = 'SOLUSDT'): void {
  fake.symbols.get(symbol)!.fundingHistory = scriptedFunding();
  fake.klines.hourly(symbol, 'spot', at(-8), at(90), spotPrice);
  fake.klines.hourly(symbol, 'futures', at(-8), at(90), futuresPrice);
}

/** LEVERAGE 1, fees 0.1 % spot + 0.05 % futures: round trip 0.3 %, amortised 3.65 % APR over 30 days. */
export const PARAMS = {
  notional: '10000',
  minApr: 15,
  exitApr: 5,
  holdDays: 30,
  spotTakerFee: '0.001',
  futuresTakerFee: '0.0005',
  leverage: 1,
};
