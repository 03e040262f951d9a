/**
 * START reads a number's state and then writes it, and STOPs of one new number create its ledger
 * row: raced with real parallel requests on PostgreSQL and MariaDB (one Strapi per file).
 */
import type { TestAppOptions } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase } from '../helpers/databases';
import { signedRequest, webhookSuite } from '../helpers/webhook-suite';
import { ledgerRow, q, UID, vectors, WEBHOOKS } from '../helpers/webhooks';

const PUBLIC_URL = new URL(vectors.twilio.url).origin;
const TWILIO_URL = `${PUBLIC_URL}${WEBHOOKS}/twilio`;
const PLUGIN_CONFIG = { publicUrl: PUBLIC_URL, providers: { twilio: { authToken: vectors.twilio.authToken } } };

let sequence = 0;
function twilioText(from: string, body: string, sid = `SM${Date.now()}${(sequence += 1)}`) {
  const form = new URLSearchParams({ MessageSid: sid, From: from, To: '+447700900000', Body: body }).toString();
  return signedRequest('twilio', form, { publicUrl: TWILIO_URL, query: '/inbound', secret: vectors.twilio.authToken });
}
const kinds = serverKinds('inbound-sms-race.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as const]);

/** START reads the number's state and then writes it: raced on the servers that run transactions at once. */
describeEach('racing texts on %s', (kind) => {
  const options: TestAppOptions = { pluginConfig: PLUGIN_CONFIG };
  let server: ServerDatabase | null = null;
  beforeAll(async () => {
    server = await createServerDatabase(kind as 'postgres' | 'mysql', 'inbound_sms');
    options.database = server.strapiConnection;
  });
  const racing = webhookSuite(`inbound-sms-${kind}`, options);
  afterAll(async () => {
    await server?.drop();
  });

  it('three STOPs at once: opted out, three entries; then three copies of one START at once: active, one entry', async () => {
    const number = `+44770090${String(1000 + Math.floor(Math.random() * 8999))}`;
    const stops = await Promise.all(['STOP', 'stop', 'Quit'].map((words) => racing.send(twilioText(number, words))));
    expect(stops.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await ledgerRow(racing.strapi, 'sms', number))?.state).toBe('opted_out');
    const start = twilioText(number, 'START', `SMrace${Date.now()}`);
    const starts = await Promise.all([racing.send(start), racing.send(start), racing.send(start)]);
    expect(starts.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await ledgerRow(racing.strapi, 'sms', number))?.state).toBe('active');
    const entries = await q(racing.strapi, UID.consent).findMany({ where: { address: number } });
    expect(entries.map((e) => e.action).sort()).toEqual(['opt_in', 'opt_out', 'opt_out', 'opt_out']);
  });
});
