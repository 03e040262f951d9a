import { createHash, createHmac } from 'crypto';
import {
  MalformedPayloadError,
  accepted,
  constantTimeEqual,
  notConfigured,
  parseEpochSeconds,
  refused,
  staleTimestampRefusal,
} from '../shared';
import type { VerifyContext, VerifyResult, VonageSignatureMethod, WebhookRequest } from '../types';
import { vonageParams } from './params';

/**
 * Vonage SMS API signed webhooks: `sig` is computed over every other parameter (including the
 * signed `timestamp` and `nonce`): values with `&` and `=` replaced by `_`, sorted by name, joined
 * as `&name=value` pairs. `md5hash` = hex(MD5(string + secret)); the other methods are
 * hex(HMAC-<alg>(secret, string)). Compared case-insensitively.
 */

export const SIGNATURE_PARAM = 'sig';

export function vonageStringToSign(params: Map<string, string>): string {
  return [...params.keys()]
    .filter((name) => name !== SIGNATURE_PARAM)
    .sort()
    .map((name) => `&${name}=${(params.get(name) ?? '').replace(/[&=]/g, '_')}`)
    .join('');
}

export function vonageSignature(params: Map<string, string>, secret: string, method: VonageSignatureMethod): string {
  const text = vonageStringToSign(params);
  if (method === 'md5hash') return createHash('md5').update(text + secret, 'utf8').digest('hex');
  return createHmac(method, secret).update(text, 'utf8').digest('hex');
}

const METHODS: ReadonlySet<string> = new Set(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']);

export async function verifyVonage(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.vonage;
  if (settings.allowUnsigned) return accepted();
  if (!settings.signatureSecret) return notConfigured('Vonage');
  const method = settings.signatureMethod ?? 'md5hash';
  if (!METHODS.has(method)) return refused(403, 'Vonage signature method is not supported');

  let params: Map<string, string>;
  try {
    params = vonageParams(req);
  } catch (error) {
    if (error instanceof MalformedPayloadError) return refused(400, error.message);
    throw error;
  }

  const given = params.get(SIGNATURE_PARAM);
  if (!given) return refused(401, "missing Vonage 'sig' parameter");
  const seconds = parseEpochSeconds(params.get('timestamp'));
  if (seconds === null) return refused(401, "missing or invalid signed Vonage 'timestamp' parameter");
  const stale = staleTimestampRefusal(seconds, ctx);
  if (stale) return stale;

  const expected = vonageSignature(params, settings.signatureSecret, method);
  return constantTimeEqual(expected, given.trim().toLowerCase()) ? accepted() : refused(401, 'Vonage signature does not match');
}
