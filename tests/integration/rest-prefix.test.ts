/**
 * A site whose REST prefix is not `/api` (`rest.prefix` in config/api.js): the webhooks, the
 * status-callback URLs given to providers, the sandbox's reports and the providers page all follow
 * it (issue 11).
 */
import http from 'node:http';
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { sandboxConfig } from '../helpers/sandbox';
import { logRow, payloadText, seedMessage, sendgridHeaders, vectors } from '../helpers/webhooks';

const PREFIX = '/rest/v2';
const WEBHOOKS = `${PREFIX}/deliverability/webhooks`;

interface Sandbox {
  flush(): Promise<void>;
}

describe('the sandbox and the webhooks under a custom REST prefix', () => {
  let app: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const config = sandboxConfig(port);
    // The recorded SendGrid vector's key, so that the test can sign with its private half too.
    (config.providers as { sendgrid: { publicKey: string } }).sendgrid.publicKey = vectors.sendgrid.publicKeyBase64Der;
    (config.sending as { sandbox: { sendgridPrivateKey: string } }).sandbox.sendgridPrivateKey = vectors.sendgrid.privateKeyPemTestOnly;
    app = await startApp('rest-prefix', { pluginConfig: config, port, restPrefix: PREFIX });
    await listen(app, port);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('a signed SendGrid request to <prefix>/deliverability/webhooks/sendgrid is verified and applied', async () => {
    const seeded = await seedMessage(app.strapi, {
      channel: 'email',
      address: 'ghost@example.org',
      provider: 'sendgrid',
      providerMessageId: 'Pq7rStUvWx',
    });
    const body = payloadText('sendgrid', 'bounce_hard.json');
    const response = await request(app.server).post(`${WEBHOOKS}/sendgrid`).set(sendgridHeaders(body)).send(body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, applied: 1 });
    expect((await logRow(app.strapi, seeded.log.documentId)).status).toBe('bounced');
  });

  it('the sandbox reports email and SMS outcomes through the prefixed webhooks', async () => {
    const token = await apiToken(app);
    const send = (body: Record<string, unknown>) =>
      request(app.server).post(`${PREFIX}/deliverability/messages`).set('Authorization', `Bearer ${token}`).send(body);
    const mail = await send({ channel: 'email', to: { address: 'reader@example.ac.uk' }, subject: 'Timetable', text: 'Attached.' });
    const text = await send({ channel: 'sms', to: { address: '+447700900123' }, body: 'Room 4' });
    expect([mail.status, text.status]).toEqual([201, 201]);
    const transports = app.strapi.plugin('deliverability').service('transports') as { sandbox(channel: string): Sandbox };
    await transports.sandbox('email').flush();
    await transports.sandbox('sms').flush();
    expect((await logRow(app.strapi, mail.body.data.id)).status).toBe('delivered');
    expect((await logRow(app.strapi, text.body.data.id)).status).toBe('delivered');
  });

  it('the providers page gives webhook URLs under the prefix', async () => {
    const token = await adminToken(app);
    const response = await request(app.server).get('/deliverability/providers').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).toContain(`http://127.0.0.1:${port}${WEBHOOKS}/sendgrid`);
    expect(JSON.stringify(response.body)).not.toContain('/api/deliverability');
  });
});

describe('the Twilio transport under a custom REST prefix', () => {
  let app: TestApp;
  let server: http.Server;
  const forms: URLSearchParams[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        forms.push(new URLSearchParams(body));
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid: 'SM00000000000000000000000000000001', status: 'queued' }));
      });
    });
    const twilioPort = await freePort();
    await new Promise<void>((resolve) => server.listen(twilioPort, '127.0.0.1', resolve));
    app = await startApp('rest-prefix-twilio', {
      restPrefix: PREFIX,
      pluginConfig: {
        publicUrl: 'https://crm.college.example',
        providers: { twilio: { authToken: 'tw-token' } },
        sending: { sms: 'twilio', twilio: { accountSid: 'AC123', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilioPort}` } },
        retrier: { enabled: false },
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives Twilio a status callback under the prefix', async () => {
    const messages = app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ id: string }> };
    const sent = await messages.send({ channel: 'sms', to: { address: '+447700900001' }, body: 'Exam moved' });
    expect(forms).toHaveLength(1);
    expect(forms[0].get('StatusCallback')).toBe(`https://crm.college.example${WEBHOOKS}/twilio?dlv=${sent.id}.1`);
  });
});
