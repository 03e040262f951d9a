import type { DropReason, EventKind, NormalizedEvent, Severity } from '../../core/events';
import {
  correlationIdValue,
  derivedKey,
  enhancedStatusCode,
  isoToEpochMs,
  nonEmpty,
  objectField,
  parseAttempt,
  parseJsonObject,
  requireString,
  stringField,
  textField,
  type JsonObject,
} from '../shared';
import type { ParseContext, ParseResult, WebhookRequest } from '../types';

/**
 * Postmark webhooks: one JSON object per request, told apart by `RecordType`
 * (`Bounce`, `SpamComplaint`, `Delivery`, `SubscriptionChange`, `Open`, `Click`).
 */

/** Metadata keys the plugin sets at send time. */
export const CORRELATION_METADATA = 'deliverability_id';
export const ATTEMPT_METADATA = 'deliverability_attempt';

interface Classification {
  kind: EventKind;
  severity: Severity | null;
  dropReason?: DropReason;
}

/** Bounce `Type` → kind. Types not listed (AutoResponder, AddressChange, Unknown, ...) are ignored. */
const BOUNCE_TYPES = new Map<string, Classification>([
  ['HardBounce', { kind: 'hard_bounce', severity: 'permanent' }],
  ['BadEmailAddress', { kind: 'hard_bounce', severity: 'permanent' }],
  ['SoftBounce', { kind: 'soft_bounce', severity: 'transient' }],
  ['Transient', { kind: 'soft_bounce', severity: 'transient' }],
  ['DnsError', { kind: 'soft_bounce', severity: 'transient' }],
  ['SpamComplaint', { kind: 'complaint', severity: null }],
  // Refused for policy reasons (ISP block, DMARC): about the sender, not the address.
  ['Blocked', { kind: 'sender_block', severity: 'transient' }],
  ['DMARCPolicy', { kind: 'sender_block', severity: 'transient' }],
]);

const SUPPRESSION_REASONS = new Map<string, DropReason>([
  ['HardBounce', 'bounced'],
  ['SpamComplaint', 'complained'],
  ['ManualSuppression', 'unsubscribed'],
]);

const IGNORED: Classification = { kind: 'ignored', severity: null };

/**
 * A Metadata value by key, whatever its case: over SMTP the key is the rest of an
 * `X-PM-Metadata-<key>` header name, and nodemailer capitalises header names (`Deliverability_id`).
 */
function metadataValue(metadata: JsonObject, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(metadata, key)) return metadata[key];
  const found = Object.keys(metadata).find((name) => name.toLowerCase() === key);
  return found === undefined ? undefined : metadata[found];
}

function correlation(body: JsonObject): Pick<NormalizedEvent, 'correlationId' | 'attempt'> {
  const metadata = objectField(body, 'Metadata') ?? {};
  return {
    correlationId: correlationIdValue(metadataValue(metadata, CORRELATION_METADATA)),
    attempt: parseAttempt(metadataValue(metadata, ATTEMPT_METADATA)),
  };
}

export function parsePostmark(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const body = parseJsonObject(req.rawBody, 'Postmark body');
  const recordType = requireString(body, 'RecordType', 'Postmark body');
  const messageId = nonEmpty(stringField(body, 'MessageID'));
  const details = nonEmpty(stringField(body, 'Details'));

  let classification: Classification;
  let address: string;
  let rawType = recordType;
  let rawCode: string | null = null;
  let rawText: string | null = details;
  let occurredAt: number | null;
  let eventKey: string;

  switch (recordType) {
    case 'Bounce':
    case 'SpamComplaint': {
      const type = stringField(body, 'Type');
      address = requireString(body, 'Email', `Postmark ${recordType}`);
      classification = recordType === 'SpamComplaint' ? { kind: 'complaint', severity: null } : (type && BOUNCE_TYPES.get(type)) || IGNORED;
      if (recordType === 'Bounce') rawType = `Bounce/${type ?? 'unknown'}`;
      rawCode = enhancedStatusCode(details) ?? nonEmpty(textField(body, 'TypeCode'));
      rawText = details ?? nonEmpty(stringField(body, 'Description'));
      occurredAt = isoToEpochMs(body.BouncedAt);
      const id = textField(body, 'ID');
      eventKey = id ? `postmark:${recordType}:${id}` : `postmark:${recordType}:${derivedKey([messageId, address, stringField(body, 'BouncedAt'), type])}`;
      break;
    }
    case 'Delivery': {
      address = requireString(body, 'Recipient', 'Postmark Delivery');
      classification = { kind: 'delivered', severity: null };
      rawCode = enhancedStatusCode(details);
      occurredAt = isoToEpochMs(body.DeliveredAt);
      eventKey = `postmark:Delivery:${messageId ?? ''}:${address}`;
      break;
    }
    case 'SubscriptionChange': {
      address = requireString(body, 'Recipient', 'Postmark SubscriptionChange');
      const reason = nonEmpty(stringField(body, 'SuppressionReason'));
      if (body.SuppressSending === true) {
        classification = { kind: 'dropped', severity: 'permanent', dropReason: (reason && SUPPRESSION_REASONS.get(reason)) || 'other' };
      } else {
        classification = IGNORED; // reactivation: nothing to act on
      }
      rawType = reason ? `SubscriptionChange/${reason}` : 'SubscriptionChange';
      rawCode = reason;
      rawText = nonEmpty(stringField(body, 'Origin'));
      const changedAt = stringField(body, 'ChangedAt');
      occurredAt = isoToEpochMs(changedAt);
      eventKey = `postmark:SubscriptionChange:${messageId ?? ''}:${address}:${changedAt ?? ''}:${String(body.SuppressSending)}`;
      break;
    }
    default: {
      // Open, Click and record types added later: kept, but they change nothing.
      address = stringField(body, 'Recipient') ?? stringField(body, 'Email') ?? '';
      classification = IGNORED;
      occurredAt = isoToEpochMs(body.ReceivedAt);
      eventKey = `postmark:${recordType}:${derivedKey([req.rawBody.toString('utf8')])}`;
      break;
    }
  }

  const event: NormalizedEvent = {
    provider: 'postmark',
    channel: 'email',
    kind: classification.kind,
    address,
    providerMessageId: messageId,
    ...correlation(body),
    eventKey,
    occurredAt: occurredAt ?? ctx.now,
    rawType,
    rawCode,
    rawText,
    severity: classification.severity,
  };
  if (classification.dropReason) event.dropReason = classification.dropReason;
  return { events: [event] };
}
