/**
 * Sending SMS through Vonage's SMS API (`/sms/json`). Vonage answers 200 with a per-message
 * status; anything but "0" is a refusal, classified below. `client-ref` carries our correlation id,
 * which Vonage echoes in its delivery receipts.
 */
import type { SendFailure, UnconfirmedHandOff } from '../../core/send-failure';
import { failedPost, postToProvider, type ProviderAnswer } from '../send-http';

export interface VonageSendSettings {
  apiKey: string;
  apiSecret: string;
  from: string;
  baseUrl: string;
  timeoutMs: number;
}

export type VonageSendResult = { ok: true; messageId: string } | { ok: false; failure: SendFailure } | { ok: false; unconfirmed: UnconfirmedHandOff };

/** Vonage SMS API submission statuses (developer.vonage.com, "SMS API error codes"). */
export function classifyVonageStatus(status: string, text: string): SendFailure {
  switch (status) {
    case '1': // Throttled
    case '5': // Internal error
      return { kind: 'soft_bounce', severity: 'transient', code: status, text };
    case '7': // Number barred
      return { kind: 'hard_bounce', severity: 'permanent', code: status, text };
    case '2': // Missing parameters
    case '3': // Invalid parameters
    case '4': // Invalid credentials
    case '8': // Partner account barred
    case '9': // Partner quota violation
      return { kind: 'failed', severity: 'permanent', code: status, text: `Configuration error: ${text}` };
    default: // 6 invalid message, 15 invalid sender, 29 non-whitelisted destination...
      return { kind: 'failed', severity: 'permanent', code: status, text };
  }
}

export async function sendVonageSms(
  settings: VonageSendSettings,
  message: { to: string; body: string; clientRef: string; callback: string | null },
): Promise<VonageSendResult> {
  const body: Record<string, string> = {
    api_key: settings.apiKey,
    api_secret: settings.apiSecret,
    from: settings.from,
    to: message.to.replace(/^\+/, ''),
    text: message.body,
    'client-ref': message.clientRef,
  };
  if (message.callback) body.callback = message.callback;
  let response: ProviderAnswer;
  try {
    response = await postToProvider(
      `${settings.baseUrl.replace(/\/+$/, '')}/sms/json`,
      { 'content-type': 'application/json' },
      JSON.stringify(body),
      settings.timeoutMs,
    );
  } catch (error) {
    // A timeout or reset once the request left: Vonage may have the message.
    return failedPost('Vonage', error);
  }
  if (response.status >= 500 || response.status === 429) {
    return { ok: false, failure: { kind: 'soft_bounce', severity: 'transient', code: String(response.status), text: `Vonage answered ${response.status}` } };
  }
  const payload = response.json as { messages?: { status?: string; 'message-id'?: string; 'error-text'?: string }[] };
  const first = payload.messages?.[0];
  if (first?.status === '0' && first['message-id']) return { ok: true, messageId: first['message-id'] };
  return { ok: false, failure: classifyVonageStatus(first?.status ?? 'unknown', first?.['error-text'] ?? `HTTP ${response.status}`) };
}
