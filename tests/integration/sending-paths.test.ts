/**
 * Every common sending path links its provider's reports back to the message (issue 12): for
 * SendGrid, Mailgun, Postmark and Amazon SES, over the provider's SMTP relay (Strapi's nodemailer
 * provider against a local SMTP server that keeps the headers) and through its API (Strapi's own
 * provider against a fake endpoint on 127.0.0.1). Each report is built from what the provider was
 * handed, shaped as that provider echoes it, signed, and must bounce the MESSAGE, not only the address.
 *
 * The API providers are initialised as the Email plugin's bootstrap does (`provider.init(options,
 * settings)`) and swapped in while the app runs. SendGrid's provider has no base-URL option: the
 * test points the @sendgrid/mail client it uses at the fake endpoint. Postmark has no official
 * Strapi provider: a recorder that answers as Postmark's API does stands in for one.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { adminToken, freePort, startApp, type TestApp } from '../helpers/app';
import { capturingSmtp, header, headersStartingWith, type CapturingSmtp } from '../helpers/smtp';
import {
  basicAuth,
  eventRows,
  logRow,
  mailgunSigned,
  postWebhook,
  sendgridHeaders,
  snsHeaders,
  snsNotification,
  SNS_TEST_CERT_PEM,
  SNS_TOPIC,
  vectors,
  withPluginConfig,
  type JsonObject,
} from '../helpers/webhooks';

const STUDENT = 'api::student.student';
const POSTMARK_USER = 'postmark-hook';
const POSTMARK_PASSWORD = 'postmark-hook-secret';
const EMAIL_SETTINGS = { defaultFrom: 'registry@college.example', defaultReplyTo: 'registry@college.example' };

// The site sends to its own student type only: the plugin's Contact type should not be offered.
const studentSchema = {
  kind: 'collectionType',
  collectionName: 'students',
  info: { singularName: 'student', pluralName: 'students', displayName: 'Student' },
  options: { draftAndPublish: false },
  attributes: { givenName: { type: 'string' }, familyName: { type: 'string' }, emailAddress: { type: 'email' }, phone: { type: 'string' } },
};

let app: TestApp;
let smtp: CapturingSmtp;
let smtpPort: number;
let api: http.Server;
let apiUrl: string;
/** Raw messages the SMTP server received, by recipient. */
const relayed = (): Map<string, string> => smtp.relayed;
/** Requests the fake provider APIs received. */
const apiRequests: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

type EmailProvider = { send(options: Record<string, unknown>): Promise<unknown> };
type ProviderModule = { init(options: Record<string, unknown>, settings: Record<string, unknown>): EmailProvider };

/** Installs an Email plugin provider the way the Email plugin's bootstrap does, and names it in its config. */
function useEmailProvider(name: string, provider: EmailProvider): void {
  (app.strapi.plugin('email') as unknown as { provider: EmailProvider }).provider = provider;
  app.strapi.config.set('plugin::email.provider', name);
}

function useNodemailer(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodemailer = require('@strapi/provider-email-nodemailer') as ProviderModule;
  useEmailProvider('nodemailer', nodemailer.init({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true }, EMAIL_SETTINGS));
}

const messages = () =>
  app.strapi.plugin('deliverability').service('messages') as {
    send(input: unknown): Promise<{ id: string; status: string }>;
  };
const email = (address: string) => messages().send({ channel: 'email', to: { address }, subject: 'Enrolment', text: 'Welcome', source: 'grab', sourceName: 'Enrolment grab' });

/** The message is bounced, the report is stored against it, and nothing went to Unmatched events. */
async function expectMessageBounced(id: string, address: string): Promise<void> {
  expect((await logRow(app.strapi, id)).status).toBe('bounced');
  const reports = (await eventRows(app.strapi, { address })).filter((e) => e.kind !== 'send_attempt');
  expect(reports.map((e) => [e.kind, e.outcome, e.logDocumentId])).toEqual([['hard_bounce', 'applied', id]]);
}

const now = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------------------------------------
// Reports, shaped as each provider sends them.

function postSendgrid(events: JsonObject[]) {
  const body = JSON.stringify(events);
  return postWebhook(app, 'sendgrid', body, sendgridHeaders(body));
}

function sendgridBounce(address: string, extra: JsonObject): JsonObject {
  return {
    email: address,
    event: 'bounce',
    type: 'bounce',
    timestamp: now(),
    sg_event_id: randomUUID(),
    reason: '550 5.1.1 The email account that you tried to reach does not exist.',
    status: '5.1.1',
    ...extra,
  };
}

function postMailgun(address: string, extra: JsonObject) {
  const body = mailgunSigned({
    'event-data': {
      event: 'failed',
      severity: 'permanent',
      reason: 'bounce',
      recipient: address,
      id: randomUUID(),
      timestamp: now(),
      'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.' },
      ...extra,
    },
  });
  return postWebhook(app, 'mailgun', JSON.stringify(body), { 'Content-Type': 'application/json' });
}

function postPostmark(address: string, extra: JsonObject) {
  const body = {
    RecordType: 'Bounce',
    Type: 'HardBounce',
    TypeCode: 1,
    ID: Math.floor(Math.random() * 1e9),
    Email: address,
    BouncedAt: new Date().toISOString(),
    Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    ...extra,
  };
  return postWebhook(app, 'postmark', JSON.stringify(body), { 'Content-Type': 'application/json', Authorization: basicAuth(POSTMARK_USER, POSTMARK_PASSWORD) });
}

function postSes(address: string, mail: JsonObject) {
  const envelope = snsNotification({
    notificationType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: address, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: new Date().toISOString(),
    },
    mail: { timestamp: new Date().toISOString(), destination: [address], ...mail },
  });
  return postWebhook(app, 'ses', JSON.stringify(envelope), snsHeaders(envelope));
}

// ------------------------------------------------------------------------------------------------

beforeAll(async () => {
  smtpPort = await freePort();
  smtp = await capturingSmtp(smtpPort);

  // One fake endpoint for the API providers, told apart by path.
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      apiRequests.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url?.startsWith('/v3/mail/send')) {
        res.writeHead(202, { 'X-Message-Id': 'SgApiMsg0001' }).end();
      } else if (req.url?.startsWith('/v3/mg.college.example/messages')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: '<20261130.mgapi0001@mg.college.example>', message: 'Queued. Thank you.' }));
      } else {
        // Amazon SES (query API): SendEmail.
        res
          .writeHead(200, { 'Content-Type': 'text/xml' })
          .end(
            '<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>0100018c-ses-api-0001</MessageId></SendEmailResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></SendEmailResponse>',
          );
      }
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  app = await startApp('sending-paths', {
    files: { 'src/api/student/content-types/student/schema.json': JSON.stringify(studentSchema) },
    plugins: {
      email: { config: { provider: 'nodemailer', providerOptions: { host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true }, settings: EMAIL_SETTINGS } },
    },
    pluginConfig: {
      contacts: [{ uid: STUDENT, fields: { email: 'emailAddress', mobile: 'phone', displayName: ['givenName', 'familyName'] } }],
      sending: { email: 'email-plugin', emailProvider: 'smtp', messageIdDomain: 'college.example', sesConfigurationSet: 'dlv-events' },
      providers: {
        sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
        mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
        postmark: { user: POSTMARK_USER, password: POSTMARK_PASSWORD },
        ses: { topicArns: [SNS_TOPIC], fetchCertificate: async () => SNS_TEST_CERT_PEM },
      },
      retrier: { enabled: false },
    },
  });
});

afterAll(async () => {
  await app?.stop();
  await smtp?.close();
  await new Promise<void>((resolve) => api?.close(() => resolve()));
});

beforeEach(() => useNodemailer());

describe('over the SMTP relay (Strapi nodemailer provider)', () => {
  it('SendGrid: the X-SMTPAPI unique_args come back merged into the event', async () => {
    const address = 'relay.sendgrid@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'sendgrid' } }, () => email(address));
    expect(sent.status).toBe('sent');
    const raw = relayed().get(address)!;
    const smtpapi = JSON.parse(header(raw, 'X-SMTPAPI')!) as { unique_args: JsonObject };
    expect(smtpapi.unique_args).toEqual({ deliverability_id: sent.id, deliverability_attempt: '1' });
    const response = await postSendgrid([sendgridBounce(address, { ...smtpapi.unique_args, 'smtp-id': header(raw, 'Message-ID')!, sg_message_id: 'RelayMsg01.filter0001.1.0' })]);
    expect(response.status).toBe(200);
    await expectMessageBounced(sent.id, address);
  });

  it('SendGrid: without the unique_args, the smtp-id (our Message-ID) still finds the message', async () => {
    const address = 'relay.sendgrid.lost@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'sendgrid' } }, () => email(address));
    const raw = relayed().get(address)!;
    expect(header(raw, 'Message-ID')).toBe(`<dlv.${sent.id}.1@college.example>`);
    await postSendgrid([sendgridBounce(address, { 'smtp-id': header(raw, 'Message-ID')!, sg_message_id: 'RelayMsg02.filter0001.1.0' })]);
    await expectMessageBounced(sent.id, address);
  });

  it('Mailgun: X-Mailgun-Variables come back as user-variables', async () => {
    const address = 'relay.mailgun@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'mailgun' } }, () => email(address));
    const raw = relayed().get(address)!;
    const variables = JSON.parse(header(raw, 'X-Mailgun-Variables')!) as JsonObject;
    expect(variables).toEqual({ deliverability_id: sent.id, deliverability_attempt: '1' });
    await postMailgun(address, { 'user-variables': variables, message: { headers: { 'message-id': 'relay-renamed@mg.college.example' } } });
    await expectMessageBounced(sent.id, address);
  });

  it('Mailgun: without the variables, the message-id (ours, brackets dropped) still finds the message', async () => {
    const address = 'relay.mailgun.lost@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'mailgun' } }, () => email(address));
    const messageId = header(relayed().get(address)!, 'Message-ID')!.replace(/^<|>$/g, '');
    await postMailgun(address, { 'user-variables': {}, message: { headers: { 'message-id': messageId } } });
    await expectMessageBounced(sent.id, address);
  });

  it('Postmark: X-PM-Metadata-* headers come back as Metadata', async () => {
    const address = 'relay.postmark@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'postmark' } }, () => email(address));
    const metadata = Object.fromEntries(
      Object.entries(headersStartingWith(relayed().get(address)!, 'X-PM-Metadata-')).map(([name, value]) => [name.slice('X-PM-Metadata-'.length), value]),
    );
    // nodemailer capitalises header names, so Postmark records the keys as `Deliverability_id`: posted as written.
    expect(Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key.toLowerCase(), value]))).toEqual({ deliverability_id: sent.id, deliverability_attempt: '1' });
    await postPostmark(address, { MessageID: randomUUID(), Metadata: metadata });
    await expectMessageBounced(sent.id, address);
  });

  it('Amazon SES: X-SES-MESSAGE-TAGS come back as mail.tags, through the configuration set', async () => {
    const address = 'relay.ses@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'ses' } }, () => email(address));
    const raw = relayed().get(address)!;
    expect(header(raw, 'X-SES-CONFIGURATION-SET')).toBe('dlv-events');
    const tags = Object.fromEntries(
      header(raw, 'X-SES-MESSAGE-TAGS')!
        .split(',')
        .map((pair) => pair.trim().split('='))
        .map(([name, value]) => [name, [value]]),
    );
    expect(tags).toEqual({ deliverability_id: [sent.id], deliverability_attempt: ['1'] });
    await postSes(address, { messageId: '0100018c-relay-0001', tags: { ...tags, 'ses:configuration-set': ['dlv-events'] }, commonHeaders: {} });
    await expectMessageBounced(sent.id, address);
  });

  it('Amazon SES: without tags (no configuration set), commonHeaders.messageId still finds the message', async () => {
    const address = 'relay.ses.untagged@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'ses' } }, () => email(address));
    await postSes(address, { messageId: '0100018c-relay-0002', commonHeaders: { messageId: header(relayed().get(address)!, 'Message-ID')! } });
    await expectMessageBounced(sent.id, address);
  });
});

describe("through the providers' APIs (Strapi's official providers against a fake endpoint)", () => {
  afterEach(() => useNodemailer());

  it('SendGrid (@strapi/provider-email-sendgrid): custom_args come back merged into the event', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = (require('@strapi/provider-email-sendgrid') as ProviderModule).init({ apiKey: 'SG.test-only' }, EMAIL_SETTINGS);
    // The provider has no base-URL option; it uses the @sendgrid/mail singleton, pointed here at the fake API.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('@sendgrid/mail') as { client: { setDefaultRequest(key: string, value: string): void } }).client.setDefaultRequest('baseUrl', apiUrl);
    useEmailProvider('sendgrid', provider);
    const address = 'api.sendgrid@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'sendgrid' } }, () => email(address));
    expect(sent.status).toBe('sent');
    const handed = JSON.parse(apiRequests.find((r) => r.url.startsWith('/v3/mail/send') && r.body.includes(address))!.body) as { custom_args: JsonObject };
    expect(handed.custom_args).toEqual({ deliverability_id: sent.id, deliverability_attempt: '1' });
    await postSendgrid([sendgridBounce(address, { ...handed.custom_args, sg_message_id: 'SgApiMsg0001.filter0001.1.0' })]);
    await expectMessageBounced(sent.id, address);
  });

  it('Mailgun (@strapi/provider-email-mailgun): v: variables come back, and Mailgun’s id is recorded on the attempt', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = (require('@strapi/provider-email-mailgun') as ProviderModule).init({ key: 'key-test-only', domain: 'mg.college.example', url: apiUrl }, EMAIL_SETTINGS);
    useEmailProvider('mailgun', provider);
    const address = 'api.mailgun@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'mailgun' } }, () => email(address));
    expect(sent.status).toBe('sent');
    const form = apiRequests.find((r) => r.url.startsWith('/v3/mg.college.example/messages') && r.body.includes(address))!.body;
    const field = (name: string) => new RegExp(`name="${name.replace(':', '\\:')}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(form)?.[1];
    expect([field('v:deliverability_id'), field('v:deliverability_attempt'), field('h:Message-ID')]).toEqual([sent.id, '1', `<dlv.${sent.id}.1@college.example>`]);
    expect((await logRow(app.strapi, sent.id)).providerMessageId).toBe('20261130.mgapi0001@mg.college.example');
    const [attempt] = (await eventRows(app.strapi, { logDocumentId: sent.id })).filter((e) => e.kind === 'send_attempt');
    expect(attempt.providerMessageId).toBe('20261130.mgapi0001@mg.college.example');
    await postMailgun(address, {
      'user-variables': { deliverability_id: field('v:deliverability_id')!, deliverability_attempt: field('v:deliverability_attempt')! },
      message: { headers: { 'message-id': '20261130.mgapi0001@mg.college.example' } },
    });
    await expectMessageBounced(sent.id, address);
  });

  it('Mailgun: without the variables, the id recorded at send still finds the message', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = (require('@strapi/provider-email-mailgun') as ProviderModule).init({ key: 'key-test-only', domain: 'mg.college.example', url: apiUrl }, EMAIL_SETTINGS);
    useEmailProvider('mailgun', provider);
    const address = 'api.mailgun.lost@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'mailgun' } }, () => email(address));
    // Both API sends got the same id from the fake: the address tells them apart, as the intake does.
    await postMailgun(address, { message: { headers: { 'message-id': '20261130.mgapi0001@mg.college.example' } } });
    await expectMessageBounced(sent.id, address);
  });

  it('Postmark (no official Strapi provider; a recorder answering as its API): Metadata come back, MessageID is recorded', async () => {
    const handed: Record<string, unknown>[] = [];
    const postmarkMessageId = randomUUID();
    useEmailProvider('postmark', {
      send: async (options) => {
        handed.push(options);
        return { To: options.to, SubmittedAt: new Date().toISOString(), MessageID: postmarkMessageId, ErrorCode: 0, Message: 'OK' };
      },
    });
    const address = 'api.postmark@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'postmark' } }, () => email(address));
    expect(handed[0].Metadata).toEqual({ deliverability_id: sent.id, deliverability_attempt: '1' });
    expect((await logRow(app.strapi, sent.id)).providerMessageId).toBe(postmarkMessageId);
    // Metadata lost: Postmark's MessageID, recorded at send, is the link.
    await postPostmark(address, { MessageID: postmarkMessageId });
    await expectMessageBounced(sent.id, address);
  });

  it('Amazon SES (@strapi/provider-email-amazon-ses): message tags and the configuration set reach SendEmail, and come back as mail.tags', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = (require('@strapi/provider-email-amazon-ses') as ProviderModule).init(
      { endpoint: apiUrl, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' } },
      EMAIL_SETTINGS,
    );
    useEmailProvider('amazon-ses', provider);
    const address = 'api.ses@college.example';
    const sent = await withPluginConfig(app, { sending: { emailProvider: 'ses' } }, () => email(address));
    expect(sent.status).toBe('sent');
    const form = new URLSearchParams(apiRequests.find((r) => r.body.includes('Action=SendEmail') && r.body.includes(encodeURIComponent(address)))!.body);
    expect(form.get('ConfigurationSetName')).toBe('dlv-events');
    const tags: Record<string, string[]> = {};
    for (let i = 1; form.has(`Tags.member.${i}.Name`); i++) tags[form.get(`Tags.member.${i}.Name`)!] = [form.get(`Tags.member.${i}.Value`)!];
    expect(tags).toEqual({ deliverability_id: [sent.id], deliverability_attempt: ['1'] });
    await postSes(address, { messageId: '0100018c-ses-api-0001', tags: { ...tags, 'ses:configuration-set': ['dlv-events'] }, commonHeaders: {} });
    await expectMessageBounced(sent.id, address);
  });
});

describe('the Content Manager', () => {
  it("does not offer the plugin's Contact type when the site sends to its own types", async () => {
    const token = await adminToken(app);
    const response = await request(app.server).get('/content-manager/content-types').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    const visible = (response.body.data as { uid: string; isDisplayed: boolean }[]).filter((t) => t.isDisplayed).map((t) => t.uid);
    expect(visible).toContain(STUDENT);
    expect(visible).not.toContain('plugin::deliverability.contact');
  });
});
