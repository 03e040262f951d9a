/** Builds and signs Twilio status callbacks, for the sandbox transport and for tests. */
import { SIGNATURE_HEADER, twilioSignature } from './verify';

export interface SimulatedSmsStatus {
  messageSid: string;
  to: string;
  status: 'sent' | 'delivered' | 'undelivered' | 'failed';
  errorCode?: string;
}

export function twilioStatusRequest(
  event: SimulatedSmsStatus,
  url: string,
  authToken: string,
): { body: string; headers: Record<string, string> } {
  const fields: [string, string][] = [
    ['MessageSid', event.messageSid],
    ['SmsSid', event.messageSid],
    ['MessageStatus', event.status],
    ['SmsStatus', event.status],
    ['To', event.to],
    ['From', '+15005550006'],
    ['AccountSid', 'ACsandbox'],
    ['ApiVersion', '2010-04-01'],
  ];
  if (event.errorCode) fields.push(['ErrorCode', event.errorCode]);
  const params = new Map(fields.map(([k, v]) => [k, [v]]));
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { [SIGNATURE_HEADER]: twilioSignature(authToken, url, params), 'content-type': 'application/x-www-form-urlencoded' },
  };
}
