import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback fake of the Telegram Bot API (`/bot<token>/<method>`), for driving the real bot
 * (telegraf with `telegram.apiRoot = fake.url`) and asserting on what it sent.
 *
 *   const tg = await startFakeTelegram();                  // token FAKE_TOKEN
 *   env.TELEGRAM_API_ROOT = tg.url; env.TELEGRAM_BOT_TOKEN = tg.token;
 *   tg.sendText(111, '/signals 3');                         // queue an update for getUpdates
 *   const call = await tg.waitFor('sendMessage', (c) => c.body.chat_id === 111);
 *   tg.sendCallback(111, 'trade:abc', { messageId: call.result.message_id });
 *   await tg.waitFor('answerCallbackQuery');
 *   tg.inject({ method: 'sendMessage', status: 429, retryAfter: 1 });   // next sendMessage fails
 *   await tg.close();
 *
 * - getUpdates long-polls: it answers at once when updates with update_id ≥ offset are queued,
 *   otherwise holds the request until one is pushed or `timeout` seconds pass (held polls are
 *   answered [] on close()).
 * - Every request is recorded in `calls` (method, parsed JSON / form body, the result or error).
 * - `waitFor` matches calls already recorded AND later ones; `nextCall` only later ones.
 * - `inject` makes the next matching call(s) fail: any status with description and
 *   `retry_after`, or `reset: true` to destroy the connection without an answer; `delayMs`
 *   alone answers normally, that much later.
 * - sendPhoto takes multipart uploads: the bytes land in `call.files.photo.bytes`; like the real API it
 *   answers 400 to a file that is not an image and to a caption over 1024 characters of text.
 * - sendMessage / editMessageText return real-looking Message objects with increasing ids;
 *   setMyCommands is stored per language_code and returned by getMyCommands.
 * - A wrong token gets 401 Unauthorized, like the real API.
 * - `setUnreachable(true)` takes the API off the network: every open connection (held polls too)
 *   is cut and every new one is closed before a byte is read, until `setUnreachable(false)`.
 */

export const FAKE_TOKEN = '123456789:AAFakeTokenForTestsOnly_abcdefghijklmno';

export interface RecordedCall {
  method: string;
  body: Record<string, any>;
  /** what the fake answered: the result on success */
  result?: any;
  /** error_code when the fake answered an error (injected); 0 for a reset connection */
  error?: number;
  at: number;
  /** uploaded files of a multipart request (sendPhoto…), by field name, bytes exactly as sent */
  files?: Record<string, UploadedFile>;
}

export interface UploadedFile {
  filename?: string;
  contentType?: string;
  bytes: Buffer;
}

export interface Injection {
  method: string | RegExp;
  /** how many matching calls fail (default 1) */
  times?: number;
  status?: number;
  description?: string;
  retryAfter?: number;
  /** destroy the socket instead of answering */
  reset?: boolean;
  /** without status or reset: answer normally, but only after this long (a slow Bot API) */
  delayMs?: number;
  /** only calls whose body matches */
  when?: (body: Record<string, any>) => boolean;
}

export interface UserOptions {
  /** chat id (default = user id: a private chat) */
  chatId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
  languageCode?: string;
  username?: string;
  firstName?: string;
}

type Json = any;

export interface FakeTelegram {
  /** apiRoot for telegraf / TELEGRAM_API_ROOT */
  readonly url: string;
  readonly token: string;
  readonly botUser: { id: number; is_bot: true; first_name: string; username: string };
  readonly calls: RecordedCall[];
  /** calls of one method (e.g. 'sendMessage'), optionally only to one chat */
  callsOf(method: string, chatId?: number): RecordedCall[];
  /** texts sent with sendMessage (optionally to one chat), in order */
  sentTexts(chatId?: number): string[];
  /** forget recorded calls (the update queue and message ids are kept) */
  clearCalls(): void;
  /** queue a raw update (update_id assigned when missing); returns it */
  pushUpdate(update: Json): Json;
  /** build + queue a text message from a user (a leading /command gets its bot_command entity) */
  sendText(userId: number, text: string, opts?: UserOptions): Json;
  /** build + queue a callback query (button tap) from a user */
  sendCallback(userId: number, data: string, opts?: UserOptions & { messageId?: number }): Json;
  /** first recorded call (past or future) of `method` matching `predicate`; rejects after timeoutMs */
  waitFor(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** first call recorded AFTER this invocation matching; rejects after timeoutMs */
  nextCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** make upcoming calls fail */
  inject(injection: Injection): void;
  /** drop injections not used up yet */
  clearInjections(): void;
  /** commands stored by setMyCommands, per language_code ('' = default) */
  readonly commands: Map<string, Array<{ command: string; description: string }>>;
  /** number of getUpdates requests currently held open */
  heldPolls(): number;
  /** cut every connection now and refuse new ones (true) until back on the network (false) */
  setUnreachable(on: boolean): void;
  /** connections refused while unreachable */
  readonly refusedConnections: number;
  close(): Promise<void>;
}

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
}

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? FAKE_TOKEN;
  const botUser = { id: Number(token.split(':')[0]) || 123456789, is_bot: true as const, first_name: 'carrybot', username: opts.botUsername ?? 'carrybot_test_bot' };
  const calls: RecordedCall[] = [];
  const updates: Json[] = [];
  let nextUpdateId = 1;
  let nextMessageId = 1000;
  let nextCallbackId = 1;
  const injections: Array<Injection & { left: number }> = [];
  const commands = new Map<string, Array<{ command: string; description: string }>>();
  const pollWaiters = new Set<() => void>();
  const callWaiters = new Set<(call: RecordedCall) => void>();
  const sockets = new Set<import('node:net').Socket>();
  let closed = false;
  let unreachable = false;
  let refusedConnections = 0;

  const record = (call: RecordedCall) => {
    calls.push(call);
    for (const w of [...callWaiters]) w(call);
  };

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const readBody = async (req: IncomingMessage): Promise<{ body: Record<string, Json>; files?: Record<string, UploadedFile> }> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const raw = buf.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const out: Record<string, Json> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (!raw) return { body: out };
    if (type.includes('application/json')) return { body: { ...out, ...JSON.parse(raw) } };
    if (type.includes('application/x-www-form-urlencoded')) return { body: { ...out, ...Object.fromEntries(new URLSearchParams(raw)) } };
    if (type.includes('multipart/form-data')) {
      const files: Record<string, UploadedFile> = {};
      for (const part of multipartParts(buf, type)) {
        if (part.filename !== undefined) {
          files[part.name] = { filename: part.filename, contentType: part.contentType, bytes: part.bytes };
          continue;
        }
        const v = part.bytes.toString('utf8');
        try {
          out[part.name] = JSON.parse(v);
        } catch {
          out[part.name] = v;
        }
      }
      return { body: out, files };
    }
    return { body: out };
  };

  const message = (chatId: number, text: string, extra: Record<string, Json> = {}) => ({
    message_id: nextMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' },
    from: botUser,
    text,
    ...extra,
  });

  const results: Record<string, (b: Record<string, Json>, files?: Record<string, UploadedFile>) => Json> = {
    getMe: () => botUser,
    deleteWebhook: () => true,
    setWebhook: () => true,
    getWebhookInfo: () => ({ url: '', has_custom_certificate: false, pending_update_count: updates.length }),
    sendMessage: (b) => message(Number(b.chat_id), String(b.text ?? ''), b.reply_markup ? { reply_markup: b.reply_markup } : {}),
    editMessageText: (b) => message(Number(b.chat_id), String(b.text ?? ''), { message_id: Number(b.message_id) }),
    editMessageReplyMarkup: (b) => message(Number(b.chat_id), '', { message_id: Number(b.message_id), reply_markup: b.reply_markup }),
    answerCallbackQuery: () => true,
    sendChatAction: () => true,
    sendPhoto: (b, files) => ({
      ...message(Number(b.chat_id), '', b.caption !== undefined ? { caption: String(b.caption) } : {}),
      text: undefined,
      photo: [{ file_id: `photo${nextMessageId}`, file_unique_id: `u${nextMessageId}`, ...imageSize(files?.photo?.bytes) }],
    }),
    deleteMessage: () => true,
    setMyCommands: (b) => {
      commands.set(String(b.language_code ?? ''), b.commands);
      return true;
    },
    getMyCommands: (b) => commands.get(String(b.language_code ?? '')) ?? [],
    deleteMyCommands: (b) => {
      commands.delete(String(b.language_code ?? ''));
      return true;
    },
  };

  const takeInjection = (method: string, body: Record<string, Json>) => {
    const i = injections.findIndex(
      (inj) => inj.left > 0 && (typeof inj.method === 'string' ? inj.method === method : inj.method.test(method)) && (!inj.when || inj.when(body)),
    );
    if (i < 0) return undefined;
    const inj = injections[i]!;
    inj.left--;
    if (inj.left <= 0) injections.splice(i, 1);
    return inj;
  };

  const handleGetUpdates = (res: ServerResponse, req: IncomingMessage, body: Record<string, Json>, call: RecordedCall) => {
    const offset = Number(body.offset ?? 0);
    const limit = Number(body.limit ?? 100);
    const timeoutS = Number(body.timeout ?? 0);
    // confirm (drop) everything before offset, like Telegram
    while (updates.length && updates[0].update_id < offset) updates.shift();
    const answer = () => {
      const batch = updates.slice(0, limit);
      call.result = batch;
      send(res, 200, { ok: true, result: batch });
    };
    if (updates.length || timeoutS <= 0 || closed) return answer();
    const waiter = () => {
      cleanup();
      answer();
    };
    const timer = setTimeout(waiter, timeoutS * 1000);
    const cleanup = () => {
      clearTimeout(timer);
      pollWaiters.delete(waiter);
    };
    pollWaiters.add(waiter);
    req.on('close', cleanup);
    res.on('close', cleanup);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const m = /^\/bot([^/]+)\/([A-Za-z]+)/.exec(req.url ?? '');
      if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      const [, reqToken, method] = m as unknown as [string, string, string];
      let body: Record<string, Json>;
      let files: Record<string, UploadedFile> | undefined;
      try {
        ({ body, files } = await readBody(req));
      } catch {
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid body' });
      }
      // cut off while the request was on its way: it never arrived
      if (unreachable) return void req.socket.destroy();
      const call: RecordedCall = { method, body, at: Date.now(), ...(files ? { files } : {}) };
      if (reqToken !== token) {
        call.error = 401;
        record(call);
        return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      }
      const inj = takeInjection(method, body);
      if (inj?.delayMs !== undefined && inj.status === undefined && !inj.reset) await new Promise((r) => setTimeout(r, inj.delayMs));
      else if (inj) {
        if (inj.reset) {
          call.error = 0;
          record(call);
          req.socket.destroy();
          return;
        }
        const status = inj.status ?? 500;
        call.error = status;
        record(call);
        return send(res, status, {
          ok: false,
          error_code: status,
          description: inj.description ?? (status === 429 ? `Too Many Requests: retry after ${inj.retryAfter ?? 1}` : status === 409 ? 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' : 'Internal Server Error'),
          ...(inj.retryAfter !== undefined ? { parameters: { retry_after: inj.retryAfter } } : {}),
        });
      }
      const invalid = method === 'sendPhoto' ? photoProblem(body, files) : undefined;
      if (invalid) {
        call.error = 400;
        record(call);
        return send(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${invalid}` });
      }
      record(call);
      if (method === 'getUpdates') return handleGetUpdates(res, req, body, call);
      const make = results[method];
      call.result = make ? make(body, files) : true;
      send(res, 200, { ok: true, result: call.result });
    })().catch((err: unknown) => send(res, 500, { ok: false, error_code: 500, description: String(err) }));
  });
  server.on('connection', (s) => {
    if (unreachable) {
      refusedConnections += 1;
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const user = (userId: number, o: UserOptions = {}) => ({
    id: userId,
    is_bot: false,
    first_name: o.firstName ?? `User${userId}`,
    ...(o.username ? { username: o.username } : {}),
    ...(o.languageCode ? { language_code: o.languageCode } : {}),
  });
  const chat = (userId: number, o: UserOptions = {}) => {
    const id = o.chatId ?? userId;
    const type = o.chatType ?? (id === userId ? 'private' : 'group');
    return type === 'private' ? { id, type, first_name: o.firstName ?? `User${userId}` } : { id, type, title: 'Test group' };
  };

  const pushUpdate = (update: Json) => {
    const u = { update_id: nextUpdateId++, ...update };
    if (u.update_id >= nextUpdateId) nextUpdateId = u.update_id + 1;
    updates.push(u);
    for (const w of [...pollWaiters]) w();
    return u;
  };

  const matchCall = (method: string, predicate: ((c: RecordedCall) => boolean) | undefined, c: RecordedCall) =>
    c.method === method && c.error === undefined && (!predicate || predicate(c));

  const waitCall = (method: string, predicate: ((c: RecordedCall) => boolean) | undefined, timeoutMs: number, past: boolean) => {
    if (past) {
      const hit = calls.find((c) => matchCall(method, predicate, c));
      if (hit) return Promise.resolve(hit);
    }
    return new Promise<RecordedCall>((resolve, reject) => {
      const waiter = (c: RecordedCall) => {
        if (!matchCall(method, predicate, c)) return;
        clearTimeout(timer);
        callWaiters.delete(waiter);
        resolve(c);
      };
      const timer = setTimeout(() => {
        callWaiters.delete(waiter);
        const seen = calls.filter((c) => c.method === method).map((c) => JSON.stringify(c.body).slice(0, 300));
        reject(new Error(`fake Telegram: no matching ${method} within ${timeoutMs} ms; ${method} calls seen:\n${seen.join('\n') || '(none)'}`));
      }, timeoutMs);
      callWaiters.add(waiter);
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    botUser,
    calls,
    commands,
    callsOf: (method, chatId) => calls.filter((c) => c.method === method && c.error === undefined && (chatId === undefined || Number(c.body.chat_id) === chatId)),
    sentTexts: (chatId) =>
      calls.filter((c) => c.method === 'sendMessage' && c.error === undefined && (chatId === undefined || Number(c.body.chat_id) === chatId)).map((c) => String(c.body.text)),
    clearCalls: () => {
      calls.length = 0;
    },
    pushUpdate,
    sendText: (userId, text, o = {}) => {
      const cmd = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
      return pushUpdate({
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: chat(userId, o),
          from: user(userId, o),
          text,
          ...(cmd ? { entities: [{ type: 'bot_command', offset: 0, length: cmd[0].length }] } : {}),
        },
      });
    },
    sendCallback: (userId, data, o = {}) =>
      pushUpdate({
        callback_query: {
          id: String(nextCallbackId++),
          from: user(userId, o),
          chat_instance: '1',
          data,
          message: message(o.chatId ?? userId, '(message with buttons)', o.messageId ? { message_id: o.messageId } : {}),
        },
      }),
    waitFor: (method, predicate, timeoutMs = 5000) => waitCall(method, predicate, timeoutMs, true),
    nextCall: (method, predicate, timeoutMs = 5000) => waitCall(method, predicate, timeoutMs, false),
    inject: (injection) => {
      injections.push({ ...injection, left: injection.times ?? 1 });
    },
    clearInjections: () => {
      injections.length = 0;
    },
    heldPolls: () => pollWaiters.size,
    setUnreachable: (on) => {
      unreachable = on;
      if (on) for (const s of sockets) s.destroy();
    },
    get refusedConnections() {
      return refusedConnections;
    },
    close: async () => {
      closed = true;
      for (const w of [...pollWaiters]) w();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 100).unref();
      });
    },
  };
}

/** Parts of a multipart/form-data body, read as bytes (a PNG survives; a utf8 round trip would not). */
function multipartParts(buf: Buffer, contentType: string): Array<{ name: string; filename?: string; contentType?: string; bytes: Buffer }> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/.exec(contentType);
  if (!m) throw new Error('multipart without boundary');
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: Array<{ name: string; filename?: string; contentType?: string; bytes: Buffer }> = [];
  let at = buf.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (buf.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = buf.indexOf(delimiter, start);
    if (next < 0) throw new Error('multipart without closing delimiter');
    const part = buf.subarray(start + 2, next - 2); // skip the CRLF after the delimiter and before the next
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, headEnd).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) throw new Error('multipart part without a name');
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(type ? { contentType: type } : {}), bytes: part.subarray(headEnd + 4) });
    at = next;
  }
  return parts;
}

/** sendPhoto checks the real API makes: a chat, an image that decodes, a caption within 1024 characters of text. */
function photoProblem(body: Record<string, Json>, files: Record<string, UploadedFile> | undefined): string | undefined {
  if (body.chat_id === undefined) return 'chat_id is empty';
  const photo = files?.photo?.bytes;
  if (!photo && typeof body.photo !== 'string') return 'there is no photo in the request';
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff]);
  if (photo && !photo.subarray(0, 8).equals(png) && !photo.subarray(0, 3).equals(jpeg)) return 'IMAGE_PROCESS_FAILED';
  if (body.caption !== undefined && visibleLength(String(body.caption), body.parse_mode) > 1024) return 'message caption is too long';
  return undefined;
}

/** a PNG's size from its IHDR chunk (what Telegram reports back for the photo) */
function imageSize(bytes: Buffer | undefined): { width: number; height: number } {
  if (!bytes || bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return { width: 0, height: 0 };
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** characters Telegram counts: the text after HTML tags are removed and entities decoded */
function visibleLength(text: string, parseMode: unknown): number {
  if (parseMode !== 'HTML') return [...text].length;
  const plain = text.replace(/<[^>]+>/g, '').replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, 'x');
  return [...plain].length;
}
