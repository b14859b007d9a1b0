/** Mean funding APR over trailing windows, from settled rates (APR = rate × periods/day × 365 × 100). */
export interface FundingStats {
  apr7d: number | null;
  count7d: number;
  apr30d: number | null;
  count30d: number;
}

const DAY_MS = 86_400_000;

export function fundingStats(rows: Array<{ fundingTime: number; rate: number }>, periodsPerDay: number, nowMs: number): FundingStats {
  const window = (days: number) => rows.filter((r) => r.fundingTime > nowMs - days * DAY_MS && r.fundingTime <= nowMs);
  const meanApr = (rs: Array<{ rate: number }>) => (rs.length ? (rs.reduce((a, r) => a + r.rate, 0) / rs.length) * periodsPerDay * 365 * 100 : null);
  const w7 = window(7);
  const w30 = window(30);
  return { apr7d: meanApr(w7), count7d: w7.length, apr30d: meanApr(w30), count30d: w30.length };
}
