/**
 * Phone numbers as institutions type them: national numbers in the site's default country
 * (`sending.defaultCountry`), impossible numbers refused with the reason, on every path.
 */
import request from 'supertest';
import { apiToken, bootError, startApp, type TestApp } from '../helpers/app';

const CONTACT = 'plugin::deliverability.contact';

let app: TestApp;
let token: string;

interface Sandbox {
  received: { to: string; logDocumentId: string }[];
}
const smsSandbox = (): Sandbox =>
  (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): Sandbox }).sandbox('sms');

const sms = (address: string) =>
  request(app.server).post('/api/deliverability/messages').set('Authorization', `Bearer ${token}`).send({ channel: 'sms', to: { address }, body: 'Class moved to room 4' });

describe('with sending.defaultCountry GB', () => {
  beforeAll(async () => {
    app = await startApp('phone-gb', {
      pluginConfig: { sending: { email: 'sandbox', sms: 'sandbox', sandbox: { reportDelayMs: 0 }, defaultCountry: 'GB' }, retrier: { enabled: false } },
    });
    token = await apiToken(app);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('sends to a national number in E.164', async () => {
    const response = await sms('07700 900102');
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({ status: 'sent', channel: 'sms', address: '+447700900102' });
    const handed = smsSandbox().received.find((m) => m.logDocumentId === response.body.data.id);
    expect(handed?.to).toBe('+447700900102');
  });

  it('refuses an impossible number with 400 and the reason', async () => {
    const response = await sms('07700 90');
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('to.address: is too short for GB (+44)');
    expect(response.body.error.details).toEqual({ field: 'to.address' });

    const tooLong = await sms('+44 7700 900102 99');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/too long for GB/);
  });

  it("stores a contact's national mobile in E.164, so the ledger and the contact agree", async () => {
    const contact = await app.strapi.documents(CONTACT).create({ data: { firstName: 'Nia', mobile: '07700 900103' } as never });
    expect(contact.mobile).toBe('+447700900103');
    await expect(app.strapi.documents(CONTACT).create({ data: { firstName: 'Bad', mobile: '07700 9001' } as never })).rejects.toThrow(
      /mobile has a length that no number in GB \(\+44\) has/,
    );
  });
});

describe('checked at boot', () => {
  it('refuses a default country that is not one, naming the setting', async () => {
    const error = await bootError('phone-bad-country', { pluginConfig: { sending: { defaultCountry: 'UK' } } });
    expect(error.message).toMatch(/deliverability\.sending\.defaultCountry must be a two-letter country code such as 'GB'/);
    expect(error.message).toMatch(/got "?UK"?/);
  });
});
