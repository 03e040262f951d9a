import type { SmsCodeMeaning } from '../../core/events';
import { lookupCode, mergeCodeTable } from '../shared';

/**
 * What a Vonage SMS delivery receipt `err-code` means for the number (Vonage support article
 * "SMS Delivery Error Codes"). Sites override or extend it with `providers.vonage.errorCodes`.
 * Codes not listed mean `message` (the number is left alone).
 */
export const DEFAULT_VONAGE_ERROR_CODES: Readonly<Record<string, SmsCodeMeaning>> = Object.freeze({
  '1': 'message', // Unknown
  '2': 'transient', // Absent Subscriber - Temporary
  '3': 'permanent', // Absent Subscriber - Permanent
  '4': 'permanent', // Call Barred by User
  '5': 'message', // Portability Error
  '6': 'message', // Anti-Spam Rejection
  '7': 'transient', // Handset Busy
  '8': 'transient', // Network Error
  '9': 'opt_out', // Illegal Number: the user asked not to receive messages from this service
  '10': 'message', // Illegal Message
  '11': 'message', // Unroutable
  '12': 'permanent', // Destination Unreachable
  '13': 'message', // Subscriber Age Restriction
  '14': 'message', // Number Blocked by Carrier
  '99': 'message', // General Error
});

/** Vonage's documented wording for each code, shown with the event (the receipt itself carries only the number). */
export const VONAGE_ERROR_TEXT: Readonly<Record<string, string>> = Object.freeze({
  '0': 'Delivered',
  '1': 'Unknown',
  '2': 'Absent Subscriber - Temporary',
  '3': 'Absent Subscriber - Permanent',
  '4': 'Call Barred by User',
  '5': 'Portability Error',
  '6': 'Anti-Spam Rejection',
  '7': 'Handset Busy',
  '8': 'Network Error',
  '9': 'Illegal Number',
  '10': 'Illegal Message',
  '11': 'Unroutable',
  '12': 'Destination Unreachable',
  '13': 'Subscriber Age Restriction',
  '14': 'Number Blocked by Carrier',
  '99': 'General Error',
});

export function vonageErrorCodeTable(overrides?: Record<string, SmsCodeMeaning>): Record<string, SmsCodeMeaning> {
  return mergeCodeTable(DEFAULT_VONAGE_ERROR_CODES, overrides);
}

export function vonageCodeMeaning(code: string, overrides?: Record<string, SmsCodeMeaning>): SmsCodeMeaning {
  return lookupCode(vonageErrorCodeTable(overrides), code) ?? 'message';
}

export function vonageErrorText(code: string | null): string | null {
  if (code === null || !Object.prototype.hasOwnProperty.call(VONAGE_ERROR_TEXT, code)) return null;
  return VONAGE_ERROR_TEXT[code];
}
