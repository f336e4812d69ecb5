import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAnnouncementRenderer,
  type AnnouncementRenderer,
} from '../../functions/core/announcements/announcement-renderer.ts';
import { parseDraft } from '../../functions/core/announcements/announcement.ts';
import {
  decodeCss,
  sanitiseStyleAttribute,
  sanitiseStylesheet,
} from '../../functions/core/announcements/email-css.ts';
import { sanitiseEmailDocument } from '../../functions/core/announcements/email-html.ts';
import { ValidationError } from '../../functions/core/errors.ts';
import { loadRenderingInputs, POSTAL_ADDRESS, SITE_URL } from '../helpers/digest-fixture.ts';

/**
 * An admin's MJML, made safe by construction (issue 15, finding 4): the rendered HTML is rewritten
 * from an allow-list, CSS is judged after decoding its escapes, and the unsubscribe link and postal
 * address must be visible, not merely present. The browser half is test/e2e/admin-mjml-safety.test.ts.
 */

const LINKS = {
  manageUrl: `${SITE_URL}/preferences?token=m`,
  unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u`,
};
let renderer: AnnouncementRenderer;

beforeAll(async () => {
  const { templates, labels } = await loadRenderingInputs();
  renderer = createAnnouncementRenderer({
    templates,
    topicLabels: labels,
    siteUrl: SITE_URL,
    postalAddress: POSTAL_ADDRESS,
    mjml: { validationLevel: 'strict' },
  });
});

/** An MJML document: the given sections, then (unless told otherwise) the digest's footer. */
const mjml = (sections: string, footer = '{{> footer}}') =>
  `<mjml><mj-body><mj-section><mj-column>${sections}</mj-column></mj-section>${footer}</mj-body></mjml>`;

async function render(body: string) {
  const rendered = await renderer.render(
    parseDraft({ subject: 'Maintenance', body, format: 'mjml', audience: 'everyone' }),
  );
  return { html: rendered.personalise(LINKS).html, removed: rendered.removed };
}

async function refusal(body: string): Promise<string[]> {
  try {
    await render(body);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('the three bypasses of the old check', () => {
  const handler = 'window.ran=(window.ran||0)+1';

  it.each([
    ['a comment ended by --!>', `<mj-raw><!-- x --!><img src=x onerror="${handler}"> --></mj-raw>`],
    ['a CDATA block', `<mj-text><![CDATA[ x><img src=x onerror="${handler}"> ]]></mj-text>`],
    [
      'a <noscript> attribute trick',
      `<mj-text><noscript><p title="</noscript><img src=x onerror=${handler}>"></noscript></mj-text>`,
    ],
  ])('%s leaves no event handler and no image in the email', async (_name, section) => {
    const { html, removed } = await render(mjml(section));

    expect(html).not.toMatch(/onerror|<img|window\.ran/i);
    expect(html).toContain(LINKS.unsubscribeUrl);
    expect(removed.length).toBeGreaterThan(0);
  });
});

describe('CSS in an admin’s MJML', () => {
  it('is judged after decoding escapes and comments: nothing that loads from elsewhere survives', async () => {
    const loads = [
      'background:u\\72l(https://t.example/a.gif)',
      'background:\\75 rl(https://t.example/b.gif)',
      "background-image:image-set('https://t.example/c.gif' 1x)",
      'background-image:-webkit-image-set(url(https://t.example/d.gif) 1x)',
      'background:#fff url(https://t.example/e.gif)',
      'list-style:u/**/rl(https://t.example/f.gif)',
      'b\\61 ckground:url(https://t.example/g.gif)',
      'background:var(--x)',
      'width:expression(alert(1))',
    ];
    const { html, removed } = await render(
      mjml(
        loads.map((style, index) => `<mj-text><div style="${style}">cell ${index}</div></mj-text>`).join(''),
      ),
    );

    expect(html).not.toMatch(/\/\/t\.example|url\(|image-set|expression|var\(|\\7|\\75/i);
    expect(removed.some((line) => line.includes('loads a file from elsewhere'))).toBe(true);
    for (let index = 0; index < loads.length; index += 1) expect(html).toContain(`cell ${index}`);
  });

  it('drops @import, @font-face and selectors it cannot read from a stylesheet, and keeps the rest', () => {
    const removed = new Set<string>();

    const sheet = sanitiseStylesheet(
      '@import url(https://t.example/x.css); @font-face { font-family: X; src: url(https://t.example/x.woff) }\n' +
        ".note { color: #0b5cad; padding: 4px } a[href^='https'] { color: red } @media (max-width:479px) { .note { width: 100% !important } }",
      removed,
    );

    expect(sheet.css).toBe(
      '.note{color:#0b5cad;padding:4px}\n@media (max-width:479px){.note{width:100% !important}}',
    );
    expect([...removed]).toEqual([
      '@import removed (it loads a stylesheet from elsewhere)',
      '@font-face removed (no web fonts: a font fetched on open tells its host who read the email)',
      expect.stringContaining(`the CSS selector "a[href^='https']" removed`),
    ]);
  });

  it('takes out of a stylesheet what would hide things, and leaves it inline where the footer check sees it', () => {
    const removed = new Set<string>();

    const sheet = sanitiseStylesheet(
      '.x { display: none; visibility: hidden; opacity: 0; font-size: 1px; max-height: 0; color: transparent; mso-hide: all; font-weight: 600 }',
      removed,
    );
    const inline = sanitiseStyleAttribute('display:none;opacity:0', new Set());

    expect(sheet.css).toBe('.x{font-weight:600}');
    expect(removed.size).toBe(7);
    expect(inline.map((declaration) => declaration.property)).toEqual(['display', 'opacity']);
  });

  it('decodes CSS escapes as a browser does', () => {
    expect(decodeCss('u\\72l(')).toBe('url(');
    expect(decodeCss('\\000075rl')).toBe('url');
    expect(decodeCss('\\75 rl')).toBe('url');
    expect(decodeCss('a\\;b')).toBe('a;b');
  });
});

describe('the rest of the rendered HTML', () => {
  it('keeps MJML’s layout, Outlook conditionals included, and drops what runs, loads or takes input', () => {
    const slot = 'zslotTESTunsubscribeUrlz';
    const { html, removed } = sanitiseEmailDocument(
      '<!doctype html><html lang="en"><head><title>T</title><link rel="stylesheet" href="https://t.example/s.css"></head><body>' +
        '<!--[if mso | IE]><table role="presentation" width="600" onclick="x()"><tr><td style="width:600px;background:url(https://t.example/o.gif)"><![endif]-->' +
        `<div style="color:#111"><a href="${slot}">Unsubscribe</a> <a href="javascript:alert(1)">bad</a> <a href="https://example.org/a" target="_top">ok</a></div>` +
        '<img src="https://t.example/pixel.gif" alt="pixel"><img src="data:image/png;base64,iVBORw0KGgo=" alt="logo"><img src="data:image/svg+xml;base64,PHN2Zz4=">' +
        '<form action="https://t.example"><input name="q"><button>Go</button></form><svg><script>alert(1)</script></svg><iframe src="https://t.example"></iframe>' +
        '<!--[if mso | IE]></td></tr></table><![endif]--><!-- a note --></body></html>',
      { slotValues: [slot] },
    );

    expect(html).toContain(
      '<!--[if mso | IE]><table role="presentation" width="600"><tr><td style="width:600px"><![endif]-->',
    );
    expect(html).toContain('<!--[if mso | IE]></td></tr></table><![endif]-->');
    expect(html).toContain(`<a href="${slot}">Unsubscribe</a>`);
    expect(html).toContain('<a href="https://example.org/a">ok</a>');
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">');
    expect(html).not.toMatch(
      /\/\/t\.example|javascript:|onclick|<form|<input|<button|<svg|<script|<iframe|svg\+xml|a note/,
    );
    expect(removed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the onclick attribute of <table> removed/),
        expect.stringMatching(/^a link to "javascript:alert\(1\)" removed/),
        expect.stringMatching(/^<img src="https:\/\/t\.example\/pixel\.gif"> removed/),
        expect.stringMatching(/^<form> removed with its contents/),
        expect.stringMatching(/^<svg> removed with its contents/),
        expect.stringMatching(/^HTML comments removed/),
      ]),
    );
  });
});

describe('the unsubscribe link and the postal address', () => {
  const footer = (style: string, where = 'div') =>
    `<mj-section><mj-column><mj-text><${where} style="${style}"><a href="{{unsubscribeUrl}}" style="color:#0b5cad">Unsubscribe</a> · {{postalAddress}}</${where}></mj-text></mj-column></mj-section>`;

  it('pass when a reader can see them, in the digest’s footer or the admin’s own', async () => {
    await expect(render(mjml('<mj-text>Hello</mj-text>'))).resolves.toBeDefined();
    await expect(
      render(mjml('<mj-text>Hello</mj-text>', footer('font-size:12px;color:#333'))),
    ).resolves.toBeDefined();
  });

  it.each([
    [
      'inside a comment',
      `<mj-raw><!-- <a href="{{unsubscribeUrl}}">Unsubscribe</a> {{postalAddress}} --></mj-raw>`,
      /must show the unsubscribe link/,
    ],
    [
      'inside an Outlook-only conditional',
      `<mj-raw><!--[if mso]><a href="{{unsubscribeUrl}}">Unsubscribe</a> {{postalAddress}}<![endif]--></mj-raw>`,
      /must show the unsubscribe link/,
    ],
    [
      'in a display:none div',
      footer('display:none'),
      /unsubscribe link is not visible \(display:none on a <div>\)/,
    ],
    ['in a zero-size font', footer('font-size:0px'), /unsubscribe link is not visible \(a font of 0px\)/],
    [
      'white on white',
      footer('background-color:#ffffff;color:#fefefe').replace('color:#0b5cad', 'color:#fefefe'),
      /unsubscribe link is not visible \(its colour #fefefe on #ffffff/,
    ],
    [
      'in a box of no height',
      footer('max-height:0;overflow:hidden'),
      /unsubscribe link is not visible \(max-height 0 on a <div>\)/,
    ],
    ['transparent', footer('opacity:0'), /unsubscribe link is not visible \(opacity 0 on a <div>\)/],
    [
      'hidden from Outlook',
      footer('mso-hide:all'),
      /unsubscribe link is not visible \(mso-hide:all on a <div>\)/,
    ],
    ['in the preview text only', '<mj-raw></mj-raw>', /must show the unsubscribe link/],
  ])('are refused %s', async (_name, hidden, message) => {
    const body =
      _name === 'in the preview text only'
        ? '<mjml><mj-head><mj-preview>{{unsubscribeUrl}} {{postalAddress}}</mj-preview></mj-head><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>'
        : mjml('<mj-text>Hello</mj-text>', hidden);

    const issues = await refusal(body);

    expect(issues.join('\n')).toMatch(message);
    expect(issues.join('\n')).toMatch(/postal address/);
  });

  it('are refused when a stylesheet rule would whiten the link, and its hiding rules never apply', async () => {
    const whitened = `<mjml><mj-head><mj-style>.foot a { color: #ffffff !important } .foot div { display: none }</mj-style></mj-head><mj-body><mj-section background-color="#ffffff"><mj-column><mj-text css-class="foot"><a href="{{unsubscribeUrl}}">Unsubscribe</a> {{postalAddress}}</mj-text></mj-column></mj-section></mj-body></mjml>`;

    const issues = await refusal(whitened);

    expect(issues).toEqual([
      expect.stringMatching(/unsubscribe link is not visible \(its colour #ffffff on #ffffff/),
    ]);
  });
});

describe('<mj-include> in an admin’s MJML', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'mj-include-'));
    await writeFile(path.join(directory, 'secret.mjml'), '<mj-text>SECRET-FROM-THE-SERVER</mj-text>');
  });

  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('never reads a file of the server', async () => {
    const include = `<mj-include path="${path.join(directory, 'secret.mjml')}" />`;

    const { html } = await render(mjml(`<mj-text>Hello</mj-text>${include}`));

    expect(html).toContain('Hello');
    expect(html).not.toContain('SECRET-FROM-THE-SERVER');
  });
});
