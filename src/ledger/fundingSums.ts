import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { DAY_MS, ExactSum } from './pnl.js';
import type { FundingRow, Position } from './schema.js';

/**
 * Running sums of the funding journal, kept up to date on every append so /pnl all and the exit
 * alerts never walk the rows: per position (sum and count), unattributed per mode and symbol, and
 * per mode and UTC day. Exact (ExactSum); saved beside the journal as a checkpoint with the byte
 * offset it covers, so opening the ledger replays only the rows appended after it.
 */

type Mode = Position['mode'];

interface Counted {
  sum: ExactSum;
  count: number;
}

/** what the checkpoint file holds; sums as exact decimal strings */
interface SumsFile {
  v: 1;
  /** bytes of the funding journal these sums cover */
  offset: number;
  /** the journal's last bytes before `offset` (base64): a different journal does not match */
  tail: string;
  byPosition: Array<[string, string, number]>;
  loose: Array<[Mode, string, string, number]>;
  daily: Array<[Mode, number, string]>;
}

const TAIL_BYTES = 48;
const exact = (v: string): ExactSum => new ExactSum().add(v);

export class FundingSums {
  readonly byPosition = new Map<string, Counted>();
  /** key `${mode} ${symbol}` */
  readonly loose = new Map<string, Counted & { mode: Mode; symbol: string }>();
  /** key `${mode} ${day}`, day = UTC days since the epoch */
  readonly daily = new Map<string, ExactSum>();

  add(r: FundingRow): void {
    if (r.positionId === null) {
      const key = `${r.mode} ${r.symbol}`;
      let u = this.loose.get(key);
      if (!u) this.loose.set(key, (u = { mode: r.mode, symbol: r.symbol, sum: new ExactSum(), count: 0 }));
      u.sum.add(r.amount);
      u.count++;
    } else {
      let p = this.byPosition.get(r.positionId);
      if (!p) this.byPosition.set(r.positionId, (p = { sum: new ExactSum(), count: 0 }));
      p.sum.add(r.amount);
      p.count++;
    }
    const day = `${r.mode} ${Math.floor(r.time / DAY_MS)}`;
    let d = this.daily.get(day);
    if (!d) this.daily.set(day, (d = new ExactSum()));
    d.add(r.amount);
  }

  /** Writes the checkpoint atomically (temp file + rename). */
  save(file: string, journal: string, offset: number): void {
    const doc: SumsFile = {
      v: 1,
      offset,
      tail: tailOf(journal, offset),
      byPosition: [...this.byPosition].map(([id, c]) => [id, c.sum.value().toFixed(), c.count]),
      loose: [...this.loose.values()].map((u) => [u.mode, u.symbol, u.sum.value().toFixed(), u.count]),
      daily: [...this.daily].map(([key, s]) => {
        const [mode, day] = key.split(' ') as [Mode, string];
        return [mode, Number(day), s.value().toFixed()];
      }),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(doc));
    renameSync(`${file}.tmp`, file);
  }

  /** The checkpoint in `file` if it matches `journal`; otherwise undefined (replay from the start). */
  static load(file: string, journal: string, journalSize: number, logger?: Logger): { sums: FundingSums; offset: number } | undefined {
    let doc: SumsFile;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as SumsFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ file, err }, 'funding sums checkpoint unreadable; rebuilding from the journal');
      return undefined;
    }
    if (doc?.v !== 1 || !(doc.offset <= journalSize) || tailOf(journal, doc.offset) !== doc.tail) {
      logger?.warn({ file }, 'funding sums checkpoint does not match the journal; rebuilding from the journal');
      return undefined;
    }
    const sums = new FundingSums();
    for (const [id, sum, count] of doc.byPosition) sums.byPosition.set(id, { sum: exact(sum), count });
    for (const [mode, symbol, sum, count] of doc.loose) sums.loose.set(`${mode} ${symbol}`, { mode, symbol, sum: exact(sum), count });
    for (const [mode, day, sum] of doc.daily) sums.daily.set(`${mode} ${day}`, exact(sum));
    return { sums, offset: doc.offset };
  }
}

function tailOf(journal: string, offset: number): string {
  const n = Math.min(TAIL_BYTES, offset);
  if (n === 0) return '';
  const buf = Buffer.alloc(n);
  let fd: number;
  try {
    fd = openSync(journal, 'r');
  } catch {
    return '';
  }
  try {
    readSync(fd, buf, 0, n, offset - n);
  } finally {
    closeSync(fd);
  }
  return buf.toString('base64');
}
