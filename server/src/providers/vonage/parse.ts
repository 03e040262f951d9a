import { normalizePhone } from '../../core/addresses';
import {
  smsFailureKind,
  smsFailureSeverity,
  type EventKind,
  type NormalizedEvent,
  type Severity,
  type SmsCodeMeaning,
} from '../../core/events';
import { MalformedPayloadError, nonEmpty, parseCorrelationRef, parseEpochSeconds, secondsToEpochMs } from '../shared';
import type { ParseContext, ParseResult, WebhookRequest } from '../types';
import { vonageCodeMeaning, vonageErrorText } from './error-codes';
import { vonageParams } from './params';

/**
 * Vonage SMS API delivery receipts (one per message part). The plugin sends its correlation
 * reference as `client-ref`: `<id>.<attempt>` or `<id>`.
 */

const ACCEPTED = new Set(['accepted', 'buffered']);
const FAILED = new Set(['failed', 'rejected', 'expired', 'unknown']);

function required(params: Map<string, string>, name: string): string {
  const value = params.get(name)?.trim();
  if (!value) throw new MalformedPayloadError(`Vonage delivery receipt has no '${name}' parameter`);
  return value;
}

/** `message-timestamp` is `YYYY-MM-DD HH:MM:SS` in UTC. */
function messageTimestamp(value: string | undefined): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? null : ms;
}

function failureMeaning(status: string, errCode: string | null, overrides?: Record<string, SmsCodeMeaning>): SmsCodeMeaning {
  if (errCode === null) return status === 'expired' ? 'transient' : 'message';
  return vonageCodeMeaning(errCode, overrides);
}

export function parseVonage(req: WebhookRequest, ctx: ParseContext): ParseResult {
  const params = vonageParams(req);
  const msisdn = required(params, 'msisdn');
  const messageId = required(params, 'messageId');
  const status = required(params, 'status').toLowerCase();
  const errCodeGiven = nonEmpty(params.get('err-code')?.trim());
  // `0` means "no error"; on a failure status it carries no meaning.
  const errCode = errCodeGiven === '0' ? null : errCodeGiven;

  let kind: EventKind = 'ignored';
  let severity: Severity | null = null;
  if (status === 'delivered') kind = 'delivered';
  else if (ACCEPTED.has(status)) kind = 'accepted';
  else if (FAILED.has(status)) {
    const meaning = failureMeaning(status, errCode, ctx.settings.vonage.errorCodes);
    kind = smsFailureKind(meaning);
    severity = smsFailureSeverity(meaning);
  }

  const signedSeconds = parseEpochSeconds(params.get('timestamp'));
  const event: NormalizedEvent = {
    provider: 'vonage',
    channel: 'sms',
    kind,
    // Vonage writes the number as bare international digits (447700900123): E.164 here, because
    // elsewhere digits without a + are a national number of the site's country, or refused.
    address: normalizePhone(msisdn, { bareDigitsInternational: true }) ?? msisdn,
    providerMessageId: messageId,
    ...parseCorrelationRef(params.get('client-ref')),
    eventKey: `vonage:${messageId}:${status}:${errCodeGiven ?? ''}`,
    occurredAt: messageTimestamp(params.get('message-timestamp')) ?? secondsToEpochMs(signedSeconds ?? undefined) ?? ctx.now,
    rawType: status,
    rawCode: errCodeGiven,
    rawText: vonageErrorText(errCodeGiven),
    severity,
  };
  return { events: [event] };
}
