/// <reference lib="dom" />
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { createTestRenderer, FULL_DIGEST, SITE_URL } from '../helpers/digest-fixture.ts';

/**
 * The digest in a real browser engine, at a phone's width and a desktop mail client's, with
 * screenshots saved for a person to look at (test-results/screenshots/). The checks are the
 * ones a reader would notice: nothing sideways-scrolls, text is big enough, the hierarchy
 * (title › meta › summary › why) holds, the footer's links are there and legible.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, 'test-results', 'screenshots');

const links = {
  manageUrl: `${SITE_URL}/preferences?token=m.reader.example`,
  unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u.reader.example`,
};

let browser: Browser;
let html: string;

beforeAll(async () => {
  const renderer = await createTestRenderer();
  html = (await renderer.renderDigest(FULL_DIGEST)).personalise(links).html;
  await mkdir(OUT, { recursive: true });
  await writeFile(path.join(OUT, 'digest.html'), html);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? [])
      .slice(0, 3)
      .map(Number)
      .map((channel) => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light! + 0.05) / (dark! + 0.05);
}

async function open(width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.setContent(html, { waitUntil: 'load' });
  await page.screenshot({ path: path.join(OUT, `digest-${width}.png`), fullPage: true });
  return page;
}

describe.each([375, 700])('the digest at %i px', (width) => {
  let page: Page;

  beforeAll(async () => {
    page = await open(width);
  });

  afterAll(async () => {
    await page.close();
  });

  it('fits the width: nothing scrolls sideways and the column is as wide as the screen allows', async () => {
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      column: document.querySelector('.mj-column-per-100')!.getBoundingClientRect().width,
    }));

    expect(layout.scrollWidth).toBeLessThanOrEqual(width);
    expect(layout.column).toBe(Math.min(width, 640));
  });

  it('shows every card with a readable, linked title above its source, summary and reasons', async () => {
    const cards = await page.locator('p.card-title a').evaluateAll((anchors) =>
      anchors.map((anchor) => {
        const card = anchor.closest('div')!;
        const style = getComputedStyle(anchor);
        return {
          href: anchor.getAttribute('href'),
          visible: anchor.getBoundingClientRect().height > 0,
          titleSize: parseFloat(style.fontSize),
          text: card.textContent ?? '',
        };
      }),
    );
    const summarySize = await page
      .getByText('Five-year follow-up of the ELIANA trial', { exact: false })
      .evaluate((element) => parseFloat(getComputedStyle(element).fontSize));

    expect(cards).toHaveLength(8);
    for (const card of cards) {
      expect(card.visible).toBe(true);
      expect(card.href).toMatch(/^https:\/\//);
      expect(card.titleSize).toBeGreaterThan(summarySize);
      expect(card.text).toMatch(/20 Nov 2026[\s\S]*Why you got this: /);
    }
    expect(summarySize).toBeGreaterThanOrEqual(15);
  });

  it('ends with a legible footer holding the postal address and the reader’s own manage and unsubscribe links', async () => {
    const unsubscribe = page.getByRole('link', { name: 'Unsubscribe' });
    const manage = page.getByRole('link', { name: 'Manage your topics and delivery time' });
    const footer = await page
      .getByText('Information, not medical advice', { exact: false })
      .evaluate((element) => {
        const style = getComputedStyle(element);
        let background = 'rgba(0, 0, 0, 0)';
        for (
          let node: Element | null = element;
          node && /rgba\(0, 0, 0, 0\)|transparent/.test(background);
          node = node.parentElement
        ) {
          background = getComputedStyle(node).backgroundColor;
        }
        return { color: style.color, background, size: parseFloat(style.fontSize) };
      });

    expect(await unsubscribe.getAttribute('href')).toBe(links.unsubscribeUrl);
    expect(await manage.getAttribute('href')).toBe(links.manageUrl);
    await expect(page.getByText('100 Example Avenue', { exact: false }).isVisible()).resolves.toBe(true);
    expect(footer.size).toBeGreaterThanOrEqual(12);
    expect(contrast(footer.color, footer.background)).toBeGreaterThanOrEqual(4.5);
  });
});
