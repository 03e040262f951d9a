import { createPublicKey, verify as verifySignature, type KeyObject } from 'crypto';
import {
  accepted,
  headerValue,
  notConfigured,
  parseEpochSeconds,
  refused,
  staleTimestampRefusal,
} from '../shared';
import type { VerifyContext, VerifyResult, WebhookRequest } from '../types';

/**
 * SendGrid Signed Event Webhook: ECDSA P-256 / SHA-256 over the timestamp header followed by the
 * raw body bytes; DER signature, base64. The verification key is base64 DER SubjectPublicKeyInfo
 * (a PEM `-----BEGIN PUBLIC KEY-----` block is accepted too).
 */

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

export function loadSendgridPublicKey(publicKey: string): KeyObject | null {
  try {
    const trimmed = publicKey.trim();
    if (trimmed.includes('-----BEGIN')) return createPublicKey({ key: trimmed, format: 'pem' });
    return createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

export async function verifySendgrid(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.sendgrid;
  if (settings.allowUnsigned) return accepted();
  if (!settings.publicKey) return notConfigured('SendGrid');

  const signature = headerValue(req, SIGNATURE_HEADER);
  const timestamp = headerValue(req, TIMESTAMP_HEADER);
  if (!signature || !timestamp) return refused(401, 'missing SendGrid signature or timestamp header');

  const seconds = parseEpochSeconds(timestamp);
  if (seconds === null) return refused(401, 'SendGrid timestamp header is not a number');
  const stale = staleTimestampRefusal(seconds, ctx);
  if (stale) return stale;

  const key = loadSendgridPublicKey(settings.publicKey);
  if (!key) return refused(401, 'the configured SendGrid verification key could not be read');

  let valid = false;
  try {
    valid = verifySignature(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), req.rawBody]),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  return valid ? accepted() : refused(401, 'SendGrid signature does not match');
}
