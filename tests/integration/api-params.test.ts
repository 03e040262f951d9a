/**
 * Every admin and content API parameter given values no form would send: malformed dates, arrays,
 * objects, huge and ill-formed strings, bodies of the wrong shape. Each must be answered with 4xx
 * (or a plain 200 for a harmless filter), never 500 (issue 11).
 */
import request from 'supertest';
import { adminToken, apiToken, startApp, type TestApp } from '../helpers/app';
import { seedContact } from '../helpers/webhooks';

let app: TestApp;
let admin: string;
let api: string;
let contactId: string;

beforeAll(async () => {
  app = await startApp('api-params', { pluginConfig: { sending: { email: 'sandbox', sms: 'sandbox' } } });
  admin = await adminToken(app);
  api = await apiToken(app);
  contactId = await seedContact(app.strapi, 'email', 'params@example.com');
});

afterAll(async () => {
  await app?.stop();
});

// Node refuses request lines over 16 KB itself (431): long values in URLs stay under that.
const LONG = 'x'.repeat(5_000);
const HUGE = 'x'.repeat(100_000);
/** A test name that stays readable when the value is 100,000 characters long. */
const label = (text: string): string => (text.length > 60 ? `${text.slice(0, 40)}…(${text.length} chars)` : text);
const LONE = encodeURIComponent('a\uFFFD').replace('%EF%BF%BD', '%ED%A0%80'); // a lone surrogate, as raw UTF-8 bytes

const adminGet = (path: string) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${admin}`);
const adminPost = (path: string, body: unknown) =>
  request(app.server)
    .post(`/deliverability${path}`)
    .set('Authorization', `Bearer ${admin}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
const apiGet = (path: string) => request(app.server).get(`/api/deliverability${path}`).set('Authorization', `Bearer ${api}`);
const apiPost = (path: string, body: unknown) =>
  request(app.server)
    .post(`/api/deliverability${path}`)
    .set('Authorization', `Bearer ${api}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));

describe('reports', () => {
  it.each(
    [
      'to=x',
      'from=x',
      'to=2026-13-45',
      'to=99999-01-01',
      'to=-000001-01-01',
      'from=2026-01-01&to=x',
      'to=%00',
      `to=${LONG}`,
      'to[]=2026-01-01&to[]=x',
      'to[a]=b',
      'tzOffset=1e3',
      'tzOffset=840.5',
        'channel[]=fax',
    ].map((query) => [label(query), query]),
  )('GET /reports?%s answers 400, not 500', async (_label, query) => {
    const response = await adminGet(`/reports?${query}`);
    expect([response.status, label(query)]).toEqual([400, label(query)]);
    expect(response.body.error.message).toEqual(expect.any(String));
  });
});

describe('lists', () => {
  it.each(
    [
      `/suppressions?q=${LONG}`,
      `/suppressions?q=${LONE}`,
      '/suppressions?q=%25_%5C',
      '/suppressions?q[]=a&q[]=b',
      `/events/unmatched?provider=${LONG}`,
      '/events/unmatched?provider[a]=b',
      `/contacts/${'x'.repeat(300)}/logs`,
    ].map((path) => [label(path), path]),
  )('GET %s is not an error of ours (2xx or 4xx)', async (_label, path) => {
    const response = await adminGet(path);
    expect(response.status).toBeLessThan(500);
  });

  it.each(
    [
      '/suppressions?page=0',
      '/suppressions?page=1e400',
      '/suppressions?pageSize=-1',
      '/suppressions?state[]=failed&state[]=nope',
      '/events/unmatched?outcome=nope',
      '/events/unmatched?pageSize=1.5',
      `/contacts/x/logs?status=${LONG}`,
      '/contacts/x/logs?type[a]=b',
    ].map((path) => [label(path), path]),
  )('GET %s answers 400', async (_label, path) => {
    expect((await adminGet(path)).status).toBe(400);
  });

  it('an unknown contact or message answers 404', async () => {
    expect((await adminGet(`/logs/${'y'.repeat(500)}`)).status).toBe(404);
    expect((await adminGet(`/contacts/${contactId}/summary`)).status).toBe(200);
    expect((await adminPost(`/logs/${'y'.repeat(500)}/retry`, {})).status).toBe(404);
  });

  it('the summary and the logs refuse a type given as an object, or one the plugin does not track', async () => {
    expect((await adminGet(`/contacts/${contactId}/summary?type[a]=b`)).status).toBe(400);
    expect((await adminGet(`/contacts/${contactId}/summary?type=api::nope.nope`)).status).toBe(400);
    expect((await adminGet(`/contacts/${contactId}/logs?channel[]=email&channel[]=fax`)).status).toBe(400);
  });
});

describe('bodies', () => {
  it.each(
    [
      ['/addresses/lookup', { addresses: [{ channel: 'email', address: `x@${'a.'.repeat(50_000)}@` }] }, 200],
      ['/addresses/lookup', { addresses: [null] }, 400],
      ['/addresses/lookup', { addresses: [{ channel: 'email', address: 42 }] }, 400],
      ['/addresses/lookup', [], 400],
      ['/addresses/reactivate', { channel: 'email', address: HUGE, reason: 'r' }, 400],
      ['/addresses/reactivate', { channel: ['email'], address: 'a@example.com', reason: 'r' }, 400],
      ['/addresses/reactivate', { channel: 'email', address: 'a@example.com', reason: { text: 'r' } }, 400],
      ['/addresses/reactivate', 'not an object', 400],
    ].map(([path, body, status]) => [label(`${String(path)} ${JSON.stringify(body)}`), status as number, path as string, body]),
  )('POST %s answers %i', async (_label, status, path, body) => {
    expect((await adminPost(path, body)).status).toBe(status);
  });
});

describe('content API', () => {
  it.each(
    [
      [`/addresses/email/${encodeURIComponent(`x@${'a.'.repeat(2_400)}@`)}`, 400],
      ['/addresses/fax/a@example.com', 400],
      [`/addresses/sms/${LONG}`, 400],
      [`/messages/${'z'.repeat(500)}`, 404],
    ].map(([path, status]) => [label(String(path)), status as number, path as string]),
  )('GET %s answers %s', async (_label, status, path) => {
    expect((await apiGet(path)).status).toBe(status);
  });

  it.each(
    [
      [{ channel: 'email', to: { address: `x@${'a.'.repeat(50_000)}@` }, subject: 's', text: 't' }],
      [{ channel: 'email', to: { address: HUGE }, subject: 's', text: 't' }],
      [{ channel: ['email'], to: { address: 'a@example.com' }, subject: 's', text: 't' }],
      [{ channel: 'email', to: 'a@example.com', subject: 's', text: 't' }],
      [{ channel: 'email', to: { contact: { $ne: null } }, subject: 's', text: 't' }],
      [{ channel: 'email', to: { address: 'a@example.com' }, subject: 's', text: 't', idempotencyKey: { a: 1 } }],
      [[]],
      ['text'],
    ].map(([body]) => [label(JSON.stringify(body)), body]),
  )('POST /messages %s answers 4xx', async (_label, body) => {
    const response = await apiPost('/messages', body);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
