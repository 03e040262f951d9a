import { PolicyError, isPlainObject, requirePositiveNumber } from '../core/policy';

/**
 * The `mailboxProviders` section: the MX look-ups that place a custom domain under the provider
 * that receives its mail (services/mx-hosts.ts). Look-ups run in the background and are cached in
 * the database for `ttlSeconds`, so reports never wait on DNS and every instance shares them.
 */
export interface MailboxProvidersConfig {
  /** Whether custom domains are looked up at all (off: they are reported by domain only). */
  mxLookups: boolean;
  /** DNS servers (`1.1.1.1`, `[::1]:53`, `127.0.0.1:5353`); empty: the system's resolver. */
  dnsServers: string[];
  /** How long one look-up may take before it counts as failed. */
  timeoutMs: number;
  /** How long an answer (an MX host, or none) is trusted before it is looked up again. */
  ttlSeconds: number;
  /** How long a failed look-up (a timeout, a refused query) waits before it is tried again. */
  retryFailedSeconds: number;
}

const KEY = 'deliverability.mailboxProviders';

export const DEFAULT_MAILBOX_PROVIDERS_CONFIG: MailboxProvidersConfig = {
  mxLookups: true,
  dnsServers: [],
  timeoutMs: 3000,
  ttlSeconds: 7 * 24 * 3600,
  retryFailedSeconds: 3600,
};

function dnsServersOf(value: unknown): string[] {
  // `false` or an empty value: the system resolver, as the README says.
  if (value === undefined || value === null || value === false || value === '') return [];
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new PolicyError(`${KEY}.dnsServers`, 'a list of DNS server addresses (or one comma-separated string)', value);
  }
  return list.map((s: string) => s.trim());
}

export function validateMailboxProvidersConfig(input: unknown): MailboxProvidersConfig {
  if (input === undefined || input === null) return DEFAULT_MAILBOX_PROVIDERS_CONFIG;
  if (!isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const d = DEFAULT_MAILBOX_PROVIDERS_CONFIG;
  const mxLookups = input.mxLookups ?? d.mxLookups;
  if (typeof mxLookups !== 'boolean') throw new PolicyError(`${KEY}.mxLookups`, 'true or false', mxLookups);
  return {
    mxLookups,
    dnsServers: dnsServersOf(input.dnsServers),
    timeoutMs: requirePositiveNumber(`${KEY}.timeoutMs`, input.timeoutMs ?? d.timeoutMs),
    ttlSeconds: requirePositiveNumber(`${KEY}.ttlSeconds`, input.ttlSeconds ?? d.ttlSeconds),
    retryFailedSeconds: requirePositiveNumber(`${KEY}.retryFailedSeconds`, input.retryFailedSeconds ?? d.retryFailedSeconds),
  };
}
