import type { SmsCodeMeaning } from '../../core/events';
import { lookupCode, mergeCodeTable } from '../shared';

/**
 * What a Twilio `ErrorCode` on a `failed`/`undelivered` status callback means for the number.
 * Sites override or extend it with `providers.twilio.errorCodes`. Codes not listed mean `message`
 * (the message failed; the number is left alone). Twilio warns that its codes change: keep this data.
 */
export const DEFAULT_TWILIO_ERROR_CODES: Readonly<Record<string, SmsCodeMeaning>> = Object.freeze({
  // The number is invalid, not mobile, a landline, or unknown to the carrier.
  '21211': 'permanent',
  '21614': 'permanent',
  '21635': 'permanent',
  '30005': 'permanent',
  '30006': 'permanent',
  // The recipient replied STOP.
  '21610': 'opt_out',
  // Handset unreachable / unknown error: worth another try later.
  '30003': 'transient',
  '30008': 'transient',
  // Sender, account or content problems: not the number's fault.
  '30001': 'message',
  '30002': 'message',
  '30007': 'message',
  '30034': 'message',
  '30450': 'message',
  '30500': 'message',
});

export function twilioErrorCodeTable(overrides?: Record<string, SmsCodeMeaning>): Record<string, SmsCodeMeaning> {
  return mergeCodeTable(DEFAULT_TWILIO_ERROR_CODES, overrides);
}

/** The meaning of a failure code; unknown or missing codes mean `message`. */
export function twilioCodeMeaning(code: string | null, overrides?: Record<string, SmsCodeMeaning>): SmsCodeMeaning {
  if (!code) return 'message';
  return lookupCode(twilioErrorCodeTable(overrides), code) ?? 'message';
}
