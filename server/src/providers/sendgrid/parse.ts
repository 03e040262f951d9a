import type { DropReason, EventKind, NormalizedEvent, Severity } from '../../core/events';
import {
  MalformedPayloadError,
  correlationIdValue,
  correlationOr,
  derivedKey,
  enhancedStatusCode,
  eventTime,
  isJsonObject,
  nonEmpty,
  numberField,
  parseAttempt,
  parseJson,
  readEach,
  requireString,
  secondsToEpochMs,
  stringField,
  textField,
  withNote,
  type JsonObject,
} from '../shared';
import type { ParseContext, ParseResult, WebhookRequest } from '../types';

/**
 * SendGrid Event Webhook: the body is always a JSON array of events. Custom args
 * (`custom_args` from the API, `unique_args` from the SMTP relay's X-SMTPAPI header) are merged
 * into each event's top level; `smtp-id` is the Message-ID the message left with.
 */

/** Custom args the plugin sets at send time. */
export const CORRELATION_ARG = 'deliverability_id';
export const ATTEMPT_ARG = 'deliverability_attempt';

const DROP_REASONS = new Map<string, DropReason>([
  ['bounced address', 'bounced'],
  ['invalid', 'invalid'],
  ['unsubscribed address', 'unsubscribed'],
  ['spam reporting address', 'complained'],
]);

interface Classification {
  kind: EventKind;
  severity: Severity | null;
  dropReason?: DropReason;
}

/** `bounce_classification` values that put the refusal on the sender, not the mailbox. */
const SENDER_CLASSIFICATIONS = new Set(['Reputation', 'Content', 'Frequency or Volume Too High']);

function classify(event: string, type: string | undefined, reason: string | undefined, classification: string | undefined): Classification {
  switch (event) {
    case 'processed':
      return { kind: 'accepted', severity: null };
    case 'delivered':
      return { kind: 'delivered', severity: null };
    case 'deferred':
      // SendGrid keeps retrying for up to 72 h: re-sending now would reach the recipient twice.
      return { kind: 'delivery_delayed', severity: 'transient' };
    case 'bounce':
      // SendGrid's own verdict that the refusal was about the sender, whatever the bounce type.
      if (classification !== undefined && SENDER_CLASSIFICATIONS.has(classification)) return { kind: 'sender_block', severity: 'transient' };
      // `blocked` = refused temporarily (policy, reputation, or a full mailbox); SendGrid does not
      // suppress the address. The core's sender-block table reads its reply further.
      return type === 'blocked'
        ? { kind: 'soft_bounce', severity: 'transient' }
        : { kind: 'hard_bounce', severity: 'permanent' };
    case 'dropped':
      return {
        kind: 'dropped',
        severity: 'permanent',
        dropReason: DROP_REASONS.get((reason ?? '').trim().toLowerCase()) ?? 'other',
      };
    case 'spamreport':
      return { kind: 'complaint', severity: null };
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { kind: 'unsubscribe', severity: null };
    default:
      return { kind: 'ignored', severity: null };
  }
}

/** The X-Message-Id returned at send time is the part of `sg_message_id` before the first dot. */
export function sendgridMessageId(sgMessageId: string | undefined): string | null {
  if (!sgMessageId) return null;
  return nonEmpty(sgMessageId.split('.')[0]);
}

function toEvent(item: JsonObject, index: number, ctx: ParseContext): NormalizedEvent {
  const where = `SendGrid event [${index}]`;
  const event = requireString(item, 'event', where);
  const email = requireString(item, 'email', where);
  const type = stringField(item, 'type');
  const reason = stringField(item, 'reason');
  const response = stringField(item, 'response');
  const status = textField(item, 'status');
  const sgEventId = stringField(item, 'sg_event_id');
  const sgMessageId = stringField(item, 'sg_message_id');
  const timestamp = numberField(item, 'timestamp');
  const { kind, severity, dropReason } = classify(event, type, reason, stringField(item, 'bounce_classification'));

  const eventKey = sgEventId
    ? `sendgrid:${sgEventId}`
    : `sendgrid:derived:${derivedKey([event, type, email, sgMessageId, timestamp, status, reason ?? response])}`;
  const rawText = nonEmpty(reason) ?? nonEmpty(response);
  const time = eventTime(secondsToEpochMs(timestamp), item.timestamp, ctx.now);

  const normalized: NormalizedEvent = {
    provider: 'sendgrid',
    channel: 'email',
    kind,
    address: email,
    providerMessageId: sendgridMessageId(sgMessageId),
    ...correlationOr({ correlationId: correlationIdValue(item[CORRELATION_ARG]), attempt: parseAttempt(item[ATTEMPT_ARG]) }, stringField(item, 'smtp-id')),
    eventKey,
    occurredAt: time.occurredAt,
    rawType: event === 'bounce' && type ? `bounce/${type}` : event,
    rawCode: nonEmpty(status) ?? enhancedStatusCode(rawText),
    rawText: withNote(rawText, time.note),
    severity,
  };
  if (dropReason) normalized.dropReason = dropReason;
  return normalized;
}

export function parseSendgrid(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const body = parseJson(req.rawBody, 'SendGrid body');
  if (!Array.isArray(body)) throw new MalformedPayloadError('SendGrid body is not a JSON array of events');
  const { read, unreadable } = readEach(body, (item, index) => {
    if (!isJsonObject(item)) throw new MalformedPayloadError(`SendGrid event [${index}] is not an object`);
    return toEvent(item, index, ctx);
  });
  return unreadable.length > 0 ? { events: read, unreadable } : { events: read };
}
