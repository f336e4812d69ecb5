import { isZeroLength, type CssDeclaration, type CssRule, type SimpleSelector } from './email-css.ts';
import type { EmailElement, EmailNode, SanitisedEmail } from './email-html.ts';

/**
 * Anti-spam law wants every announcement to show its unsubscribe link and the sender's postal
 * address. "Show" means a reader can see them: a link inside a comment, a hidden <div>, a zero-size
 * font or white-on-white text is in the HTML and seen by nobody (issue 15). This reads the
 * sanitised tree (email-html.ts) as a browser would lay it out, as far as a static reading can:
 * the cascade of inline styles and the stylesheet's rules (whose hiding declarations the sanitiser
 * already removed), inherited font size and colour, and each ancestor's own ways to hide.
 *
 * Hidden means any of: display:none, mso-hide:all or opacity below 0.5 on the element or an
 * ancestor; a width, height or maximum of either below 8px on one (zero included); a line height
 * below 8px where the overflow is hidden; a font below 8px; text whose contrast with the
 * background under it is below 3:1 (WCAG's floor for large text), transparent text included.
 * Comments are not part of the tree at all, and an Outlook conditional is seen by Outlook alone.
 */

export interface MustShowTargets {
  /** The unsubscribe link's slot value, as it stands in the HTML before personalising. */
  readonly unsubscribeUrl: string;
  readonly postalAddress: string;
}

const MIN_SIZE_PX = 8;
const MIN_CONTRAST = 3;
const BROWSER_LINK_COLOUR: Rgba = [0, 0, 238, 1];
const BLACK: Rgba = [0, 0, 0, 1];
const WHITE: Rgba = [255, 255, 255, 1];

/** One problem per missing or hidden item, worded for the admin; empty when both show. */
export function mustShowProblems(email: SanitisedEmail, targets: MustShowTargets): string[] {
  const cascade = createCascade(email.stylesheet);
  const links: EmailElement[][] = [];
  const addresses: EmailElement[][] = [];
  const address = collapse(targets.postalAddress);
  walk(email.body, [], (chain, node) => {
    if (node.kind === 'element' && node.name === 'a' && node.attributes.href === targets.unsubscribeUrl) {
      if (/[\p{L}\p{N}]/u.test(textIn(node))) links.push([...chain, node]);
    } else if (node.kind === 'text' && chain.length > 0 && collapse(node.text).includes(address)) {
      addresses.push(chain);
    }
  });

  const problems: string[] = [];
  const verdict = (chains: EmailElement[][], isLink: boolean) => {
    const reasons = chains.map((chain) => hiddenBecause(chain, cascade, isLink));
    return reasons.includes(undefined) ? undefined : (reasons[0] ?? 'missing');
  };
  const link = verdict(links, true);
  if (link === 'missing') {
    problems.push(
      'body: the MJML must show the unsubscribe link: include {{> footer}} (the footer of the digest) or link to {{unsubscribeUrl}}',
    );
  } else if (link) {
    problems.push(`body: the unsubscribe link is not visible (${link}); readers must be able to see it`);
  }
  const postal = verdict(addresses, false);
  if (postal === 'missing') {
    problems.push(
      'body: the MJML must show our postal address (anti-spam law): include {{> footer}} or {{postalAddress}}',
    );
  } else if (postal) {
    problems.push(
      `body: the postal address is not visible (${postal}); anti-spam law wants readers to see it`,
    );
  }
  return problems;
}

function walk(
  nodes: readonly EmailNode[],
  chain: EmailElement[],
  visit: (chain: EmailElement[], node: EmailNode) => void,
) {
  for (const node of nodes) {
    visit(chain, node);
    if (node.kind === 'element') walk(node.children, [...chain, node], visit);
  }
}

function textIn(element: EmailElement): string {
  return element.children
    .map((child) => (child.kind === 'text' ? child.text : child.kind === 'element' ? textIn(child) : ''))
    .join('');
}

/**
 * Why the last element of the chain (root first) cannot be seen, or undefined when it can.
 * `isLink`: the element is a link, whose colour is the browser's link blue unless set on it.
 */
function hiddenBecause(
  chain: readonly EmailElement[],
  cascade: Cascade,
  isLink: boolean,
): string | undefined {
  let fontPx = 16;
  let colour: Rgba = BLACK;
  for (let depth = 0; depth < chain.length; depth += 1) {
    const element = chain[depth]!;
    const where = `on a <${element.name}>`;
    const value = (property: string) => cascade.valueOf(chain, depth, property);
    if (/\bnone\b/i.test(value('display') ?? '')) return `display:none ${where}`;
    if (/\ball\b/i.test(value('mso-hide') ?? '')) return `mso-hide:all ${where}`;
    const opacity = Number.parseFloat(value('opacity') ?? '1');
    if (opacity < 0.5) return `opacity ${opacity} ${where}`;
    for (const property of ['width', 'max-width', 'height', 'max-height']) {
      const size =
        value(property) ??
        (property === 'width' || property === 'height' ? element.attributes[property] : undefined);
      if (size !== undefined && (isZeroLength(size) || (pixels(size) ?? MIN_SIZE_PX) < MIN_SIZE_PX)) {
        return `${property} ${size} ${where}`;
      }
    }
    const font = fontSizeOf(value('font-size') ?? fontShorthandSize(value('font')), fontPx);
    if (font !== undefined) fontPx = font;
    const lineHeight = value('line-height');
    if (lineHeight !== undefined && /hidden/i.test(value('overflow') ?? '')) {
      const line = /^[\d.]+$/.test(lineHeight) ? Number(lineHeight) * fontPx : fontSizeOf(lineHeight, fontPx);
      if (line !== undefined && line < MIN_SIZE_PX)
        return `line-height ${lineHeight} with overflow hidden ${where}`;
    }
    const own = parseColour(value('color'));
    colour = own ?? (isLink && depth === chain.length - 1 ? BROWSER_LINK_COLOUR : colour);
  }
  if (fontPx < MIN_SIZE_PX) return `a font of ${round(fontPx)}px`;
  const background = backgroundOf(chain, cascade);
  const seen = blend(colour, background);
  const ratio = contrast(seen, background);
  if (ratio < MIN_CONTRAST) {
    return `its colour ${hex(seen)} on ${hex(background)} has a contrast of ${round(ratio)}:1, below ${MIN_CONTRAST}:1`;
  }
  return undefined;
}

/** The colour under the element: the nearest opaque background of it or an ancestor, else white. */
function backgroundOf(chain: readonly EmailElement[], cascade: Cascade): Rgba {
  for (let depth = chain.length - 1; depth >= 0; depth -= 1) {
    const colour =
      parseColour(cascade.valueOf(chain, depth, 'background-color')) ??
      parseColour(firstColourIn(cascade.valueOf(chain, depth, 'background'))) ??
      parseColour(chain[depth]!.attributes.bgcolor);
    if (colour && colour[3] >= 0.5) return [colour[0], colour[1], colour[2], 1];
  }
  return WHITE;
}

// ---- the cascade ----

interface Cascade {
  /** The declared value of a property on chain[depth] (inline or stylesheet, by importance and specificity). */
  valueOf(chain: readonly EmailElement[], depth: number, property: string): string | undefined;
}

function createCascade(rules: readonly CssRule[]): Cascade {
  return {
    valueOf(chain, depth, property) {
      const element = chain[depth]!;
      let best: { rank: number[]; value: string } | undefined;
      const consider = (declaration: CssDeclaration, rank: number[]) => {
        if (declaration.property !== property) return;
        if (!best || compareRanks(rank, best.rank) >= 0) best = { rank, value: declaration.value };
      };
      rules.forEach((rule, order) => {
        for (const selector of rule.selectors) {
          if (!matches(selector, chain, depth)) continue;
          for (const declaration of rule.declarations) {
            consider(declaration, [declaration.important ? 2 : 0, ...selector.specificity, order]);
          }
        }
      });
      for (const declaration of element.style) {
        consider(declaration, [declaration.important ? 3 : 1, 0, 0, 0, 0]);
      }
      const value = best?.value;
      return value === 'inherit' && depth > 0 ? this.valueOf(chain, depth - 1, property) : value;
    },
  };
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < a.length; index += 1) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return 0;
}

/** Whether the selector matches chain[depth], its ancestors being chain[0..depth-1]. */
function matches(selector: SimpleSelector, chain: readonly EmailElement[], depth: number): boolean {
  const { compounds, combinators } = selector;
  const match = (compoundIndex: number, elementIndex: number): boolean => {
    const compound = compounds[compoundIndex]!;
    const element = chain[elementIndex]!;
    const classes = (element.attributes.class ?? '').split(/\s+/);
    if (compound.tag && compound.tag !== element.name) return false;
    if (compound.ids.length > 0) return false; // the sanitiser keeps no id attribute
    if (!compound.classes.every((name) => classes.includes(name))) return false;
    if (compoundIndex === 0) return true;
    const combinator = combinators[compoundIndex - 1];
    if (combinator === '>') return elementIndex > 0 && match(compoundIndex - 1, elementIndex - 1);
    for (let ancestor = elementIndex - 1; ancestor >= 0; ancestor -= 1) {
      if (match(compoundIndex - 1, ancestor)) return true;
    }
    return false;
  };
  return match(compounds.length - 1, depth);
}

// ---- lengths and colours ----

function pixels(value: string): number | undefined {
  const match = /^(-?[\d.]+)(px|pt)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2]?.toLowerCase() === 'pt' ? 4 / 3 : 1);
}

const FONT_KEYWORDS: Readonly<Record<string, number>> = {
  'xx-small': 9,
  'x-small': 10,
  small: 13,
  medium: 16,
  large: 18,
  'x-large': 24,
  'xx-large': 32,
};

function fontSizeOf(value: string | undefined, parentPx: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().toLowerCase();
  if (trimmed in FONT_KEYWORDS) return FONT_KEYWORDS[trimmed];
  const match = /^([\d.]+)(px|pt|em|rem|%)?$/.exec(trimmed);
  if (!match) return undefined;
  const amount = Number(match[1]);
  switch (match[2] ?? 'px') {
    case 'pt':
      return (amount * 4) / 3;
    case 'em':
      return amount * parentPx;
    case 'rem':
      return amount * 16;
    case '%':
      return (amount / 100) * parentPx;
    default:
      return amount;
  }
}

function fontShorthandSize(font: string | undefined): string | undefined {
  return font ? /(?:^|\s)([\d.]+(?:px|pt|em|rem|%)?)(?=\s|\/)/.exec(font)?.[1] : undefined;
}

type Rgba = [number, number, number, number];

/** The CSS named colours email designs use, and every one that is near-white or near-black. */
const NAMED_COLOURS: Readonly<Record<string, string>> = {
  black: '#000000',
  white: '#ffffff',
  red: '#ff0000',
  green: '#008000',
  blue: '#0000ff',
  navy: '#000080',
  gray: '#808080',
  grey: '#808080',
  silver: '#c0c0c0',
  maroon: '#800000',
  purple: '#800080',
  teal: '#008080',
  olive: '#808000',
  orange: '#ffa500',
  yellow: '#ffff00',
  snow: '#fffafa',
  ivory: '#fffff0',
  ghostwhite: '#f8f8ff',
  whitesmoke: '#f5f5f5',
  seashell: '#fff5ee',
  floralwhite: '#fffaf0',
  linen: '#faf0e6',
  mintcream: '#f5fffa',
  azure: '#f0ffff',
  aliceblue: '#f0f8ff',
  honeydew: '#f0fff0',
  lavenderblush: '#fff0f5',
  oldlace: '#fdf5e6',
  beige: '#f5f5dc',
  cornsilk: '#fff8dc',
  lightyellow: '#ffffe0',
  lightcyan: '#e0ffff',
  gainsboro: '#dcdcdc',
  lightgray: '#d3d3d3',
  lightgrey: '#d3d3d3',
  darkgray: '#a9a9a9',
  darkgrey: '#a9a9a9',
  dimgray: '#696969',
  dimgrey: '#696969',
  midnightblue: '#191970',
  darkslategray: '#2f4f4f',
  darkslategrey: '#2f4f4f',
};

function parseColour(value: string | undefined): Rgba | undefined {
  if (!value) return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'transparent') return [0, 0, 0, 0];
  const named = NAMED_COLOURS[text];
  if (named) return parseColour(named);
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])([0-9a-f])?$/.exec(text);
  if (short) {
    const [r, g, b] = [short[1]!, short[2]!, short[3]!].map((digit) => parseInt(digit + digit, 16));
    return [r!, g!, b!, short[4] ? parseInt(short[4] + short[4], 16) / 255 : 1];
  }
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/.exec(text);
  if (long) {
    return [
      parseInt(long[1]!, 16),
      parseInt(long[2]!, 16),
      parseInt(long[3]!, 16),
      long[4] ? parseInt(long[4], 16) / 255 : 1,
    ];
  }
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(text);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), rgb[4] === undefined ? 1 : Number(rgb[4])];
  return undefined;
}

function firstColourIn(value: string | undefined): string | undefined {
  return value?.split(/\s+(?![^(]*\))/).find((part) => parseColour(part) !== undefined);
}

function blend([r, g, b, alpha]: Rgba, under: Rgba): Rgba {
  const mix = (top: number, bottom: number) => top * alpha + bottom * (1 - alpha);
  return [mix(r, under[0]), mix(g, under[1]), mix(b, under[2]), 1];
}

/** WCAG 2 contrast ratio of two opaque colours. */
function contrast(a: Rgba, b: Rgba): number {
  const luminance = ([r, g, b]: Rgba) => {
    const channel = (value: number) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

function hex([r, g, b]: Rgba): string {
  return `#${[r, g, b].map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
