import { DEFAULT_MAILBOX_PROVIDERS_CONFIG, validateMailboxProvidersConfig } from './mailbox-providers';

describe('mailboxProviders config', () => {
  it('defaults to MX look-ups through the system resolver', () => {
    expect(validateMailboxProvidersConfig(undefined)).toEqual(DEFAULT_MAILBOX_PROVIDERS_CONFIG);
    expect(DEFAULT_MAILBOX_PROVIDERS_CONFIG).toMatchObject({ mxLookups: true, dnsServers: [] });
  });

  it('takes DNS servers as a list or one comma-separated string (an env value); off or empty is the system resolver', () => {
    expect(validateMailboxProvidersConfig({ dnsServers: ['1.1.1.1', '127.0.0.1:5353'] }).dnsServers).toEqual(['1.1.1.1', '127.0.0.1:5353']);
    expect(validateMailboxProvidersConfig({ dnsServers: ' 9.9.9.9, [::1]:53 ' }).dnsServers).toEqual(['9.9.9.9', '[::1]:53']);
    expect(validateMailboxProvidersConfig({ dnsServers: false }).dnsServers).toEqual([]);
    expect(validateMailboxProvidersConfig({ dnsServers: [] }).dnsServers).toEqual([]);
  });

  it.each([
    [{ dnsServers: [1] }, 'dnsServers'],
    [{ dnsServers: [''] }, 'dnsServers'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ ttlSeconds: -1 }, 'ttlSeconds'],
    [{ retryFailedSeconds: 'soon' }, 'retryFailedSeconds'],
    [{ mxLookups: 'yes' }, 'mxLookups'],
  ])('refuses %p naming the key', (input, key) => {
    expect(() => validateMailboxProvidersConfig(input)).toThrow(`deliverability.mailboxProviders.${key}`);
  });
});
