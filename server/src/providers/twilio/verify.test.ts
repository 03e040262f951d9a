import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, WebhookRequest } from '../types';
import { twilioProvider } from './index';
import { twilioUrlVariants } from './verify';

const SHARED = path.resolve(__dirname, '../../../../../shared/providers');
interface TwilioVector {
  authToken: string;
  url: string;
  formBody: string;
  stringToSign: string;
  expectedSignature: string;
  sameRequestIfTwilioSignedWithExplicitPort443: { url: string; expectedSignature: string };
}
const vector = JSON.parse(fs.readFileSync(path.join(SHARED, 'vectors/twilio_own_vector.json'), 'utf8')) as TwilioVector;
const port443 = vector.sameRequestIfTwilioSignedWithExplicitPort443;

/** Splits a raw HTTP request sample into lower-cased headers and body. */
function readHttp(name: string): { headers: Record<string, string>; body: string; target: string } {
  const text = fs.readFileSync(path.join(SHARED, 'payloads/twilio', name), 'utf8').replace(/\r\n/g, '\n');
  const [head, ...rest] = text.split('\n\n');
  const [requestLine, ...headerLines] = head.split('\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: rest.join('\n\n').trim(), target: requestLine.split(' ')[1] };
}

const signed = readHttp('undelivered_30005_signed.txt');

function ctx(twilio: ProviderSettings['twilio']): VerifyContext {
  return { settings: { ...emptyProviderSettings(), twilio }, now: Date.now(), maxAgeSeconds: 900, certificateCache: new Map() };
}

function request(publicUrl: string, body: string, signature: string | undefined): WebhookRequest {
  return {
    rawBody: Buffer.from(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    method: 'POST',
    publicUrl,
    query: {},
  };
}

const token = { authToken: vector.authToken };
const hmac = (data: string, key = vector.authToken) => createHmac('sha1', key).update(data).digest('base64');

describe('twilio verify', () => {
  it('the sample request is the vector request', () => {
    expect(signed.body).toBe(vector.formBody);
    expect(signed.headers['x-twilio-signature']).toBe(vector.expectedSignature);
    expect(`https://${signed.headers.host}${signed.target}`).toBe(vector.url);
    expect(hmac(vector.stringToSign)).toBe(vector.expectedSignature);
  });

  it('accepts the signed vector', async () => {
    await expect(twilioProvider.verify(request(vector.url, signed.body, vector.expectedSignature), ctx(token))).resolves.toEqual({ ok: true });
  });

  it('accepts a signature over the URL with :443 when the public URL has no port, and the reverse', async () => {
    await expect(twilioProvider.verify(request(vector.url, signed.body, port443.expectedSignature), ctx(token))).resolves.toEqual({ ok: true });
    await expect(twilioProvider.verify(request(port443.url, signed.body, vector.expectedSignature), ctx(token))).resolves.toEqual({ ok: true });
    await expect(twilioProvider.verify(request(port443.url, signed.body, port443.expectedSignature), ctx(token))).resolves.toEqual({ ok: true });
  });

  it('does not accept a signature made for another port', async () => {
    const url8443 = vector.url.replace('cms.example.com', 'cms.example.com:8443');
    await expect(twilioProvider.verify(request(url8443, signed.body, vector.expectedSignature), ctx(token))).resolves.toMatchObject({ ok: false });
  });

  it('builds URL variants for the default ports only', () => {
    expect(twilioUrlVariants('https://a.example/x?y=1')).toEqual(['https://a.example/x?y=1', 'https://a.example:443/x?y=1']);
    expect(twilioUrlVariants('http://a.example:80/x')).toEqual(['http://a.example:80/x', 'http://a.example/x']);
    expect(twilioUrlVariants('https://u:p@a.example/x')).toEqual(['https://u:p@a.example/x', 'https://u:p@a.example:443/x']);
    expect(twilioUrlVariants('https://a.example:8443/x')).toEqual(['https://a.example:8443/x']);
    expect(twilioUrlVariants('https://[::1]/x')).toEqual(['https://[::1]/x', 'https://[::1]:443/x']);
  });

  it('refuses the body changed by one byte', async () => {
    const tampered = signed.body.replace('ErrorCode=30005', 'ErrorCode=30006');
    const result = await twilioProvider.verify(request(vector.url, tampered, vector.expectedSignature), ctx(token));
    expect(result).toEqual({ ok: false, status: 401, reason: 'Twilio signature does not match' });
  });

  it('refuses a different query string (the URL is signed)', async () => {
    await expect(twilioProvider.verify(request(vector.url.replace('acme', 'acmf'), signed.body, vector.expectedSignature), ctx(token))).resolves.toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('refuses a dropped parameter (every received field is signed)', async () => {
    const fewer = signed.body.replace('&RawDlrDoneDate=2510091432', '');
    await expect(twilioProvider.verify(request(vector.url, fewer, vector.expectedSignature), ctx(token))).resolves.toMatchObject({ ok: false });
  });

  it('refuses a wrong auth token', async () => {
    await expect(twilioProvider.verify(request(vector.url, signed.body, vector.expectedSignature), ctx({ authToken: 'f0e1d2c3b4a5968778695a4b3c2d1e0e' }))).resolves.toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('refuses a missing signature header', async () => {
    await expect(twilioProvider.verify(request(vector.url, signed.body, undefined), ctx(token))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('handles repeated parameters as twilio-node does (distinct values, sorted, each with its name)', async () => {
    const url = 'https://cms.example.com/hook';
    const body = 'b=x&a=2&a=1&a=2';
    const expected = hmac(`${url}a1a2bx`);
    await expect(twilioProvider.verify(request(url, body, expected), ctx(token))).resolves.toEqual({ ok: true });
    const naive = hmac(`${url}a2a1a2bx`);
    await expect(twilioProvider.verify(request(url, body, naive), ctx(token))).resolves.toMatchObject({ ok: false });
  });

  it('decodes form values before signing (+ is a space, %2B a plus)', async () => {
    const url = 'https://cms.example.com/hook';
    const body = 'Body=hello+world&To=%2B15005550123';
    await expect(twilioProvider.verify(request(url, body, hmac(`${url}Bodyhello worldTo+15005550123`)), ctx(token))).resolves.toEqual({ ok: true });
  });

  it('refuses when not configured; allowUnsigned skips verification', async () => {
    expect(twilioProvider.isConfigured(emptyProviderSettings())).toBe(false);
    expect(twilioProvider.isConfigured({ ...emptyProviderSettings(), twilio: token })).toBe(true);
    await expect(twilioProvider.verify(request(vector.url, signed.body, vector.expectedSignature), ctx({}))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(twilioProvider.verify(request(vector.url, signed.body, undefined), ctx({ allowUnsigned: true }))).resolves.toEqual({ ok: true });
  });
});
