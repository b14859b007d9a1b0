/**
 * One benchmark figure and how it is printed / stored. A figure without a target is
 * informational (the naive scan, the network floor, the RSS trend) and never MISSes.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** upper bound the value must not exceed */
  target?: number;
  /** how the figure was measured, one short phrase */
  note?: string;
}

export interface StoredFigure extends Figure {
  pass: boolean | null;
}

export const passes = (f: Figure): boolean | null => (f.target === undefined ? null : f.value <= f.target);

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

/** `name  value unit  target ≤ x unit  PASS|MISS|info` on one line. */
export function formatFigure(f: Figure): string {
  const p = passes(f);
  const verdict = p === null ? 'info' : p ? 'PASS' : 'MISS';
  const target = f.target === undefined ? '' : `≤ ${fmt(f.target)} ${f.unit}`;
  const note = f.note ? `  (${f.note})` : '';
  return `${f.name.padEnd(42)} ${`${fmt(f.value)} ${f.unit}`.padStart(14)}  ${target.padEnd(14)}  ${verdict}${note}`;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
export const mb = (bytes: number): number => round(bytes / 1_048_576, 1);
