/**
 * The browser side of the Chromium tests: Debian's Chromium launched as STRAPI-NOTES.md found it
 * works here, a page the size of the README's screenshots, the README screenshots themselves, and
 * a test step that leaves a picture of the page when it fails. Every *.e2e.ts file uses them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './playground';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1440, height: 900 };

/** The playground's administrator, as its seed creates them. */
export const PLAYGROUND_ADMIN = { email: 'admin@playground.local', password: 'Playground-1' };

/** Logs in to the admin panel at `baseUrl` as the playground's administrator. */
export async function logIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.locator('input[name="email"]').fill(PLAYGROUND_ADMIN.email);
  await page.locator('input[name="password"]').fill(PLAYGROUND_ADMIN.password);
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((url) => !url.pathname.includes('/auth/'));
}

/** A token for the playground's admin API, as the admin panel gets at log-in, for a test's set-up calls. */
export async function adminApiToken(baseUrl: string): Promise<string> {
  const login = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(PLAYGROUND_ADMIN),
  });
  if (!login.ok) throw new Error(`logging in to the admin API failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { data: { token: string } }).data.token;
}

/** Chromium and one page in it, with Strapi's "new Media Library" banner already dismissed (it sat over every screenshot). */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`);
  }
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(30_000);
  await context.addInitScript({ content: "window.localStorage.setItem('STRAPI_MEDIA_LIBRARY_BANNER_DISMISSED_FOR_false:false', 'true');" });
  return { browser, page: await context.newPage() };
}

/**
 * Saves a screenshot for the README. The admin scrolls inside its own panes, not the document, so
 * a long page is pictured in a taller window instead of with `fullPage`.
 */
export async function shot(page: Page, name: string, height = VIEWPORT.height): Promise<void> {
  if (height !== VIEWPORT.height) {
    await page.setViewportSize({ ...VIEWPORT, height });
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (height !== VIEWPORT.height) await page.setViewportSize(VIEWPORT);
}

/**
 * A test whose failure leaves a screenshot of the page as it was (in .tmp/, not committed), since
 * "element not found" says little about what the browser showed instead; `context()` adds what
 * else helps (the server's last log lines).
 */
export function step(name: string, page: () => Page | undefined, body: () => Promise<void>, context: () => string = () => ''): void {
  it(name, async () => {
    try {
      await body();
    } catch (error) {
      const file = path.join(ROOT, '.tmp', `e2e-failure-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page()
        ?.screenshot({ path: file, fullPage: true })
        .catch(() => undefined);
      throw new Error(`${(error as Error).message}\nScreenshot: ${file}\n${context()}`);
    }
  });
}
