/**
 * The providers view: which providers this site can take reports from, what is missing, when
 * each one's last event came, how many of its requests were refused, and the webhook URL to paste
 * into its console. Also checks that the plugin's RBAC actions are registered.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, eventFor, tokenWithActions } from '../helpers/admin';

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startApp('admin-providers', {
    pluginConfig: {
      publicUrl: 'https://crm.example.ac.uk/',
      providers: {
        // Any non-empty value: the view only says whether one is set.
        mailgun: { signingKey: 'test-signing-key-not-a-secret' },
        twilio: { allowUnsigned: true },
      },
    },
  });
  token = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
});

const providers = (jwt = token) => request(app.server).get('/deliverability/providers').set('Authorization', `Bearer ${jwt}`);

describe('RBAC actions', () => {
  it('registers one action each for reading logs and reports, sending, retrying, reactivating and reading settings', () => {
    const provider = (app.strapi.admin!.services.permission as unknown as { actionProvider: { get(id: string): { section: string; pluginName: string } | undefined } }).actionProvider;
    for (const action of Object.values(ACTIONS)) {
      expect(provider.get(action)).toMatchObject({ section: 'plugins', pluginName: 'deliverability' });
    }
  });
});

describe('providers', () => {
  it("says which providers are configured, without revealing a secret, and gives each one's webhook URL", async () => {
    const response = await providers();
    expect(response.status).toBe(200);
    const data = response.body.data;
    expect(data.publicUrlConfigured).toBe(true);
    const byName = Object.fromEntries(data.providers.map((p: { name: string }) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(['sendgrid', 'mailgun', 'postmark', 'ses', 'twilio', 'vonage']);
    expect(byName.mailgun).toMatchObject({
      channel: 'email',
      configured: true,
      acceptsUnsigned: false,
      secretVariable: 'DELIVERABILITY_MAILGUN_SIGNING_KEY',
      webhookUrl: 'https://crm.example.ac.uk/api/deliverability/webhooks/mailgun',
    });
    expect(byName.sendgrid).toMatchObject({ configured: false, webhookUrl: 'https://crm.example.ac.uk/api/deliverability/webhooks/sendgrid' });
    expect(byName.twilio).toMatchObject({ channel: 'sms', configured: false, acceptsUnsigned: true });
    expect(JSON.stringify(data)).not.toContain('test-signing-key-not-a-secret');
  });

  it("shows when each provider's last event arrived", async () => {
    expect((await providers()).body.data.providers.find((p: { name: string }) => p.name === 'mailgun').lastEventAt).toBeNull();
    const before = Date.now();
    await applyEvents(app, [eventFor(null, { provider: 'mailgun', kind: 'delivered', address: 'someone@example.ac.uk', providerMessageId: 'mg-1' })]);
    const after = (await providers()).body.data.providers;
    const mailgun = after.find((p: { name: string }) => p.name === 'mailgun');
    expect(Date.parse(mailgun.lastEventAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(after.find((p: { name: string }) => p.name === 'sendgrid').lastEventAt).toBeNull();
  });

  it('counts refused requests per provider, and keeps the count in the database', async () => {
    const health = app.strapi.plugin('deliverability').service('provider-health') as { recordRefusal(provider: string, status: number): Promise<void> };
    await Promise.all([health.recordRefusal('sendgrid', 401), health.recordRefusal('sendgrid', 403), health.recordRefusal('nobody', 401)]);
    await health.recordRefusal('twilio', 400);
    const data = (await providers()).body.data;
    const byName = Object.fromEntries(data.providers.map((p: { name: string; refused: unknown }) => [p.name, p.refused]));
    expect(byName.sendgrid).toMatchObject({ count: 2, lastStatus: 403 });
    expect(byName.twilio).toMatchObject({ count: 1, lastStatus: 400 });
    expect(byName.mailgun).toMatchObject({ count: 0 });
    expect(data.refusalsSince).not.toBeNull();
    const stored = (await app.strapi.store({ type: 'plugin', name: 'deliverability', key: 'webhook-refusals' }).get({})) as { providers: Record<string, { count: number }> };
    expect(stored.providers.sendgrid.count).toBe(2);
  });

  it('counts a refused webhook request when it happens', async () => {
    const before = (await providers()).body.data.providers.find((p: { name: string }) => p.name === 'mailgun').refused.count as number;
    const forged = await request(app.server)
      .post('/api/deliverability/webhooks/mailgun')
      .send({ signature: { timestamp: String(Math.floor(Date.now() / 1000)), token: 'x'.repeat(50), signature: 'f'.repeat(64) }, 'event-data': { event: 'delivered' } });
    expect(forged.status).toBe(401);
    // The count is saved after the answer; give it a moment.
    for (let i = 0; i < 20; i++) {
      const refused = (await providers()).body.data.providers.find((p: { name: string }) => p.name === 'mailgun').refused;
      if (refused.count === before + 1) {
        expect(refused.lastStatus).toBe(401);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the refused request was not counted');
  });

  it('needs the settings action', async () => {
    const reader = await tokenWithActions(app, 'Reports only', [ACTIONS.reportsRead]);
    expect((await providers(reader)).status).toBe(403);
    const settings = await tokenWithActions(app, 'Settings reader', [ACTIONS.settingsRead]);
    expect((await providers(settings)).status).toBe(200);
  });
});
