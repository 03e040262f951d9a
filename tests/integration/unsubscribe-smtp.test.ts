/**
 * One-click unsubscribe through Strapi's Email plugin and nodemailer, to a real SMTP server on
 * 127.0.0.1: the raw message a relay receives for a bulk send carries List-Unsubscribe and
 * List-Unsubscribe-Post, and the link in it unsubscribes the address.
 */
import request from 'supertest';
import { apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { capturingSmtp, header, type CapturingSmtp } from '../helpers/smtp';
import { waitUntil } from '../helpers/instances';
import { createCohort, ledgerStateOf, ONE_CLICK, UNSUBSCRIBE_SECRET, unsubscribeEventsOf } from '../helpers/unsubscribe';

jest.setTimeout(120_000);

let app: TestApp;
let smtp: CapturingSmtp;
let origin: string;

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = await capturingSmtp(smtpPort);
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  app = await startApp('unsubscribe-smtp', {
    plugins: {
      email: {
        config: {
          provider: 'nodemailer',
          providerOptions: { host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true },
          settings: { defaultFrom: 'registry@college.example', defaultReplyTo: 'registry@college.example' },
        },
      },
    },
    pluginConfig: {
      publicUrl: origin,
      sending: { email: 'email-plugin', emailProvider: 'smtp', messageIdDomain: 'college.example' },
      retrier: { enabled: false },
      bulk: { pollMs: 100 },
      unsubscribe: { secret: UNSUBSCRIBE_SECRET },
    },
    port,
  });
  await listen(app, port);
});

afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

it('a bulk send relayed over SMTP carries both headers, and its link unsubscribes the address', async () => {
  const [address] = await createCohort(app, 'Relay', 2);
  const token = await apiToken(app);
  const created = await request(app.server)
    .post('/api/deliverability/bulk-sends')
    .set('Authorization', `Bearer ${token}`)
    .send({ channel: 'email', subject: 'Open day', text: 'Come along.', sourceName: 'Open day', recipients: { filters: { lastName: { $eq: 'Relay' } } } });
  expect(created.status).toBe(201);
  await waitUntil(async () => smtp.relayed.size === 2, 30_000, 'both messages to reach the SMTP server');

  const raw = smtp.relayed.get(address)!;
  expect(header(raw, 'List-Unsubscribe-Post')).toBe(ONE_CLICK);
  const listUnsubscribe = header(raw, 'List-Unsubscribe')!;
  // Unfolded as a mail client reads it: the URL must come through whole, with no space folded into it.
  const link = /^<([^>\s]+)>$/.exec(listUnsubscribe)?.[1];
  expect(link).toMatch(new RegExp(`^${origin}/api/deliverability/unsubscribe/1\\.e\\.[a-z0-9]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]{43}$`));
  const logDocumentId = link!.split('/').pop()!.split('.')[2];

  const response = await request(app.server).post(link!.slice(origin.length)).type('form').send(ONE_CLICK);
  expect(response.status).toBe(200);
  expect(await ledgerStateOf(app, address)).toBe('unsubscribed');
  expect(await unsubscribeEventsOf(app, logDocumentId)).toHaveLength(1);
  // The other recipient is untouched.
  expect(await ledgerStateOf(app, 'relay.1@example.ac.uk')).not.toBe('unsubscribed');
});
