import type { Channel, NormalizedEvent, SmsCodeMeaning } from '../core/events';

/**
 * The contract between the webhook controller and the provider modules. Each provider module turns
 * its own wire format into `NormalizedEvent`s; nothing outside a provider's folder knows its field names.
 */

export const WEBHOOK_PROVIDER_NAMES = ['sendgrid', 'mailgun', 'postmark', 'ses', 'twilio', 'vonage'] as const;
export type WebhookProviderName = (typeof WEBHOOK_PROVIDER_NAMES)[number];

export interface WebhookRequest {
  /** The exact bytes received. */
  rawBody: Buffer;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  /** `POST` in general; Vonage may use `GET`, and then its parameters come from `query`. */
  method: string;
  /** The full public URL the provider called, including the query string (Twilio signs it). */
  publicUrl: string;
  query: Record<string, string>;
}

export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

/** The plugin configuration for all providers; each provider reads its own part. */
export interface ProviderSettings {
  sendgrid: { publicKey?: string; allowUnsigned?: boolean };
  mailgun: { signingKey?: string; allowUnsigned?: boolean };
  postmark: { user?: string; password?: string; allowUnsigned?: boolean };
  ses: {
    topicArns: string[];
    allowUnsigned?: boolean;
    /** Fetches a PEM certificate; defaults to the global `fetch` with a timeout. Only called for URLs that passed the SNS URL check. */
    fetchCertificate?: (url: string) => Promise<string>;
    /**
     * Confirms an SNS subscription by GETting its SubscribeURL; defaults to the global `fetch` with a timeout.
     * Called only after the request passed verification (signature, topic allow-list), with a URL that passed the SNS URL check.
     */
    confirmSubscription?: (url: string) => Promise<void>;
  };
  twilio: { authToken?: string; allowUnsigned?: boolean; errorCodes?: Record<string, SmsCodeMeaning> };
  vonage: {
    signatureSecret?: string;
    signatureMethod?: VonageSignatureMethod;
    allowUnsigned?: boolean;
    errorCodes?: Record<string, SmsCodeMeaning>;
  };
}

export interface VerifyContext {
  settings: ProviderSettings;
  /** Epoch milliseconds. */
  now: number;
  /** Signed timestamps older than this are refused. */
  maxAgeSeconds: number;
  /** SNS signing certificates by URL (PEM text). */
  certificateCache: Map<string, string>;
}

export type VerifyResult = { ok: true; replayKey?: string } | { ok: false; status: 400 | 401 | 403; reason: string };

export interface ParseContext {
  settings: ProviderSettings;
  /** Epoch milliseconds; used when the provider gives no timestamp. */
  now: number;
}

export interface SubscriptionConfirmation {
  topicArn: string;
  /** Checked to be an `https://sns.<region>.amazonaws.com[.cn]/` URL before it is returned. */
  subscribeUrl: string;
}

/** One item of a batch that could not be read as an event; the rest of the batch is still stored. */
export interface UnreadableItem {
  /** Where it was in the body, e.g. `[12]` or `bouncedRecipients[1]`. */
  position: string;
  /** Why it could not be read, naming the field (never its value). */
  reason: string;
  /** Its JSON, cut to `MAX_UNREADABLE_RAW` characters. */
  raw: string;
  /** A hash of its whole JSON: a redelivered batch stores it once. */
  key: string;
}

export interface ParseResult {
  events: NormalizedEvent[];
  /** Items of a batch that could not be read (absent: none). A body that cannot be read at all throws instead. */
  unreadable?: UnreadableItem[];
  subscriptionConfirmation?: SubscriptionConfirmation;
}

export interface WebhookProvider {
  name: WebhookProviderName;
  channel: Channel;
  /**
   * The largest body this provider sends, where that is far below `webhooks.maxBodyBytes`: a larger
   * one is refused (413) before its signature is checked or anything is parsed.
   */
  maxBodyBytes?: number;
  /** Whether its secret (or, for SES, its topic allow-list) is present. */
  isConfigured(settings: ProviderSettings): boolean;
  /**
   * Checks the request's signature or credentials. Never echoes secrets in `reason`.
   * May throw `UpstreamUnavailableError` (SES only, when the signing certificate cannot be fetched): answer 5xx so the sender retries.
   */
  verify(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult>;
  /**
   * Throws `MalformedPayloadError` (answer 400) on a body it cannot read at all; an unreadable item of a batch goes to
   * `unreadable` instead. Unknown event types become kind `ignored`.
   */
  parse(req: WebhookRequest, ctx: ParseContext): ParseResult;
}

/** How an email leaves the site: the provider's HTTP API (its Strapi provider), or its SMTP relay (nodemailer). */
export type EmailPath = 'api' | 'smtp';

/**
 * What a provider's `send.ts` adds to the Email plugin's send options so that the provider echoes
 * the plugin's ids back in its reports: `headers` for the SMTP relay form, `fields` for the API
 * provider's own options. Merged over the plugin's own headers by the transport.
 */
/**
 * A header nodemailer must write as given: it MIME-encodes a long unstructured value
 * (`=?UTF-8?Q?…`), which SendGrid and Mailgun cannot read as the JSON they expect.
 */
export interface PreparedHeader {
  prepared: true;
  value: string;
}

export interface CorrelationFields {
  headers: Record<string, string | PreparedHeader>;
  fields: Record<string, unknown>;
}

export interface CorrelationInput {
  logDocumentId: string;
  attempt: number;
  path: EmailPath;
  /** Amazon SES only: the configuration set that publishes the events (tags come back only through one). */
  sesConfigurationSet: string | null;
}

export interface EmailProviderSend {
  correlationFields(input: CorrelationInput): CorrelationFields;
  /**
   * How its Strapi API provider takes extra headers, when not as a `headers` object (Mailgun's
   * form API wants one `h:<name>` field per header; an object would be sent as a JSON text field).
   */
  apiHeaders?(headers: Record<string, string>): Record<string, unknown>;
  /** True when its Strapi API provider sends no extra headers at all (they are silently lost). */
  apiDropsHeaders?: boolean;
  /** The provider's own message id in what its Strapi provider's `send` resolved with, when it says. */
  sentMessageId(result: unknown): string | null;
}
