/**
 * The set-up every webhook test file shares: one Strapi for the file, a clean database before each
 * test, the "refused, and nothing written" expectation, and a request signed as its provider
 * signs it, for any provider.
 */
import type { Core } from '@strapi/strapi';
import { startApp, type TestApp, type TestAppOptions } from './app';
import {
  basicAuth,
  mailgunSigned,
  postWebhook,
  resetData,
  sendgridHeaders,
  snapshot,
  snsHeaders,
  snsNotification,
  twilioHeaders,
  vonageSigned,
  type Json,
  type JsonObject,
} from './webhooks';

export type SignedProvider = 'sendgrid' | 'mailgun' | 'postmark' | 'ses' | 'twilio' | 'vonage';

/** What signing needs besides the payload; each provider reads what concerns it (the test vectors' keys by default). */
export interface SignOptions {
  /** Seconds (SendGrid, Mailgun, Vonage) or an ISO time (SES); now by default. */
  timestamp?: number | string;
  /** SendGrid's ECDSA or SNS's RSA private key, PEM. */
  keyPem?: string;
  /** Mailgun's signing key, Twilio's auth token, Vonage's signature secret. */
  secret?: string;
  /** Postmark's Basic credentials (required for Postmark). */
  credentials?: { user: string; password: string };
  /** Twilio: the public URL of the webhook (required for Twilio: it signs the URL it calls). */
  publicUrl?: string;
  /** A query string for the webhook path, `?tenant=acme` (Twilio signs it too). */
  query?: string;
}

export interface SignedRequest {
  /** The webhook path under /api/deliverability/webhooks, query included. */
  path: string;
  body: string;
  headers: Record<string, string>;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const text = (payload: string | Json): string => (typeof payload === 'string' ? payload : JSON.stringify(payload));

/**
 * A request as the provider sends it. The payload is the provider's body: SendGrid's and Postmark's
 * JSON (text or value), Mailgun's event object (its signature block is added), the SES message that
 * SNS wraps in a signed envelope, Twilio's form text, Vonage's parameters (their `sig` is added).
 */
export function signedRequest(provider: SignedProvider, payload: string | Json, options: SignOptions = {}): SignedRequest {
  const path = `${provider}${options.query ?? ''}`;
  switch (provider) {
    case 'sendgrid': {
      const body = text(payload);
      return { path, body, headers: sendgridHeaders(body, { timestamp: options.timestamp, privateKeyPem: options.keyPem }) };
    }
    case 'mailgun':
      return { path, body: JSON.stringify(mailgunSigned(payload as JsonObject, { key: options.secret, timestamp: options.timestamp })), headers: JSON_TYPE };
    case 'postmark': {
      if (!options.credentials) throw new Error('A Postmark request needs its credentials.');
      return { path, body: text(payload), headers: { ...JSON_TYPE, Authorization: basicAuth(options.credentials.user, options.credentials.password) } };
    }
    case 'ses': {
      const timestamp = typeof options.timestamp === 'number' ? new Date(options.timestamp * 1000).toISOString() : options.timestamp;
      const envelope = snsNotification(payload, { keyPem: options.keyPem, timestamp });
      return { path, body: JSON.stringify(envelope), headers: snsHeaders(envelope) };
    }
    case 'twilio': {
      if (!options.publicUrl || !options.secret) throw new Error('A Twilio request needs the public URL and the auth token.');
      const body = text(payload);
      return { path, body, headers: twilioHeaders(options.secret, `${options.publicUrl}${options.query ?? ''}`, body) };
    }
    case 'vonage':
      return {
        path,
        body: JSON.stringify(vonageSigned(payload as Record<string, string>, { secret: options.secret, timestamp: options.timestamp })),
        headers: JSON_TYPE,
      };
  }
}

export type Answer = { status: number; body: { ok: boolean; error?: string } };

export interface WebhookSuite {
  /** The file's Strapi (started in beforeAll). */
  readonly app: TestApp;
  readonly strapi: Core.Strapi;
  /** Posts a request, signed or not. */
  send(request: SignedRequest): ReturnType<typeof postWebhook>;
  /** The request is refused with this status and error, and writes nothing at all. */
  expectRefused(send: () => Promise<Answer>, status: number, error: RegExp): Promise<void>;
}

/**
 * Starts one Strapi for the calling file (or `describe`) with this configuration, stops it after,
 * and empties the plugin's tables before each test. `started` runs once the app is up.
 */
export function webhookSuite(name: string, options: TestAppOptions, started?: (app: TestApp) => Promise<void>): WebhookSuite {
  let app: TestApp | undefined;
  const running = (): TestApp => {
    if (!app) throw new Error(`${name}: the app is not started (use it inside a test or hook).`);
    return app;
  };

  beforeAll(async () => {
    app = await startApp(name, options);
    await started?.(app);
  });
  afterAll(async () => {
    await app?.stop();
  });
  beforeEach(async () => {
    await resetData(running().strapi);
  });

  return {
    get app() {
      return running();
    },
    get strapi() {
      return running().strapi;
    },
    send: (request) => postWebhook(running(), request.path, request.body, request.headers),
    async expectRefused(send, status, error) {
      const before = await snapshot(running().strapi);
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.body.ok).toBe(false);
      expect(response.body.error).toMatch(error);
      expect(await snapshot(running().strapi)).toEqual(before);
    },
  };
}
