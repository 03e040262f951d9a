/**
 * The shared rate limits on SQLite (one process, parallel requests): the limit holds, a refused
 * request changes nothing, and windows that have ended are swept. rate-limits.test.ts runs two
 * processes on PostgreSQL and MariaDB.
 */
import request from 'supertest';
import { freePort, listen, startApp, type TestApp } from '../helpers/app';
import { LIMITS, rateLimitedConfig, waitForRoomInWindow } from '../helpers/rate-limits';
import { UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

jest.setTimeout(120_000);

describe('rate limits on SQLite', () => {
  let app: TestApp;
  const rateLimits = () => app.strapi.plugin('deliverability').service('rate-limits') as { sweep(now?: number): Promise<number> };

  beforeAll(async () => {
    const port = await freePort();
    app = await startApp('rate-limits-sqlite', { port, pluginConfig: rateLimitedConfig() });
    await listen(app, port);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('lets through at most confirmPerTarget parallel codes for one number, the rest 429', async () => {
    await waitForRoomInWindow();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(app.server).post('/api/deliverability/verifications/confirm').send({ address: '+447700900777', code: '123456' }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(LIMITS.confirmPerTarget.limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 - LIMITS.confirmPerTarget.limit);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.error).toMatchObject({ status: 429, name: 'TooManyRequests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('limits the one-click unsubscribe page per IP, with an HTML 429', async () => {
    await waitForRoomInWindow();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(app.server).post('/api/deliverability/unsubscribe/forged').type('form').send('List-Unsubscribe=One-Click'),
      ),
    );
    expect(answers.filter((a) => a.status !== 429)).toHaveLength(LIMITS.unsubscribePerIp.limit);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers['content-type']).toMatch(/text\/html/);
    expect(await table(app.strapi, UID.event).count({})).toBe(0);
  });

  it('sweeps the windows once they have ended, and only those', async () => {
    const rows = () => table(app.strapi, UID.rateWindow).count({});
    const before = await rows();
    expect(before).toBeGreaterThan(0);
    expect(await rateLimits().sweep(Date.now())).toBe(0);
    expect(await rows()).toBe(before);
    await rateLimits().sweep(Date.now() + 2 * 3_600_000);
    expect(await rows()).toBe(0);
  });
});
