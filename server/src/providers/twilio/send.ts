/**
 * Sending SMS through Twilio's REST API (Messages resource), and what its synchronous errors mean.
 * The base URL is configurable so tests can point it at a fake server on 127.0.0.1.
 */
import { smsFailureKind, smsFailureSeverity } from '../../core/events';
import type { SmsCodeMeaning } from '../../core/events';
import type { SendFailure, UnconfirmedHandOff } from '../../core/send-failure';
import { failedPost, postToProvider, type ProviderAnswer } from '../send-http';
import { twilioCodeMeaning } from './error-codes';

export interface TwilioSendSettings {
  accountSid: string;
  authToken: string;
  /** A Twilio number or alphanumeric sender; or use a Messaging Service. */
  from?: string;
  messagingServiceSid?: string;
  baseUrl: string;
  timeoutMs: number;
  errorCodes?: Record<string, SmsCodeMeaning>;
}

export type TwilioSendResult = { ok: true; sid: string } | { ok: false; failure: SendFailure } | { ok: false; unconfirmed: UnconfirmedHandOff };

/** Twilio REST error codes that mean our credentials or account, not the number. */
const ACCOUNT_ERRORS = new Set(['20003', '20404', '21606', '21659', '30002']);

export function classifyTwilioError(status: number, code: string | null, text: string, overrides?: Record<string, SmsCodeMeaning>): SendFailure {
  if (status === 401 || status === 403 || (code && ACCOUNT_ERRORS.has(code))) {
    return { kind: 'failed', severity: 'permanent', code, text: `Configuration error: ${text}` };
  }
  if (status === 429 || status >= 500) return { kind: 'soft_bounce', severity: 'transient', code: code ?? String(status), text };
  const meaning = twilioCodeMeaning(code, overrides);
  return { kind: smsFailureKind(meaning), severity: smsFailureSeverity(meaning), code, text };
}

export async function sendTwilioSms(
  settings: TwilioSendSettings,
  message: { to: string; body: string; statusCallback: string | null },
): Promise<TwilioSendResult> {
  const form = new URLSearchParams({ To: message.to, Body: message.body });
  if (settings.messagingServiceSid) form.set('MessagingServiceSid', settings.messagingServiceSid);
  else if (settings.from) form.set('From', settings.from);
  if (message.statusCallback) form.set('StatusCallback', message.statusCallback);
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  let response: ProviderAnswer;
  try {
    response = await postToProvider(
      url,
      {
        authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      form.toString(),
      settings.timeoutMs,
    );
  } catch (error) {
    // A timeout or reset once the request left: Twilio may have the message.
    return failedPost('Twilio', error);
  }
  const payload = response.json as { sid?: string; code?: number | string; message?: string };
  if (response.ok && payload.sid) return { ok: true, sid: payload.sid };
  const code = payload.code !== undefined ? String(payload.code) : null;
  return { ok: false, failure: classifyTwilioError(response.status, code, payload.message ?? `HTTP ${response.status}`, settings.errorCodes) };
}
