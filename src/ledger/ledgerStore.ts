import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ZERO } from '../money.js';
import { emptyBatch, historyPaths, openHistory, removeHistory, RECENT_MS, type History, type HistoryBatch } from './history.js';
import type { Publication } from '../events.js';
import type { Ledger, TradeRecord } from './ledger.js';
import { DAY_MS, SettledLines, pnlReport, positionPnl, type PnlSource } from './pnl.js';
import { pnlSeries } from './pnlSeries.js';
import { isHeld, latestFills, positionAt } from './queries.js';
import { dropSent, enqueue, newMessageId, nextPerChat, publishAll, queuedFor } from './outbox.js';
import { riskRecords } from './risk.js';
import { fundingRowSchema, intentSchema, stateSchema, storeSchema, type Fill, type FundingRow, type Intent, type Position, type StateData, type StoreData } from './schema.js';
import { SAVE_RETRY_MS, saveAgain } from './saveAgain.js';
import { openStore, type OpenStoreOptions, type Store } from './store.js';
import { createWriteGate, type WriteGate } from './writeGate.js';

/**
 * The ledger on disk: the state document (store.ts) plus the history journals (history.ts).
 * Every write goes through one queue: the change is applied in memory, its history records are
 * appended and fsync'd, then the state document is written. A closed position and a finished
 * intent leave the state document for their journals, so the document stays small and a write
 * costs what changed, not what was ever recorded.
 */

const byOpened = (a: Position, b: Position): number => a.openedAt - b.openedAt;
/** finished intents kept in memory for "what changed lately" (reconciliation) */
const RECENT_INTENTS = 200;

/** The whole ledger as one document → the state document and the history to journal. */
function split(whole: StoreData): { state: StateData; batch: HistoryBatch } {
  const state = stateSchema.parse({ ...whole, positions: whole.positions.filter(isHeld), intents: whole.intents.filter((i) => i.status === 'pending') });
  const batch: HistoryBatch = {
    positions: whole.positions.filter((p) => !isHeld(p)),
    intents: whole.intents.filter((i) => i.status !== 'pending'),
    fills: whole.fills,
    funding: whole.funding,
  };
  return { state, batch };
}

/** How far back funding rows are kept in memory: the reports' windows and the syncs' cursors. */
function recentFrom(state: StateData, now: number): number {
  let from = now - RECENT_MS;
  if (state.cursors.incomeTime !== undefined) from = Math.min(from, state.cursors.incomeTime - 2 * DAY_MS);
  for (const t of Object.values(state.cursors.paperFunding)) from = Math.min(from, t - 2 * DAY_MS);
  return from;
}

/** The first version with journals beside the state document. */
const JOURNAL_VERSION = 2;

/** Fills kept in memory from open: those of held positions and of positions closed within the windows. */
const fillsFrom = (state: StateData, now: number) => (closed: Iterable<Position>): number => {
  const windowStart = now - RECENT_MS;
  let from = windowStart;
  for (const p of state.positions) from = Math.min(from, p.openedAt);
  for (const p of closed) if ((p.closedAt ?? 0) >= windowStart) from = Math.min(from, p.openedAt);
  return from - DAY_MS;
};

/** a fresh journal: everything it gets is in memory */
const fresh = (now: number) => ({ now: () => now, recentFrom: now, fillsFrom: () => now });

/**
 * Writes a whole ledger (one document) to `file` in the current layout: journals, funding sums,
 * then the state document. For tools, fixtures and tests; `file` must not be open. `more`: funding
 * rows streamed after the document's own (a large fixture need not hold them all at once).
 */
export async function saveLedger(file: string, whole: StoreData, opts: { now?: () => number; more?: Iterable<FundingRow[]> } = {}): Promise<void> {
  const now = opts.now ?? Date.now;
  const { state, batch } = split(storeSchema.parse(whole));
  const paths = historyPaths(resolve(file));
  await mkdir(dirname(resolve(file)), { recursive: true });
  removeHistory(paths);
  const history = await openHistory(paths, fresh(now()));
  await history.append(batch);
  for (const rows of opts.more ?? []) await history.append({ ...emptyBatch(), funding: rows.map((r) => fundingRowSchema.parse(r)) });
  history.checkpoint();
  await history.close();
  await writeFile(file, JSON.stringify(state));
}

export interface OpenLedgerOptions extends OpenStoreOptions {
  /** waits between retries of a write the disk refused (default 0.5 s doubling to 30 s) */
  saveRetryMs?: readonly number[];
}

export async function openLedger(fileName: string, opts: OpenLedgerOptions = {}): Promise<Ledger> {
  const now = opts.now ?? Date.now;
  const paths = historyPaths(resolve(fileName));
  // an older state document of this layout: its history is in the journals, and migrates with it
  const layered = (doc: Record<string, unknown>) => (typeof doc.version === 'number' && doc.version >= JOURNAL_VERSION ? { ...readLedgerFiles(fileName) } : doc);
  const gate = createWriteGate();
  const opened = await openStore(fileName, { ...opts, whole: layered, gate });
  const { store } = opened;
  const historyOpts = { logger: opts.logger, now, gate };
  let history: History;
  if (opened.migrated) {
    // journals first, then the state document: a crash in between leaves the old file, and the
    // migration runs again from it; journals it replaces are kept beside the state's backup
    const { state, batch } = split(opened.migrated.whole);
    if (opened.migrated.from >= JOURNAL_VERSION) {
      for (const f of Object.values(paths)) if (existsSync(f)) copyFileSync(f, `${f}.v${opened.migrated.from}.${now()}.bak`);
    }
    removeHistory(paths);
    history = await openHistory(paths, { ...historyOpts, recentFrom: recentFrom(state, now()), fillsFrom: fillsFrom(state, now()) });
    await history.append(batch);
    history.checkpoint();
    await store.update((d) => void Object.assign(d, state));
  } else {
    history = await openHistory(paths, { ...historyOpts, recentFrom: recentFrom(store.data, now()), fillsFrom: fillsFrom(store.data, now()) });
    if (opened.created) await store.update(() => undefined);
  }
  return ledgerOver(store, gate, () => history, opts, async (whole) => {
    const { state, batch } = split(whole);
    await history.close();
    removeHistory(paths);
    history = await openHistory(paths, { ...historyOpts, recentFrom: recentFrom(state, now()), fillsFrom: fillsFrom(state, now()) });
    await history.append(batch);
    history.checkpoint();
    return state;
  });
}

function ledgerOver(store: Store, gate: WriteGate, hist: () => History, opts: OpenLedgerOptions, rebuild: (whole: StoreData) => Promise<StateData>): Ledger {
  const data = () => store.data;
  const finished: Intent[] = [];
  /** closed positions between the state change and their journal append */
  const leaving = new Map<string, Position>();
  let settled = new SettledLines();

  /** the state's copy of a position wins over the journal's (a crash between the two writes) */
  const notInState = (list: readonly Position[]): Position[] => {
    const held = new Set([...data().positions.map((p) => p.id), ...leaving.keys()]);
    return held.size ? list.filter((p) => !held.has(p.id)) : [...list];
  };
  /** bumped by every write: the sorted list below is rebuilt only after one */
  let version = 0;
  let sortedAll: { version: number; list: Position[] } | undefined;
  /** closed positions (journal) and held ones (state), oldest first */
  const allPositions = (): Position[] => {
    if (sortedAll?.version !== version) {
      sortedAll = { version, list: [...notInState(hist().closedSorted()), ...leaving.values(), ...data().positions].sort(byOpened) };
    }
    return sortedAll.list;
  };
  const positionsIn = (symbol: string): Position[] => [
    ...notInState(hist().closedBySymbol.get(symbol) ?? []),
    ...[...leaving.values(), ...data().positions].filter((p) => p.symbol === symbol),
  ];

  /** one ledger write: state change in memory, history appended and fsync'd, state written */
  function write<T>(change: (d: StateData, batch: HistoryBatch) => T, how?: { revert?: boolean }): Promise<T> {
    const batch = emptyBatch();
    const run = store.update(
      (d) => {
        version++;
        return change(d, batch);
      },
      () => appendHistory(batch),
      how,
    );
    // a write taken back: nothing cached may outlive it
    run.catch(() => void version++).finally(saving.check);
    return run;
  }

  async function appendHistory(batch: HistoryBatch): Promise<void> {
    try {
      await hist().append(batch);
    } finally {
      version++;
      for (const p of batch.positions) leaving.delete(p.id);
      for (const r of [...batch.positions, ...batch.fills, ...batch.funding]) settled.stale(r.symbol);
    }
  }

  // memory ahead of the disk (a full disk): a write of the whole state and the journals' unwritten lines, retried
  const saving = saveAgain({
    unsaved: () => store.unsaved || hist().unwritten > 0,
    save: () => store.update(() => undefined, () => appendHistory(emptyBatch())),
    retryMs: opts.saveRetryMs ?? SAVE_RETRY_MS,
    logger: opts.logger,
  });

  /** history that changes nothing in the state document: appended one batch at a time, apart from it */
  let appending: Promise<unknown> = Promise.resolve();
  function appendOnly(make: () => HistoryBatch): Promise<HistoryBatch> {
    const run = appending.then(async () => {
      const held = gate.passage();
      if (held) await held;
      const batch = make();
      await appendHistory(batch);
      return batch;
    });
    appending = run.catch(() => undefined);
    void appending.finally(saving.check);
    return run;
  }

  /** a closed position leaves the state document for its journal; a finished intent too */
  function settle(d: StateData, batch: HistoryBatch, intent: Intent, position: Position | undefined): void {
    if (intent.status !== 'pending') {
      d.intents = d.intents.filter((i) => i !== intent);
      batch.intents.push(structuredClone(intent));
      finished.push(intent);
      if (finished.length > RECENT_INTENTS) finished.shift();
    }
    if (position && !isHeld(position)) {
      d.positions = d.positions.filter((p) => p !== position);
      batch.positions.push(structuredClone(position));
      leaving.set(position.id, position);
    }
  }

  /** a position's fills; an old closed position's are read from the journal the first time */
  function fillsOf(positionId: string): Fill[] {
    const h = hist();
    const p = ledger.position(positionId);
    if (!h.allFills() && (!p || (!isHeld(p) && p.openedAt < h.fillsFrom))) h.loadAllFills();
    return h.fillsByPosition.get(positionId) ?? [];
  }

  function fundingSource(opts: { period: string; now: number }): PnlSource {
    const h = hist();
    if (opts.period === 'all') {
      // the all-time lines of settled positions need their fills once (then they are cached)
      h.loadAllFills();
      return { positions: allPositions(), settled, fillsOf: (id) => h.fillsByPosition.get(id) ?? [], funding: { sums: { byPosition: h.sums.byPosition, loose: h.sums.loose.values() } } };
    }
    // a window: only positions that can have anything inside it, and the recent rows
    return { positions: allPositions(), fillsOf: (id) => h.fillsByPosition.get(id) ?? [], funding: { rows: h.recent } };
  }

  const publishedListeners: Array<() => void> = [];
  const announce = () => {
    for (const l of publishedListeners) l();
  };
  /** a write that also adds `items` to the outbox (the same write: both or neither) */
  function writeWith<T>(items: readonly Publication[] | undefined, change: (d: StateData, batch: HistoryBatch) => T): Promise<T> {
    const run = write((d, batch) => {
      const result = change(d, batch);
      publishAll(d, items, Date.now());
      return result;
    });
    // a refused write keeps the items in memory too: the sender may deliver them either way
    if (items?.length) run.then(announce, announce);
    return run;
  }

  const ledger: Ledger = {
    ...riskRecords(store, announce),
    file: store.file,
    get createdAt() {
      return data().createdAt;
    },
    get unsaved() {
      return saving.unsaved();
    },
    onSaved: (l) => saving.onSaved(l),
    onUnsaved: (l) => saving.onUnsaved(l),
    holdWrites: () => gate.hold(),
    async liftAutoPause() {
      const d = data();
      if (!d.autoPaused || !d.paused) return false;
      if (d.intents.some((i) => i.status === 'pending') || d.positions.some((p) => p.status === 'broken')) return false;
      await write((x) => {
        x.paused = false;
        x.autoPaused = false;
        x.pausedReason = undefined;
      });
      return true;
    },

    pauseState: () => ({ paused: data().paused, ...(data().pausedReason !== undefined ? { reason: data().pausedReason } : {}) }),
    pause: (reason) =>
      write((d) => {
        d.paused = true;
        d.pausedReason = reason;
        // a person's pause: the bot does not lift it when a trade settles
        d.autoPaused = false;
      }),
    resume: () =>
      write((d) => {
        d.paused = false;
        d.autoPaused = false;
        d.pausedReason = undefined;
      }),
    userSettings: (userId) => data().users[String(userId)],
    setLanguage: (userId, lang) =>
      write((d) => {
        const id = String(userId);
        d.users[id] = { ...(d.users[id] ?? { alerts: true }), lang };
      }),

    openPositions: (mode) => data().positions.filter((p) => isHeld(p) && (mode === undefined || p.mode === mode)).sort(byOpened),
    allPositions: (mode) => allPositions().filter((p) => mode === undefined || p.mode === mode),
    positionFor: (symbol) => data().positions.find((p) => p.symbol === symbol && isHeld(p)),
    position: (id) => data().positions.find((p) => p.id === id) ?? leaving.get(id) ?? hist().closed.get(id),
    positionAt: (symbol, time, mode) => positionAt({ positions: positionsIn(symbol) }, symbol, time, mode),

    pendingIntents: () => data().intents.filter((i) => i.status === 'pending').map((i) => structuredClone(i)),
    intent: (id) => data().intents.find((i) => i.id === id) ?? finished.find((i) => i.id === id),
    hasPending: (symbol, positionId) =>
      data().intents.some((i) => i.status === 'pending' && (i.symbol === symbol || (positionId !== undefined && i.positionId === positionId))),
    busySymbols(mode, since) {
      const out = new Set<string>();
      for (const i of [...data().intents, ...finished]) if (i.mode === mode && (i.status === 'pending' || i.updatedAt >= since)) out.add(i.symbol);
      return out;
    },
    // orders follow only a saved intent: if the disk refuses it, memory takes it back
    recordIntent: (intent, position) =>
      write(
        (d) => {
          d.intents.push(structuredClone(intent));
          if (position) d.positions.push(structuredClone(position));
          else {
            const p = d.positions.find((x) => x.id === intent.positionId);
            if (p && intent.kind === 'close') p.status = 'closing';
          }
        },
        { revert: true },
      ),
    updateTrade: (intentId, change) => {
      let published = false;
      const run = write((d, batch) => {
        const intent = d.intents.find((x) => x.id === intentId);
        if (!intent) throw new Error(`intent ${intentId} vanished from the ledger`);
        let position = d.positions.find((p) => p.id === intent.positionId);
        if (!position) {
          // a closed position changed again: it goes to its journal again (the later line wins)
          const closed = hist().closed.get(intent.positionId);
          if (closed) d.positions.push((position = structuredClone(closed)));
        }
        const record: TradeRecord = {
          intent,
          position,
          recordFill: (fill) => void batch.fills.push(fill),
          pause(reason, o) {
            if (o?.auto && !d.paused) d.autoPaused = true;
            d.paused = true;
            d.pausedReason = reason;
          },
          publish(event, chats, edit) {
            enqueue(d, event, chats, { now: Date.now(), newId: newMessageId, ...(edit ? { edit } : {}) });
            published = true;
          },
          discardPosition() {
            d.positions = d.positions.filter((p) => p.id !== intent.positionId);
            position = undefined;
          },
        };
        const result = change(record);
        settle(d, batch, intent, position);
        return result;
      });
      // a refused write keeps the message in memory too: the sender may deliver it either way
      run.then(() => published && announce(), () => published && announce());
      return run;
    },
    fillOf(intentId, clientOrderId) {
      const find = () => [...hist().fills.values()].find((f) => f.intentId === intentId && f.clientOrderId === clientOrderId);
      const found = find();
      if (found || hist().allFills()) return found;
      hist().loadAllFills();
      return find();
    },

    latestFills(q) {
      const found = latestFills({ fills: [...hist().fills.values()] }, q);
      if (hist().allFills() || (q?.limit !== undefined && found.length >= q.limit)) return found;
      hist().loadAllFills();
      return latestFills({ fills: [...hist().fills.values()] }, q);
    },
    fillsOf,
    fundingTotal: (positionId) => hist().sums.byPosition.get(positionId)?.sum.value() ?? ZERO,
    async appendFunding(build, progress) {
      // The rows go to their journal outside the state document's queue (a job's fsync never
      // holds a trade's intent write); the cursor follows once they are durable.
      const added = await appendOnly(() => {
        const h = hist();
        const rows: FundingRow[] = [];
        const here = new Set<string>();
        for (const r of build()) {
          if (here.has(r.tranId) || h.knows(r)) continue;
          here.add(r.tranId);
          rows.push(r);
        }
        return { ...emptyBatch(), funding: rows };
      });
      await write((d) => {
        if (progress.incomeTime !== undefined) d.cursors.incomeTime = progress.incomeTime;
        if (progress.paperFunding) {
          const { symbol, time } = progress.paperFunding;
          d.cursors.paperFunding[symbol] = Math.max(d.cursors.paperFunding[symbol] ?? time, time);
        }
        d.health.lastIncomeSyncAt = progress.syncedAt;
      });
      return added.funding;
    },
    recordIncomeSync: (at) => write((d) => void (d.health.lastIncomeSyncAt = at)),
    incomeCursor: () => data().cursors.incomeTime,
    paperCursor: (symbol) => data().cursors.paperFunding[symbol],
    pnl: (opts) => pnlReport(fundingSource(opts), opts),
    pnlSeries(opts) {
      const h = hist();
      const source = {
        positions: allPositions(),
        // an old closed position's fills are read from the journal the first time (see fillsOf)
        fillsOf,
        rows: h.recent,
        rowsFrom: h.recentFrom,
        fundingTotal: (id: string) => h.sums.byPosition.get(id)?.sum.value() ?? ZERO,
      };
      return pnlSeries(source, opts);
    },
    positionPnl(p, prices, opts) {
      const h = hist();
      const fills = fillsOf(p.id);
      if (opts.since === undefined) return positionPnl(p, fills, h.sums.byPosition.get(p.id)?.sum ?? [], prices, opts);
      return positionPnl(p, fills, h.recent.filter((r) => r.positionId === p.id), prices, opts);
    },

    activeSignals: () => Object.keys(data().activeSignals),
    recordScan: (scan, publish) =>
      writeWith(publish, (d) => {
        for (const s of scan.entered) d.activeSignals[s.symbol] = { since: scan.at, netApr: s.netApr };
        for (const symbol of scan.left) delete d.activeSignals[symbol];
        for (const s of scan.signals) {
          const a = d.activeSignals[s.symbol];
          if (a) a.netApr = s.netApr;
        }
        d.health.lastScanAt = scan.at;
      }),
    venueGaps: () => ({ ...data().venueGaps }),
    recordVenueGaps: (opened, closed, publish) =>
      writeWith(publish, (d) => {
        Object.assign(d.venueGaps, opened);
        for (const symbol of closed) delete d.venueGaps[symbol];
      }),
    exitAlertKey: (positionId) => data().exitAlerts[positionId],
    exitAlertIds: () => Object.keys(data().exitAlerts),
    recordExitAlerts: (keys, stale, publish) =>
      writeWith(publish, (d) => {
        for (const [id, key] of Object.entries(keys)) {
          if (key === null) delete d.exitAlerts[id];
          else d.exitAlerts[id] = key;
        }
        for (const id of stale) delete d.exitAlerts[id];
      }),
    reconcileFingerprint: (symbol) => data().reconcileAlerts[symbol],
    recordReconcile: (drifts, busy, at, publish) =>
      writeWith(publish, (d) => {
        // a busy symbol keeps its fingerprint: not checked is not fixed
        for (const sym of Object.keys(d.reconcileAlerts)) if (!drifts.has(sym) && !busy.has(sym)) delete d.reconcileAlerts[sym];
        for (const [sym, fingerprint] of drifts) d.reconcileAlerts[sym] = fingerprint;
        d.health.lastReconcileAt = at;
      }),
    leverageOf: (symbol) => data().leverageSet[symbol],
    recordLeverage: (symbol, leverage) => write((d) => void (d.leverageSet[symbol] = leverage)),
    health: () => ({ ...data().health }),

    nextMessages: () => nextPerChat(data()),
    queuedFor: (chatId) => queuedFor(data(), chatId),
    publish: (items) => writeWith(items, () => undefined),
    onPublished: (l) => void publishedListeners.push(l),
    markSent: (id) => write((d) => dropSent(d, id)),
    lastUpdateId: () => data().lastUpdateId,
    recordUpdateId: (updateId) => write((d) => void (d.lastUpdateId = Math.max(d.lastUpdateId ?? -1, updateId))),

    snapshot: () => snapshotOf(data(), hist(), allPositions()),
    async rewrite(change) {
      await store.flush();
      const whole = ledger.snapshot();
      change(whole);
      const checked = storeSchema.parse(whole);
      finished.length = 0;
      settled = new SettledLines();
      const state = await rebuild(checked);
      version++;
      await store.update((d) => {
        for (const k of Object.keys(d)) delete (d as Record<string, unknown>)[k];
        Object.assign(d, state);
      });
    },
    async flush() {
      await appending;
      await store.flush();
      hist().checkpoint();
    },
    async close() {
      saving.stop();
      await ledger.flush();
      await hist().close();
    },
  };
  return ledger;
}

/** Every line of a journal, the later record of an id winning (tools and tests only). */
function readAll<T>(file: string, key: (r: T) => string, parse: (v: unknown) => T): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out = new Map<string, T>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = parse(JSON.parse(line));
      out.delete(key(r));
      out.set(key(r), r);
    } catch {
      // reported when the journal was opened
    }
  }
  return [...out.values()];
}

/**
 * The whole ledger in `file` as one document, read without writing anything (tools and tests;
 * records are not validated). A version-1 file is returned as it is.
 */
export function readLedgerFiles(file: string): StoreData {
  const state = JSON.parse(readFileSync(file, 'utf8')) as StoreData;
  if (state.version < 2) return state;
  const paths = historyPaths(resolve(file));
  const merge = <T extends { id: string }>(journal: T[], current: T[]) => {
    const ids = new Set(current.map((x) => x.id));
    return [...journal.filter((x) => !ids.has(x.id)), ...current];
  };
  return {
    ...state,
    positions: merge(readAll<Position>(paths.positions, (p) => p.id, (v) => v as Position), state.positions).sort(byOpened),
    intents: merge(readAll<Intent>(paths.intents, (i) => i.id, (v) => v as Intent), state.intents).sort((a, b) => a.createdAt - b.createdAt),
    fills: readAll<Fill>(paths.fills, (f) => f.id, (v) => v as Fill),
    funding: readAll<FundingRow>(paths.funding, (r) => r.tranId, (v) => v as FundingRow),
  };
}

function snapshotOf(state: StateData, h: History, positions: Position[]): StoreData {
  const pending = new Set(state.intents.map((i) => i.id));
  const intents = [...readAll<Intent>(h.paths.intents, (i) => i.id, (v) => intentSchema.parse(v)).filter((i) => !pending.has(i.id)), ...state.intents].sort(
    (a, b) => a.createdAt - b.createdAt,
  );
  const funding = readAll<FundingRow>(h.paths.funding, (r) => r.tranId, (v) => v as FundingRow);
  h.loadAllFills();
  const fills: Fill[] = [...h.fills.values()];
  return structuredClone({ ...state, positions, intents, fills, funding });
}
