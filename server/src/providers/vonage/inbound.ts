import { MalformedPayloadError } from '../shared';
import type { InboundSms } from '../inbound';
import type { WebhookRequest } from '../types';
import { vonageParams } from './params';

/**
 * Vonage SMS API inbound message: `msisdn` (the sender), `to`, `messageId`, `text` and
 * `message-timestamp` (UTC, `YYYY-MM-DD HH:MM:SS`), by GET, form or JSON, signed like a
 * delivery receipt (`sig`).
 */
export function parseVonageInbound(req: WebhookRequest, now: number): InboundSms {
  const params = vonageParams(req);
  const messageId = params.get('messageId');
  const from = params.get('msisdn');
  if (!messageId || !from) throw new MalformedPayloadError('Vonage inbound message has no messageId or msisdn');
  const stamp = params.get('message-timestamp');
  const at = stamp ? Date.parse(`${stamp.replace(' ', 'T')}Z`) : NaN;
  // `msisdn` is always international, without the `+`.
  return { provider: 'vonage', from: /^\d+$/.test(from) ? `+${from}` : from, to: params.get('to') ?? null, text: params.get('text') ?? '', messageId, receivedAt: Number.isNaN(at) ? now : at };
}
