/**
 * The advisors' worklist: students with a failed (or suppressed) address and no working
 * alternative, newest failure first, filterable by state, each with what failed and why. A student
 * whose other address still works is not on it; one whose address is only soft-bouncing is not either.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, eventFor, tokenWithActions } from '../helpers/admin';
import type { WorklistItem } from '../../server/src/contract';

let app: TestApp;
let token: string;
const ids: Record<string, string> = {};
const t0 = Date.now() - 86_400_000;

beforeAll(async () => {
  app = await startApp('worklist');
  token = await adminToken(app);
  ids.noMobile = await createContact(app, { firstName: 'Aisha', lastName: 'Noor', email: 'aisha@example.ac.uk' });
  ids.bothDead = await createContact(app, { firstName: 'Bruno', lastName: 'Costa', email: 'bruno@example.ac.uk', mobile: '+447700900601' });
  ids.smsWorks = await createContact(app, { firstName: 'Chen', lastName: 'Wei', email: 'chen@example.ac.uk', mobile: '+447700900602' });
  ids.optedOut = await createContact(app, { firstName: 'Dara', lastName: 'Quinn', mobile: '+447700900603' });
  ids.soft = await createContact(app, { firstName: 'Eve', lastName: 'Stone', email: 'eve@example.ac.uk' });
  // One batch each, in order: the worklist orders by when the plugin recorded each failure.
  const sms = { provider: 'twilio' as const, channel: 'sms' as const, severity: 'permanent' as const };
  const events = [
    eventFor(null, { address: 'aisha@example.ac.uk', kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent', occurredAt: t0 + 1000 }),
    eventFor(null, { address: 'bruno@example.ac.uk', kind: 'complaint', occurredAt: t0 + 2000 }),
    eventFor(null, { ...sms, address: '+447700900601', kind: 'hard_bounce', rawCode: '21614', occurredAt: t0 + 3000 }),
    eventFor(null, { address: 'chen@example.ac.uk', kind: 'hard_bounce', severity: 'permanent', occurredAt: t0 + 4000 }),
    eventFor(null, { ...sms, address: '+447700900603', kind: 'opt_out', rawCode: '21610', occurredAt: t0 + 5000 }),
    eventFor(null, { address: 'eve@example.ac.uk', kind: 'soft_bounce', severity: 'transient', occurredAt: t0 + 6000 }),
  ];
  for (const event of events) {
    await applyEvents(app, [event]);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});

afterAll(async () => {
  await app?.stop();
});

const worklist = (query = '', jwt = token) =>
  request(app.server).get(`/deliverability/worklist${query}`).set('Authorization', `Bearer ${jwt}`);
const names = (items: WorklistItem[]) => items.map((i) => i.contact.displayName);

describe('the worklist', () => {
  it('lists the students no channel reaches, newest failure first, with each address and why', async () => {
    const response = await worklist();
    expect(response.status).toBe(200);
    expect(names(response.body.data.results)).toEqual(['Dara Quinn', 'Bruno Costa', 'Aisha Noor']);
    const bruno = response.body.data.results[1] as WorklistItem;
    expect(bruno.contact).toMatchObject({ documentId: ids.bothDead, type: 'plugin::deliverability.contact' });
    expect(bruno.addresses.map((a) => [a.channel, a.address, a.state])).toEqual([
      ['email', 'bruno@example.ac.uk', 'complained'],
      ['sms', '+447700900601', 'failed'],
    ]);
    expect(response.body.data.unlistedTypes).toEqual([]);
  });

  it('filters by state, pages, and refuses an unknown state', async () => {
    expect(names((await worklist('?state=failed')).body.data.results)).toEqual(['Bruno Costa', 'Aisha Noor']);
    expect(names((await worklist('?state=opted_out')).body.data.results)).toEqual(['Dara Quinn']);
    const page2 = (await worklist('?pageSize=2&page=2')).body.data;
    expect(names(page2.results)).toEqual(['Aisha Noor']);
    expect(page2.pagination).toMatchObject({ total: 3, pageCount: 2 });
    expect((await worklist('?state=soft_bouncing')).status).toBe(400);
  });

  it('drops a student once an address works again', async () => {
    const reactivated = await request(app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${token}`)
      .send({ channel: 'email', address: 'aisha@example.ac.uk', reason: 'Confirmed by phone' });
    expect(reactivated.status).toBe(200);
    expect(names((await worklist()).body.data.results)).toEqual(['Dara Quinn', 'Bruno Costa']);
  });

  it('needs the logs.read action', async () => {
    const reporter = await tokenWithActions(app, 'Reporter', [ACTIONS.reportsRead]);
    expect((await worklist('', reporter)).status).toBe(403);
  });
});
