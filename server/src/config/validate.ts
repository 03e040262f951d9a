/**
 * Validation of `config/plugins.ts` → `deliverability.config`. Strapi calls `validator` at boot
 * and refuses to start on the first error, whose message names the key and what was expected.
 */
import {
  PolicyError,
  isPlainObject,
  requirePositiveNumber,
  validateEscalationPolicy,
  validateRetryPolicy,
  validateSenderBlockPolicy,
  validateSmsCodeTable,
  validateTwoStrikePolicy,
} from '../core/policy';
import { isCountryCode, type CountryCode } from '../core/phone';
import { DEFAULT_BREAKER_POLICY, type BreakerPolicy } from '../core/bulk-breaker';
import type { ProviderSettings } from '../providers/types';
import type { BulkConfig, ContactSourceConfig, PluginConfig, SendingConfig } from './types';
import { validateSyncConfig } from './sync';
import { validateErasureConfig } from './erasure';
import { validateRateLimitsConfig } from './rate-limits';
import { validateReactivationConfig } from './reactivation';
import { validateDigestConfig } from './digest';
import { validateCategories } from './categories';
import { validateUnsubscribeConfig } from './unsubscribe';
import { validateQuietHoursConfig } from './quiet-hours';
import { validateMailboxProvidersConfig } from './mailbox-providers';

const PREFIX = 'deliverability';
const VONAGE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;

function optionalString(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new PolicyError(key, 'a string', value);
  return value;
}

function optionalBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new PolicyError(key, 'true or false', value);
  return value;
}

function section(key: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new PolicyError(key, 'an object', value);
  return value;
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new PolicyError(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

function stringList(key: string, value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((s) => s.trim()).filter(Boolean);
  throw new PolicyError(key, 'a list of strings (or one comma-separated string)', value);
}

function validateProviders(input: unknown): ProviderSettings {
  const key = `${PREFIX}.providers`;
  const providers = section(key, input);
  const sendgrid = section(`${key}.sendgrid`, providers.sendgrid);
  const mailgun = section(`${key}.mailgun`, providers.mailgun);
  const postmark = section(`${key}.postmark`, providers.postmark);
  const ses = section(`${key}.ses`, providers.ses);
  const twilio = section(`${key}.twilio`, providers.twilio);
  const vonage = section(`${key}.vonage`, providers.vonage);
  if (ses.fetchCertificate !== undefined && typeof ses.fetchCertificate !== 'function') {
    throw new PolicyError(`${key}.ses.fetchCertificate`, 'a function (url) => Promise<PEM text>', ses.fetchCertificate);
  }
  if (ses.confirmSubscription !== undefined && typeof ses.confirmSubscription !== 'function') {
    throw new PolicyError(`${key}.ses.confirmSubscription`, 'a function (url) => Promise<void>', ses.confirmSubscription);
  }
  return {
    sendgrid: {
      publicKey: optionalString(`${key}.sendgrid.publicKey`, sendgrid.publicKey),
      allowUnsigned: optionalBoolean(`${key}.sendgrid.allowUnsigned`, sendgrid.allowUnsigned, false),
    },
    mailgun: {
      signingKey: optionalString(`${key}.mailgun.signingKey`, mailgun.signingKey),
      allowUnsigned: optionalBoolean(`${key}.mailgun.allowUnsigned`, mailgun.allowUnsigned, false),
    },
    postmark: {
      user: optionalString(`${key}.postmark.user`, postmark.user),
      password: optionalString(`${key}.postmark.password`, postmark.password),
      allowUnsigned: optionalBoolean(`${key}.postmark.allowUnsigned`, postmark.allowUnsigned, false),
    },
    ses: {
      topicArns: stringList(`${key}.ses.topicArns`, ses.topicArns),
      allowUnsigned: optionalBoolean(`${key}.ses.allowUnsigned`, ses.allowUnsigned, false),
      fetchCertificate: ses.fetchCertificate as ProviderSettings['ses']['fetchCertificate'],
      confirmSubscription: ses.confirmSubscription as ProviderSettings['ses']['confirmSubscription'],
    },
    twilio: {
      authToken: optionalString(`${key}.twilio.authToken`, twilio.authToken),
      allowUnsigned: optionalBoolean(`${key}.twilio.allowUnsigned`, twilio.allowUnsigned, false),
      errorCodes: validateSmsCodeTable(`${key}.twilio.errorCodes`, twilio.errorCodes),
    },
    vonage: {
      signatureSecret: optionalString(`${key}.vonage.signatureSecret`, vonage.signatureSecret),
      signatureMethod: oneOf(`${key}.vonage.signatureMethod`, vonage.signatureMethod ?? undefined, VONAGE_METHODS, 'md5hash'),
      allowUnsigned: optionalBoolean(`${key}.vonage.allowUnsigned`, vonage.allowUnsigned, false),
      errorCodes: validateSmsCodeTable(`${key}.vonage.errorCodes`, vonage.errorCodes),
    },
  };
}

function validatePublicUrl(value: unknown): string | null {
  const url = optionalString(`${PREFIX}.publicUrl`, value);
  if (url === undefined) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
  } catch {
    throw new PolicyError(`${PREFIX}.publicUrl`, 'an absolute http(s) URL such as https://crm.example.ac.uk', value);
  }
  return url.replace(/\/+$/, '');
}

function countryCode(key: string, value: unknown): CountryCode | null {
  if (value === undefined || value === null || value === '') return null;
  const code = typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (!isCountryCode(code)) {
    throw new PolicyError(key, "a two-letter country code such as 'GB' (the country of phone numbers written without + or 00)", value);
  }
  return code;
}

function validateSending(input: unknown): SendingConfig {
  const key = `${PREFIX}.sending`;
  const sending = section(key, input);
  const twilio = section(`${key}.twilio`, sending.twilio);
  const vonage = section(`${key}.vonage`, sending.vonage);
  const sandbox = section(`${key}.sandbox`, sending.sandbox);
  return {
    email: oneOf(`${key}.email`, sending.email, ['email-plugin', 'sandbox'] as const, 'email-plugin'),
    sms: oneOf(`${key}.sms`, sending.sms, ['twilio', 'vonage', 'sandbox'] as const, 'twilio'),
    emailProvider: oneOf(`${key}.emailProvider`, sending.emailProvider, ['smtp', 'sendgrid', 'mailgun', 'postmark', 'ses'] as const, 'smtp'),
    emailPath: sending.emailPath === undefined || sending.emailPath === null ? null : oneOf(`${key}.emailPath`, sending.emailPath, ['api', 'smtp'] as const, 'api'),
    sesConfigurationSet: optionalString(`${key}.sesConfigurationSet`, sending.sesConfigurationSet) ?? null,
    messageIdDomain: optionalString(`${key}.messageIdDomain`, sending.messageIdDomain) ?? 'deliverability.invalid',
    timeoutMs: requirePositiveNumber(`${key}.timeoutMs`, sending.timeoutMs ?? 15_000, { integer: true }),
    unconfirmedWaitMinutes: requirePositiveNumber(`${key}.unconfirmedWaitMinutes`, sending.unconfirmedWaitMinutes ?? 30),
    twilio: {
      accountSid: optionalString(`${key}.twilio.accountSid`, twilio.accountSid),
      from: optionalString(`${key}.twilio.from`, twilio.from),
      messagingServiceSid: optionalString(`${key}.twilio.messagingServiceSid`, twilio.messagingServiceSid),
      baseUrl: optionalString(`${key}.twilio.baseUrl`, twilio.baseUrl) ?? 'https://api.twilio.com',
    },
    vonage: {
      apiKey: optionalString(`${key}.vonage.apiKey`, vonage.apiKey),
      apiSecret: optionalString(`${key}.vonage.apiSecret`, vonage.apiSecret),
      from: optionalString(`${key}.vonage.from`, vonage.from),
      baseUrl: optionalString(`${key}.vonage.baseUrl`, vonage.baseUrl) ?? 'https://rest.nexmo.com',
    },
    sandbox: {
      sendgridPrivateKey: optionalString(`${key}.sandbox.sendgridPrivateKey`, sandbox.sendgridPrivateKey),
      reportDelayMs: sandbox.reportDelayMs === 0 ? 0 : requirePositiveNumber(`${key}.sandbox.reportDelayMs`, sandbox.reportDelayMs ?? 1000, { integer: true }),
      reportUrl: optionalString(`${key}.sandbox.reportUrl`, sandbox.reportUrl),
    },
    defaultCountry: countryCode(`${key}.defaultCountry`, sending.defaultCountry),
  };
}

export const PLUGIN_CONTACT_UID = 'plugin::deliverability.contact';

const PLUGIN_CONTACT_FIELDS: ContactSourceConfig['fields'] = {
  email: 'email',
  mobile: 'mobile',
  externalId: 'externalId',
  displayName: ['firstName', 'lastName'],
  timeZone: 'timeZone',
};

function validateContacts(input: unknown): ContactSourceConfig[] {
  const key = `${PREFIX}.contacts`;
  if (input === undefined) return [{ uid: PLUGIN_CONTACT_UID, fields: PLUGIN_CONTACT_FIELDS }];
  if (!Array.isArray(input) || input.length === 0) {
    throw new PolicyError(key, "a non-empty list such as [{ uid: 'api::student.student', fields: { email: 'email', mobile: 'mobilePhone' } }]", input);
  }
  const seen = new Set<string>();
  return input.map((entry, index) => {
    const at = `${key}[${index}]`;
    if (!isPlainObject(entry) || typeof entry.uid !== 'string' || !/^[a-z]+::[\w-]+\.[\w-]+$/.test(entry.uid)) {
      throw new PolicyError(`${at}.uid`, "a content-type uid such as 'api::student.student'", isPlainObject(entry) ? entry.uid : entry);
    }
    if (seen.has(entry.uid)) throw new PolicyError(`${at}.uid`, 'listed once', entry.uid);
    seen.add(entry.uid);
    if (entry.uid === PLUGIN_CONTACT_UID && entry.fields === undefined) return { uid: entry.uid, fields: PLUGIN_CONTACT_FIELDS };
    const fields = section(`${at}.fields`, entry.fields);
    const field = (name: string, fallback: string | null): string | null => {
      const value = fields[name];
      if (value === undefined) return fallback;
      if (value === null) return null;
      if (typeof value !== 'string' || value === '') throw new PolicyError(`${at}.fields.${name}`, 'a field name (or null)', value);
      return value;
    };
    const displayName = fields.displayName;
    const names =
      displayName === undefined ? [] : typeof displayName === 'string' ? [displayName] : Array.isArray(displayName) && displayName.every((n) => typeof n === 'string') ? (displayName as string[]) : null;
    if (names === null) throw new PolicyError(`${at}.fields.displayName`, 'a field name or a list of field names', displayName);
    const result = {
      uid: entry.uid,
      fields: { email: field('email', 'email'), mobile: field('mobile', null), externalId: field('externalId', null), displayName: names, timeZone: field('timeZone', entry.uid === PLUGIN_CONTACT_UID ? PLUGIN_CONTACT_FIELDS.timeZone : null) },
    };
    if (!result.fields.email && !result.fields.mobile) throw new PolicyError(`${at}.fields`, 'an email or a mobile field', entry.fields);
    return result;
  });
}

const KNOWN_KEYS = ['publicUrl', 'retry', 'escalation', 'webhooks', 'providers', 'sending', 'retrier', 'contacts', 'sync', 'erasure', 'senderBlocks', 'twoStrike', 'inboundSms', 'bulk', 'reports', 'unsubscribe', 'quietHours', 'reactivation', 'worklistDigest', 'categories', 'rateLimits', 'mailboxProviders'];

/** The answer to HELP unless the site gives its own (or null, when Twilio's Advanced Opt-Out answers instead). */
export const DEFAULT_HELP_REPLY = 'Texts from your college. Reply STOP to stop them, START to get them again.';

function validateInboundSms(input: unknown): PluginConfig['inboundSms'] {
  const key = `${PREFIX}.inboundSms`;
  const inbound = section(key, input);
  const helpReply = inbound.helpReply === null ? null : (optionalString(`${key}.helpReply`, inbound.helpReply) ?? DEFAULT_HELP_REPLY);
  return {
    words: {
      opt_out: stringList(`${key}.optOutWords`, inbound.optOutWords),
      opt_in: stringList(`${key}.optInWords`, inbound.optInWords),
      help: stringList(`${key}.helpWords`, inbound.helpWords),
    },
    helpReply,
  };
}

function fraction(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) throw new PolicyError(key, 'a fraction between 0 and 1 (0.05 = 5%)', value);
  return value;
}

function validateBreaker(key: string, input: unknown): BreakerPolicy {
  const breaker = section(key, input);
  const d = DEFAULT_BREAKER_POLICY;
  return {
    minSample: requirePositiveNumber(`${key}.minSample`, breaker.minSample ?? d.minSample, { integer: true }),
    hardBounceRate: fraction(`${key}.hardBounceRate`, breaker.hardBounceRate, d.hardBounceRate),
    complaintRate: fraction(`${key}.complaintRate`, breaker.complaintRate, d.complaintRate),
    smsFailureRate: fraction(`${key}.smsFailureRate`, breaker.smsFailureRate, d.smsFailureRate),
  };
}

/** A whole number, 0 or more. */
const requireCount = (key: string, value: unknown): number => requirePositiveNumber(key, value, { min: -1, integer: true });

function validateBulk(input: unknown): BulkConfig {
  const key = `${PREFIX}.bulk`;
  const bulk = section(key, input);
  const rates = section(`${key}.rates`, bulk.rates);
  const concurrency = requirePositiveNumber(`${key}.concurrency`, bulk.concurrency ?? 4, { integer: true });
  return {
    enabled: optionalBoolean(`${key}.enabled`, bulk.enabled, true),
    pollMs: requirePositiveNumber(`${key}.pollMs`, bulk.pollMs ?? 250, { integer: true }),
    ratePerSecond: requirePositiveNumber(`${key}.ratePerSecond`, bulk.ratePerSecond ?? 10),
    rates: Object.fromEntries(Object.entries(rates).map(([provider, rate]) => [provider, requirePositiveNumber(`${key}.rates.${provider}`, rate)])),
    concurrency,
    maxUnrecorded: requireCount(`${key}.maxUnrecorded`, bulk.maxUnrecorded ?? concurrency),
    claimSize: requirePositiveNumber(`${key}.claimSize`, bulk.claimSize ?? 20, { integer: true }),
    breaker: validateBreaker(`${key}.breaker`, bulk.breaker),
    campusDomains: stringList(`${key}.campusDomains`, bulk.campusDomains).map((d) => d.toLowerCase()),
  };
}


/** Turns the raw plugin config into a `PluginConfig`, or throws a `PolicyError` naming the first bad key. */
export function validatePluginConfig(raw: unknown): PluginConfig {
  const config = section(PREFIX, raw);
  const unknown = Object.keys(config).filter((k) => !KNOWN_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new PolicyError(`${PREFIX}.${unknown[0]}`, `one of the known keys (${KNOWN_KEYS.join(', ')})`, config[unknown[0]]);
  }
  const webhooks = section(`${PREFIX}.webhooks`, config.webhooks);
  const retrier = section(`${PREFIX}.retrier`, config.retrier);
  const schedule = retrier.schedule ?? '* * * * *';
  if (typeof schedule !== 'string' || schedule.trim().split(/\s+/).length < 5) {
    throw new PolicyError(`${PREFIX}.retrier.schedule`, "a cron expression such as '* * * * *'", schedule);
  }
  const sending = validateSending(config.sending);
  const retrierConcurrency = requirePositiveNumber(`${PREFIX}.retrier.concurrency`, retrier.concurrency ?? 4, { integer: true });
  const leaseSeconds = requirePositiveNumber(`${PREFIX}.retrier.leaseSeconds`, retrier.leaseSeconds ?? 300, { integer: true });
  // Leases are renewed while a hand-off is in flight, but one hand-off must fit in a lease on its
  // own, or a process that misses a renewal (a long pause) could see its claim taken mid-send.
  if (leaseSeconds * 1000 < 2 * sending.timeoutMs) {
    throw new PolicyError(
      `${PREFIX}.retrier.leaseSeconds`,
      `at least twice ${PREFIX}.sending.timeoutMs (${sending.timeoutMs} ms), so that a hand-off cannot outlive the claim on its message`,
      leaseSeconds,
    );
  }
  const retry = validateRetryPolicy(`${PREFIX}.retry`, config.retry);
  const reactivation = validateReactivationConfig(config.reactivation);
  return {
    publicUrl: validatePublicUrl(config.publicUrl),
    retry,
    escalation: validateEscalationPolicy(`${PREFIX}.escalation`, config.escalation),
    senderBlocks: validateSenderBlockPolicy(`${PREFIX}.senderBlocks`, config.senderBlocks, retry),
    twoStrike: validateTwoStrikePolicy(`${PREFIX}.twoStrike`, config.twoStrike),
    webhooks: {
      maxAgeSeconds: requirePositiveNumber(`${PREFIX}.webhooks.maxAgeSeconds`, webhooks.maxAgeSeconds ?? 48 * 3600),
      maxBodyBytes: requirePositiveNumber(`${PREFIX}.webhooks.maxBodyBytes`, webhooks.maxBodyBytes ?? 4 * 1024 * 1024, { integer: true }),
    },
    providers: validateProviders(config.providers),
    sending,
    contacts: validateContacts(config.contacts),
    sync: validateSyncConfig(config.sync),
    erasure: validateErasureConfig(config.erasure),
    reactivation,
    rateLimits: validateRateLimitsConfig(config.rateLimits, reactivation.confirmRatePerMinute),
    worklistDigest: validateDigestConfig(config.worklistDigest),
    inboundSms: validateInboundSms(config.inboundSms),
    retrier: {
      enabled: optionalBoolean(`${PREFIX}.retrier.enabled`, retrier.enabled, true),
      schedule,
      batchSize: requirePositiveNumber(`${PREFIX}.retrier.batchSize`, retrier.batchSize ?? 200, { integer: true }),
      leaseSeconds,
      concurrency: retrierConcurrency,
      maxUnrecorded: requireCount(`${PREFIX}.retrier.maxUnrecorded`, retrier.maxUnrecorded ?? retrierConcurrency),
    },
    bulk: validateBulk(config.bulk),
    quietHours: validateQuietHoursConfig(config.quietHours),
    reports: {
      compactEverySeconds: requirePositiveNumber(`${PREFIX}.reports.compactEverySeconds`, section(`${PREFIX}.reports`, config.reports).compactEverySeconds ?? 60),
    },
    unsubscribe: validateUnsubscribeConfig(config.unsubscribe),
    categories: validateCategories(`${PREFIX}.categories`, config.categories),
    mailboxProviders: validateMailboxProvidersConfig(config.mailboxProviders),
  };
}
