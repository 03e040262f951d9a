/**
 * One-click unsubscribe without a secret: bulk email goes out without the headers (an unsigned
 * link would let anyone unsubscribe anyone), the site is warned at boot and at the first bulk
 * hand-off, and the public link refuses every token.
 */
import request from 'supertest';
import { signUnsubscribeToken } from '../../server/src/core/unsubscribe';
import { bulkSendTo, createCohort, ledgerStateOf, ONE_CLICK, startUnsubscribeApp, type UnsubscribeApp } from '../helpers/unsubscribe';

jest.setTimeout(120_000);

let app: UnsubscribeApp;

beforeAll(async () => {
  app = await startUnsubscribeApp('unsubscribe-off', {}, { secret: null });
});

afterAll(async () => {
  await app?.stop();
});

it('sends bulk email without the headers, warns once at the first hand-off, and refuses every link', async () => {
  const warnings: string[] = [];
  const log = app.strapi.log as unknown as { warn(text: string): void };
  const original = log.warn;
  log.warn = (text: string) => void warnings.push(text);
  try {
    const service = app.strapi.plugin('deliverability').service('unsubscribe') as { warnIfDisabled(): void };
    service.warnIfDisabled();
    expect(warnings).toEqual([expect.stringMatching(/DELIVERABILITY_UNSUBSCRIBE_SECRET\) is not set: bulk email goes out WITHOUT List-Unsubscribe headers/)]);

    const [address] = await createCohort(app, 'Nosecret', 3);
    await bulkSendTo(app, 'Nosecret');
    await app.flush();
    const sent = app.handedOver().filter((m) => m.to.startsWith('nosecret.'));
    expect(sent).toHaveLength(3);
    expect(sent.every((m) => m.headers === undefined)).toBe(true);
    // The boot's warning, then one more at the first bulk hand-off, not one per message.
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe(warnings[0]);
    expect(warnings.join(' ')).not.toContain('@');

    const forged = signUnsubscribeToken('a-secret-the-site-never-configured-000', { channel: 'email', logDocumentId: sent[0].logDocumentId, expiresAt: Date.now() + 86_400_000 }, address);
    const post = await request(app.server).post(`/api/deliverability/unsubscribe/${forged}`).type('form').send(ONE_CLICK);
    expect(post.status).toBe(404);
    expect((await request(app.server).get(`/api/deliverability/unsubscribe/${forged}`)).status).toBe(404);
    expect(await ledgerStateOf(app, address)).not.toBe('unsubscribed');
  } finally {
    log.warn = original;
  }
});
