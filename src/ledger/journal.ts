import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../logger.js';
import type { WriteGate } from './writeGate.js';

/**
 * An append-only JSON Lines file: one record per line, each append written and fsync'd before it
 * resolves. A crash mid-append leaves at most one torn last line (no newline, or not JSON): on
 * open it is reported, copied aside (`<file>.torn-<time>`) and cut off, so the next append starts
 * on a clean line. It was never acknowledged: the write that made it had not returned.
 */
export interface Journal {
  readonly file: string;
  /** bytes of whole lines in the file */
  readonly size: number;
  /**
   * Appends the records as lines and fsyncs; resolves once they are durable. Records of a failed
   * append (a full disk) are kept and go out first with the next append, once each.
   */
  append(records: readonly unknown[]): Promise<void>;
  /** records of failed appends not yet on disk */
  readonly unwritten: number;
  close(): Promise<void>;
}

export interface JournalOptions {
  logger?: Logger;
  now?: () => number;
  /** while held, an append waits before serialising its records */
  gate?: WriteGate;
}

const NL = 0x0a;
const CHUNK = 1 << 20;
/** records per write of a bulk append */
const SLICE = 10_000;

/** Reads lines from byte `from` to the end, one callback per parsed record (a bad line is reported and skipped). */
export function readLines(file: string, from: number, onRecord: (record: unknown) => void, logger?: Logger): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = from;
    let carry = '';
    let line = 0;
    // a chunk may end inside a multi-byte character: the decoder carries it to the next one
    const decoder = new StringDecoder('utf8');
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      if (n <= 0) break;
      pos += n;
      const lines = (carry + decoder.write(buf.subarray(0, n))).split('\n');
      carry = lines.pop()!;
      for (const text of lines) {
        line++;
        if (text === '') continue;
        try {
          onRecord(JSON.parse(text));
        } catch {
          logger?.error({ file, line, from }, 'journal: a line that is not JSON was skipped');
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the journal backwards from its end, a chunk at a time, until `stop` says the records are
 * old enough; calls onRecord newest first. For the recent tail of a long history.
 */
export function readTail(file: string, onRecord: (record: unknown) => void, stop: () => boolean): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    let pos = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry = Buffer.alloc(0);
    while (pos > 0 && !stop()) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      readSync(fd, buf, 0, n, pos);
      const block = Buffer.concat([buf.subarray(0, n), carry]);
      const first = pos > 0 ? block.indexOf(NL) : -1;
      carry = first >= 0 ? Buffer.from(block.subarray(0, first)) : Buffer.alloc(0);
      const lines = block.toString('utf8', first + 1).split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i]!;
        if (line === '') continue;
        try {
          onRecord(JSON.parse(line));
        } catch {
          // a torn line was cut off when the journal was opened; anything else was reported by readLines
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The length of the file up to its last whole, parseable line; copies a torn tail aside and cuts it. */
function repairTail(file: string, opts: JournalOptions): number {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    // the last line, and the one before it if the file ends in a newline
    const look = Math.min(size, CHUNK);
    const buf = Buffer.allocUnsafe(look);
    readSync(fd, buf, 0, look, size - look);
    const endsClean = buf[look - 1] === NL;
    const lastNl = buf.lastIndexOf(NL, endsClean ? look - 2 : look - 1);
    if (lastNl < 0 && look < size) return size; // a line longer than a chunk: leave it to readLines
    const tail = buf.subarray(lastNl + 1, endsClean ? look - 1 : look);
    let whole = endsClean;
    if (whole) {
      try {
        JSON.parse(tail.toString('utf8'));
      } catch {
        whole = false;
      }
    }
    if (whole) return size;
    const cut = size - look + lastNl + 1;
    const aside = `${file}.torn-${(opts.now ?? Date.now)()}`;
    writeFileSync(aside, tail);
    ftruncateSync(fd, cut);
    opts.logger?.error({ file, bytes: tail.length, keptAt: aside }, 'journal: torn last line (a crash mid-append) skipped and cut off; copy kept');
    return cut;
  } finally {
    closeSync(fd);
  }
}

export async function openJournal(file: string, opts: JournalOptions = {}): Promise<Journal> {
  let size = repairTail(file, opts);
  let handle: FileHandle | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  /** records a failed append cut back off the file: written before anything newer */
  let unwritten: unknown[] = [];
  const handleOf = async () => (handle ??= await open(file, 'a'));
  return {
    file,
    get size() {
      return size;
    },
    get unwritten() {
      return unwritten.length;
    },
    append(records) {
      if (!records.length && !unwritten.length) return Promise.resolve();
      // appends to one journal go one at a time: a failed one cuts back to where it began
      const run = queue.then(() => write(records));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      const h = handle;
      handle = undefined;
      await h?.close();
    },
  };
  async function write(fresh: readonly unknown[]): Promise<void> {
    const held = opts.gate?.passage();
    if (held) await held;
    const records = unwritten.length ? [...unwritten, ...fresh] : fresh;
    unwritten = [];
    try {
      await writeLines(records);
    } catch (err) {
      unwritten = [...records];
      throw err;
    }
  }
  async function writeLines(records: readonly unknown[]): Promise<void> {
    if (!records.length) return;
    const h = await handleOf();
    const before = size;
    let at = size;
    try {
      // a bulk import (migration) goes out in slices; one fsync at the end either way
      for (let i = 0; i < records.length; i += SLICE) {
        const text = records.slice(i, i + SLICE).map((r) => `${JSON.stringify(r)}\n`).join('');
        await h.write(text);
        at += Buffer.byteLength(text);
      }
      await h.datasync();
      size = at;
    } catch (err) {
      // a failed append (disk full) must not leave half a line for the next one to glue onto
      await h.truncate(before).catch(() => undefined);
      // and the next one starts on a fresh handle (the file may have been freed or replaced meanwhile)
      handle = undefined;
      await h.close().catch(() => undefined);
      throw err;
    }
  }
}
