import type { Core } from '@strapi/strapi';
import type { EmailProviderName } from '../config/types';
import type { EmailPath } from '../providers/types';
import { createEmailPluginTransport, emailPathOf } from './email-plugin';
import type { OutgoingMessage } from './types';

/** A Strapi with only what the transport reads: the Email plugin's service and its provider name. */
const warnings: string[] = [];

function fakeStrapi(emailPluginProvider: string, result: unknown = undefined) {
  const sent: Record<string, unknown>[] = [];
  const strapi = {
    plugin: (name: string) => (name === 'email' ? { service: () => ({ send: async (options: Record<string, unknown>) => (sent.push(options), result) }) } : undefined),
    config: { get: (key: string) => (key === 'plugin::email.provider' ? emailPluginProvider : undefined) },
    log: { warn: (text: string) => warnings.push(text) },
  } as unknown as Core.Strapi;
  return { strapi, sent };
}

const message: OutgoingMessage = {
  channel: 'email',
  to: 'student@college.example',
  content: { subject: 'Enrolment', text: 'Welcome', html: null },
  logDocumentId: 'k2v9x0abc',
  attempt: 2,
  correlationId: 'k2v9x0abc.2',
};

async function send(emailProvider: EmailProviderName, emailPluginProvider: string, emailPath: EmailPath | null = null, result?: unknown, outgoing = message) {
  const { strapi, sent } = fakeStrapi(emailPluginProvider, result);
  const transport = createEmailPluginTransport(strapi, () => ({
    emailProvider,
    emailPath,
    sesConfigurationSet: 'dlv-events',
    messageIdDomain: 'college.example',
    timeoutMs: 1000,
  }));
  const outcome = await transport.send(outgoing);
  return { options: sent[0], outcome };
}

const ID = '<dlv.k2v9x0abc.2@college.example>';
const args = { deliverability_id: 'k2v9x0abc', deliverability_attempt: '2' };

describe('the path a message takes', () => {
  it('is SMTP for nodemailer, however its package is named, and the API otherwise, unless configured', () => {
    expect(emailPathOf('sendgrid', null, 'nodemailer')).toBe('smtp');
    expect(emailPathOf('sendgrid', null, '@strapi/provider-email-nodemailer')).toBe('smtp');
    expect(emailPathOf('sendgrid', null, 'sendgrid')).toBe('api');
    expect(emailPathOf('sendgrid', 'smtp', 'some-community-provider')).toBe('smtp');
    expect(emailPathOf('smtp', 'api', 'sendmail')).toBe('smtp');
  });
});

describe('correlation on the SMTP relay (nodemailer), as headers', () => {
  it('SendGrid: X-SMTPAPI unique_args', async () => {
    const { options } = await send('sendgrid', 'nodemailer');
    expect(options.messageId).toBe(ID);
    expect(options.headers).toEqual({ 'X-Deliverability-Id': 'k2v9x0abc.2', 'X-SMTPAPI': { prepared: true, value: JSON.stringify({ unique_args: args }) } });
    expect(options).not.toHaveProperty('customArgs');
  });

  it('Mailgun: X-Mailgun-Variables', async () => {
    const { options } = await send('mailgun', 'nodemailer');
    expect((options.headers as Record<string, unknown>)['X-Mailgun-Variables']).toEqual({ prepared: true, value: JSON.stringify(args) });
    expect(options).not.toHaveProperty('v:deliverability_id');
  });

  it('Postmark: one X-PM-Metadata header per key', async () => {
    const { options } = await send('postmark', 'nodemailer');
    expect(options.headers).toMatchObject({ 'X-PM-Metadata-deliverability_id': 'k2v9x0abc', 'X-PM-Metadata-deliverability_attempt': '2' });
    expect(options).not.toHaveProperty('Metadata');
  });

  it('Amazon SES: X-SES-MESSAGE-TAGS and the configuration set', async () => {
    const { options } = await send('ses', 'nodemailer');
    expect(options.headers).toMatchObject({ 'X-SES-MESSAGE-TAGS': 'deliverability_id=k2v9x0abc, deliverability_attempt=2', 'X-SES-CONFIGURATION-SET': 'dlv-events' });
  });
});

describe('correlation through the API providers, as their fields', () => {
  it('SendGrid: customArgs', async () => {
    const { options } = await send('sendgrid', 'sendgrid');
    expect(options.customArgs).toEqual(args);
    expect(options.headers).toEqual({ 'Message-ID': ID, 'X-Deliverability-Id': 'k2v9x0abc.2' });
  });

  it('Mailgun: v: variables and the Message-ID as an h: field', async () => {
    const { options } = await send('mailgun', 'mailgun');
    expect(options).toMatchObject({ 'v:deliverability_id': 'k2v9x0abc', 'v:deliverability_attempt': '2', 'h:Message-ID': ID, 'h:X-Deliverability-Id': 'k2v9x0abc.2' });
    // mailgun.js would send a `headers` object as one JSON text field, which Mailgun does not read.
    expect(options).not.toHaveProperty('headers');
  });

  it('Postmark: Metadata', async () => {
    expect((await send('postmark', 'postmark')).options.Metadata).toEqual(args);
  });

  it('Amazon SES: messageTags and configurationSet, as Strapi’s SES provider takes them', async () => {
    const { options } = await send('ses', 'amazon-ses');
    expect(options.messageTags).toEqual([
      { name: 'deliverability_id', value: 'k2v9x0abc' },
      { name: 'deliverability_attempt', value: '2' },
    ]);
    expect(options.configurationSet).toBe('dlv-events');
  });
});

describe("the provider's own message id, recorded when its provider says it", () => {
  it('SendGrid X-Message-Id, Mailgun id, Postmark MessageID, SES MessageId', async () => {
    const sendgridResponse = [{ statusCode: 202, headers: { 'x-message-id': 'Pq7rStUvWx' } }, ''];
    expect((await send('sendgrid', 'sendgrid', null, sendgridResponse)).outcome).toEqual({ ok: true, provider: 'sendgrid', providerMessageId: 'Pq7rStUvWx' });
    expect((await send('mailgun', 'mailgun', null, { id: '<20251009.1@mg.college.example>', message: 'Queued. Thank you.' })).outcome).toMatchObject({
      providerMessageId: '20251009.1@mg.college.example',
    });
    expect((await send('postmark', 'postmark', null, { MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817' })).outcome).toMatchObject({
      providerMessageId: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
    });
    expect((await send('ses', 'amazon-ses', null, { MessageId: '0100018c-aaaa' })).outcome).toMatchObject({ providerMessageId: '0100018c-aaaa' });
  });

  it("from the relays' answers: SendGrid `queued as`, SES `250 Ok <id>`", async () => {
    const relay = (response: string) => ({ messageId: ID, response });
    expect((await send('sendgrid', 'nodemailer', null, relay('250 Ok: queued as 2rV2xOv6Q8C-w1xY'))).outcome).toMatchObject({ providerMessageId: '2rV2xOv6Q8C-w1xY' });
    expect((await send('ses', 'nodemailer', null, relay('250 Ok 0100018c3b1e4e5f-1a2b3c4d-0000-0000-0000-000000000000-000000'))).outcome).toMatchObject({
      providerMessageId: '0100018c3b1e4e5f-1a2b3c4d-0000-0000-0000-000000000000-000000',
    });
  });

  it('otherwise the plugin Message-ID, which the reports also carry', async () => {
    expect((await send('smtp', 'nodemailer', null, { messageId: ID, response: '250 OK: message queued' })).outcome).toMatchObject({ providerMessageId: ID });
    expect((await send('sendgrid', 'sendgrid', null, undefined)).outcome).toMatchObject({ providerMessageId: ID });
  });
});

describe('the headers a message needs (List-Unsubscribe on bulk email)', () => {
  const listHeaders = { 'List-Unsubscribe': '<https://crm.example/api/deliverability/unsubscribe/T>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  const bulk: OutgoingMessage = { ...message, headers: listHeaders };

  it('travel as headers on the SMTP relay, beside the correlation', async () => {
    const { options } = await send('sendgrid', 'nodemailer', null, undefined, bulk);
    expect(options.headers).toMatchObject({ ...listHeaders, 'X-Deliverability-Id': 'k2v9x0abc.2' });
  });

  it('travel in the `headers` object of the SendGrid API, and as h: fields of the Mailgun API', async () => {
    expect((await send('sendgrid', 'sendgrid', null, undefined, bulk)).options.headers).toMatchObject({ ...listHeaders, 'Message-ID': ID });
    expect((await send('mailgun', 'mailgun', null, undefined, bulk)).options).toMatchObject({
      'h:List-Unsubscribe': listHeaders['List-Unsubscribe'],
      'h:List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('are lost through the SES API, which says so; its SMTP relay carries them', async () => {
    warnings.length = 0;
    await send('ses', 'amazon-ses', null, undefined, bulk);
    expect(warnings).toEqual([expect.stringMatching(/ses through its API cannot carry List-Unsubscribe, List-Unsubscribe-Post.*emailPath: 'smtp'/)]);
    await send('ses', 'nodemailer', null, undefined, bulk);
    expect(warnings).toHaveLength(1);
  });
});
