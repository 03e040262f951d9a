/**
 * Builds and signs SendGrid Event Webhook requests, for the sandbox transport (which reports
 * through the real, signed webhook path) and for tests. Only this module knows SendGrid's fields.
 */
import { createPrivateKey, randomUUID, sign } from 'crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify';

export interface SimulatedEmailEvent {
  kind: 'processed' | 'delivered' | 'deferred' | 'bounce' | 'blocked' | 'dropped' | 'spamreport' | 'unsubscribe';
  email: string;
  messageId: string;
  logDocumentId: string;
  attempt: number;
  at: number;
  /** SMTP reply, e.g. `550 5.1.1 The email account does not exist`. */
  response?: string;
}

export function sendgridEventBody(events: SimulatedEmailEvent[]): string {
  const objects = events.map((event) => {
    const [status] = /\d\.\d{1,3}\.\d{1,3}/.exec(event.response ?? '') ?? [undefined];
    const base = {
      email: event.email,
      timestamp: Math.floor(event.at / 1000),
      sg_event_id: randomUUID(),
      sg_message_id: `${event.messageId}.filter0001.sandbox`,
      deliverability_id: event.logDocumentId,
      deliverability_attempt: String(event.attempt),
    };
    switch (event.kind) {
      case 'bounce':
      case 'blocked':
        return { ...base, event: 'bounce', type: event.kind, status, reason: event.response, bounce_classification: event.kind === 'bounce' ? 'Invalid Address' : 'Mailbox Unavailable' };
      case 'deferred':
        return { ...base, event: 'deferred', response: event.response, attempt: '1' };
      case 'delivered':
        return { ...base, event: 'delivered', response: event.response ?? '250 OK' };
      default:
        return { ...base, event: event.kind };
    }
  });
  return JSON.stringify(objects);
}

/** Headers for a body signed with a P-256 private key (PEM, or base64 DER PKCS#8). */
export function signSendgridBody(body: string, privateKey: string, at: number): Record<string, string> {
  const key = privateKey.includes('BEGIN')
    ? createPrivateKey(privateKey)
    : createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  const timestamp = String(Math.floor(at / 1000));
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key, dsaEncoding: 'der' });
  return { [SIGNATURE_HEADER]: signature.toString('base64'), [TIMESTAMP_HEADER]: timestamp, 'content-type': 'application/json' };
}
