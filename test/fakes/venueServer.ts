import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the Bybit and OKX fakes share: a loopback HTTP server, a log of every request that
 * crossed the wire, and faults a test switches on (5xx, a hang, a body that is not JSON, the
 * venue's own rate-limit answer). The market model, generated history included, lives here too.
 */

export type VenueFault = '500' | 'hang' | 'garbage' | 'rateLimit' | 'badShape';

export interface FakeVenueRequest {
  path: string;
  query: URLSearchParams;
}

export interface FakeVenueCoin {
  coin: string;
  /** funding rate for the next settlement, a fraction as a decimal string */
  rate: string;
  intervalHours: number;
  nextFundingTime: number;
  markPrice: string;
  futuresBid: string;
  futuresAsk: string;
  spotBid: string;
  spotAsk: string;
  /** false: the coin has no spot pair on this venue */
  spot: boolean;
  /** settled prints, ascending */
  history: Array<{ fundingTime: number; rate: string }>;
}

export interface FakeVenueCoinInit extends Partial<FakeVenueCoin> {
  coin: string;
  /** generate this many days of prints at `rate` before nextFundingTime (ignored when history is given) */
  historyDays?: number;
}

const HOUR_MS = 3_600_000;

export function venueCoin(init: FakeVenueCoinInit, now: number): FakeVenueCoin {
  const intervalHours = init.intervalHours ?? 8;
  const nextFundingTime = init.nextFundingTime ?? (Math.floor(now / (intervalHours * HOUR_MS)) + 1) * intervalHours * HOUR_MS;
  const rate = init.rate ?? '0.0001';
  const history = init.history ?? [];
  if (!init.history && init.historyDays) {
    const n = Math.floor((init.historyDays * 24) / intervalHours);
    for (let i = n; i >= 1; i--) history.push({ fundingTime: nextFundingTime - i * intervalHours * HOUR_MS, rate });
  }
  return {
    coin: init.coin,
    rate,
    intervalHours,
    nextFundingTime,
    markPrice: init.markPrice ?? '100.00',
    futuresBid: init.futuresBid ?? '100.05',
    futuresAsk: init.futuresAsk ?? '100.06',
    spotBid: init.spotBid ?? '99.99',
    spotAsk: init.spotAsk ?? '100.00',
    spot: init.spot ?? true,
    history,
  };
}

export abstract class FakeVenueServer {
  readonly requests: FakeVenueRequest[] = [];
  coins: FakeVenueCoin[] = [];
  private readonly server: Server;
  private fault: { kind: VenueFault; path?: string } | undefined;
  private readonly hung: ServerResponse[] = [];
  url = '';

  constructor() {
    this.server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** every later request (to `path` only, when given) answers with this fault; null clears it */
  setFault(kind: VenueFault | null, path?: string): void {
    this.fault = kind === null ? undefined : { kind, path };
  }

  count(path?: string): number {
    return path ? this.requests.filter((r) => r.path === path).length : this.requests.length;
  }

  setCoins(coins: FakeVenueCoin[]): void {
    this.coins = coins;
  }

  protected abstract route(path: string, q: URLSearchParams): { status: number; body: unknown; headers?: Record<string, string> };
  protected abstract rateLimitAnswer(): { status: number; body: unknown; headers?: Record<string, string> };
  protected abstract envelopeWithBadShape(path: string): unknown;

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ path: u.pathname, query: u.searchParams });
    const fault = this.fault && (!this.fault.path || this.fault.path === u.pathname) ? this.fault.kind : undefined;
    if (req.method !== 'GET') return this.send(res, 405, { error: 'GET only' });
    if (fault === 'hang') return void this.hung.push(res);
    if (fault === '500') return this.send(res, 500, { error: 'Internal Server Error' });
    if (fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>502 Bad Gateway</body></html>');
    }
    if (fault === 'rateLimit') {
      const a = this.rateLimitAnswer();
      return this.send(res, a.status, a.body, a.headers);
    }
    if (fault === 'badShape') return this.send(res, 200, this.envelopeWithBadShape(u.pathname));
    const a = this.route(u.pathname, u.searchParams);
    this.send(res, a.status, a.body, a.headers);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}
