import type { DropReason, EventKind, NormalizedEvent, Severity } from '../../core/events';
import {
  MalformedPayloadError,
  arrayField,
  correlationOr,
  enhancedStatusCode,
  isJsonObject,
  isoToEpochMs,
  nonEmpty,
  objectField,
  parseAttempt,
  parseJsonObject,
  readEach,
  requireString,
  stringField,
  type Correlation,
  type JsonObject,
} from '../shared';
import type { ParseContext, ParseResult, UnreadableItem, WebhookRequest } from '../types';
import { isSnsMessageType, isSnsUrl } from './verify';

/**
 * Amazon SES notifications delivered by SNS. The SNS envelope's `Message` is a string holding the
 * SES JSON: identity notifications (`notificationType`) or configuration-set event publishing
 * (`eventType`). One notification can cover several recipients: one event per recipient.
 */

/** Message tags the plugin sets at send time (SES tags arrive as arrays of strings). */
export const CORRELATION_TAG = 'deliverability_id';
export const ATTEMPT_TAG = 'deliverability_attempt';

const SES_VALIDATION_MESSAGE = 'Successfully validated SNS topic';

interface Classification {
  kind: EventKind;
  severity: Severity | null;
  dropReason?: DropReason;
}

interface Recipient {
  address: string;
  rawCode: string | null;
  rawText: string | null;
}

interface Mail {
  messageId: string | null;
  destination: string[];
  correlation: Correlation;
  sentAt: number | null;
}

function firstTag(tags: JsonObject | undefined, name: string): string | null {
  if (!tags) return null;
  const value = tags[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return nonEmpty(first.trim());
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  return null;
}

function messageIdHeader(mail: JsonObject): string | null {
  for (const header of arrayField(mail, 'headers') ?? []) {
    if (isJsonObject(header) && stringField(header, 'name')?.toLowerCase() === 'message-id') {
      return nonEmpty(stringField(header, 'value')?.trim());
    }
  }
  return nonEmpty(stringField(objectField(mail, 'commonHeaders') ?? {}, 'messageId')?.trim());
}

function sesCorrelation(mail: JsonObject): Correlation {
  const tags = objectField(mail, 'tags');
  const tagged = firstTag(tags, CORRELATION_TAG);
  // Tags come back only when the message went through a configuration set; the Message-ID always does.
  return correlationOr({ correlationId: tagged, attempt: parseAttempt(firstTag(tags, ATTEMPT_TAG)) }, messageIdHeader(mail));
}

function readMail(ses: JsonObject): Mail {
  const mail = objectField(ses, 'mail');
  if (!mail) throw new MalformedPayloadError("SES notification has no 'mail' object");
  const destination = (arrayField(mail, 'destination') ?? []).filter((value): value is string => typeof value === 'string' && value !== '');
  return {
    messageId: nonEmpty(stringField(mail, 'messageId')),
    destination,
    correlation: sesCorrelation(mail),
    sentAt: isoToEpochMs(mail.timestamp),
  };
}

interface Recipients {
  recipients: Recipient[];
  /** Recipients that could not be read: the others are still stored. */
  unreadable: UnreadableItem[];
}

/** `[{emailAddress, status?, diagnosticCode?}]` (bounce, complaint, delay) or `["a@b"]` (delivery). */
function readRecipients(list: unknown[] | undefined, where: string): Recipients {
  if (!list || list.length === 0) throw new MalformedPayloadError(`SES ${where} has no recipients`);
  const { read, unreadable } = readEach(
    list,
    (item, index): Recipient => {
      if (typeof item === 'string' && item !== '') return { address: item, rawCode: null, rawText: null };
      if (isJsonObject(item)) {
        const address = requireString(item, 'emailAddress', `SES ${where} recipient [${index}]`);
        const rawText = nonEmpty(stringField(item, 'diagnosticCode'));
        return { address, rawCode: nonEmpty(stringField(item, 'status')) ?? enhancedStatusCode(rawText), rawText };
      }
      throw new MalformedPayloadError(`SES ${where} recipient [${index}] is not an address`);
    },
    (index) => `${where} recipient [${index}]`,
  );
  return { recipients: read, unreadable };
}

function section(ses: JsonObject, key: string, type: string): JsonObject {
  const value = objectField(ses, key);
  if (!value) throw new MalformedPayloadError(`SES ${type} notification has no '${key}' object`);
  return value;
}

function classifyBounce(bounceType: string | undefined, subType: string | undefined): Classification {
  if (bounceType === 'Permanent') {
    return subType === 'Suppressed' || subType === 'OnAccountSuppressionList'
      ? { kind: 'dropped', severity: 'permanent', dropReason: 'bounced' }
      : { kind: 'hard_bounce', severity: 'permanent' };
  }
  if (bounceType === 'Transient') return { kind: 'soft_bounce', severity: 'transient' };
  // Undetermined: SES could not tell. The message failed; the address is not to blame.
  return { kind: 'failed', severity: null };
}

interface Part extends Recipients {
  classification: Classification;
  rawType: string;
  occurredAt: number | null;
}

function describe(ses: JsonObject, type: string, mail: Mail): Part {
  const fromDestination = (rawCode: string | null, rawText: string | null): Recipients => ({
    recipients: (mail.destination.length > 0 ? mail.destination : ['']).map((address) => ({ address, rawCode, rawText })),
    unreadable: [],
  });
  const withText = (read: Recipients, change: (r: Recipient) => Recipient): Recipients => ({ ...read, recipients: read.recipients.map(change) });

  switch (type) {
    case 'Bounce': {
      const bounce = section(ses, 'bounce', type);
      const bounceType = stringField(bounce, 'bounceType');
      const subType = stringField(bounce, 'bounceSubType');
      return {
        classification: classifyBounce(bounceType, subType),
        rawType: ['Bounce', bounceType, subType].filter((part) => part).join('/'),
        ...readRecipients(arrayField(bounce, 'bouncedRecipients'), 'bounce'),
        occurredAt: isoToEpochMs(bounce.timestamp),
      };
    }
    case 'Complaint': {
      const complaint = section(ses, 'complaint', type);
      const subType = nonEmpty(stringField(complaint, 'complaintSubType'));
      const feedbackType = nonEmpty(stringField(complaint, 'complaintFeedbackType'));
      const recipients = withText(readRecipients(arrayField(complaint, 'complainedRecipients'), 'complaint'), (r) => ({
        ...r,
        rawText: r.rawText ?? feedbackType,
      }));
      return {
        // OnAccountSuppressionList: SES did not send, because of an earlier complaint.
        classification:
          subType === 'OnAccountSuppressionList'
            ? { kind: 'dropped', severity: 'permanent', dropReason: 'complained' }
            : { kind: 'complaint', severity: null },
        rawType: subType ? `Complaint/${subType}` : 'Complaint',
        ...recipients,
        occurredAt: isoToEpochMs(complaint.timestamp),
      };
    }
    case 'Delivery': {
      const delivery = section(ses, 'delivery', type);
      const smtpResponse = nonEmpty(stringField(delivery, 'smtpResponse'));
      return {
        classification: { kind: 'delivered', severity: null },
        rawType: 'Delivery',
        ...withText(readRecipients(arrayField(delivery, 'recipients'), 'delivery'), (r) => ({
          ...r,
          rawCode: enhancedStatusCode(smtpResponse),
          rawText: smtpResponse,
        })),
        occurredAt: isoToEpochMs(delivery.timestamp),
      };
    }
    case 'DeliveryDelay': {
      const delay = section(ses, 'deliveryDelay', type);
      const delayType = stringField(delay, 'delayType');
      return {
        classification: { kind: 'delivery_delayed', severity: 'transient' },
        rawType: delayType ? `DeliveryDelay/${delayType}` : 'DeliveryDelay',
        ...readRecipients(arrayField(delay, 'delayedRecipients'), 'deliveryDelay'),
        occurredAt: isoToEpochMs(delay.timestamp),
      };
    }
    case 'Send':
      return {
        classification: { kind: 'accepted', severity: null },
        rawType: 'Send',
        ...fromDestination(null, null),
        occurredAt: mail.sentAt,
      };
    case 'Reject':
    case 'Rendering Failure': {
      // SES refused the message (virus) or could not render its template: nothing was sent.
      const detail = objectField(ses, 'reject') ?? objectField(ses, 'failure') ?? {};
      const text = nonEmpty(stringField(detail, 'reason')) ?? nonEmpty(stringField(detail, 'errorMessage'));
      return { classification: { kind: 'failed', severity: null }, rawType: type, ...fromDestination(null, text), occurredAt: null };
    }
    default:
      return { classification: { kind: 'ignored', severity: null }, rawType: type, ...fromDestination(null, null), occurredAt: null };
  }
}

function notificationEvents(envelope: JsonObject, ctx: ParseContext): ParseResult {
  const snsMessageId = requireString(envelope, 'MessageId', 'SNS notification');
  const messageText = requireString(envelope, 'Message', 'SNS notification');
  if (messageText.startsWith(SES_VALIDATION_MESSAGE)) return { events: [] };

  const ses = parseJsonObject(messageText, 'SNS Message (SES notification)');
  const type = stringField(ses, 'notificationType') ?? stringField(ses, 'eventType');
  if (!type) throw new MalformedPayloadError("SES notification has no 'notificationType' or 'eventType'");

  const mail = readMail(ses);
  const part = describe(ses, type, mail);
  const occurredAt = part.occurredAt ?? isoToEpochMs(envelope.Timestamp) ?? ctx.now;

  const events = part.recipients.map((recipient) => {
    const event: NormalizedEvent = {
      provider: 'ses',
      channel: 'email',
      kind: part.classification.kind,
      address: recipient.address,
      providerMessageId: mail.messageId,
      correlationId: mail.correlation.correlationId,
      attempt: mail.correlation.attempt,
      eventKey: `ses:${snsMessageId}:${recipient.address}`,
      occurredAt,
      rawType: part.rawType,
      rawCode: recipient.rawCode,
      rawText: recipient.rawText,
      severity: part.classification.severity,
    };
    if (part.classification.dropReason) event.dropReason = part.classification.dropReason;
    return event;
  });
  return part.unreadable.length > 0 ? { events, unreadable: part.unreadable } : { events };
}

export function parseSes(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const envelope = parseJsonObject(req.rawBody, 'SNS body');
  const type = envelope.Type;
  if (!isSnsMessageType(type)) throw new MalformedPayloadError("SNS body has no known 'Type'");

  if (type === 'SubscriptionConfirmation') {
    const topicArn = requireString(envelope, 'TopicArn', 'SNS SubscriptionConfirmation');
    const subscribeUrl = requireString(envelope, 'SubscribeURL', 'SNS SubscriptionConfirmation');
    if (!isSnsUrl(subscribeUrl, { pem: false })) {
      throw new MalformedPayloadError('SNS SubscribeURL is not an https SNS endpoint URL');
    }
    return { events: [], subscriptionConfirmation: { topicArn, subscribeUrl } };
  }
  if (type === 'UnsubscribeConfirmation') return { events: [] };
  return notificationEvents(envelope, ctx);
}
