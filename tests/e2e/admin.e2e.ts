/**
 * The admin panel in a real browser: Debian's headless Chromium, driven by playwright-core, against
 * the built playground with its demo students. An editor logs in, sees the red X beside the
 * hard-bounced student in the Content Manager, opens her Full Logs and finds the Bounced message
 * with the provider's code, reactivates the address and sees the badge go, re-classifies her
 * bounce as a block of the sender, reads a number's consent history after signed STOP/START texts,
 * retries a failed message, and opens the reports page with its chart drawn and the one-click unsubscribe a
 * student made through a signed link counted. Screenshots of each step go to
 * docs/screenshots (the README shows them).
 */
import type { Browser, Page } from 'playwright-core';
import { twilioHeaders } from '../helpers/webhooks';
import { signUnsubscribeToken } from '../../server/src/core/unsubscribe';
import { adminApiToken, openBrowser, shot as screenshot, step as browserStep, logIn } from './browser';
import { buildPlaygroundIfStale, startPlayground, TWILIO_TEST_TOKEN, type RunningPlayground } from './playground';
import { FAKE_KEYS, startFakeProviderLists, type FakeProviderLists } from '../helpers/fake-provider-lists';

// With a query of its own: without one, the Content Manager reopens the list with the last filters used.
const LIST = '/admin/content-manager/collection-types/plugin::deliverability.contact?page=1&pageSize=10&sort=id:ASC';
const AMIRA = 'amira.haddad@bounce.test';
const NOAH = 'noah.williams@example.ac.uk';
/** She unsubscribes by a bulk email's one-click link; the reports count it. */
const FARAH = 'farah.khan@example.ac.uk';
/** The secret the playground signs (and checks) one-click unsubscribe links with, for this run. */
const UNSUBSCRIBE_SECRET = `e2e-unsubscribe-${process.pid}-${Date.now()}-secret`;
let fakeLists: FakeProviderLists;

let playground: RunningPlayground;
let browser: Browser;
let page: Page;

const shot = (name: string, height?: number): Promise<void> => screenshot(page, name, height);
const step = (name: string, body: () => Promise<void>): void => browserStep(name, () => page, body);

/** The row of the Content Manager's list that shows this text. */
const rowWith = (text: string) => page.locator('tbody tr').filter({ hasText: text });

beforeAll(async () => {
  buildPlaygroundIfStale();
  // SendGrid's suppression list, as a fake API on 127.0.0.1: Noah's address bounced there before the
  // plugin knew; Amira's is listed too, and lifting her there fails once (the drift report shows it).
  fakeLists = await startFakeProviderLists();
  const day = 86_400;
  const now = Math.floor(Date.now() / 1000);
  fakeLists.seed('sendgrid:bounces', [
    { address: AMIRA, created: now - 2 * day, reason: '550 5.1.1 The email account does not exist', code: '5.1.1' },
    { address: NOAH, created: now - day, reason: '550 5.1.1 Mailbox unavailable', code: '5.1.1' },
  ]);
  fakeLists.failures.push({ method: 'DELETE', when: (p) => p === `/sendgrid/v3/suppression/bounces/${encodeURIComponent(AMIRA)}`, status: 503 });
  playground = await startPlayground({
    DELIVERABILITY_SENDGRID_API_KEY: FAKE_KEYS.sendgrid,
    DELIVERABILITY_SENDGRID_BASE_URL: `${fakeLists.baseUrl}/sendgrid`,
    DELIVERABILITY_UNSUBSCRIBE_SECRET: UNSUBSCRIBE_SECRET,
  });
  ({ browser, page } = await openBrowser());
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
  await fakeLists?.close();
});

describe('the admin panel, in Chromium', () => {
  step('logs in', async () => {
    await logIn(page, playground.url);
  });

  step('shows the red X beside the hard-bounced student in the list, with the reason on hover', async () => {
    await page.goto(`${playground.url}${LIST}`);
    const amira = rowWith(AMIRA);
    const badge = amira.locator('[data-deliverability-badge="failed"][data-channel="email"]');
    await badge.waitFor();
    expect(await badge.innerText()).toMatch(/failed/i);
    // A clean address looks like any other cell.
    await expect(rowWith('farah.khan@example.ac.uk').locator('[data-deliverability-badge]').count()).resolves.toBe(0);
    // Amber while soft-bouncing.
    await expect(rowWith('ben.okafor@full.test').locator('[data-deliverability-badge="soft_bouncing"]').count()).resolves.toBe(1);
    await badge.hover();
    const tooltip = page.getByRole('tooltip');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toContain('550 5.1.1');
    await shot('list-view-badges');
    // Full Logs is also in each row's menu.
    await amira.getByRole('button', { name: /row actions/i }).click();
    await page.getByRole('menuitem', { name: 'Full Logs' }).waitFor();
    await page.keyboard.press('Escape');
  });

  step('sorts the list by email status', async () => {
    // Descending: soft_bouncing, opted_out, failed, complained, active.
    await page.goto(`${playground.url}${LIST.replace('sort=id:ASC', 'sort=emailStatus:DESC')}`);
    await rowWith('ben.okafor@full.test').waitFor();
    expect(await page.locator('tbody tr').first().innerText()).toContain('ben.okafor@full.test');
    expect(await page.locator('tbody tr').nth(1).innerText()).toContain(AMIRA);
  });

  step('filters the list by email status', async () => {
    await page.goto(`${playground.url}${LIST}&filters[$and][0][emailStatus][$eq]=failed`);
    await rowWith(AMIRA).waitFor();
    const rows = await page.locator('tbody tr').count();
    expect(rows).toBe(1);
    // The Content Manager remembers filters; take it off as an editor would.
    await page.getByRole('button', { name: 'Email status is failed' }).click();
    await rowWith('farah.khan@example.ac.uk').waitFor();
  });

  step("pulls SendGrid's suppression list from the Providers page, and Noah becomes unreachable", async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/providers`);
    const sendgrid = page.locator('[data-sync-provider="sendgrid"]');
    await sendgrid.getByRole('button', { name: 'Sync now' }).click();
    await sendgrid.getByText('Up to date').waitFor();
    expect(await sendgrid.innerText()).toMatch(/2 entries read, 2 new/);
    await page.goto(`${playground.url}/admin/plugins/deliverability/worklist`);
    const noah = page.locator('[data-worklist-row="Noah Williams"]');
    await noah.waitFor();
    expect(await noah.innerText()).toContain(NOAH);
    // Everyone else still has a working channel.
    expect(await page.locator('[data-worklist-row]').count()).toBe(1);
    await shot('worklist');
  });

  step("opens the student's Full Logs and finds the Bounced message with its provider code", async () => {
    await page.goto(`${playground.url}${LIST}`);
    await rowWith(AMIRA).locator('td').nth(1).click();
    await page.waitForURL(/\/content-manager\/collection-types\/plugin::deliverability\.contact\/[a-z0-9]+/);
    // The badge beside the email label, and the side panel.
    await page.locator('[data-deliverability-badge="failed"][data-channel="email"]').first().waitFor();
    const panel = page.locator('[data-deliverability-panel]');
    await panel.waitFor();
    expect(await panel.innerText()).toContain(AMIRA);
    await shot('edit-view-panel');

    await panel.getByRole('link', { name: /full logs/i }).click();
    await page.waitForURL(/\/plugins\/deliverability\/contacts\/[a-z0-9]+\/logs/);
    const bounced = page.locator('[data-log-status="bounced"]').first();
    await bounced.waitFor();
    expect(await bounced.locator('[data-message-status="bounced"]').innerText()).toMatch(/bounced/i);
    await bounced.getByRole('button').first().click();
    const hardBounce = bounced.locator('tr[data-event-kind="hard_bounce"]');
    await hardBounce.waitFor();
    expect(await hardBounce.innerText()).toContain('550 5.1.1');
    expect(await hardBounce.innerText()).toMatch(/does not exist/);
    // Let the accordion finish opening before the picture.
    await page.waitForTimeout(500);
    await shot('full-logs', 1300);
  });

  step('reactivates the address, with a reason, and the badge goes', async () => {
    const card = page.locator('[data-address-card="email"]');
    await card.getByRole('button', { name: /reactivate/i }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(AMIRA);
    expect(await dialog.innerText()).toMatch(/will send email to it again/);
    // No reason, no reactivation.
    await dialog.getByRole('button', { name: /^reactivate$/i }).click();
    await dialog.getByText(/say why this address can be used again/i).waitFor();
    await dialog.locator('textarea').fill('The student confirmed the address by phone');
    await shot('reactivate-dialog');
    await dialog.getByRole('button', { name: /^reactivate$/i }).click();
    await dialog.waitFor({ state: 'detached' });
    await card.locator('[data-deliverability-badge]').waitFor({ state: 'detached' });
    expect(await card.innerText()).toMatch(/active/i);
    expect(await card.innerText()).toContain('The student confirmed the address by phone');

    await page.goto(`${playground.url}${LIST}`);
    const amira = rowWith(AMIRA);
    await amira.waitFor();
    // Her mobile was never suppressed; the email badge is gone, and others stay.
    expect(await amira.locator('[data-deliverability-badge]').count()).toBe(0);
    await rowWith('ben.okafor@full.test').locator('[data-deliverability-badge="soft_bouncing"]').waitFor();
    await shot('list-view-after-reactivation');
  });

  step('shows that SendGrid still suppresses the reactivated address, and lifts it there', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/providers`);
    const summary = page.locator('[data-drift-summary]');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('sendgrid: 1');
    await page.locator(`[data-drift-row="${AMIRA}"]`).waitFor();
    await page.locator('[data-drift-report]').scrollIntoViewIfNeeded();
    await shot('providers-drift', 2300);
    await page.getByRole('combobox', { name: 'Provider' }).click();
    await page.getByRole('option', { name: 'sendgrid' }).click();
    await page.locator('[data-drift-lift="sendgrid"]').click();
    await page.getByText('1 lifted, 0 could not be lifted, 0 left.').waitFor();
    await page.getByText('No drift: every address a provider suppresses is suppressed here too.').waitFor();
    expect(fakeLists.lists.get('sendgrid:bounces')?.map((e) => e.address)).toEqual([NOAH]);
  });

  step('re-classifies a misread bounce, and the correction and who made it show in the history', async () => {
    await page.goto(`${playground.url}${LIST}`);
    await rowWith(AMIRA).locator('td').nth(1).click();
    await page.locator('[data-deliverability-panel]').getByRole('link', { name: /full logs/i }).click();
    const bounced = page.locator('[data-log-status="bounced"]').first();
    await bounced.waitFor();
    await bounced.getByRole('button').first().click();
    await bounced.locator('tr[data-event-kind="hard_bounce"] [data-reclassify]').click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('550 5.1.1');
    await dialog.getByRole('combobox').click();
    await page.getByRole('option', { name: 'Sender blocked' }).click();
    await dialog.locator('textarea').fill('Their gateway refused our IP that week; the mailbox exists');
    await dialog.getByRole('button', { name: /^re-classify$/i }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/was re-classified/).waitFor();
    // The cache refreshes the page: the message is shown again, opened or not.
    const corrected = bounced.locator('tr[data-event-kind="sender_block"]');
    if (!(await corrected.isVisible())) await bounced.getByRole('button').first().click();
    await corrected.waitFor();
    expect(await corrected.innerText()).toMatch(/Re-classified from "hard_bounce" to "sender_block" by Playground Admin/);
    const audit = bounced.locator('tr[data-audit-action="reclassify-event"]');
    expect(await audit.innerText()).toMatch(/Re-classified by hand[\s\S]*Playground Admin[\s\S]*gateway refused our IP/);
  });

  step("shows a number's consent history, and no reactivation for an opt-out", async () => {
    const number = '+447700900108'; // Hana Sato
    const inbound = `${playground.url}/api/deliverability/webhooks/twilio/inbound`;
    for (const [sid, words] of [['SMe2e1', 'Stop'], ['SMe2e2', 'START'], ['SMe2e3', 'STOP please'], ['SMe2e4', 'STOP!']]) {
      const form = new URLSearchParams({ MessageSid: sid, From: number, To: '+447700900000', Body: words }).toString();
      const response = await fetch(inbound, { method: 'POST', headers: twilioHeaders(TWILIO_TEST_TOKEN, inbound, form), body: form });
      expect(response.status).toBe(200);
    }
    await page.goto(`${playground.url}${LIST}`);
    await rowWith('hana.sato@example.ac.uk').locator('td').nth(1).click();
    await page.locator('[data-deliverability-panel]').getByRole('link', { name: /full logs/i }).click();
    const card = page.locator('[data-address-card="sms"]');
    const history = card.locator(`[data-consent-history="${number}"]`);
    await history.waitFor();
    // Newest first; "STOP please" is a sentence, not a keyword, and is not kept.
    const entries = await history.locator('[data-consent-action]').allInnerTexts();
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatch(/Opted out by the student: “STOP!”/);
    expect(entries[1]).toMatch(/Opted back in by the student: “START”/);
    expect(entries[2]).toMatch(/Opted out by the student: “Stop”/);
    expect(await card.locator('[data-deliverability-badge="opted_out"]').count()).toBe(1);
    expect(await card.getByRole('button', { name: /reactivate/i }).count()).toBe(0);
  });

  step('retries a failed message now, and the attempt and who asked for it show in its history', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/suppressions`);
    await page.getByRole('link', { name: "Ben Okafor's Full Logs" }).click();
    const retryable = page.locator('[data-log-id]').filter({ has: page.getByRole('button', { name: 'Retry now' }) }).first();
    await retryable.waitFor();
    // Held by its id: once retried, the message is no longer retryable and loses the button.
    const message = page.locator(`[data-log-id="${await retryable.getAttribute('data-log-id')}"]`);
    const before = await message.innerText();
    expect(before).toContain('1 attempt');
    await message.getByRole('button', { name: 'Retry now' }).click();
    await page.getByText('The message was sent again.').waitFor();
    await message.getByText(/2 attempts/).waitFor();
    await message.getByRole('button').first().click();
    await message.locator('tr[data-audit-action="retry-message"]').waitFor();
    expect(await message.locator('tr[data-audit-action="retry-message"]').innerText()).toContain('Playground Admin');
  });

  step("unsubscribes a student by a one-click link signed as her bulk email's header would be", async () => {
    // Her email message, found through the admin API; its link is signed for it as the plugin signs
    // List-Unsubscribe links (core/unsubscribe.ts) and posted with RFC 8058's body, as Gmail's button does.
    const token = await adminApiToken(playground.url);
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${playground.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const contacts = await get<{ results: { documentId: string }[] }>(
      `/content-manager/collection-types/plugin::deliverability.contact?filters[email][$eq]=${FARAH}`,
    );
    const logs = await get<{ data: { results: { documentId: string }[] } }>(
      `/deliverability/contacts/${contacts.results[0].documentId}/logs?channel=email`,
    );
    const logDocumentId = logs.data.results[0].documentId;
    const link = signUnsubscribeToken(UNSUBSCRIBE_SECRET, { channel: 'email', logDocumentId, expiresAt: Date.now() + 86_400_000 }, FARAH);
    const response = await fetch(`${playground.url}/api/deliverability/unsubscribe/${link}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
  });

  step('opens the reports page with its chart drawn and the unsubscribe counted', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/reports`);
    const chart = page.locator('svg[data-chart="deliverability"]');
    await chart.waitFor();
    expect(await chart.locator('rect[data-status]').count()).toBeGreaterThan(0);
    const box = await chart.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(400);
    expect(await page.locator('[data-total="bounced"] [data-value]').innerText()).toBe('1');
    // The critical messages' four figures, drawn by the same grid as the unsubscribes'.
    expect(await page.locator('[data-reach] [data-reach-figure]').count()).toBe(4);
    const unsubscribes = page.locator('[data-unsubscribes="1"]');
    await unsubscribes.waitFor();
    expect(await unsubscribes.getByRole('heading').innerText()).toBe('Unsubscribes: 1');
    expect(await unsubscribes.locator('[data-unsubscribe-way="oneClick"]').innerText()).toBe('1');
    expect(await unsubscribes.locator('[data-unsubscribe-way="reportedByProviders"]').innerText()).toBe('0');
    // textContent: the label's style shows it in capitals, which innerText would return.
    expect(await unsubscribes.textContent()).toContain('By the one-click link in our bulk email');
    // Tall enough for the figures, the critical messages, the breaker's pauses, the unsubscribes and the chart.
    await shot('reports', 1850);
  });

  step('shows the suppression list and the providers', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/suppressions`);
    await page.locator('[data-suppression]').first().waitFor();
    // Amira was reactivated: she is no longer on the list.
    expect(await page.locator(`[data-suppression="${AMIRA}"]`).count()).toBe(0);
    await shot('suppressions');
    await page.goto(`${playground.url}/admin/plugins/deliverability/providers`);
    const url = page.locator('[data-provider="sendgrid"] [data-webhook-url]');
    await url.waitFor();
    expect(await url.innerText()).toMatch(/\/api\/deliverability\/webhooks\/sendgrid$/);
    await shot('providers', 1150);
  });

  step('fits the unmatched events table, last column included, at 1440 px', async () => {
    await page.goto(`${playground.url}/admin/plugins/deliverability/unmatched`);
    const table = page.locator('[data-list-table] table');
    await table.waitFor();
    const box = page.locator('[data-list-table]');
    const fits = await box.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
    const lastHeader = await table.locator('thead th').last().boundingBox();
    const visible = await box.boundingBox();
    expect(fits).toBe(true);
    expect((lastHeader?.x ?? 0) + (lastHeader?.width ?? 0)).toBeLessThanOrEqual((visible?.x ?? 0) + (visible?.width ?? 0) + 1);
  });
});
