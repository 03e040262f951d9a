/**
 * Blocks of the sender against a real Strapi, through the real, signed webhook endpoints of every
 * email provider: the README's table of refusals replayed (a block leaves the address alone and
 * the message is retried; a dead mailbox still fails the address), the report that counts blocks
 * per mailbox provider, and the institution's two-strike domains, including two bounces of one
 * campus address racing on PostgreSQL and MySQL.
 */
import request from 'supertest';
import { adminToken, type TestAppOptions } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { signedRequest, webhookSuite, type SignedProvider } from '../helpers/webhook-suite';
import { eventRows, ledgerRow, logRow, seedMessage, SNS_TEST_CERT_PEM, vectors, type Json } from '../helpers/webhooks';

const POSTMARK = { credentials: { user: 'postmark-hook', password: 'postmark-secret-1' } };
const CAMPUS = 'college.ac.uk';

/** SQLite always; PostgreSQL and MySQL/MariaDB (a database of this suite's own on each) when their URLs are set. */
const DATABASES: ('sqlite' | ServerKind)[] = ['sqlite', ...serverKinds('sender-blocks.test.ts')];

/** One refusal as a receiving server words it. `permanent`: a 5xx reply (providers call it a hard bounce). */
interface Refusal {
  code: string;
  text: string;
  permanent: boolean;
}

interface Target {
  address: string;
  messageId: string;
  /** Unique per request: the provider's event id. */
  eventId: string;
}

const seconds = (): number => Math.floor(Date.now() / 1000);

/** Each provider's report of a refusal, in its own format (the shapes of the shared samples). */
const REPORTS: Record<Exclude<SignedProvider, 'twilio' | 'vonage'>, (target: Target, refusal: Refusal) => Json> = {
  sendgrid: ({ address, messageId, eventId }, { code, text, permanent }) => [
    { email: address, event: 'bounce', type: permanent ? 'bounce' : 'blocked', status: code, reason: text, sg_event_id: eventId, sg_message_id: `${messageId}.filter0001`, timestamp: seconds() },
  ],
  mailgun: ({ address, messageId, eventId }, { code, text, permanent }) => ({
    'event-data': {
      event: 'failed',
      severity: permanent ? 'permanent' : 'temporary',
      reason: permanent ? 'bounce' : 'generic',
      recipient: address,
      id: eventId,
      timestamp: seconds(),
      message: { headers: { 'message-id': messageId } },
      'delivery-status': { code: Number(text.slice(0, 3)), 'enhanced-code': code, message: text },
    },
  }),
  postmark: ({ address, messageId, eventId }, { text, permanent }) => ({
    RecordType: 'Bounce',
    ID: Number.parseInt(eventId.replace(/\D/g, '').slice(-9) || '1', 10),
    Type: permanent ? 'HardBounce' : 'SoftBounce',
    MessageID: messageId,
    Email: address,
    Details: `smtp;${text}`,
    BouncedAt: new Date().toISOString(),
  }),
  ses: ({ address, messageId }, { code, text, permanent }) => ({
    notificationType: 'Bounce',
    mail: { timestamp: new Date().toISOString(), messageId, destination: [address], headers: [] },
    bounce: {
      bounceType: permanent ? 'Permanent' : 'Transient',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: address, action: 'failed', status: code, diagnosticCode: `smtp; ${text}` }],
      timestamp: new Date().toISOString(),
    },
  }),
};
const EMAIL_PROVIDERS = Object.keys(REPORTS) as (keyof typeof REPORTS)[];

/** The README's table: refusals about the sender. */
const BLOCKS: [string, Refusal][] = [
  ['Microsoft 5.7.708 (IP not accepted)', { code: '5.7.708', text: '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.', permanent: true }],
  ['Microsoft 5.7.606 (banned IP)', { code: '5.7.606', text: '550 5.7.606 Access denied, banned sending IP [198.51.100.10].', permanent: true }],
  ['Gmail 5.7.26 (DMARC)', { code: '5.7.26', text: "550 5.7.26 Unauthenticated email from college.example is not accepted due to domain's DMARC policy.", permanent: true }],
  ['5.7.1 on a block list', { code: '5.7.1', text: '554 5.7.1 Service unavailable; Client host [198.51.100.10] blocked using zen.spamhaus.org', permanent: true }],
  ['Yahoo 4.7.0 for complaints (transient)', { code: '4.7.0', text: '421 4.7.0 [TSS04] Messages temporarily deferred due to user complaints', permanent: false }],
];
/** And refusals about the mailbox, which must still count against the address. */
const MAILBOX: [string, Refusal][] = [['5.1.1 no such user', { code: '5.1.1', text: '550 5.1.1 The email account that you tried to reach does not exist.', permanent: true }]];

describe.each(DATABASES)('on %s', (label) => {
  const options: TestAppOptions = {
    pluginConfig: {
      providers: {
        sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
        mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
        postmark: POSTMARK.credentials,
        ses: { topicArns: [vectors.sns.notification.TopicArn], fetchCertificate: async () => SNS_TEST_CERT_PEM },
      },
      twoStrike: { domains: [CAMPUS], windowDays: 14 },
    },
  };
  let server: ServerDatabase | null = null;
  // Registered before the suite's own hooks, so the app starts on the new database.
  beforeAll(async () => {
    if (label === 'sqlite') return;
    server = await createServerDatabase(label, 'sender_blocks');
    options.database = server.strapiConnection;
  });
  const suite = webhookSuite(`sender-blocks-${label}`, options);
  afterAll(async () => {
    await server?.drop();
  });

  let sequence = 0;
  /** Seeds a message to `address` sent through `provider`, and posts the provider's signed report of `refusal`. */
  async function refuse(provider: keyof typeof REPORTS, address: string, refusal: Refusal) {
    sequence += 1;
    const messageId = `${provider}-${label}-${sequence}-${Date.now()}`;
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address, provider, providerMessageId: messageId });
    const payload = REPORTS[provider]({ address, messageId, eventId: `evt-${sequence}-${Date.now()}` }, refusal);
    const response = await suite.send(signedRequest(provider, payload, provider === 'postmark' ? POSTMARK : {}));
    expect(response.status).toBe(200);
    return { log: await logRow(suite.strapi, seeded.log.documentId), ledger: await ledgerRow(suite.strapi, 'email', address) };
  }

  describe.each(EMAIL_PROVIDERS)('through %s', (provider) => {
    it.each(BLOCKS)('%s: the message is retried, the address is left active', async (_name, refusal) => {
      const { log, ledger } = await refuse(provider, 'ana@outlook.com', refusal);
      expect(log.status).toBe('deferred');
      expect(log.nextAttemptAt).not.toBeNull();
      expect(ledger?.state ?? 'active').toBe('active');
      expect(Number(ledger?.softBounceCount ?? 0)).toBe(0);
      const [event] = await eventRows(suite.strapi, { provider });
      expect(event).toMatchObject({ kind: 'sender_block', outcome: 'applied' });
      expect(event.reason).toMatch(/refused the sender, not the mailbox/);
    });

    it.each(MAILBOX)('%s: the message bounced and the address is failed', async (_name, refusal) => {
      const { log, ledger } = await refuse(provider, 'gone@example.net', refusal);
      expect(log.status).toBe('bounced');
      expect(ledger?.state).toBe('failed');
      expect((await eventRows(suite.strapi, { provider }))[0].kind).toBe('hard_bounce');
    });
  });

  it('a campus-wide block by one mailbox provider is one row of the report, and no address is failed', async () => {
    const microsoft = ['a@outlook.com', 'b@hotmail.co.uk', 'c@live.com', 'd@outlook.com'];
    for (const [i, address] of microsoft.entries()) await refuse(EMAIL_PROVIDERS[i % EMAIL_PROVIDERS.length], address, BLOCKS[0][1]);
    await refuse('sendgrid', 'e@gmail.com', BLOCKS[2][1]);
    await refuse('ses', 'f@gmail.com', BLOCKS[2][1]);
    await refuse('ses', 'gone@example.net', MAILBOX[0][1]);

    const token = await adminToken(suite.app);
    const today = new Date().toISOString().slice(0, 10);
    const response = await request(suite.app.server)
      .get(`/deliverability/reports/sender-blocks?from=${today}&to=${today}`)
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    const { rows, total } = response.body.data as { rows: { mailboxProvider: string; events: number; addresses: number; domains: string[]; lastCode: string }[]; total: number };
    expect(total).toBe(6);
    expect(rows.map((r) => [r.mailboxProvider, r.events, r.addresses])).toEqual([
      ['Microsoft', 4, 4],
      ['Google', 2, 2],
    ]);
    expect([...rows[0].domains].sort()).toEqual(['hotmail.co.uk', 'live.com', 'outlook.com']);
    const failed = await suite.strapi.db.query('plugin::deliverability.address').findMany({ where: { state: 'failed' } });
    expect(failed.map((row: { address: string }) => row.address)).toEqual(['gone@example.net']);

    const yesterday = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const before = await request(suite.app.server).get(`/deliverability/reports/sender-blocks?from=${yesterday}&to=${yesterday}`).set('Authorization', `Bearer ${token}`);
    expect(before.body.data.total).toBe(0);
    const bad = await request(suite.app.server).get(`/deliverability/reports/sender-blocks?from=${today}&to=${yesterday}`).set('Authorization', `Bearer ${token}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/from must not be after to/);
  });

  describe(`two strikes at ${CAMPUS}`, () => {
    const mailbox = MAILBOX[0][1];

    it('the first hard bounce leaves the campus address active; a second from another message fails it', async () => {
      const first = await refuse('sendgrid', `new.student@${CAMPUS}`, mailbox);
      expect(first.log.status).toBe('bounced');
      expect(first.ledger?.state).toBe('active');
      expect(first.ledger?.lastStrikeAt).not.toBeNull();
      expect((await eventRows(suite.strapi))[0].reason).toMatch(/First hard bounce at college\.ac\.uk/);
      const second = await refuse('mailgun', `new.student@${CAMPUS}`, mailbox);
      expect(second.ledger?.state).toBe('failed');
      expect(second.ledger?.reason).toMatch(/5\.1\.1/);
    });

    it('two bounces of one campus address racing: failed, whatever the order; one bounce posted twice at once: one strike', async () => {
      for (let round = 0; round < 3; round += 1) {
        const address = `race${round}@students.${CAMPUS}`;
        const seeded = await Promise.all(
          [0, 1].map((i) => seedMessage(suite.strapi, { channel: 'email', address, provider: 'sendgrid', providerMessageId: `race-${label}-${round}-${i}` })),
        );
        const requests = seeded.map((_, i) => signedRequest('sendgrid', REPORTS.sendgrid({ address, messageId: `race-${label}-${round}-${i}`, eventId: `race-${round}-${i}` }, mailbox)));
        const answers = await Promise.all(requests.map((r) => suite.send(r)));
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
        expect((await ledgerRow(suite.strapi, 'email', address))?.state).toBe('failed');

        const single = `single${round}@${CAMPUS}`;
        await seedMessage(suite.strapi, { channel: 'email', address: single, provider: 'sendgrid', providerMessageId: `single-${label}-${round}` });
        const once = signedRequest('sendgrid', REPORTS.sendgrid({ address: single, messageId: `single-${label}-${round}`, eventId: `single-${round}` }, mailbox));
        const copies = await Promise.all([suite.send(once), suite.send(once), suite.send(once)]);
        expect(copies.map((a) => a.status)).toEqual([200, 200, 200]);
        expect((await ledgerRow(suite.strapi, 'email', single))?.state).toBe('active');
        expect(await eventRows(suite.strapi, { address: single })).toHaveLength(1);
      }
    });
  });
});
