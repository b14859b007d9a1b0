import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { StoreError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { migrate } from './migrations.js';
import { STORE_VERSION, stateSchema, storeSchema, type StateData, type StoreData } from './schema.js';
import type { WriteGate } from './writeGate.js';

/**
 * The ledger's state document on lowdb: small (held positions, pending intents, settings,
 * cursors), so each write rewrites it whole, atomically (lowdb/steno: temp file + rename); a crash
 * or a failed write leaves the previous file whole. Only src/ledger uses this.
 */
export interface Store {
  readonly file: string;
  /** current state; treat as read-only outside update() */
  readonly data: StateData;
  /**
   * Applies a change and persists it; resolves after the file is written. `beforeWrite` runs
   * between the change and the write (the history appends that must be durable first). If the
   * write fails (a full disk) it rejects with StoreError and memory KEEPS the change (the caller
   * retries the write: see `unsaved`), unless `revert`: then memory goes back to just before it.
   */
  update<T>(change: (data: StateData) => T, beforeWrite?: () => Promise<void>, opts?: { revert?: boolean }): Promise<T>;
  /** wait for pending writes */
  flush(): Promise<void>;
  /** memory is ahead of the file: a write failed and no write has succeeded since */
  readonly unsaved: boolean;
}

export interface OpenStoreOptions {
  logger?: Logger;
  now?: () => number;
  /** test hook: replaces the file writer (to simulate a full disk) */
  writeText?: (text: string) => Promise<void>;
  /** an older state document with its history merged in (the ledger reads its journals), before migrating */
  whole?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** while held, a write waits before applying its change and before serialising */
  gate?: WriteGate;
}

type Parsed = { kind: 'state'; state: StateData } | { kind: 'migrated'; from: number; whole: StoreData };

function refuse(file: string, why: string, cause?: unknown): never {
  throw new StoreError(`the store ${file} ${why}`, file, cause === undefined ? undefined : { cause });
}

function parseStore(text: string, file: string, whole?: OpenStoreOptions['whole']): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    refuse(file, `is not valid JSON (${errorMessage(err)}); fix or move it away — it was left untouched`, err);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    refuse(file, 'is not a carrybot store (expected a JSON object); it was left untouched');
  }
  const doc = raw as Record<string, unknown>;
  const version = typeof doc.version === 'number' ? doc.version : 0;
  if (version > STORE_VERSION) {
    refuse(file, `is version ${version}, newer than this carrybot (${STORE_VERSION}); upgrade carrybot — the file was left untouched`);
  }
  const parsed = version < STORE_VERSION ? storeSchema.safeParse(migrate(whole ? whole(doc) : doc)) : stateSchema.safeParse(doc);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    refuse(file, `failed validation (${where}); fix or move it away — it was left untouched`);
  }
  return version < STORE_VERSION ? { kind: 'migrated', from: version, whole: parsed.data as StoreData } : { kind: 'state', state: parsed.data };
}

export interface OpenedStore {
  store: Store;
  /** the file held an older, single-document ledger: upgraded here, to be split by the ledger (nothing written yet) */
  migrated?: { from: number; whole: StoreData; backup: string };
  /** the file did not exist (nothing written yet) */
  created: boolean;
}

/** Opens (or prepares) the state document. Throws StoreError for a corrupt, foreign or newer file. */
export async function openStore(fileName: string, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  const file = resolve(fileName);
  const now = opts.now ?? Date.now;
  await mkdir(dirname(file), { recursive: true });

  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') refuse(file, `cannot be read: ${errorMessage(err)}`, err);
  }

  const parsed: Parsed = text === null ? { kind: 'state', state: stateSchema.parse({ version: STORE_VERSION, createdAt: now() }) } : parseStore(text, file, opts.whole);
  let migrated: OpenedStore['migrated'];
  if (parsed.kind === 'migrated') {
    const backup = `${file}.v${parsed.from}.${now()}.bak`;
    await copyFile(file, backup);
    opts.logger?.warn({ backup, from: parsed.from, to: STORE_VERSION }, 'store migrated; backup copy kept');
    migrated = { from: parsed.from, whole: parsed.whole, backup };
  }
  const initial: StateData = parsed.kind === 'state' ? parsed.state : stateSchema.parse({ ...parsed.whole, positions: [], intents: [] });

  const parse = (s: string): StateData => {
    const p = parseStore(s, file);
    if (p.kind !== 'state') throw new StoreError(`the store ${file} changed version under us`, file);
    return p.state;
  };
  const adapter = new DataFile<StateData>(file, { parse, stringify: (d) => JSON.stringify(d) });
  const db = new Low<StateData>(adapter, initial);
  db.data = initial;
  const write = opts.writeText ? () => opts.writeText!(JSON.stringify(db.data)) : () => db.write();

  let queue: Promise<unknown> = Promise.resolve();
  let unsaved = false;
  const store: Store = {
    file,
    get data() {
      return db.data;
    },
    get unsaved() {
      return unsaved;
    },
    update<T>(change: (data: StateData) => T, beforeWrite?: () => Promise<void>, o: { revert?: boolean } = {}): Promise<T> {
      const run = queue.then(async () => {
        const held = opts.gate?.passage();
        if (held) await held;
        const before = o.revert ? structuredClone(db.data) : undefined;
        const result = change(db.data);
        try {
          await beforeWrite?.();
          const again = opts.gate?.passage();
          if (again) await again;
          await write();
        } catch (err) {
          // The file on disk is still the previous good version. A change whose caller acts only
          // once it is saved (an intent before its orders) is taken back; any other is the truth
          // the bot now runs on, kept in memory until a later write saves it.
          if (before) db.data = before;
          else unsaved = true;
          opts.logger?.error({ err, file }, before ? 'store write failed; change taken back' : 'store write failed; memory keeps the change until a write succeeds');
          throw new StoreError(`could not save the store ${file}: ${errorMessage(err)}`, file, { cause: err });
        }
        if (unsaved) {
          unsaved = false;
          opts.logger?.warn({ file }, 'store saved again after failed writes');
        }
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    flush: () => queue.then(() => undefined),
  };
  return { store, ...(migrated ? { migrated } : {}), created: text === null };
}
