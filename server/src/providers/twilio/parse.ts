import { smsFailureKind, smsFailureSeverity, type EventKind, type NormalizedEvent, type Severity } from '../../core/events';
import { MalformedPayloadError, nonEmpty, parseCorrelationRef } from '../shared';
import type { ParseContext, ParseResult, WebhookRequest } from '../types';
import { twilioCodeMeaning } from './error-codes';

/**
 * Twilio Messaging status callbacks: one form-encoded status per request. Twilio echoes nothing of
 * ours, so the plugin puts its correlation reference in the StatusCallback URL: `?dlv=<id>.<attempt>`.
 */

export const CORRELATION_QUERY_PARAM = 'dlv';

const ACCEPTED = new Set(['queued', 'sending', 'sent', 'accepted', 'scheduled']);
const DELIVERED = new Set(['delivered', 'read']);
const FAILED = new Set(['failed', 'undelivered']);

/** `whatsapp:+1555...` → `+1555...`: the address is the number, whatever the channel prefix. */
function stripChannelPrefix(address: string): string {
  return address.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, '');
}

function required(params: URLSearchParams, names: string[]): string {
  for (const name of names) {
    const value = params.get(name);
    if (value) return value;
  }
  throw new MalformedPayloadError(`Twilio status callback has no '${names[0]}' field`);
}

export function parseTwilio(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const params = new URLSearchParams(req.rawBody.toString('utf8'));
  const messageSid = required(params, ['MessageSid', 'SmsSid']);
  const status = required(params, ['MessageStatus', 'SmsStatus']).trim().toLowerCase();
  const to = required(params, ['To']);
  const errorCode = nonEmpty(params.get('ErrorCode')?.trim());

  let kind: EventKind = 'ignored';
  let severity: Severity | null = null;
  if (DELIVERED.has(status)) kind = 'delivered';
  else if (ACCEPTED.has(status)) kind = 'accepted';
  else if (FAILED.has(status)) {
    const meaning = twilioCodeMeaning(errorCode, ctx.settings.twilio.errorCodes);
    kind = smsFailureKind(meaning);
    severity = smsFailureSeverity(meaning);
  }

  const event: NormalizedEvent = {
    provider: 'twilio',
    channel: 'sms',
    kind,
    address: stripChannelPrefix(to.trim()),
    providerMessageId: messageSid,
    ...parseCorrelationRef(req.query[CORRELATION_QUERY_PARAM]),
    eventKey: `twilio:${messageSid}:${status}:${errorCode ?? ''}`,
    // RawDlrDoneDate has minute precision and no time zone: the receipt time is more honest.
    occurredAt: ctx.now,
    rawType: status,
    rawCode: errorCode,
    rawText: nonEmpty(params.get('ErrorMessage')),
    severity,
  };
  return { events: [event] };
}
