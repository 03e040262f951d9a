import * as fs from 'fs';
import * as path from 'path';
import { emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, WebhookRequest } from '../types';
import { postmarkProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/postmark');
const headerFile = fs.readFileSync(path.join(PAYLOADS, 'request_headers.txt'), 'utf8');
const sampleAuthorization = /^Authorization: (.+)$/m.exec(headerFile)?.[1].trim() ?? '';
const body = fs.readFileSync(path.join(PAYLOADS, 'bounce_hard.json'));

function ctx(postmark: ProviderSettings['postmark']): VerifyContext {
  return { settings: { ...emptyProviderSettings(), postmark }, now: Date.now(), maxAgeSeconds: 900, certificateCache: new Map() };
}

function request(authorization: string | undefined): WebhookRequest {
  return { rawBody: body, headers: { 'content-type': 'application/json', authorization }, method: 'POST', publicUrl: 'https://cms.example.com/x', query: {} };
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const creds = { user: 'postmark-hook', password: 's3cr3t-password' };

describe('postmark verify (HTTP Basic)', () => {
  it('accepts the sample Authorization header', async () => {
    expect(sampleAuthorization).toBe('Basic cG9zdG1hcmstaG9vazpzM2NyM3QtcGFzc3dvcmQ=');
    await expect(postmarkProvider.verify(request(sampleAuthorization), ctx(creds))).resolves.toEqual({ ok: true });
  });

  it('accepts a lower-case scheme and a password containing a colon', async () => {
    await expect(postmarkProvider.verify(request(`basic ${Buffer.from('u:p:q').toString('base64')}`), ctx({ user: 'u', password: 'p:q' }))).resolves.toEqual({ ok: true });
  });

  it('refuses a password or user changed by one character', async () => {
    for (const credentials of ['postmark-hook:s3cr3t-passwore', 'postmark-hooj:s3cr3t-password', 'postmark-hook:s3cr3t-passwor', 'postmark-hook:s3cr3t-password ']) {
      const result = await postmarkProvider.verify(request(basic(credentials)), ctx(creds));
      expect(result).toEqual({ ok: false, status: 401, reason: 'HTTP Basic credentials do not match' });
    }
  });

  it('refuses the sample header against other configured credentials', async () => {
    await expect(postmarkProvider.verify(request(sampleAuthorization), ctx({ user: 'postmark-hook', password: 'other' }))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses missing or non-Basic credentials', async () => {
    await expect(postmarkProvider.verify(request(undefined), ctx(creds))).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(postmarkProvider.verify(request('Bearer abc'), ctx(creds))).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(postmarkProvider.verify(request(basic('no-colon-here')), ctx(creds))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('never echoes the configured password', async () => {
    const result = await postmarkProvider.verify(request(basic('x:y')), ctx(creds));
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it('is configured only with both user and password; refuses otherwise; allowUnsigned skips', async () => {
    expect(postmarkProvider.isConfigured({ ...emptyProviderSettings(), postmark: { user: 'u' } })).toBe(false);
    expect(postmarkProvider.isConfigured({ ...emptyProviderSettings(), postmark: creds })).toBe(true);
    await expect(postmarkProvider.verify(request(sampleAuthorization), ctx({ password: 's3cr3t-password' }))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(postmarkProvider.verify(request(undefined), ctx({ allowUnsigned: true }))).resolves.toEqual({ ok: true });
  });
});
