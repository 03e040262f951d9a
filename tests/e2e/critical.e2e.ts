/**
 * Critical messages and quiet hours in a real browser, on the playground's demo data
 * (playground/src/seed-critical.ts, sent through the plugin's real sending path): the critical
 * email to the student whose address hard-bounced was dropped and its SMS version sent in its place,
 * the two linked in her Full Logs; the bulk SMS to a student whose own time zone is in the middle of
 * the night waits, "Scheduled for" the window's end on his clock. Screenshots of both go to
 * docs/screenshots (the README's "Categories and fallback" and "Quiet hours" sections show them).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { openBrowser, shot as screenshot, step as browserStep, logIn } from './browser';
import { buildPlaygroundIfStale, startPlayground, type RunningPlayground } from './playground';

const LIST = '/admin/content-manager/collection-types/plugin::deliverability.contact?page=1&pageSize=10&sort=id:ASC';
const AMIRA = 'amira.haddad@bounce.test';
const IBRAHIM = 'ibrahim.diallo@example.ac.uk';

let playground: RunningPlayground;
let browser: Browser;
let page: Page;

const shot = (name: string, height?: number): Promise<void> => screenshot(page, name, height);
const step = (name: string, body: () => Promise<void>): void =>
  browserStep(
    name,
    () => page,
    body,
    () => playground?.logs().slice(-3000) ?? '',
  );

beforeAll(async () => {
  buildPlaygroundIfStale();
  playground = await startPlayground();
  ({ browser, page } = await openBrowser());
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
});

/** Opens a student's Full Logs from the Content Manager, as an editor would. */
async function openFullLogs(email: string): Promise<void> {
  await page.goto(`${playground.url}${LIST}`);
  await page.locator('tbody tr').filter({ hasText: email }).locator('td').nth(1).click();
  const panel = page.locator('[data-deliverability-panel]');
  await panel.waitFor();
  await panel.getByRole('link', { name: /full logs/i }).click();
  await page.waitForURL(/\/plugins\/deliverability\/contacts\/[a-z0-9]+\/logs/);
}

/** The message whose header shows `text`, opened. */
async function openMessage(selector: string, text: string | RegExp): Promise<Locator> {
  const message = page.locator(selector).filter({ hasText: text }).first();
  await message.waitFor();
  await message.getByRole('button').first().click();
  return message;
}

describe('critical messages and quiet hours, in Chromium', () => {
  step('logs in', async () => {
    await logIn(page, playground.url);
  });

  step('shows the critical email dropped at a failed address, and its SMS version sent in its place, linked both ways', async () => {
    await openFullLogs(AMIRA);
    const email = await openMessage('[data-log-status="dropped"]', 'Registration hold');
    const link = email.locator('[data-fallback-message]');
    await link.waitFor();
    expect(await link.innerText()).toMatch(/^Not delivered: sent again by SMS as message \w+/);
    expect(await email.innerText()).toContain('critical');
    const smsId = await link.getAttribute('data-fallback-message');
    const sms = page.locator(`[data-log-id="${smsId}"]`);
    expect(await sms.innerText()).toMatch(/fallback/i);
    await sms.getByRole('button').first().click();
    const back = sms.locator('[data-fallback-of]');
    await back.waitFor();
    expect(await back.innerText()).toMatch(/^Sent in place of message \w+, not delivered by Email/);
    await page.waitForTimeout(500);
    await shot('full-logs-critical-fallback', 1300);
  });

  step('shows the bulk SMS held by quiet hours as scheduled for the end of the window, on the student’s own clock', async () => {
    await openFullLogs(IBRAHIM);
    // The bulk worker holds it shortly after the playground starts.
    const held = page.locator('[data-log-status="deferred"]').filter({ hasText: /Timetable change/ });
    await page.locator('[data-log-id]').first().waitFor();
    for (let tries = 0; (await held.count()) === 0; tries += 1) {
      if (tries >= 30) throw new Error('the bulk SMS was never held');
      await page.waitForTimeout(1000);
      await page.reload();
      await page.locator('[data-log-id]').first().waitFor();
    }
    const message = await openMessage('[data-log-status="deferred"]', /Timetable change/);
    const text = await message.innerText();
    expect(text).toMatch(/Scheduled for .+: quiet hours \(21:00–08:00, [A-Za-z_]+\/[A-Za-z_]+\)/);
    expect(text).toMatch(/next attempt/i);
    expect(text).not.toContain('Europe/London, 08:00');
    await page.waitForTimeout(500);
    await shot('full-logs-quiet-hours', 1000);
  });
});
