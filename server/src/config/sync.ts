/**
 * The `sync` section of the plugin config: the provider API credentials used to read (pull) and
 * lift (push) each provider's own suppression list, and the schedule of the pull. Credentials come
 * from the environment by default (config/index.ts); a provider without them is not synced.
 */
import { PolicyError, isPlainObject, requirePositiveNumber } from '../core/policy';

export interface SendgridSyncSettings {
  apiKey: string;
  baseUrl: string;
}
export interface MailgunSyncSettings {
  apiKey: string;
  domain: string;
  baseUrl: string;
}
export interface PostmarkSyncSettings {
  serverToken: string;
  /** Message streams whose suppressions are read (Postmark keeps one list per stream). */
  streams: string[];
  baseUrl: string;
}
export interface SesSyncSettings {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | null;
  region: string;
  baseUrl: string;
}

export interface SyncConfig {
  /** Whether the schedule runs (an editor can still start a sync from the admin). */
  enabled: boolean;
  /** node-cron expression. Default: every six hours, at minute 17. */
  schedule: string;
  /** How long a sync's claim lasts unless renewed (it is renewed after every page). */
  leaseSeconds: number;
  /** Records asked for per page, where the provider lets us choose. */
  pageSize: number;
  /** A 429 is waited out (Retry-After) at most this many times in a row before the run stops and resumes later. */
  maxRateLimitRetries: number;
  /** Longest single wait for a 429's Retry-After; a longer one stops the run, to resume at the next. */
  maxRetryAfterSeconds: number;
  sendgrid: SendgridSyncSettings | null;
  mailgun: MailgunSyncSettings | null;
  postmark: PostmarkSyncSettings | null;
  ses: SesSyncSettings | null;
}

export const SYNC_PROVIDER_NAMES = ['sendgrid', 'mailgun', 'postmark', 'ses'] as const;
export type SyncProviderName = (typeof SYNC_PROVIDER_NAMES)[number];

const KEY = 'deliverability.sync';

function text(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new PolicyError(key, 'a string', value);
  return value.trim();
}

function section(key: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new PolicyError(key, 'an object', value);
  return value;
}

function baseUrl(key: string, value: unknown, fallback: string): string {
  const url = text(key, value) ?? fallback;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
  } catch {
    throw new PolicyError(key, 'an absolute http(s) URL', value);
  }
  return url.replace(/\/+$/, '');
}

/** Settings that need every one of `required` once any is given: half a set of credentials is a typo, caught at boot. */
function complete(key: string, input: Record<string, unknown>, required: string[]): Record<string, string> | null {
  const values: Record<string, string> = {};
  for (const name of required) {
    const value = text(`${key}.${name}`, input[name]);
    if (value !== undefined) values[name] = value;
  }
  const given = Object.keys(values);
  if (given.length === 0) return null;
  const missing = required.find((name) => values[name] === undefined);
  if (missing)
    throw new PolicyError(
      `${key}.${missing}`,
      `set as well (${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set)`,
      input[missing],
    );
  return values;
}

function streams(key: string, value: unknown): string[] {
  if (value === undefined || value === null || value === '') return ['outbound'];
  const list =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? (value as string[])
        : null;
  const names = list?.map((s) => s.trim()).filter(Boolean) ?? [];
  if (names.length === 0) throw new PolicyError(key, "a list of message stream ids such as ['outbound']", value);
  return names;
}

function validateProviderCredentials(sync: Record<string, unknown>): Pick<SyncConfig, SyncProviderName> {
  const sendgridInput = section(`${KEY}.sendgrid`, sync.sendgrid);
  const mailgunInput = section(`${KEY}.mailgun`, sync.mailgun);
  const postmarkInput = section(`${KEY}.postmark`, sync.postmark);
  const sesInput = section(`${KEY}.ses`, sync.ses);
  const sendgrid = complete(`${KEY}.sendgrid`, sendgridInput, ['apiKey']);
  const mailgun = complete(`${KEY}.mailgun`, mailgunInput, ['apiKey', 'domain']);
  const postmark = complete(`${KEY}.postmark`, postmarkInput, ['serverToken']);
  const ses = complete(`${KEY}.ses`, sesInput, ['accessKeyId', 'secretAccessKey', 'region']);
  if (ses && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(ses.region))
    throw new PolicyError(`${KEY}.ses.region`, "an AWS region such as 'eu-west-1'", ses.region);
  return {
    sendgrid: sendgrid && {
      apiKey: sendgrid.apiKey,
      baseUrl: baseUrl(`${KEY}.sendgrid.baseUrl`, sendgridInput.baseUrl, 'https://api.sendgrid.com'),
    },
    mailgun: mailgun && {
      apiKey: mailgun.apiKey,
      domain: mailgun.domain,
      baseUrl: baseUrl(`${KEY}.mailgun.baseUrl`, mailgunInput.baseUrl, 'https://api.mailgun.net'),
    },
    postmark: postmark && {
      serverToken: postmark.serverToken,
      streams: streams(`${KEY}.postmark.streams`, postmarkInput.streams),
      baseUrl: baseUrl(`${KEY}.postmark.baseUrl`, postmarkInput.baseUrl, 'https://api.postmarkapp.com'),
    },
    ses: ses && {
      accessKeyId: ses.accessKeyId,
      secretAccessKey: ses.secretAccessKey,
      sessionToken: text(`${KEY}.ses.sessionToken`, sesInput.sessionToken) ?? null,
      region: ses.region,
      baseUrl: baseUrl(`${KEY}.ses.baseUrl`, sesInput.baseUrl, `https://email.${ses.region}.amazonaws.com`),
    },
  };
}

export function validateSyncConfig(input: unknown): SyncConfig {
  const sync = section(KEY, input);
  const schedule = sync.schedule ?? '17 */6 * * *';
  if (typeof schedule !== 'string' || schedule.trim().split(/\s+/).length < 5) {
    throw new PolicyError(`${KEY}.schedule`, "a cron expression such as '17 */6 * * *'", schedule);
  }
  const enabled = sync.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new PolicyError(`${KEY}.enabled`, 'true or false', enabled);
  return {
    enabled,
    schedule,
    leaseSeconds: requirePositiveNumber(`${KEY}.leaseSeconds`, sync.leaseSeconds ?? 300, { integer: true }),
    pageSize: requirePositiveNumber(`${KEY}.pageSize`, sync.pageSize ?? 500, { integer: true }),
    maxRateLimitRetries: requirePositiveNumber(`${KEY}.maxRateLimitRetries`, sync.maxRateLimitRetries ?? 5, { integer: true }),
    maxRetryAfterSeconds: requirePositiveNumber(`${KEY}.maxRetryAfterSeconds`, sync.maxRetryAfterSeconds ?? 120),
    ...validateProviderCredentials(sync),
  };
}
