/**
 * Reactivation that waits for the student, in a real browser (`reactivation.requireVerification`
 * turned on through the playground's environment): an editor reactivates the hard-bounced
 * student's address from her Full Logs, the card says "Pending verification" and the address stays
 * failed; the editor sends it again (the old link stops working); the student opens the signed link
 * and presses its button; the card then shows the address
 * active. The link is the one the plugin emailed: the plugin signs `<verification>.<expiry>` with the
 * secret this test gave it, so the test rebuilds it from the card's verification id and expiry.
 * Screenshots go to docs/screenshots (the README shows them).
 */
import type { Browser, Page } from 'playwright-core';
import { signLinkToken } from '../../server/src/core/verification';
import { openBrowser, shot as screenshot, step as browserStep, logIn } from './browser';
import { buildPlaygroundIfStale, startPlayground, type RunningPlayground } from './playground';

const LIST = '/admin/content-manager/collection-types/plugin::deliverability.contact?page=1&pageSize=10&sort=id:ASC';
const AMIRA = 'amira.haddad@bounce.test';
/** The playground's student whose mobile failed (a hard SMS failure). */
const CHLOE = 'chloe.martin@example.ac.uk';
const SECRET = `e2e-verification-secret-${process.pid}-0123456789`;

let playground: RunningPlayground;
let browser: Browser;
let page: Page;

const shot = (name: string): Promise<void> => screenshot(page, name);
const step = (name: string, body: () => Promise<void>): void => browserStep(name, () => page, body);

beforeAll(async () => {
  buildPlaygroundIfStale();
  playground = await startPlayground({
    DELIVERABILITY_REQUIRE_VERIFICATION: 'true',
    DELIVERABILITY_VERIFICATION_SECRET: SECRET,
    // The sandbox would report the verification email to a bounce.test address as bounced; the
    // test looks at the confirmation, so the reports wait until it is over.
    DELIVERABILITY_SANDBOX_DELAY_MS: '600000',
  });
  ({ browser, page } = await openBrowser());
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
});

describe('reactivation with verification, in Chromium', () => {
  let fullLogs: string;

  step('logs in and opens the hard-bounced student’s Full Logs', async () => {
    await logIn(page, playground.url);
    await page.goto(`${playground.url}${LIST}`);
    await page.locator('tbody tr').filter({ hasText: AMIRA }).locator('td').nth(1).click();
    const panel = page.locator('[data-deliverability-panel]');
    await panel.waitFor();
    await panel.getByRole('link', { name: /full logs/i }).click();
    await page.waitForURL(/\/plugins\/deliverability\/contacts\/[a-z0-9]+\/logs/);
    fullLogs = page.url();
  });

  step('reactivates: the card says "pending verification" and the address stays failed', async () => {
    const card = page.locator('[data-address-card="email"]');
    await card.getByRole('button', { name: /reactivate/i }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await dialog.locator('textarea').fill('The student says the mailbox works again');
    await dialog.getByRole('button', { name: /^reactivate$/i }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/A confirmation was sent to/).first().waitFor();
    const pending = card.locator('[data-verification="pending"]');
    await pending.waitFor();
    expect(await pending.innerText()).toMatch(/pending verification/i);
    expect(await pending.innerText()).toMatch(/link sent to this address/);
    expect(await card.locator('[data-deliverability-badge="failed"]').count()).toBe(1);
    await shot('verification-pending');
  });

  step('sends the verification again: a new one replaces it, and the old link no longer works', async () => {
    const pending = page.locator('[data-address-card="email"] [data-verification="pending"]');
    const oldId = (await pending.getAttribute('data-verification-id'))!;
    const oldLink = signLinkToken(SECRET, oldId, Date.parse((await pending.getAttribute('data-verification-expires'))!));
    await pending.getByRole('button', { name: 'Send again' }).click();
    await page.getByText('A new verification was sent').first().waitFor();
    await page.locator(`[data-address-card="email"] [data-verification="pending"]:not([data-verification-id="${oldId}"])`).waitFor();
    expect(await page.locator('[data-address-card="email"] [data-deliverability-badge="failed"]').count()).toBe(1);
    const answer = await page.request.post(`${playground.url}/api/deliverability/verifications/confirm`, { data: { token: oldLink } });
    expect(answer.status()).toBe(410);
  });

  step('the student opens the emailed link and confirms', async () => {
    const pending = page.locator('[data-address-card="email"] [data-verification="pending"]');
    const id = (await pending.getAttribute('data-verification-id'))!;
    const expires = Date.parse((await pending.getAttribute('data-verification-expires'))!);
    const link = `${playground.url}/api/deliverability/verifications/confirm?token=${signLinkToken(SECRET, id, expires)}`;
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await shot('verification-confirmed');
  });

  step('the card shows the address active, with no verification pending', async () => {
    await page.goto(fullLogs);
    const card = page.locator('[data-address-card="email"]');
    await card.waitFor();
    await card.locator('[data-deliverability-badge]').waitFor({ state: 'detached' });
    expect(await card.innerText()).toMatch(/active/i);
    expect(await card.innerText()).toContain('The student says the mailbox works again');
    expect(await card.locator('[data-verification]').count()).toBe(0);
  });

  step('an SMS code: the student types the texted code on its page, and a wrong one is refused', async () => {
    await page.goto(`${playground.url}${LIST}`);
    await page.locator('tbody tr').filter({ hasText: CHLOE }).locator('td').nth(1).click();
    const panel = page.locator('[data-deliverability-panel]');
    await panel.waitFor();
    await panel.getByRole('link', { name: /full logs/i }).click();
    await page.waitForURL(/\/plugins\/deliverability\/contacts\/[a-z0-9]+\/logs/);
    const card = page.locator('[data-address-card="sms"]');
    await card.getByRole('button', { name: /reactivate/i }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await dialog.locator('textarea').fill('The student has a new SIM with the same number');
    await dialog.getByRole('button', { name: /^reactivate$/i }).click();
    await dialog.waitFor({ state: 'detached' });
    const pending = card.locator('[data-verification="pending"]');
    await pending.waitFor();
    // The text message names this page; the test cannot read the code (the sandbox keeps it), so it types a wrong one.
    await page.goto(`${playground.url}/api/deliverability/verifications/code/${await pending.getAttribute('data-verification-id')}`);
    await page.getByRole('heading', { name: 'Confirm your number' }).waitFor();
    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Confirm my number' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right. You can try 4 more times.' }).waitFor();
    await shot('verification-code-page');
  });
});
