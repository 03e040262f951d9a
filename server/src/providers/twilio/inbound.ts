import { MalformedPayloadError } from '../shared';
import type { InboundSms } from '../inbound';
import type { WebhookRequest } from '../types';
import { twilioFormParams } from './verify';

/**
 * Twilio's incoming-message webhook: a form with `MessageSid`, `From`, `To` and `Body`, signed like
 * a status callback (X-Twilio-Signature over the URL and every field).
 */
export function parseTwilioInbound(req: WebhookRequest, now: number): InboundSms {
  const params = twilioFormParams(req.rawBody);
  const field = (name: string): string | undefined => params.get(name)?.[0];
  const messageId = field('MessageSid') ?? field('SmsSid');
  const from = field('From');
  if (!messageId || !from) throw new MalformedPayloadError('Twilio incoming message has no MessageSid or From');
  return { provider: 'twilio', from, to: field('To') ?? null, text: field('Body') ?? '', messageId, receivedAt: now };
}
