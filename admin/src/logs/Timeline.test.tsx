import { fireEvent, screen, within } from '@testing-library/react';
import { renderInAdmin } from '../test-utils/render';
import type { AuditView, EventView, LogView } from '../utils/api';
import { MESSAGE_STATUSES, MESSAGE_STATUS_COLOURS } from '../utils/status';
import { historyOf, Timeline } from './Timeline';

function event(overrides: Partial<EventView>): EventView {
  return {
    documentId: `ev-${Math.random().toString(36).slice(2)}`,
    kind: 'delivered',
    outcome: 'applied',
    channel: 'email',
    address: 'amira.haddad@bounce.test',
    provider: 'sendgrid',
    providerMessageId: 'sg-1',
    attempt: 1,
    occurredAt: '2026-11-20T10:00:00.000Z',
    receivedAt: '2026-11-20T10:00:01.000Z',
    rawType: 'delivered',
    rawCode: null,
    rawText: null,
    severity: null,
    reason: null,
    reasonData: null,
    ...overrides,
  };
}

function audit(overrides: Partial<AuditView> & { documentId: string }): AuditView {
  return { action: 'retry-message', channel: null, address: null, logDocumentId: null, actorId: null, actorName: null, reason: null, before: null, after: null, createdAt: null, ...overrides };
}

function log(overrides: Partial<LogView>): LogView {
  return {
    documentId: `log-${Math.random().toString(36).slice(2)}`,
    channel: 'email',
    address: 'amira.haddad@bounce.test',
    contactType: null,
    contactDocumentId: null,
    source: 'touchpoint',
    sourceName: 'Welcome to your course',
    subject: 'Welcome to your course',
    status: 'delivered',
    statusReason: null,
    statusReasonData: null,
    attempts: 1,
    firstAttemptAt: '2026-11-20T09:59:00.000Z',
    nextAttemptAt: null,
    lastEventAt: null,
    provider: 'sendgrid',
    providerMessageId: 'sg-1',
    lastError: null,
    createdAt: '2026-11-20T09:59:00.000Z',
    addressState: 'active',
    retryable: false,
    category: null,
    fallbackOf: null,
    fallbackMessage: null,
    events: [],
    audit: [],
    ...overrides,
  };
}

const bounced = log({
  documentId: 'log-bounced',
  status: 'bounced',
  source: 'manual',
  sourceName: 'Your timetable',
  subject: 'Your timetable',
  attempts: 2,
  createdAt: '2026-11-21T08:00:00.000Z',
  statusReason: 'Hard bounce: the address does not exist.',
  addressState: 'failed',
  events: [
    event({ documentId: 'ev-attempt-1', kind: 'send_attempt', outcome: 'attempt', rawType: 'send', occurredAt: '2026-11-21T08:00:00.000Z', reason: 'Handed to SendGrid.' }),
    event({ documentId: 'ev-soft', kind: 'soft_bounce', rawType: 'bounce', rawCode: '452 4.2.2', rawText: 'Mailbox full', occurredAt: '2026-11-21T08:01:00.000Z', reason: 'Soft bounce: retry in 15 minutes.' }),
    event({
      documentId: 'ev-hard',
      kind: 'hard_bounce',
      rawType: 'bounce',
      rawCode: '550 5.1.1',
      rawText: 'The email account that you tried to reach does not exist.',
      attempt: 2,
      occurredAt: '2026-11-21T08:20:00.000Z',
      reason: 'Hard bounce: the address is marked failed and will not be used again.',
    }),
  ],
  audit: [audit({ documentId: 'au-1', action: 'retry-message', actorName: 'Jo Editor', reason: 'Retried by hand from deferred.', createdAt: '2026-11-21T08:10:00.000Z' })],
});
const sms = log({ documentId: 'log-sms', channel: 'sms', address: '+447700900101', source: 'grab', sourceName: 'Open day reminder', subject: null, status: 'deferred', retryable: true, createdAt: '2026-11-20T12:00:00.000Z' });
const delivered = log({ documentId: 'log-delivered', createdAt: '2026-11-19T12:00:00.000Z', source: 'api', sourceName: null, subject: 'Fees reminder' });
const logs = [bounced, sms, delivered];

describe('Timeline', () => {
  it('shows each message in the order given (newest first) with its source, channel, address, status and attempts', () => {
    renderInAdmin(<Timeline logs={logs} canRetry={false} />);
    const items = Array.from(document.querySelectorAll('[data-log-id]'));
    expect(items.map((i) => i.getAttribute('data-log-id'))).toEqual(['log-bounced', 'log-sms', 'log-delivered']);
    const first = within(items[0] as HTMLElement);
    expect(first.getByText('Your timetable')).toBeTruthy();
    expect(first.getByText('Nov 21, 2026, 8:00 AM · Email to amira.haddad@bounce.test · Manual: Your timetable · 2 attempts')).toBeTruthy();
    expect(items[0].querySelector('[data-message-status="bounced"]')?.textContent).toBe('Bounced');
    const second = within(items[1] as HTMLElement);
    // An SMS has no subject: it is named by the grab that sent it.
    expect(second.getByText('Open day reminder')).toBeTruthy();
    expect(second.getByText(/SMS to \+447700900101 · Grab: Open day reminder · 1 attempt$/)).toBeTruthy();
    expect(items[1].querySelector('[data-message-status="deferred"]')?.textContent).toBe('Deferred');
    expect(within(items[2] as HTMLElement).getByText(/· API · 1 attempt$/)).toBeTruthy();
  });

  it('opens a message to show every attempt and provider event with the raw code, the text and the reason, and the manual retry', () => {
    renderInAdmin(<Timeline logs={logs} canRetry={false} />);
    expect(screen.queryByText('550 5.1.1')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Your timetable/ }));
    const rows = Array.from(document.querySelectorAll('[data-log-id="log-bounced"] tbody tr'));
    expect(rows.map((r) => r.getAttribute('data-event-kind') ?? r.getAttribute('data-audit-action'))).toEqual([
      'send_attempt',
      'soft_bounce',
      'retry-message',
      'hard_bounce',
    ]);
    const hard = within(rows[3] as HTMLElement);
    expect(hard.getByText('550 5.1.1')).toBeTruthy();
    expect(hard.getByText('The email account that you tried to reach does not exist.')).toBeTruthy();
    expect(hard.getByText('Hard bounce: the address is marked failed and will not be used again.')).toBeTruthy();
    expect(hard.getByText('Hard bounce · attempt 2')).toBeTruthy();
    expect(within(rows[1] as HTMLElement).getByText('452 4.2.2')).toBeTruthy();
    expect(within(rows[2] as HTMLElement).getByText(/By Jo Editor/)).toBeTruthy();
    expect(screen.getByText('Hard bounce: the address does not exist.')).toBeTruthy();
  });

  it('offers "Retry now" only on retryable messages, and only to users allowed to retry', () => {
    const onRetry = jest.fn();
    const { unmount } = renderInAdmin(<Timeline logs={logs} canRetry onRetry={onRetry} />);
    const buttons = screen.getAllByRole('button', { name: 'Retry now' });
    expect(buttons).toHaveLength(1);
    fireEvent.click(buttons[0]);
    expect(onRetry).toHaveBeenCalledWith(sms);
    unmount();
    renderInAdmin(<Timeline logs={logs} canRetry={false} onRetry={onRetry} />);
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
  });

  it('disables every retry while one is in flight', () => {
    const another = log({ documentId: 'log-failed', status: 'failed', retryable: true });
    renderInAdmin(<Timeline logs={[sms, another]} canRetry onRetry={() => undefined} retrying="log-sms" />);
    const buttons = screen.getAllByRole('button', { name: /Retry now/ });
    expect(buttons.every((b) => (b as HTMLButtonElement).disabled || b.getAttribute('aria-disabled') === 'true')).toBe(true);
  });

  it('says so when a message has no history yet', () => {
    renderInAdmin(<Timeline logs={[delivered]} canRetry={false} defaultOpen="log-delivered" />);
    expect(screen.getByText('No attempt or provider event has been recorded for this message yet.')).toBeTruthy();
  });
});

describe('historyOf', () => {
  it('merges events and manual actions by time, keeping the server order for equal times', () => {
    const same = '2026-11-21T08:00:00.000Z';
    const entry = log({
      events: [event({ documentId: 'b', occurredAt: same }), event({ documentId: 'a', occurredAt: same }), event({ documentId: 'c', occurredAt: '2026-11-21T07:00:00.000Z' })],
      audit: [audit({ documentId: 'x', action: 'retry-message', actorName: 'Jo', reason: null, createdAt: '2026-11-21T07:30:00.000Z' })],
    });
    expect(historyOf(entry).map((r) => (r.type === 'event' ? r.event.documentId : r.entry.documentId))).toEqual(['c', 'x', 'b', 'a']);
  });
});

describe('status colours', () => {
  it('gives every message status its own colour', () => {
    const pairs = MESSAGE_STATUSES.map((s) => `${MESSAGE_STATUS_COLOURS[s].background}/${MESSAGE_STATUS_COLOURS[s].text}`);
    expect(new Set(pairs).size).toBe(MESSAGE_STATUSES.length);
    const bars = MESSAGE_STATUSES.map((s) => MESSAGE_STATUS_COLOURS[s].chart);
    expect(new Set(bars).size).toBe(MESSAGE_STATUSES.length);
  });
});

describe('re-classifying an event', () => {
  const bounce = event({ documentId: 'ev-bounce', kind: 'hard_bounce', rawType: 'bounce/bounce', rawCode: '5.7.1' });
  const delivered = event({ documentId: 'ev-delivered', kind: 'delivered' });
  const opened = log({ documentId: 'log-bounced', status: 'bounced', events: [bounce, delivered] });

  it('offers "Re-classify" on refusals only, and hands the event to the page', () => {
    const onReclassify = jest.fn();
    const { container } = renderInAdmin(<Timeline logs={[opened]} canRetry={false} defaultOpen="log-bounced" onReclassify={onReclassify} />);
    expect(container.querySelector('[data-reclassify="ev-delivered"]')).toBeNull();
    const button = container.querySelector('[data-reclassify="ev-bounce"]');
    expect(button).not.toBeNull();
    fireEvent.click(button!);
    expect(onReclassify).toHaveBeenCalledWith(bounce);
  });

  it('offers nothing to a role that may not re-classify', () => {
    const { container } = renderInAdmin(<Timeline logs={[opened]} canRetry={false} defaultOpen="log-bounced" />);
    expect(container.querySelector('[data-reclassify]')).toBeNull();
    expect(screen.queryByText('Re-classify')).toBeNull();
  });

  it('links a critical message that failed and the fallback sent on the other channel, both ways', () => {
    const failed = log({
      documentId: 'log-critical',
      status: 'bounced',
      subject: 'Registration hold',
      category: 'critical',
      fallbackMessage: 'log-critical-sms',
      events: [event({ documentId: 'ev-fallback', kind: 'fallback', outcome: 'applied', provider: 'plugin', rawType: 'fallback', reason: 'Not delivered by email: sent again by SMS as message log-critical-sms.' })],
    });
    const fallback = log({ documentId: 'log-critical-sms', channel: 'sms', address: '+447700900101', subject: null, sourceName: null, category: 'critical', fallbackOf: 'log-critical' });
    renderInAdmin(<Timeline logs={[fallback, failed]} canRetry={false} defaultOpen="log-critical" />);
    const opened = document.querySelector('[data-log-id="log-critical"]') as HTMLElement;
    expect(within(opened).getByText('critical')).toBeTruthy();
    expect(opened.querySelector('[data-fallback-message="log-critical-sms"]')?.textContent).toBe('Not delivered: sent again by SMS as message log-critical-sms');
    expect(opened.querySelector('[data-event-kind="fallback"]')?.textContent).toContain('Fallback');
    const header = document.querySelector('[data-log-id="log-critical-sms"]') as HTMLElement;
    expect(within(header).getByText('Fallback')).toBeTruthy();
    fireEvent.click(within(header).getByRole('button', { name: /Open day|SMS|untitled/i }));
    expect(header.querySelector('[data-fallback-of="log-critical"]')?.textContent).toBe('Sent in place of message log-critical, not delivered by Email');
  });
});

describe('a message held by quiet hours', () => {
  it('says it is scheduled, and when it will go, in the reader’s words', () => {
    const held = log({
      documentId: 'log-quiet',
      channel: 'sms',
      address: '+447700900101',
      subject: null,
      status: 'deferred',
      attempts: 0,
      firstAttemptAt: null,
      nextAttemptAt: '2026-11-21T08:00:00.000Z',
      statusReason: 'Scheduled for 2026-11-21T08:00:00.000Z: quiet hours (21:00–08:00, Europe/London).',
      statusReasonData: [{ code: 'send.quietHours', params: { at: '2026-11-21T08:00:00.000Z', start: '21:00', end: '08:00', timeZone: 'Europe/London' } }],
    });
    renderInAdmin(<Timeline logs={[held]} canRetry={false} defaultOpen="log-quiet" />);
    expect(screen.getByText('Scheduled for Nov 21, 2026, 8:00 AM: quiet hours (21:00–08:00, Europe/London).')).toBeTruthy();
    expect(screen.getByText('Next attempt')).toBeTruthy();
  });
});
