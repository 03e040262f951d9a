import { accepted, constantTimeEqual, headerValue, notConfigured, refused } from '../shared';
import type { VerifyContext, VerifyResult, WebhookRequest } from '../types';

/**
 * Postmark does not sign webhooks. The webhook URL carries HTTP Basic credentials
 * (`https://user:pass@host/...`), which Postmark sends as an `Authorization: Basic` header.
 * Both parts are compared in constant time, and both comparisons always run.
 */

function decodeBasic(header: string): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function verifyPostmark(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.postmark;
  if (settings.allowUnsigned) return accepted();
  if (!settings.user || !settings.password) return notConfigured('Postmark');

  const header = headerValue(req, 'authorization');
  if (!header) return refused(401, 'missing HTTP Basic credentials');
  const given = decodeBasic(header);
  if (!given) return refused(401, 'Authorization header is not HTTP Basic credentials');

  const userMatches = constantTimeEqual(given.user, settings.user);
  const passwordMatches = constantTimeEqual(given.password, settings.password);
  return userMatches && passwordMatches ? accepted() : refused(401, 'HTTP Basic credentials do not match');
}
