import { createHmac } from 'crypto';
import {
  accepted,
  constantTimeEqual,
  isJsonObject,
  notConfigured,
  objectField,
  parseEpochSeconds,
  refused,
  staleTimestampRefusal,
  textField,
} from '../shared';
import type { VerifyContext, VerifyResult, WebhookRequest } from '../types';

/**
 * Mailgun webhooks carry `signature: { timestamp, token, signature }` in the JSON body;
 * `signature = hex(HMAC-SHA256(webhook signing key, timestamp + token))`.
 * The token is returned as the replay key: the caller stores it and refuses a second use.
 */

export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
}

export async function verifyMailgun(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.mailgun;
  if (settings.allowUnsigned) return accepted();
  if (!settings.signingKey) return notConfigured('Mailgun');

  let body: unknown;
  try {
    body = JSON.parse(req.rawBody.toString('utf8')) as unknown;
  } catch {
    return refused(400, 'Mailgun body is not valid JSON');
  }
  if (!isJsonObject(body)) return refused(400, 'Mailgun body is not a JSON object');

  const signature = objectField(body, 'signature');
  const timestamp = signature && textField(signature, 'timestamp');
  const token = signature && textField(signature, 'token');
  const given = signature && textField(signature, 'signature');
  if (!timestamp || !token || !given) return refused(401, 'missing Mailgun signature (timestamp, token, signature)');

  const seconds = parseEpochSeconds(timestamp);
  if (seconds === null) return refused(401, 'Mailgun signature timestamp is not a number');
  const stale = staleTimestampRefusal(seconds, ctx);
  if (stale) return stale;

  const expected = mailgunSignature(settings.signingKey, timestamp, token);
  if (!constantTimeEqual(expected, given.trim().toLowerCase())) return refused(401, 'Mailgun signature does not match');
  return accepted(token);
}
