import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { StoreError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { migrate } from './migrations.js';
import { STORE_VERSION, emptyStore, storeSchema, type StoreData } from './schema.js';

/**
 * The only code that touches the JSON store. Reads are plain property access on `data`;
 * every change goes through `update()`, which runs one at a time and writes atomically
 * (lowdb/steno: temp file + rename), so a crash or a failed write leaves the previous file whole.
 *
 * A failed write (a full disk) does not undo the change in memory: after orders went out, memory
 * is the only record of what happened. update() rejects with StoreError so the caller knows; the
 * store then retries writing memory with backoff until it succeeds (`unsaved` until then).
 */
export interface Store {
  readonly file: string;
  /** current state; treat as read-only outside update() */
  readonly data: StoreData;
  /** apply a change and persist it; resolves after the file is written */
  update<T>(change: (data: StoreData) => T): Promise<T>;
  /** wait for pending writes */
  flush(): Promise<void>;
  /** a write failed and memory is ahead of the file (retried in the background) */
  readonly unsaved: boolean;
  /** called after a write succeeds that follows a failed one */
  onSaved(listener: () => void): void;
  /** stop retrying in the background (shutdown) */
  close(): void;
}

export interface OpenStoreOptions {
  logger?: Logger;
  now?: () => number;
  /** test hook: replaces the file writer (to simulate a full disk) */
  writeText?: (text: string) => Promise<void>;
  /** waits between background retries of a failed write (default 1 s doubling to 30 s) */
  retryDelaysMs?: number[];
}

function parseStore(text: string, file: string): { data: StoreData; migratedFrom?: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`the store ${file} is not valid JSON (${errorMessage(err)}); fix or move it away — it was left untouched`, file, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StoreError(`the store ${file} is not a carrybot store (expected a JSON object); it was left untouched`, file);
  }
  const doc = raw as Record<string, unknown>;
  const version = typeof doc.version === 'number' ? doc.version : 0;
  if (version > STORE_VERSION) {
    throw new StoreError(`the store ${file} is version ${version}, newer than this carrybot (${STORE_VERSION}); upgrade carrybot — the file was left untouched`, file);
  }
  const upgraded = version < STORE_VERSION ? migrate(doc) : doc;
  const parsed = storeSchema.safeParse(upgraded);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new StoreError(`the store ${file} failed validation (${where}); fix or move it away — it was left untouched`, file);
  }
  return { data: parsed.data, migratedFrom: version < STORE_VERSION ? version : undefined };
}

/** Opens (or creates) the store. Throws StoreError for a corrupt, foreign or newer file. */
export async function openStore(fileName: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const file = resolve(fileName);
  const now = opts.now ?? Date.now;
  await mkdir(dirname(file), { recursive: true });

  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StoreError(`cannot read the store ${file}: ${errorMessage(err)}`, file, { cause: err });
    }
  }

  const adapter = new DataFile<StoreData>(file, { parse: (s) => parseStore(s, file).data, stringify: (d) => JSON.stringify(d) });
  let initial: StoreData;
  let mustWrite = false;
  if (text === null) {
    initial = emptyStore(now());
    mustWrite = true;
  } else {
    const parsed = parseStore(text, file);
    initial = parsed.data;
    if (parsed.migratedFrom !== undefined) {
      const backup = `${file}.v${parsed.migratedFrom}.${now()}.bak`;
      await copyFile(file, backup);
      opts.logger?.warn({ backup, from: parsed.migratedFrom, to: STORE_VERSION }, 'store migrated; backup copy kept');
      mustWrite = true;
    }
  }

  const db = new Low<StoreData>(adapter, initial);
  db.data = initial;
  const write = opts.writeText ? () => opts.writeText!(JSON.stringify(db.data)) : () => db.write();

  let queue: Promise<unknown> = Promise.resolve();
  let unsaved = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retries = 0;
  let closed = false;
  const savedListeners: Array<() => void> = [];
  const delays = opts.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16_000, 30_000];

  const saved = (): void => {
    if (!unsaved) return;
    unsaved = false;
    retries = 0;
    opts.logger?.warn({ file }, 'store saved again after failed writes');
    for (const l of savedListeners) l();
  };
  const scheduleRetry = (): void => {
    if (retryTimer || closed) return;
    const wait = delays[Math.min(retries, delays.length - 1)] ?? 1000;
    retries += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!unsaved) return;
      // an empty change: writes what memory holds now
      store.update(() => undefined).catch(() => undefined);
    }, wait);
    retryTimer.unref();
  };

  const store: Store = {
    file,
    get data() {
      return db.data;
    },
    get unsaved() {
      return unsaved;
    },
    update<T>(change: (data: StoreData) => T): Promise<T> {
      const run = queue.then(async () => {
        const result = change(db.data);
        try {
          await write();
        } catch (err) {
          // The file on disk is still the previous good version; memory keeps the change (it
          // may record orders that went out) and is written again with backoff.
          opts.logger?.error({ err, file }, 'store write failed; kept in memory, retrying');
          unsaved = true;
          scheduleRetry();
          throw new StoreError(`could not save the store ${file}: ${errorMessage(err)}`, file, { cause: err });
        }
        saved();
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    flush: () => queue.then(() => undefined),
    onSaved: (l) => void savedListeners.push(l),
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
  if (mustWrite) await store.update(() => undefined);
  return store;
}
