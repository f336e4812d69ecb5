import postcss, { type AtRule, type ChildNode, type Declaration, type Rule } from 'postcss';

/**
 * CSS of an admin's MJML document, allow-listed: what an email's layout needs, nothing that loads,
 * runs, positions or (in a stylesheet) hides. Escapes and comments are decoded first and judged on
 * what a browser would read: `u\72l(` is `url(`. Every value is written back from that decoded
 * form, whose characters and functions are allow-listed, so nothing in it needs escaping and no
 * escape survives to be read otherwise by a mail client.
 *
 * Nothing may load from elsewhere when the email is opened (the digest loads nothing either): a
 * function other than rgb(), rgba(), hsl(), hsla() and calc() removes its declaration, so url(),
 * image-set(), image(), element(), cross-fade(), expression() and var() never pass, whatever their
 * spelling. @import, @font-face and every at-rule but @media go too.
 */

/** A declaration as it passed: property lower-cased, value decoded and normalised. */
export interface CssDeclaration {
  readonly property: string;
  readonly value: string;
  readonly important: boolean;
}

/** A selector we can match (and so check): compounds of a type, classes and ids, joined by " " or ">". */
export interface SimpleSelector {
  readonly compounds: readonly SelectorCompound[];
  /** combinators[i] joins compounds[i] and compounds[i + 1]. */
  readonly combinators: readonly (' ' | '>')[];
  readonly specificity: readonly [number, number, number];
}

export interface SelectorCompound {
  readonly tag: string | undefined;
  readonly classes: readonly string[];
  readonly ids: readonly string[];
}

export interface CssRule {
  readonly selectors: readonly SimpleSelector[];
  readonly declarations: readonly CssDeclaration[];
}

/** A stylesheet as it passed, and the same as text for a <style> element. */
export interface SanitisedStylesheet {
  readonly rules: readonly CssRule[];
  readonly css: string;
}

/** Properties an email's layout uses (MJML's output and hand-written email CSS); `mso-*` too. */
const ALLOWED_PROPERTIES = new Set([
  'color',
  'background',
  'background-color',
  'border',
  'border-top',
  'border-right',
  'border-bottom',
  'border-left',
  'border-color',
  'border-style',
  'border-width',
  'border-top-color',
  'border-right-color',
  'border-bottom-color',
  'border-left-color',
  'border-top-style',
  'border-right-style',
  'border-bottom-style',
  'border-left-style',
  'border-top-width',
  'border-right-width',
  'border-bottom-width',
  'border-left-width',
  'border-radius',
  'border-top-left-radius',
  'border-top-right-radius',
  'border-bottom-left-radius',
  'border-bottom-right-radius',
  'border-collapse',
  'border-spacing',
  'margin',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  'width',
  'min-width',
  'max-width',
  'height',
  'min-height',
  'max-height',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'font-variant',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'text-align',
  'text-decoration',
  'text-transform',
  'vertical-align',
  'white-space',
  'word-break',
  'word-wrap',
  'overflow-wrap',
  'direction',
  'display',
  'table-layout',
  'list-style',
  'list-style-type',
  'list-style-position',
  'outline',
  'overflow',
  'opacity',
  'cursor',
  '-webkit-text-size-adjust',
  '-ms-text-size-adjust',
  'text-size-adjust',
  '-ms-interpolation-mode',
]);

const ALLOWED_FUNCTIONS = new Set(['rgb', 'rgba', 'hsl', 'hsla', 'calc']);

/** After decoding: letters, digits, spaces and the punctuation of lengths, colours, lists and font names. */
const VALUE_CHARACTERS = /^[\p{L}\p{N}\s#%.,()'"+\-/_]*$/u;

/** @media conditions: a media type, features in parentheses, and/or/not/only, commas. */
const MEDIA_PARAMS = /^[a-z0-9\s():,.-]+$/i;

/**
 * Properties that hide what they apply to. Allowed inline, where the must-show check sees them on
 * the element; removed from stylesheets, whose selectors it would have to second-guess.
 */
const HIDING_IN_STYLESHEETS = new Set(['visibility', 'opacity', 'mso-hide']);

/**
 * The declarations of a style attribute that may stay.
 *
 * @param removed gets one line per kind of thing removed, in the admin's words.
 */
export function sanitiseStyleAttribute(style: string, removed: Set<string>): CssDeclaration[] {
  let root: postcss.Root;
  try {
    root = postcss.parse(style);
  } catch {
    removed.add('a style attribute that is not valid CSS removed');
    return [];
  }
  const kept: CssDeclaration[] = [];
  for (const node of root.nodes) {
    if (node.type === 'decl') {
      const declaration = sanitiseDeclaration(node, removed);
      if (declaration) kept.push(declaration);
    } else if (node.type !== 'comment') {
      removed.add('CSS rules inside a style attribute removed');
    }
  }
  return kept;
}

/** A style attribute's value, written back from its sanitised declarations. */
export function styleText(declarations: readonly CssDeclaration[]): string {
  return declarations.map(declarationText).join(';');
}

/**
 * A <style> element's text as it may stay: rules with simple selectors, and @media blocks of them.
 *
 * @param removed gets one line per kind of thing removed, in the admin's words.
 */
export function sanitiseStylesheet(css: string, removed: Set<string>): SanitisedStylesheet {
  let root: postcss.Root;
  try {
    root = postcss.parse(css);
  } catch {
    removed.add('a stylesheet that is not valid CSS removed');
    return { rules: [], css: '' };
  }
  const rules: CssRule[] = [];
  const text = sheetText(root.nodes, rules, removed, false);
  return { rules, css: text };
}

function sheetText(
  nodes: readonly ChildNode[],
  rules: CssRule[],
  removed: Set<string>,
  inMedia: boolean,
): string {
  const out: string[] = [];
  for (const node of nodes) {
    if (node.type === 'rule') {
      const rule = sanitiseRule(node, removed);
      if (rule) {
        rules.push(rule.rule);
        out.push(rule.text);
      }
    } else if (node.type === 'atrule') {
      if (!inMedia && node.name.toLowerCase() === 'media' && isSafeMedia(node)) {
        const inner = sheetText(node.nodes ?? [], rules, removed, true);
        if (inner) out.push(`@media ${collapse(node.params)}{${inner}}`);
      } else {
        removed.add(describeAtRule(node));
      }
    } else if (node.type === 'decl') {
      removed.add('a CSS declaration outside any rule removed');
    }
  }
  return out.join('\n');
}

function sanitiseRule(rule: Rule, removed: Set<string>): { rule: CssRule; text: string } | undefined {
  const selectors: SimpleSelector[] = [];
  const texts: string[] = [];
  for (const selector of rule.selectors) {
    const parsed = parseSelector(selector);
    if (parsed) {
      selectors.push(parsed);
      texts.push(collapse(selector));
    } else {
      removed.add(
        `the CSS selector "${shorten(collapse(selector))}" removed (only types, classes and ids, with " " or ">")`,
      );
    }
  }
  if (selectors.length === 0) return undefined;
  const declarations: CssDeclaration[] = [];
  for (const node of rule.nodes) {
    if (node.type !== 'decl') {
      if (node.type !== 'comment') removed.add('a nested CSS rule removed');
      continue;
    }
    const declaration = sanitiseDeclaration(node, removed);
    if (!declaration) continue;
    if (hidesInStylesheet(declaration)) {
      removed.add(
        `"${declarationText(declaration)}" removed from a stylesheet (hide things with inline styles, where the footer check sees them)`,
      );
      continue;
    }
    declarations.push(declaration);
  }
  if (declarations.length === 0) return undefined;
  return {
    rule: { selectors, declarations },
    text: `${texts.join(',')}{${declarations.map(declarationText).join(';')}}`,
  };
}

function sanitiseDeclaration(node: Declaration, removed: Set<string>): CssDeclaration | undefined {
  const property = decodeCss(node.prop).trim().toLowerCase();
  const value = collapse(decodeCss(withoutComments(node.value)));
  const shown = `${shorten(property)}: ${shorten(value)}`;
  const problem = valueProblem(property, value);
  if (!ALLOWED_PROPERTIES.has(property) && !/^mso-[a-z-]+$/.test(property)) {
    removed.add(
      problem === LOADS
        ? `CSS "${shown}" removed (${LOADS})`
        : `the CSS property "${shorten(property)}" removed`,
    );
    return undefined;
  }
  if (problem) {
    removed.add(`CSS "${shown}" removed (${problem})`);
    return undefined;
  }
  return { property, value, important: node.important === true };
}

const LOADS = 'it loads a file from elsewhere when the email is opened';

/** Why a decoded value may not stay, or undefined. */
function valueProblem(property: string, value: string): string | undefined {
  const lower = value.toLowerCase();
  if (value === '') return 'empty';
  for (const match of lower.matchAll(/([a-z-]*)\s*\(/g)) {
    if (/^(?:url|image|image-set|-webkit-image-set|element|cross-fade|src)$/.test(match[1]!)) return LOADS;
    if (!ALLOWED_FUNCTIONS.has(match[1]!)) return `the function ${match[1] || '('}… is not allowed`;
  }
  if (!VALUE_CHARACTERS.test(value)) return 'characters a layout value never needs';
  if ((value.match(/'/g) ?? []).length % 2 === 1 || (value.match(/"/g) ?? []).length % 2 === 1) {
    return 'an unclosed quote';
  }
  if (/^margin/.test(property) && /(^|\s)-\d/.test(value))
    return 'negative margins move content out of sight';
  return undefined;
}

function hidesInStylesheet({ property, value }: CssDeclaration): boolean {
  const lower = value.toLowerCase();
  if (HIDING_IN_STYLESHEETS.has(property)) return true;
  if (property === 'display' && /\bnone\b/.test(lower)) return true;
  if (property === 'color' && (lower === 'transparent' || isFaint(lower))) return true;
  if ((property === 'font-size' || property === 'font') && tinyFontSize(lower)) return true;
  if (/^(?:max-)?(?:height|width)$/.test(property) && isZeroLength(lower)) return true;
  if (property === 'line-height' && isZeroLength(lower)) return true;
  return false;
}

function isFaint(value: string): boolean {
  const alpha = /^(?:rgba|hsla)\(.*,\s*([\d.]+)\s*\)$/.exec(value)?.[1];
  return alpha !== undefined && Number(alpha) < 0.5;
}

/** A font size below 8px (or half the inherited size), as a length or a font shorthand's size. */
function tinyFontSize(value: string): boolean {
  const size = /(^|\s)(\d*\.?\d+)(px|pt|em|rem|%)?(?=\s|\/|$)/.exec(value);
  if (!size) return false;
  const amount = Number(size[2]);
  const unit = size[3] ?? 'px';
  if (unit === 'px') return amount < 8;
  if (unit === 'pt') return amount < 6;
  if (unit === '%') return amount < 50;
  return amount < 0.5;
}

export function isZeroLength(value: string): boolean {
  return /^0*\.?0+(?:px|pt|em|rem|%|vh|vw)?$/.test(value.trim());
}

function isSafeMedia(node: AtRule): boolean {
  const params = node.params.toLowerCase();
  return MEDIA_PARAMS.test(params) && !/url|image/.test(params);
}

function describeAtRule(node: AtRule): string {
  const name = node.name.toLowerCase();
  if (name === 'import') return '@import removed (it loads a stylesheet from elsewhere)';
  if (name === 'font-face')
    return '@font-face removed (no web fonts: a font fetched on open tells its host who read the email)';
  if (name === 'media')
    return `@media ${shorten(collapse(node.params))} removed (a condition we cannot read, or nested)`;
  return `@${name} removed`;
}

const SELECTOR_COMPOUND = /^(\*|[a-z][a-z0-9]*)?((?:[.#]-?[_a-z][\w-]*)*)$/i;

/** A selector of types, classes and ids joined by descendant or child combinators; undefined otherwise. */
export function parseSelector(selector: string): SimpleSelector | undefined {
  const tokens = selector
    .trim()
    .replace(/\s*>\s*/g, ' > ')
    .split(/\s+/);
  const compounds: SelectorCompound[] = [];
  const combinators: (' ' | '>')[] = [];
  let pending: ' ' | '>' | undefined;
  for (const token of tokens) {
    if (token === '>') {
      if (compounds.length === 0 || pending === '>') return undefined;
      pending = '>';
      continue;
    }
    const match = SELECTOR_COMPOUND.exec(token);
    if (!match || token === '') return undefined;
    const parts = match[2]!.match(/[.#]-?[_a-z][\w-]*/gi) ?? [];
    if (!match[1] && parts.length === 0) return undefined;
    if (compounds.length > 0) combinators.push(pending ?? ' ');
    pending = undefined;
    compounds.push({
      tag: match[1] && match[1] !== '*' ? match[1].toLowerCase() : undefined,
      classes: parts.filter((part) => part.startsWith('.')).map((part) => part.slice(1)),
      ids: parts.filter((part) => part.startsWith('#')).map((part) => part.slice(1)),
    });
  }
  if (compounds.length === 0 || pending) return undefined;
  const specificity: [number, number, number] = [0, 0, 0];
  for (const compound of compounds) {
    specificity[0] += compound.ids.length;
    specificity[1] += compound.classes.length;
    specificity[2] += compound.tag ? 1 : 0;
  }
  return { compounds, combinators, specificity };
}

/**
 * CSS escapes decoded as a browser reads them: `\72` (hex, up to six digits, one optional space
 * after) is "r", a backslash before any other character is that character, before a line break is
 * nothing.
 */
export function decodeCss(text: string): string {
  return text.replace(
    /\\(?:([0-9a-f]{1,6})[ \t\n\r\f]?|(\r\n|[\n\r\f])|([\s\S]))/gi,
    (_, hex?: string, _newline?: string, other?: string) => {
      if (hex) {
        const code = parseInt(hex, 16);
        return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)
          ? '\ufffd'
          : String.fromCodePoint(code);
      }
      return other ?? '';
    },
  );
}

function withoutComments(css: string): string {
  return css.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function declarationText(declaration: CssDeclaration): string {
  return `${declaration.property}:${declaration.value}${declaration.important ? ' !important' : ''}`;
}

function shorten(value: string): string {
  return value.length > 48 ? `${value.slice(0, 48)}…` : value;
}
