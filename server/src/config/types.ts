import type { MailboxProvidersConfig } from './mailbox-providers';
import type { CountryCode } from '../core/phone';
import type { BreakerPolicy } from '../core/bulk-breaker';
import type { CategoryPolicies } from '../core/categories';
import type { DecisionPolicy } from '../core/policy';
import type { SmsIntent } from '../core/sms-keywords';
import type { EmailPath, ProviderSettings } from '../providers/types';
import type { SyncConfig } from './sync';
import type { ErasureConfig } from './erasure';
import type { RateLimitsConfig } from './rate-limits';
import type { ReactivationConfig } from './reactivation';
import type { DigestConfig } from './digest';
import type { UnsubscribeConfig } from './unsubscribe';
import type { QuietHoursPolicy } from '../core/quiet-hours';

export type EmailTransportName = 'email-plugin' | 'sandbox';
export type SmsTransportName = 'twilio' | 'vonage' | 'sandbox';
/** Which provider the Email plugin is set up with: decides how the correlation id travels. */
export type EmailProviderName = 'smtp' | 'sendgrid' | 'mailgun' | 'postmark' | 'ses';

export interface SendingConfig {
  email: EmailTransportName;
  sms: SmsTransportName;
  emailProvider: EmailProviderName;
  /**
   * Whether mail reaches `emailProvider` through its API or its SMTP relay (the correlation travels
   * in fields or in headers). Null: decided from the Email plugin's provider (nodemailer: SMTP).
   */
  emailPath: EmailPath | null;
  /** Amazon SES: the configuration set named on every message (its event destination publishes the tags). */
  sesConfigurationSet: string | null;
  /** The domain of the Message-ID header the plugin sets (`<dlv.<id>.<attempt>@domain>`). */
  messageIdDomain: string;
  /** A provider call that takes longer is abandoned; its outcome is unknown (see `unconfirmedWaitMinutes`). */
  timeoutMs: number;
  /**
   * After a hand-off with no answer (a timeout, a reset once the request left), how long to wait
   * for the provider's report before the retrier may send again. Re-sending at once is how
   * students get a message twice.
   */
  unconfirmedWaitMinutes: number;
  twilio: { accountSid?: string; from?: string; messagingServiceSid?: string; baseUrl: string };
  vonage: { apiKey?: string; apiSecret?: string; from?: string; baseUrl: string };
  sandbox: { sendgridPrivateKey?: string; reportDelayMs: number; reportUrl?: string };
  /** The country of phone numbers written without + or 00 (`07700 900102` in GB); null: such numbers are refused. */
  defaultCountry: CountryCode | null;
}

/**
 * A content type that holds contacts, and which of its fields are the addresses. The plugin's own
 * Contact is the default; a site can add its own student type without changing its schema.
 */
export interface ContactSourceConfig {
  uid: string;
  fields: {
    email: string | null;
    mobile: string | null;
    externalId: string | null;
    /** Joined with spaces to name the contact in logs and reports. */
    displayName: string[];
    /** The student's IANA time zone (quiet hours are read in it); null: the site's zone for everyone. */
    timeZone: string | null;
  };
}

/** The plugin's configuration after validation and defaults: what every service reads. */
export interface PluginConfig extends DecisionPolicy {
  /** The public base URL providers call (https://crm.example.ac.uk). Twilio signs the URL it called, so this must be exact. */
  publicUrl: string | null;
  webhooks: {
    /** Signed requests older than this are refused. Generous: providers re-send old events for hours. */
    maxAgeSeconds: number;
    /** Largest webhook body accepted; larger ones get 413. SendGrid batches reach about 768 KB. */
    maxBodyBytes: number;
  };
  providers: ProviderSettings;
  sending: SendingConfig;
  /** Students' STOP / START / HELP texts: the site's words beside the standard ones, and the HELP answer (null: none). */
  inboundSms: { words: Partial<Record<SmsIntent, string[]>>; helpReply: string | null };
  contacts: ContactSourceConfig[];
  /** Provider suppression lists: credentials and the pull's schedule (config/sync.ts). */
  sync: SyncConfig;
  /** The salt of erased students' address hashes (config/erasure.ts). */
  erasure: ErasureConfig;
  /** Whether reactivations wait for the student's confirmation (config/reactivation.ts). */
  reactivation: ReactivationConfig;
  /** The public routes' limits, shared by all instances (config/rate-limits.ts). */
  rateLimits: RateLimitsConfig;
  /** The worklist's daily digest email (config/digest.ts). */
  worklistDigest: DigestConfig;
  retrier: {
    enabled: boolean;
    /** node-cron expression. */
    schedule: string;
    /** Most messages one tick claims. */
    batchSize: number;
    /**
     * How long a claim lasts unless renewed. A process renews its claims every third of this
     * while it works on them, so only a crashed (or frozen) process's claims expire.
     */
    leaseSeconds: number;
    /** Hand-offs in flight at once within a tick. */
    concurrency: number;
    /**
     * Handed-over messages whose outcome may wait for its record while the lanes go on;
     * `concurrency` by default, so that a slow database's commits do not hold the hand-offs back.
     * At 0 a lane hands over its next message only once an outcome is on record. Either way a
     * crash sends nothing twice while reports come in: what it leaves unrecorded waits for its
     * report (README, "Several instances on PostgreSQL or MySQL").
     */
    maxUnrecorded: number;
  };
  bulk: BulkConfig;
  /** Message categories and their policies (core/categories.ts, config/categories.ts). */
  categories: CategoryPolicies;
  /** When bulk sends and touchpoints wait, per channel, in the student's time zone (config/quiet-hours.ts). */
  quietHours: QuietHoursPolicy;
  reports: {
    /** How often this instance folds the report counts' deltas in (reports are exact either way; fewer deltas read faster). */
    compactEverySeconds: number;
  };
  /** One-click unsubscribe links in bulk email (config/unsubscribe.ts). */
  unsubscribe: UnsubscribeConfig;
  /** MX look-ups that place custom domains under the provider receiving their mail (config/mailbox-providers.ts). */
  mailboxProviders: MailboxProvidersConfig;
}

/** Bulk sends (Grabs): the queue worker every instance runs, its pace, and the breaker. */
export interface BulkConfig {
  /** Whether this instance works on bulk sends' queues (every instance does, by default). */
  enabled: boolean;
  /** How often the worker looks for work and re-reads the sends' statuses (pause and cancel take effect within this, plus one hand-off). */
  pollMs: number;
  /** Hand-offs a second per provider, in each instance (see README, "Bulk sends"), unless `rates` names the provider. */
  ratePerSecond: number;
  /** Per-provider rates (`{ sandbox: 50, twilio: 10 }`), by the transport's provider name. */
  rates: Record<string, number>;
  /** Hand-offs in flight at once in each instance. */
  concurrency: number;
  /** As `retrier.maxUnrecorded`, for the bulk worker. */
  maxUnrecorded: number;
  /** Messages one instance claims at a time. Small, so that a pause releases little and work spreads over instances. */
  claimSize: number;
  breaker: BreakerPolicy;
  /** The institution's own mail domains (subdomains included): reported as "campus" in the mailbox-provider breakdown. */
  campusDomains: string[];
}
