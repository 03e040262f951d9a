import { validatePluginConfig } from './validate';

describe('the sync config (provider API credentials, checked at boot)', () => {
  it('syncs no provider by default', () => {
    const { sync } = validatePluginConfig({});
    expect([sync.sendgrid, sync.mailgun, sync.postmark, sync.ses]).toEqual([null, null, null, null]);
    expect(sync).toMatchObject({ enabled: true, schedule: '17 */6 * * *', pageSize: 500 });
  });

  it("fills each provider's real API address unless a base URL is given", () => {
    const { sync } = validatePluginConfig({
      sync: {
        sendgrid: { apiKey: 'SG.x' },
        mailgun: { apiKey: 'key', domain: 'mg.example.ac.uk', baseUrl: 'https://api.eu.mailgun.net/' },
        postmark: { serverToken: 't', streams: 'outbound, broadcast' },
        ses: { accessKeyId: 'AKIA', secretAccessKey: 's', region: 'eu-west-2' },
      },
    });
    expect(sync.sendgrid?.baseUrl).toBe('https://api.sendgrid.com');
    expect(sync.mailgun?.baseUrl).toBe('https://api.eu.mailgun.net');
    expect(sync.postmark?.streams).toEqual(['outbound', 'broadcast']);
    expect(sync.ses).toMatchObject({ baseUrl: 'https://email.eu-west-2.amazonaws.com', sessionToken: null });
  });

  it('refuses half a set of credentials, naming the missing key', () => {
    expect(() => validatePluginConfig({ sync: { mailgun: { apiKey: 'key' } } })).toThrow(
      /deliverability\.sync\.mailgun\.domain must be set as well/,
    );
    expect(() => validatePluginConfig({ sync: { ses: { accessKeyId: 'AKIA', region: 'eu-west-1' } } })).toThrow(
      /sync\.ses\.secretAccessKey/,
    );
  });

  it('refuses a bad region, base URL or schedule', () => {
    expect(() => validatePluginConfig({ sync: { ses: { accessKeyId: 'A', secretAccessKey: 's', region: 'Ireland' } } })).toThrow(
      /sync\.ses\.region/,
    );
    expect(() => validatePluginConfig({ sync: { sendgrid: { apiKey: 'k', baseUrl: 'ftp://x' } } })).toThrow(/sync\.sendgrid\.baseUrl/);
    expect(() => validatePluginConfig({ sync: { schedule: 'hourly' } })).toThrow(/sync\.schedule/);
  });
});
