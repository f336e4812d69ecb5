import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { startLoopbackServer, type LoopbackServer } from '../helpers/app-server.ts';
import { accessibilityViolations, launchChromium } from '../helpers/browser.ts';

/**
 * The zone picker in a real browser: cities grouped by region, and the browser's own zone chosen
 * for a new reader, whatever name the browser's ICU gives it (Chromium may still say Europe/Kiev).
 */
describe('the time zone picker in a real browser', () => {
  let world: TestWorld;
  let server: LoopbackServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startLoopbackServer();
    world = await createTestWorld({ env: { SITE_URL: server.baseUrl } });
    server.mount(createApi(world.context, { clientIp: () => '127.0.0.1' }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    world?.stop();
  });

  async function subscribePage(options: { timezoneId: string; javaScriptEnabled?: boolean }) {
    const context = await browser.newContext({ ...options, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/`);
    return { page, close: () => context.close() };
  }

  it('shows Kyiv under Europe and chooses it for a browser in Kyiv', async () => {
    const { page, close } = await subscribePage({ timezoneId: 'Europe/Kyiv' });

    const kyiv = page.locator('#timezone optgroup[label="Europe"] option[value="Europe/Kyiv"]');
    expect(await kyiv.textContent()).toBe('Kyiv');
    expect(await page.inputValue('#timezone')).toBe('Europe/Kyiv');
    expect(await page.locator('#timezone option:checked').textContent()).toBe('Kyiv');
    expect(await page.locator('#timezone option[value="Europe/Kiev"]').count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await close();
  });

  it.each([
    ['Asia/Calcutta', 'Asia/Kolkata', 'Kolkata'],
    ['America/New_York', 'America/New_York', 'New York'],
    ['America/Buenos_Aires', 'America/Argentina/Buenos_Aires', 'Buenos Aires (Argentina)'],
    ['UTC', 'UTC', 'UTC'],
  ])('chooses the current name for a browser set to %s', async (timezoneId, zone, city) => {
    const { page, close } = await subscribePage({ timezoneId });

    expect(await page.inputValue('#timezone')).toBe(zone);
    expect(await page.locator('#timezone option:checked').textContent()).toBe(city);
    await close();
  });

  it('keeps the default, UTC, without JavaScript', async () => {
    const { page, close } = await subscribePage({ timezoneId: 'Europe/Kyiv', javaScriptEnabled: false });

    expect(await page.inputValue('#timezone')).toBe('UTC');
    await close();
  });
});
