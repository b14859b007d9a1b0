import type { DomainEvent } from '../events.js';
import type { OutgoingMessage, Translator } from '../notify.js';
import { renderDrift, renderExitAlert } from './ledger/alerts.js';
import { renderRiskEvent, renderRiskResult } from './risk/render.js';
import { renderSignalPush } from './signalsView.js';
import { renderEvent } from './trading/render.js';
import { renderVenueGapPush } from './venueView.js';

/**
 * Every outbox event as a message in one reader's language, rendered when it is sent. Buttons
 * are built here from the event's data (a symbol, a position id, an amount); none carries a
 * confirm token: a tap opens a preview whose confirm is made then, for the one who tapped.
 * `skipped`: older signal pushes this one supersedes (see outbox.ts).
 */
export function renderDomainEvent(t: Translator, e: DomainEvent, skipped = 0): OutgoingMessage {
  switch (e.type) {
    case 'trade':
      return { text: renderEvent(t, e) };
    case 'signals':
      return renderSignalPush(t, e, skipped);
    case 'venue_gap':
      return renderVenueGapPush(t, e.gaps);
    case 'exit_alert':
      return renderExitAlert(t, e);
    case 'drift':
      return renderDrift(t, e);
    case 'income_stale':
      return { text: t.t('ledger.income.cursorStale', { days: e.days }) };
    case 'risk':
      return renderRiskEvent(t, e.notice, e.mode);
    case 'risk_result':
      return { text: renderRiskResult(t, e.result, e.mode) };
    case 'kept_open':
      return { text: t.t('risk.exit.keptText', { symbol: e.symbol }) };
    case 'store':
      return { text: t.t(e.saved ? 'ledger.store.saved' : 'ledger.store.unsaved') };
  }
}
