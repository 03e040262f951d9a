import { MalformedPayloadError, isJsonObject } from '../shared';
import type { WebhookRequest } from '../types';

/**
 * Vonage sends a delivery receipt as a GET query string, a POST form or a POST JSON body,
 * depending on the account's webhook method. Returns the parameters as received (first value wins).
 */
export function vonageParams(req: WebhookRequest): Map<string, string> {
  const params = new Map<string, string>();
  const text = req.rawBody.toString('utf8').trim();

  if (req.method.toUpperCase() === 'GET' || text === '') {
    for (const [name, value] of Object.entries(req.query)) params.set(name, value);
    return params;
  }

  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.includes('json') || (!contentType.includes('form') && text.startsWith('{'))) {
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new MalformedPayloadError('Vonage body is not valid JSON');
    }
    if (!isJsonObject(body)) throw new MalformedPayloadError('Vonage body is not a JSON object');
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'string') params.set(name, value);
      else if (typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
      else if (value === null) params.set(name, '');
      else throw new MalformedPayloadError(`Vonage parameter '${name}' is not a plain value`);
    }
    return params;
  }

  for (const [name, value] of new URLSearchParams(text)) {
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}
