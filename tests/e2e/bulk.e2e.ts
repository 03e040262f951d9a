/**
 * Bulk sends in a real browser: Debian's headless Chromium, driven by playwright-core, against the
 * built playground with its demo students and the sandbox transport (each address's outcome comes
 * from its domain: server/src/providers/sandbox/outcomes.ts), whose reports come back over signed
 * webhooks. The bulk worker runs (the retrier does not); the pace is slowed to two messages a second
 * and the breaker's minimum sample lowered to four, so that twenty students show progress and four
 * hard bounces trip it. An editor composes a send (a refusal shown on its field, then the preview
 * with the merged content and the suppressed count), watches it to the end, composes a second one
 * to a filtered cohort whose first addresses bounce, sees the breaker pause it with its figures,
 * resumes it to the end, pauses and cancels a third by hand, and reads the reports' breakdown by
 * mailbox provider. Screenshots go to
 * docs/screenshots (the README shows them).
 */
import type { Browser, Page } from 'playwright-core';
import { sandboxKeys } from '../helpers/sandbox';
import { adminApiToken, openBrowser, shot, step as browserStep, logIn } from './browser';
import { buildPlaygroundIfStale, startPlayground, type RunningPlayground } from './playground';

const BULK = '/admin/plugins/deliverability/bulk';
const CONTACT_UID = 'plugin::deliverability.contact';
/** The breaker's cohort: its first four addresses hard-bounce at the sandbox, the other sixteen are delivered. */
const COHORT = { lastName: 'Breaker', bouncing: 4, good: 16 };
const DEMO_STUDENTS = 20;

let playground: RunningPlayground;
let browser: Browser;
let page: Page;

/** A test step that leaves a screenshot and the server's last log lines when it fails. */
const step = (name: string, body: () => Promise<void>): void =>
  browserStep(
    name,
    () => page,
    body,
    () => playground?.logs().slice(-3000) ?? '',
  );

/** Creates the breaker's cohort through the Content Manager's own API, as an editor's import would. */
async function createCohort(): Promise<void> {
  const token = await adminApiToken(playground.url);
  const total = COHORT.bouncing + COHORT.good;
  for (let i = 0; i < total; i += 1) {
    const email = i < COHORT.bouncing ? `cohort.${i}@bounce.test` : `cohort.${i}@example.ac.uk`;
    const response = await fetch(`${playground.url}/content-manager/collection-types/${CONTACT_UID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ firstName: `Student${i}`, lastName: COHORT.lastName, email }),
    });
    if (!response.ok) throw new Error(`creating a contact failed: ${response.status} ${await response.text()}`);
  }
}

/** Picks an option of a design-system select (a combobox) by the select's label and the option's text. */
async function choose(label: string | RegExp, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label }).last().click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** The number a figure of the send's page shows. */
async function figure(id: string): Promise<number> {
  return Number((await page.locator(`[data-bulk-figure="${id}"] [data-value]`).innerText()).replace(/[^\d]/g, ''));
}

/** Polls the page until `check` holds (the figures move as the sandbox's reports come back). */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

/** Fills the compose form's content. */
async function writeMessage(sourceName: string, subject: string, text: string): Promise<void> {
  await page.getByLabel('Source name').fill(sourceName);
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message').fill(text);
}

beforeAll(async () => {
  buildPlaygroundIfStale();
  // Keys for the sandbox to sign its delivery reports as SendGrid would: without them no report comes back.
  const keys = sandboxKeys();
  playground = await startPlayground({
    DELIVERABILITY_SENDGRID_PUBLIC_KEY: keys.sendgridPublicKey,
    DELIVERABILITY_SANDBOX_SENDGRID_PRIVATE_KEY: keys.sendgridPrivateKey,
    DELIVERABILITY_BULK_RATE: '2',
    DELIVERABILITY_BREAKER_MIN_SAMPLE: '4',
    // This test starts from no bulk send: without the demo's one held by quiet hours.
    DELIVERABILITY_DEMO_HELD_SMS: 'false',
  });
  ({ browser, page } = await openBrowser());
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
});

describe('bulk sends, in Chromium', () => {
  step('logs in and finds no bulk send yet', async () => {
    await logIn(page, playground.url);
    await page.goto(`${playground.url}${BULK}`);
    await page.getByText('No bulk send yet.').waitFor();
  });

  step('shows a refusal on the field it is about, then previews the merged messages and the suppressed count', async () => {
    await page.getByRole('button', { name: 'New bulk send' }).click();
    await page.waitForURL(/\/bulk\/new$/);
    await writeMessage('Term start welcome', 'Welcome, {{firstName}}', 'Hello {{nickname}}, term starts on Monday.');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    // The contact type has no "nickname": said under the message, and nothing previewed.
    const messageField = page
      .locator('div')
      .filter({ has: page.getByLabel('Message') })
      .filter({ hasText: 'nickname' })
      .last();
    await messageField.waitFor();
    expect(await page.locator('[data-bulk-preview]').count()).toBe(0);

    // The category: marketing unless the editor picks another, with what it implies said under it.
    expect(await page.getByRole('combobox', { name: 'Category' }).innerText()).toMatch(/Marketing/);
    expect(await page.locator('[data-category-implies="marketing"]').innerText()).toBe(
      'Email carries a one-click unsubscribe link; skips students who unsubscribed; no fallback to the other channel.',
    );
    await page.getByLabel('Message').fill('Hello {{firstName}}, term starts on Monday.');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.locator('[data-bulk-preview]');
    await preview.waitFor();
    // All twenty demo students; Amira's address hard-bounced and Elena complained: both dropped.
    await preview.locator(`[data-preview-total="${DEMO_STUDENTS}"]`).waitFor();
    await preview.locator('[data-preview-suppressed="2"]').waitFor();
    const amira = preview.locator('[data-preview-recipient="amira.haddad@bounce.test"]');
    expect(await amira.innerText()).toMatch(/Welcome, Amira[\s\S]*Hello Amira, term starts on Monday\.[\s\S]*Dropped/i);
    const farah = preview.locator('[data-preview-recipient="farah.khan@example.ac.uk"]');
    expect(await farah.innerText()).toMatch(/Welcome, Farah[\s\S]*Will be sent/i);
    await shot(page, 'bulk-compose-preview', 1300);
  });

  step('sends, and shows the progress and figures while it runs, to the end', async () => {
    await page.getByRole('button', { name: `Send to ${DEMO_STUDENTS - 2} students` }).click();
    await page.waitForURL(/\/bulk\/[a-z0-9]+$/);
    await page.locator('[data-bulk-status="running"], [data-bulk-status="queued"]').first().waitFor();
    expect(await page.locator('[data-bulk-category="marketing"]').innerText()).toBe('Category: Marketing');
    // Two a second: part-way through, some are sent and some still queued.
    await until(async () => (await figure('sent')) >= 4 && (await figure('queued')) >= 4, 30_000, 'a send part-way through');
    expect(await figure('perMinute')).toBeGreaterThan(0);
    const progress = Number(await page.locator('[data-bulk-progress]').getAttribute('data-bulk-progress'));
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThan(100);
    // The "messages queued" notice covers the title: closed as an editor would, for the picture.
    const close = page.getByRole('button', { name: 'Close' });
    if ((await close.count()) > 0) await close.first().click();
    await page.getByText('messages queued.').waitFor({ state: 'detached', timeout: 10_000 });
    await shot(page, 'bulk-progress');
    await page.locator('[data-bulk-status="done"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-bulk-progress="100"]').waitFor();
    expect(await figure('dropped')).toBe(2);
    expect(await figure('queued')).toBe(0);
    // The sandbox's reports come back after a second and a half: wait for the delivered ones.
    await until(async () => (await figure('delivered')) >= 15, 30_000, 'the delivered reports');
    await page.locator('[data-mailbox-provider="campus"]').waitFor({ timeout: 15_000 });
  });

  step('pauses by itself when its first addresses hard-bounce, with the figures that tripped it', async () => {
    await createCohort();
    await page.goto(`${playground.url}${BULK}/new`);
    await writeMessage('Breaker demo', 'Welcome, {{firstName}}', 'Hello {{firstName}}.');
    await page.getByRole('button', { name: 'Add a condition' }).click();
    await choose('Field', 'lastName');
    await page.getByLabel('Value').fill(COHORT.lastName);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator(`[data-preview-total="${COHORT.bouncing + COHORT.good}"]`).waitFor();
    await page.getByRole('button', { name: `Send to ${COHORT.bouncing + COHORT.good} students` }).click();
    await page.waitForURL(/\/bulk\/[a-z0-9]+$/);

    const notice = page.locator('[data-bulk-pause="breaker"]');
    await notice.waitFor({ timeout: 60_000 });
    await page.locator('[data-bulk-status="paused"]').waitFor();
    expect(await notice.innerText()).toMatch(
      /hard-bounce rate reached [\d.]+% \(\d+ of \d+ messages with a known outcome\), over the 5% threshold/,
    );
    // It stopped part-way: the rest wait in the queue.
    await page.waitForTimeout(2000);
    const queued = await figure('queued');
    expect(queued).toBeGreaterThan(0);
    await page.waitForTimeout(2000);
    expect(await figure('queued')).toBe(queued);
    await page.locator('[data-mailbox-provider="bounce.test"]').waitFor({ timeout: 15_000 });
    await shot(page, 'bulk-breaker-paused', 1100);
  });

  step('resumes on the editor`s word and finishes the send', async () => {
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-bulk-status="running"], [data-bulk-status="done"]').first().waitFor();
    expect(await page.locator('[data-bulk-pause]').count()).toBe(0);
    await page.locator('[data-bulk-status="done"]').waitFor({ timeout: 60_000 });
    expect(await figure('queued')).toBe(0);
    await page.goto(`${playground.url}${BULK}`);
    await page.locator('[data-bulk-row]').nth(1).waitFor();
    expect(await page.locator('[data-bulk-row]').count()).toBe(2);
    expect(await page.locator('[data-bulk-row]').first().innerText()).toMatch(/Breaker demo[\s\S]*Done/i);
  });

  step('lets the editor pause a send and then cancel what is left of it', async () => {
    await page.goto(`${playground.url}${BULK}/new`);
    await writeMessage('Cancelled mailing', 'Hello {{firstName}}', 'A mailing sent by mistake.');
    await choose('Category', 'Transactional');
    expect(await page.locator('[data-category-implies="transactional"]').innerText()).toBe(
      'No unsubscribe link; reaches students who unsubscribed; no fallback to the other channel.',
    );
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('[data-bulk-preview]').waitFor();
    await page.getByRole('button', { name: /^Send to \d+ students$/ }).click();
    await page.waitForURL(/\/bulk\/[a-z0-9]+$/);
    expect(await page.locator('[data-bulk-category="transactional"]').innerText()).toBe('Category: Transactional');
    await until(async () => (await figure('sent')) >= 2, 30_000, 'the first hand-offs');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.locator('[data-bulk-status="paused"]').waitFor();
    expect(await page.locator('[data-bulk-pause="editor"]').innerText()).toMatch(/Paused by Playground Admin/);
    // Paused: once the batch in flight is done (the page keeps polling), nothing more is handed over.
    await page.waitForTimeout(1500);
    const sent = await figure('sent');
    await page.waitForTimeout(2500);
    expect(await figure('sent')).toBe(sent);

    await page.getByRole('button', { name: 'Cancel the send' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText(/messages still queued will not be sent/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel the send' }).click();
    await page.locator('[data-bulk-status="cancelled"]').waitFor();
    expect(await figure('queued')).toBe(0);
    expect(await page.getByText(/taken off the queue by a cancel/).innerText()).toMatch(/Not sent: [1-9]\d* taken off the queue/);
    await page.locator('[data-bulk-progress="100"]').waitFor();
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    await page.goto(`${playground.url}${BULK}`);
    await page.locator('[data-bulk-row]').nth(2).waitFor();
    expect(await page.locator('[data-bulk-row]').first().innerText()).toMatch(/Cancelled mailing[\s\S]*Cancelled/i);
    await shot(page, 'bulk-list');
  });

  step('shows the reports by mailbox provider, the campus apart', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/reports`);
    const section = page.locator('[data-mailbox-report]');
    await section.locator('[data-mailbox-provider="campus"]').waitFor();
    expect(await section.innerText()).toMatch(/Campus: example\.ac\.uk/);
    const bounceRow = section.locator('[data-mailbox-provider="bounce.test"]');
    await bounceRow.waitFor();
    await section.scrollIntoViewIfNeeded();
    await shot(page, 'reports-mailbox-providers', 1800);
  });

  step('lists the breaker`s pause in the reports, with its figures and a link to the send', async () => {
    const pauses = page.locator('[data-breaker-pauses="1"]');
    await pauses.waitFor();
    const row = pauses.locator('[data-breaker-pause]');
    expect(await row.count()).toBe(1);
    await pauses.scrollIntoViewIfNeeded();
    await shot(page, 'reports-breaker-pauses', 1100);
    // The send was resumed and finished since: the pause is still listed, with its status now.
    expect(await row.innerText()).toMatch(
      /Breaker demo[\s\S]*hard-bounce rate reached [\d.]+% \(\d+ of \d+ messages with a known outcome\), over the 5% threshold[\s\S]*Done/i,
    );
    await row.getByRole('link', { name: 'Breaker demo' }).click();
    await page.waitForURL(/\/bulk\/[a-z0-9]+$/);
    await page.locator('[data-bulk-status="done"]').waitFor();
  });
});
