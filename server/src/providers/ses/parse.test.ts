import * as fs from 'fs';
import * as path from 'path';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { sesProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/ses');
const NOW = 1_900_000_000_000;
const ctx: ParseContext = { settings: { ...emptyProviderSettings(), ses: { topicArns: ['arn:aws:sns:eu-west-1:123456789012:ses-feedback'] } }, now: NOW };
const SES_MESSAGE_ID = '0102019a1b2c3c00-11112222-3333-4444-5555-666677778888-000000';

function request(body: string | Buffer | object): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { rawBody, headers: { 'content-type': 'text/plain; charset=UTF-8' }, method: 'POST', publicUrl: 'https://cms.example.com/x', query: {} };
}

const readText = (name: string) => fs.readFileSync(path.join(PAYLOADS, name), 'utf8');
type SesMessage = Record<string, unknown> & { mail: Record<string, unknown> };
const readMessage = (name: string) => JSON.parse(readText(name)) as SesMessage;

function envelope(message: object | string, extra: Record<string, string> = {}) {
  return {
    Type: 'Notification',
    MessageId: 'sns-msg-1',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ses-feedback',
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2025-10-11T00:00:00.000Z',
    SignatureVersion: '2',
    Signature: 'x',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/x.pem',
    ...extra,
  };
}

const parse = (body: string | Buffer | object) => sesProvider.parse(request(body), ctx);
const parseMessage = (message: object) => parse(envelope(message)).events;

describe('ses parse: SNS envelopes', () => {
  it('signed permanent bounce', () => {
    expect(parse(readText('sns_notification_bounce_permanent_signed.json'))).toEqual({
      events: [
        {
          provider: 'ses',
          channel: 'email',
          kind: 'hard_bounce',
          address: 'gone@example.net',
          providerMessageId: SES_MESSAGE_ID,
          correlationId: null,
          attempt: null,
          eventKey: 'ses:b7c1f0a2-3d4e-5f60-8a9b-0c1d2e3f4a5b:gone@example.net',
          occurredAt: Date.parse('2025-10-09T14:31:58.211Z'),
          rawType: 'Bounce/Permanent/General',
          rawCode: '5.1.1',
          rawText: 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
          severity: 'permanent',
        },
      ],
    });
  });

  it('complaint notification', () => {
    const { events } = parse(readText('sns_notification_complaint.json'));
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'complaint',
        address: 'ana@example.com',
        rawType: 'Complaint',
        rawCode: null,
        rawText: 'abuse',
        eventKey: 'ses:1b2c3d4e-5f60-5b7c-9d8e-0f1a2b3c4d5e:ana@example.com',
        occurredAt: Date.parse('2025-10-10T09:12:00.000Z'),
      }),
    ]);
  });

  it('delivery notification', () => {
    expect(parse(readText('sns_notification_delivery.json')).events).toEqual([
      expect.objectContaining({
        kind: 'delivered',
        address: 'ana@example.com',
        rawType: 'Delivery',
        rawCode: '2.0.0',
        rawText: '250 2.0.0 OK  1760020319 x7si123 - gsmtp',
        occurredAt: Date.parse('2025-10-09T14:31:59.120Z'),
      }),
    ]);
  });

  it('the event-publishing validation message carries no events', () => {
    expect(parse(readText('sns_notification_success_after_subscribe.json'))).toEqual({ events: [] });
  });

  it('subscription confirmation returns the topic and SubscribeURL, and no events', () => {
    const result = parse(readText('sns_subscription_confirmation_signed.json'));
    expect(result.events).toEqual([]);
    expect(result.subscriptionConfirmation).toEqual({
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:ses-feedback',
      subscribeUrl: expect.stringMatching(/^https:\/\/sns\.eu-west-1\.amazonaws\.com\/\?Action=ConfirmSubscription&TopicArn=/),
    });
  });

  it('unsubscribe confirmation carries no events', () => {
    expect(parse({ ...envelope('bye'), Type: 'UnsubscribeConfirmation' })).toEqual({ events: [] });
  });
});

describe('ses parse: SES messages', () => {
  it('Permanent/OnAccountSuppressionList is dropped (bounced)', () => {
    expect(parseMessage(readMessage('message_bounce_permanent_suppressed.json'))).toEqual([
      expect.objectContaining({ kind: 'dropped', dropReason: 'bounced', address: 'gone@example.net', rawType: 'Bounce/Permanent/OnAccountSuppressionList', eventKey: 'ses:sns-msg-1:gone@example.net' }),
    ]);
    const suppressed = readMessage('message_bounce_permanent_suppressed.json');
    const bounce = { ...(suppressed.bounce as object), bounceSubType: 'Suppressed' };
    expect(parseMessage({ ...suppressed, bounce })[0]).toMatchObject({ kind: 'dropped', dropReason: 'bounced' });
  });

  it('Transient/MailboxFull is a soft bounce', () => {
    expect(parseMessage(readMessage('message_bounce_transient_mailboxfull.json'))).toEqual([
      expect.objectContaining({ kind: 'soft_bounce', severity: 'transient', address: 'full@example.com', rawType: 'Bounce/Transient/MailboxFull', rawCode: '4.2.2' }),
    ]);
  });

  it('Undetermined bounce is a failure that does not blame the address', () => {
    const message = readMessage('message_bounce_transient_mailboxfull.json');
    const bounce = { ...(message.bounce as object), bounceType: 'Undetermined', bounceSubType: 'Undetermined' };
    expect(parseMessage({ ...message, bounce })[0]).toMatchObject({ kind: 'failed', severity: null });
  });

  it('complaint and delivery messages', () => {
    expect(parseMessage(readMessage('message_complaint.json'))[0]).toMatchObject({ kind: 'complaint', address: 'ana@example.com' });
    expect(parseMessage(readMessage('message_delivery.json'))[0]).toMatchObject({ kind: 'delivered', address: 'ana@example.com', providerMessageId: SES_MESSAGE_ID });
  });

  it('complaint on the account suppression list is dropped (complained)', () => {
    const message = readMessage('message_complaint.json');
    const complaint = { ...(message.complaint as object), complaintSubType: 'OnAccountSuppressionList' };
    expect(parseMessage({ ...message, complaint })[0]).toMatchObject({ kind: 'dropped', dropReason: 'complained', rawType: 'Complaint/OnAccountSuppressionList' });
  });

  it('event-publishing DeliveryDelay is delivery_delayed, per delayed recipient', () => {
    expect(parseMessage(readMessage('event_publishing_delivery_delay.json'))).toEqual([
      expect.objectContaining({
        kind: 'delivery_delayed',
        severity: 'transient',
        address: 'full@example.com',
        rawType: 'DeliveryDelay/MailboxFull',
        rawCode: '4.2.2',
        rawText: 'smtp; 452 4.2.2 Mailbox full',
        occurredAt: Date.parse('2025-10-09T15:00:00.000Z'),
        correlationId: null,
      }),
    ]);
  });

  it('one event per recipient', () => {
    const message = readMessage('message_delivery.json');
    const delivery = { ...(message.delivery as object), recipients: ['a@example.com', 'b@example.com'] };
    const events = parseMessage({ ...message, delivery });
    expect(events.map((e) => [e.address, e.eventKey])).toEqual([
      ['a@example.com', 'ses:sns-msg-1:a@example.com'],
      ['b@example.com', 'ses:sns-msg-1:b@example.com'],
    ]);
  });

  it('Send is accepted; Reject fails; Open and unknown types are ignored; one per destination', () => {
    const base = readMessage('event_publishing_delivery_delay.json');
    const { deliveryDelay: _omit, ...rest } = base;
    const mail = { ...rest.mail, destination: ['x@example.com', 'y@example.com'] };
    const send = parseMessage({ ...rest, mail, eventType: 'Send', send: {} });
    expect(send.map((e) => [e.kind, e.address, e.occurredAt])).toEqual([
      ['accepted', 'x@example.com', Date.parse('2025-10-09T14:31:57.000Z')],
      ['accepted', 'y@example.com', Date.parse('2025-10-09T14:31:57.000Z')],
    ]);
    expect(parseMessage({ ...rest, mail, eventType: 'Reject', reject: { reason: 'Bad content' } }).map((e) => [e.kind, e.rawText])).toEqual([
      ['failed', 'Bad content'],
      ['failed', 'Bad content'],
    ]);
    expect(parseMessage({ ...rest, mail, eventType: 'Open', open: {} }).map((e) => e.kind)).toEqual(['ignored', 'ignored']);
    const unknown = parseMessage({ ...rest, mail, eventType: 'SomethingNew' });
    expect(unknown.map((e) => [e.kind, e.rawType, e.occurredAt])).toEqual([
      ['ignored', 'SomethingNew', Date.parse('2025-10-11T00:00:00.000Z')],
      ['ignored', 'SomethingNew', Date.parse('2025-10-11T00:00:00.000Z')],
    ]);
  });

  it('reads the correlation from mail tags', () => {
    const message = readMessage('message_delivery.json');
    const mail = { ...message.mail, tags: { deliverability_id: ['log-42'], deliverability_attempt: ['3'], 'ses:configuration-set': ['x'] } };
    expect(parseMessage({ ...message, mail })[0]).toMatchObject({ correlationId: 'log-42', attempt: 3 });
  });

  it('reads the correlation from a dlv Message-ID header', () => {
    const message = readMessage('message_delivery.json');
    const withHeader = (value: string) => ({ ...message, mail: { ...message.mail, headers: [{ name: 'Message-ID', value }] } });
    expect(parseMessage(withHeader('<dlv.log-5.2@mail.example.com>'))[0]).toMatchObject({ correlationId: 'log-5', attempt: 2 });
    expect(parseMessage(withHeader('<dlv.a.b.3@mail.example.com>'))[0]).toMatchObject({ correlationId: 'a.b', attempt: 3 });
    expect(parseMessage(withHeader('<0102019a@email.amazonses.com>'))[0]).toMatchObject({ correlationId: null, attempt: null });
  });
});

describe('ses parse: malformed bodies', () => {
  const delivery = readMessage('message_delivery.json');
  const cases: Array<[string, string | object, RegExp]> = [
    ['an envelope that is not JSON', 'Type=Notification', /SNS body is not valid JSON/],
    ['an envelope without Type', { MessageId: 'x', Message: '{}' }, /no known 'Type'/],
    ['a notification without Message', { ...envelope('x'), Message: undefined }, /no 'Message'/],
    ['a Message that is not JSON', envelope('hello there'), /SNS Message \(SES notification\) is not valid JSON/],
    ['a Message without a type', envelope({ mail: delivery.mail }), /no 'notificationType' or 'eventType'/],
    ['a Message without mail', envelope({ notificationType: 'Delivery', delivery: delivery.delivery }), /no 'mail' object/],
    ['a Bounce without its bounce object', envelope({ notificationType: 'Bounce', mail: delivery.mail }), /no 'bounce' object/],
    ['a Bounce without recipients', envelope({ notificationType: 'Bounce', mail: delivery.mail, bounce: { bounceType: 'Permanent' } }), /bounce has no recipients/],
    [
      'a SubscribeURL on another host',
      { ...envelope('x'), Type: 'SubscriptionConfirmation', SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' },
      /SubscribeURL is not an https SNS endpoint URL/,
    ],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => parse(body)).toThrow(MalformedPayloadError);
    expect(() => parse(body)).toThrow(message);
  });
});
