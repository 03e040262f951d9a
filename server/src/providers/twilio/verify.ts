import { createHmac } from 'crypto';
import { accepted, constantTimeEqual, headerValue, notConfigured, refused } from '../shared';
import type { VerifyContext, VerifyResult, WebhookRequest } from '../types';

/**
 * Twilio request validation: `X-Twilio-Signature = base64(HMAC-SHA1(auth token, url + params))`,
 * where `params` is every POSTed form field sorted by name, each appended as `name + value`
 * (a repeated name: its distinct values, sorted, each appended with the name), as twilio-node does.
 * Twilio is inconsistent about the default port in the URL it signs, so both forms are accepted.
 */

export const SIGNATURE_HEADER = 'x-twilio-signature';

/** Form fields by name, every value kept in order of arrival. */
export function twilioFormParams(rawBody: Buffer): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}

export function twilioSignature(authToken: string, url: string, params: Map<string, string[]>): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    for (const value of [...new Set(params.get(name))].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The URL as given, plus the same URL with the default port added (if absent) or removed (if present). */
export function twilioUrlVariants(url: string): string[] {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : scheme.toLowerCase() === 'http' ? '80' : null;
  if (!defaultPort) return [url];
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1));
  if (!hostPort) return [url];
  const [, host, port] = hostPort;
  if (port === undefined || port === '') return [url, `${scheme}://${userinfo}${host}:${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${scheme}://${userinfo}${host}${rest}`];
  return [url];
}

export async function verifyTwilio(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.twilio;
  if (settings.allowUnsigned) return accepted();
  if (!settings.authToken) return notConfigured('Twilio');

  const given = headerValue(req, SIGNATURE_HEADER);
  if (!given) return refused(401, 'missing X-Twilio-Signature header');

  const params = twilioFormParams(req.rawBody);
  let valid = false;
  for (const url of twilioUrlVariants(req.publicUrl)) {
    // Every variant is checked, so timing does not tell which one matched.
    if (constantTimeEqual(twilioSignature(settings.authToken, url, params), given.trim())) valid = true;
  }
  return valid ? accepted() : refused(401, 'Twilio signature does not match');
}
