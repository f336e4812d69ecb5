/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { createApi } from '../../functions/api/app.ts';
import { mjmlToHtml, partialsOf, renderMjmlSource } from '../../functions/core/rendering/templates.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { launchChromium } from '../helpers/browser.ts';
import { loadRenderingInputs } from '../helpers/digest-fixture.ts';

const ADMIN_TOKEN = 'mjml-safety-admin-token-0123456789abcd';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
/** Every handler a payload carries counts itself here when it runs. */
const HANDLER = 'window.handlersRan=(window.handlersRan||0)+1';

/**
 * An admin's MJML announcement as a reader's browser gets it (issue 15, finding 4): each bypass of
 * the old check is test-sent through the admin API, and the email the SES stand-in received is
 * loaded in Chromium, where no handler may run and nothing may load from elsewhere. The same
 * payload rendered by MJML alone, unsanitised, runs or loads in the same browser: the control that
 * shows each payload is live.
 */
describe('an admin’s MJML in a real browser', () => {
  let world: TestWorld;
  let api: Hono;
  let browser: Browser;

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '203.0.113.7' });
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    world?.stop();
  });

  const mjmlDocument = (sections: string) =>
    `<mjml><mj-body><mj-section><mj-column>${sections}</mj-column></mj-section>{{> footer}}</mj-body></mjml>`;

  /** Test-sends the MJML to one address and returns the HTML the SES stand-in received. */
  async function sentHtml(name: string, body: string): Promise<string> {
    const subject = `MJML safety: ${name}`;
    const to = world.email(name.replace(/\W+/g, '-'));
    const response = await api.request('/admin/sends', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject, body, format: 'mjml', audience: 'everyone', testTo: to }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const [email] = (await sentEmails(world.endpoints.ses, (address) => address === to)).filter((sent) =>
      sent.subject.endsWith(subject),
    );
    return email!.body.html!;
  }

  /**
   * The same MJML through MJML alone, as the old check let it through, with the values the
   * announcement renderer gives (subject, kicker, site, address, footer reason).
   */
  async function unsanitised(body: string, subject = 'Control'): Promise<string> {
    const { templates } = await loadRenderingInputs();
    const { siteUrl, postalAddress } = world.context.config;
    const view = {
      title: subject,
      kicker: 'An announcement from the editors',
      siteUrl,
      postalAddress,
      footerReason:
        'You receive this announcement because you subscribed to Immunotherapy Digest. The editors send one only when it matters to every reader.',
      manageUrl: `${siteUrl}/preferences?token=m`,
      unsubscribeUrl: `${siteUrl}/unsubscribe?token=u`,
    };
    return mjmlToHtml(renderMjmlSource({ body }, 'body', view, partialsOf(templates)), {
      validationLevel: 'strict',
    });
  }

  /** Loads an email in a fresh page: how many handlers ran, and which remote URLs it asked for. */
  async function openInBrowser(html: string): Promise<{ handlersRan: number; requested: string[] }> {
    const page = await browser.newPage();
    const requested: string[] = [];
    await page.route(/^https?:/, (route) => {
      requested.push(route.request().url());
      return route.abort();
    });
    try {
      await page.setContent(html, { waitUntil: 'load' });
      await page.waitForTimeout(300);
      const handlersRan = await page.evaluate(
        () => (window as unknown as { handlersRan?: number }).handlersRan ?? 0,
      );
      return { handlersRan, requested };
    } finally {
      await page.close();
    }
  }

  it.each([
    ['a comment ended by --!>', `<mj-raw><!-- x --!><img src=x onerror="${HANDLER}"> --></mj-raw>`],
    ['a CDATA block', `<mj-text><![CDATA[ x><img src=x onerror="${HANDLER}"> ]]></mj-text>`],
    [
      'a noscript attribute trick',
      `<mj-text><noscript><p title="</noscript><img src=x onerror=${HANDLER}>"></noscript></mj-text>`,
    ],
  ])('%s runs no handler in the sent email (and does run unsanitised)', async (name, section) => {
    const body = mjmlDocument(`<mj-text>Maintenance on Saturday.</mj-text>${section}`);

    const sent = await openInBrowser(await sentHtml(name, body));
    const control = await openInBrowser(await unsanitised(body));

    expect(sent.handlersRan).toBe(0);
    expect(control.handlersRan).toBeGreaterThan(0);
  });

  it('loads nothing from elsewhere through a CSS escape or image-set() (which unsanitised, load)', async () => {
    const body = mjmlDocument(
      '<mj-text><div style="background:u\\72l(https://tracker.example/escaped.gif);height:20px">a</div>' +
        '<div style="background-image:image-set(\'https://tracker.example/set.gif\' 1x);height:20px">b</div></mj-text>',
    );

    const sent = await openInBrowser(await sentHtml('css loads', body));
    const control = await openInBrowser(await unsanitised(body));

    expect(sent.requested).toEqual([]);
    expect(control.requested.sort()).toEqual([
      'https://tracker.example/escaped.gif',
      'https://tracker.example/set.gif',
    ]);
  });

  it.each([375, 700])(
    'renders a designed announcement at %i px exactly as MJML alone does, once sanitised',
    async (width) => {
      const body = `<mjml><mj-head><mj-preview>Our new clinic hours</mj-preview><mj-style>.lead { color: #0b3d6e; }</mj-style></mj-head>
      <mj-body background-color="#eef2f6" width="640px">
        {{> header}}
        <mj-section background-color="#ffffff" border-radius="8px" padding="24px 0">
          <mj-column><mj-text css-class="lead" font-size="20px" font-weight="700">New clinic hours from December</mj-text>
            <mj-text font-size="16px" line-height="1.6">The immunotherapy clinic opens <b>Saturdays</b> from 9 to 13.</mj-text>
            <mj-button href="https://immunotherapy-digest.example.org/clinic" background-color="#0b5cad">See the hours</mj-button></mj-column>
          <mj-column><mj-table><tr><th align="left">Day</th><th align="left">Hours</th></tr><tr><td>Mon–Fri</td><td>8–18</td></tr><tr><td>Sat</td><td>9–13</td></tr></mj-table>
            <mj-divider border-color="#cbd2d9" /></mj-column>
        </mj-section>
        {{> footer}}
      </mj-body></mjml>`;
      const sentHtmlText = await sentHtml(`layout ${width}`, body);
      const shoot = async (html: string, file?: string) => {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        try {
          await page.setContent(html, { waitUntil: 'load' });
          const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          const shot = await page.screenshot({ fullPage: true, ...(file ? { path: file } : {}) });
          return { scrollWidth, shot };
        } finally {
          await page.close();
        }
      };
      const links = (html: string) =>
        html.replace(/token=[^"&]+/g, 'token=x').replace(/\/(?:preferences|unsubscribe)\?/g, '/link?');

      const sent = await shoot(links(sentHtmlText), path.join(SCREENSHOTS, `announcement-mjml-${width}.png`));
      const control = await shoot(links(await unsanitised(body, `MJML safety: layout ${width}`)));

      expect(sent.scrollWidth).toBeLessThanOrEqual(width);
      expect(sent.shot.equals(control.shot)).toBe(true);
    },
  );
});
