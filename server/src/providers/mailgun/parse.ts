import type { DropReason, EventKind, NormalizedEvent, Severity } from '../../core/events';
import {
  MalformedPayloadError,
  correlationIdValue,
  correlationOr,
  derivedKey,
  eventTime,
  nonEmpty,
  numberField,
  objectField,
  parseAttempt,
  parseJsonObject,
  requireString,
  secondsToEpochMs,
  stringField,
  textField,
  withNote,
} from '../shared';
import type { ParseContext, ParseResult, WebhookRequest } from '../types';

/**
 * Mailgun webhooks (current JSON format): `{ signature, "event-data": {...} }`, one event per request.
 */

/** Variables the plugin sets at send time (`v:deliverability_id`, `v:deliverability_attempt`). */
export const CORRELATION_VARIABLE = 'deliverability_id';
export const ATTEMPT_VARIABLE = 'deliverability_attempt';

const SUPPRESS_REASONS = new Map<string, DropReason>([
  ['suppress-bounce', 'bounced'],
  ['suppress-complaint', 'complained'],
  ['suppress-unsubscribe', 'unsubscribed'],
]);

interface Classification {
  kind: EventKind;
  severity: Severity | null;
  dropReason?: DropReason;
}

function classifyFailure(severity: string | undefined, reason: string | undefined, retrySeconds: number | undefined): Classification {
  // `old`: Mailgun gave up retrying a temporary failure. Final, but not the address's fault.
  if (reason === 'old') return { kind: 'soft_bounce', severity: 'transient' };
  if (severity === 'temporary') {
    // With `retry-seconds` Mailgun says when it will try again itself: re-sending now would deliver twice.
    return retrySeconds !== undefined && retrySeconds > 0
      ? { kind: 'delivery_delayed', severity: 'transient' }
      : { kind: 'soft_bounce', severity: 'transient' };
  }
  if (reason && reason.startsWith('suppress-')) {
    return { kind: 'dropped', severity: 'permanent', dropReason: SUPPRESS_REASONS.get(reason) ?? 'other' };
  }
  return { kind: 'hard_bounce', severity: 'permanent' };
}

function classify(event: string, severity: string | undefined, reason: string | undefined, retrySeconds: number | undefined): Classification {
  switch (event) {
    case 'accepted':
      return { kind: 'accepted', severity: null };
    case 'delivered':
      return { kind: 'delivered', severity: null };
    case 'failed':
      return classifyFailure(severity, reason, retrySeconds);
    case 'complained':
      return { kind: 'complaint', severity: null };
    case 'unsubscribed':
      return { kind: 'unsubscribe', severity: null };
    default:
      return { kind: 'ignored', severity: null };
  }
}

/** Mailgun reports `message-id` without angle brackets; the send API returns it with them. */
export function stripAngleBrackets(value: string | undefined): string | null {
  if (!value) return null;
  return nonEmpty(value.trim().replace(/^<(.*)>$/, '$1'));
}

export function parseMailgun(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const body = parseJsonObject(req.rawBody, 'Mailgun body');
  const data = objectField(body, 'event-data');
  if (!data) throw new MalformedPayloadError("Mailgun body has no 'event-data' object");

  const event = requireString(data, 'event', 'Mailgun event-data');
  const recipient = requireString(data, 'recipient', 'Mailgun event-data');
  const severityText = stringField(data, 'severity');
  const reason = stringField(data, 'reason');
  const id = stringField(data, 'id');
  const timestampText = textField(data, 'timestamp');
  const status = objectField(data, 'delivery-status') ?? {};
  const headers = objectField(objectField(data, 'message') ?? {}, 'headers') ?? {};
  const variables = objectField(data, 'user-variables') ?? {};

  const { kind, severity, dropReason } = classify(event, severityText, reason, numberField(status, 'retry-seconds'));
  const rawType = [event, event === 'failed' ? severityText : undefined, reason].filter((part) => part).join('/');
  const rawCode =
    nonEmpty(textField(status, 'enhanced-code')) ?? nonEmpty(textField(status, 'bounce-code')) ?? nonEmpty(textField(status, 'code'));
  const rawText = nonEmpty(stringField(status, 'message')?.trim()) ?? nonEmpty(stringField(status, 'description')?.trim());
  const providerMessageId = stripAngleBrackets(stringField(headers, 'message-id'));
  const time = eventTime(secondsToEpochMs(numberField(data, 'timestamp')), data.timestamp, ctx.now);

  const eventKey = id
    ? `mailgun:${id}:${timestampText ?? ''}`
    : `mailgun:derived:${derivedKey([event, recipient, providerMessageId, timestampText, severityText, reason])}`;

  const normalized: NormalizedEvent = {
    provider: 'mailgun',
    channel: 'email',
    kind,
    address: recipient,
    providerMessageId,
    // `user-variables` hold the API's `v:` fields and the SMTP relay's X-Mailgun-Variables alike.
    ...correlationOr(
      { correlationId: correlationIdValue(variables[CORRELATION_VARIABLE]), attempt: parseAttempt(variables[ATTEMPT_VARIABLE]) },
      providerMessageId,
    ),
    eventKey,
    occurredAt: time.occurredAt,
    rawType,
    rawCode,
    rawText: withNote(rawText, time.note),
    severity,
  };
  if (dropReason) normalized.dropReason = dropReason;
  return { events: [normalized] };
}
