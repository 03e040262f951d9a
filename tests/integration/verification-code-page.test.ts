/**
 * The texted code's page (`/verifications/code/:id`), over real HTTP: the SMS points at it, GET
 * shows a form for the six digits, POST answers a page that says what happened (confirmed, wrong
 * with the tries left, the last wrong try, expired, replaced by a newer code, too many requests),
 * and only the right code, in time, makes the number active.
 */
import { adminToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { applyEvents, eventFor, UID } from '../helpers/admin';
import { sandboxConfig } from '../helpers/sandbox';
import { table } from '../../server/src/utils/plugin';
import type { SandboxTransport } from '../../server/src/transports/sandbox';

jest.setTimeout(120_000);

const NUMBERS = ['+447700900811', '+447700900812', '+447700900813', '+447700900814'];

describe('the SMS code page', () => {
  let app: TestApp;
  let origin: string;
  let token: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await startApp('verification-code-page', {
      port,
      pluginConfig: sandboxConfig(port, {
        reactivation: { requireVerification: true, secret: 'code-page-test-secret-0123456789', maxCodeAttempts: 3 },
        rateLimits: { confirmPerTarget: { limit: 5, windowSeconds: 3600 } },
      }),
    });
    await listen(app, port);
    token = await adminToken(app);
    const sms = {
      provider: 'twilio' as const,
      channel: 'sms' as const,
      severity: 'permanent' as const,
      kind: 'hard_bounce' as const,
      rawCode: '21614',
    };
    await applyEvents(
      app,
      NUMBERS.map((address) => eventFor(null, { ...sms, address })),
    );
  });

  afterAll(async () => {
    await app?.stop();
  });

  const reactivate = async (address: string): Promise<void> => {
    const response = await fetch(`${origin}/deliverability/addresses/reactivate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'sms', address, reason: 'The student asked at the desk' }),
    });
    expect(response.status).toBe(200);
  };
  /** The last text to `address`: its code and the page it names. */
  const lastText = (address: string): { code: string; page: string; body: string } => {
    const transport = (app.strapi.plugin('deliverability').service('transports') as { for(c: string): SandboxTransport }).for('sms');
    const body = String((transport.received.filter((m) => m.to === address).pop()!.content as { body: string }).body);
    return { body, code: /\b(\d{6})\b/.exec(body)![1], page: /(https?:\/\/\S+\/verifications\/code\/[A-Za-z0-9]+)/.exec(body)![1] };
  };
  const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const post = async (page: string, code: string) => {
    const response = await fetch(page, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code }).toString(),
    });
    return { status: response.status, html: await response.text(), retryAfter: response.headers.get('retry-after') };
  };
  const state = async (address: string) => (await table(app.strapi, UID.address).findOne({ where: { channel: 'sms', address } }))?.state;

  it('is where the text sends the student, and shows a form for the code in the unsubscribe pages’ look', async () => {
    await reactivate(NUMBERS[0]);
    const text = lastText(NUMBERS[0]);
    expect(text.body).toMatch(
      new RegExp(`code to confirm this number: ${text.code}\\. Enter it at ${origin}/api/deliverability/verifications/code/`),
    );
    const response = await fetch(text.page);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toMatch(/<form method="post">.*<input id="code" name="code"[^>]*autocomplete="one-time-code"/s);
    expect((await fetch(`${origin}/api/deliverability/verifications/code/nosuchverification`)).status).toBe(404);
  });

  it('says how many tries are left after a wrong code, changing nothing, then confirms with the right one', async () => {
    const { code, page } = lastText(NUMBERS[0]);
    const wrong = await post(page, wrongOf(code));
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('That code is not right. You can try 2 more times.');
    expect(wrong.html).toContain('name="code"');
    expect(await state(NUMBERS[0])).toBe('failed');
    const right = await post(page, code);
    expect(right.status).toBe(200);
    expect(right.html).toContain('Confirmed. Your college can reach you there again.');
    expect(await state(NUMBERS[0])).toBe('active');
    const again = await post(page, code);
    expect([again.status, again.html.includes('already confirmed')]).toEqual([200, true]);
  });

  it('voids the code after the allowed wrong tries: even the right code is refused, and the page says to ask again', async () => {
    await reactivate(NUMBERS[1]);
    const { code, page } = lastText(NUMBERS[1]);
    const tries = [];
    for (let i = 0; i < 3; i += 1) tries.push(await post(page, wrongOf(code)));
    expect(tries[2].html).toContain('that was the last try');
    expect(tries[2].html).not.toContain('name="code"');
    const right = await post(page, code);
    expect(right.status).toBe(410);
    expect(right.html).toContain('Too many wrong codes were typed');
    expect(await state(NUMBERS[1])).toBe('failed');
  });

  it('refuses an expired code, and a code replaced by a newer one, each saying so', async () => {
    await reactivate(NUMBERS[2]);
    const expired = lastText(NUMBERS[2]);
    await table(app.strapi, UID.verification).updateMany({
      where: { channel: 'sms', address: NUMBERS[2], status: 'pending' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const late = await post(expired.page, expired.code);
    expect([late.status, late.html.includes('This code has expired')]).toEqual([410, true]);
    await reactivate(NUMBERS[2]);
    const replaced = await post(expired.page, expired.code);
    expect([replaced.status, replaced.html.includes('A newer code was sent')]).toEqual([410, true]);
    expect(await state(NUMBERS[2])).toBe('failed');
    const newest = lastText(NUMBERS[2]);
    expect(newest.page).not.toBe(expired.page);
    expect((await post(newest.page, newest.code)).status).toBe(200);
  });

  it('answers a 429 page past confirmPerTarget tries on one code, with Retry-After', async () => {
    await reactivate(NUMBERS[3]);
    const { page } = lastText(NUMBERS[3]);
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await post(page, 'abc'));
    // Three wrong codes void it (400, 400, 400), then 410: each still counted against the page's limit.
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([400, 400, 400, 410, 410]);
    expect(answers[5]).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(answers[5].html).toContain('Too many attempts just now');
  });
});
