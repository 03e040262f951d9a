import type { NormalizedEvent } from './events';
import { providerReportedOptOut } from './consent';

const report: NormalizedEvent = {
  provider: 'twilio',
  channel: 'sms',
  kind: 'opt_out',
  address: '+447700900123',
  providerMessageId: 'SM1',
  correlationId: null,
  attempt: 1,
  eventKey: 'twilio:SM1:undelivered:21610',
  occurredAt: Date.UTC(2026, 10, 30, 12),
  rawType: 'undelivered',
  rawCode: '21610',
  rawText: null,
  severity: 'permanent',
};

describe('providerReportedOptOut', () => {
  it('a report that moves the number to opted out is a consent row, reported by the provider', () => {
    expect(providerReportedOptOut(report, '+447700900123', 'active', 'opted_out')).toEqual({
      channel: 'sms',
      address: '+447700900123',
      action: 'opt_out',
      via: 'provider_report',
      actor: 'student',
      words: null,
      provider: 'twilio',
      eventKey: 'consent:twilio:SM1:undelivered:21610',
      occurredAt: report.occurredAt,
    });
    expect(providerReportedOptOut(report, '+447700900123', 'soft_bouncing', 'opted_out')).not.toBeNull();
  });

  it('no row when nothing moved: already opted out, or the number ends elsewhere', () => {
    expect(providerReportedOptOut(report, '+447700900123', 'opted_out', 'opted_out')).toBeNull();
    expect(providerReportedOptOut(report, '+447700900123', 'active', 'active')).toBeNull();
    expect(providerReportedOptOut(report, '+447700900123', 'active', 'failed')).toBeNull();
  });

  it('inbound STOP texts and suppression-list entries write their own records, not this one', () => {
    expect(providerReportedOptOut({ ...report, rawType: 'inbound' }, '+447700900123', 'active', 'opted_out')).toBeNull();
    expect(providerReportedOptOut({ ...report, rawType: 'suppression-list/import' }, '+447700900123', 'active', 'opted_out')).toBeNull();
    expect(providerReportedOptOut({ ...report, channel: 'email' }, 'a@b.example', 'active', 'opted_out')).toBeNull();
  });
});
