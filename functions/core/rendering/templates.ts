import Mustache from 'mustache';
import mjml2html from 'mjml';
import { ContentError } from '../errors.ts';

/**
 * Templates are Mustache (logic-less, HTML-escaping by default) around MJML. The files are read
 * by an adapter and handed in as strings, so rendering stays pure and testable.
 */
export interface TemplateFiles {
  /** Name (without extension, e.g. "digest.mjml", "digest.txt", "partials/header.mjml") → source. */
  readonly [name: string]: string;
}

const REQUIRED_TEMPLATES = [
  'digest.mjml',
  'digest.txt',
  'confirmation.mjml',
  'confirmation.txt',
  'partials/head.mjml',
  'partials/header.mjml',
  'partials/footer.mjml',
  'partials/digest-topic.mjml',
  'partials/digest-card.mjml',
  'partials/digest-note.mjml',
  'partials/digest-closing.mjml',
] as const;

export function assertTemplates(files: TemplateFiles): void {
  const missing = REQUIRED_TEMPLATES.filter((name) => typeof files[name] !== 'string');
  if (missing.length > 0) throw new ContentError(`templates missing: ${missing.join(', ')}`);
}

/** The partials of a template set by name ("header" for partials/header.mjml). */
export function partialsOf(files: TemplateFiles): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .filter(([name]) => name.startsWith('partials/'))
      .map(([name, source]) => [name.slice('partials/'.length).replace(/\.mjml$/, ''), source]),
  );
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * The escaping of every {{value}} in an MJML template, and of every value put into rendered HTML
 * afterwards (personal links, text slots): one function, so an email assembled from pieces is
 * byte-identical to one rendered whole. It escapes what HTML text and quoted attributes need;
 * unlike Mustache's default it leaves "/" and "=" alone, so links stay readable in the source.
 */
export function escapeHtml(value: string): string {
  // Most values (a reader's manage and unsubscribe links) need nothing: returned as they are.
  if (!NEEDS_ESCAPING.test(value)) return value;
  return value.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]!);
}

const NEEDS_ESCAPING = /[&<>"']/;

/** Renders a Mustache-MJML template to MJML markup; every {{value}} is HTML-escaped. */
export function renderMjmlSource(
  files: TemplateFiles,
  name: string,
  view: object,
  partials: Record<string, string> = partialsOf(files),
): string {
  // Mustache hands numbers and booleans to `escape` as they are: make them text first.
  return Mustache.render(files[name]!, view, partials, {
    escape: (value: unknown) => escapeHtml(String(value)),
  });
}

/** Renders a plain-text template: no HTML escaping (it is not HTML), same data. */
export function renderText(files: TemplateFiles, name: string, view: object): string {
  return Mustache.render(files[name]!, view, {}, { escape: (value: unknown) => String(value) })
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .concat('\n');
}

export interface MjmlOptions {
  /** 'strict' throws on any MJML error (tests, CI); 'soft' renders what it can (production). */
  readonly validationLevel: 'strict' | 'soft';
}

/** MJML → email-safe HTML. mjml 5's render is async. */
export async function mjmlToHtml(mjml: string, options: MjmlOptions): Promise<string> {
  try {
    const result = await mjml2html(mjml, {
      validationLevel: options.validationLevel,
      keepComments: false,
      // An admin's MJML is rendered here too: <mj-include> must never read a file of the server.
      // MJML 5 ignores includes by default; pinned, so no upgrade or .mjmlconfig turns them on.
      ignoreIncludes: true,
      useMjmlConfigOptions: false,
      // No web-font <link>: the system font stack reads well, and a font fetched from a third
      // party on open would tell it who read the email.
      fonts: {},
    });
    return collapseIndentation(result.html);
  } catch (error) {
    const details = (error as { errors?: { formattedMessage?: string; message?: string }[] }).errors;
    const text = details?.map((detail) => detail.formattedMessage ?? detail.message).join('; ');
    throw new ContentError(`MJML is invalid: ${text || (error as Error).message}`, { cause: error });
  }
}

/**
 * MJML indents its output generously: a third of a digest's bytes were spaces. Any run of
 * whitespace that holds a line break becomes one line break, which renders the same (HTML
 * collapses whitespace; MJML emits no <pre>) and keeps a 25-article digest far below the
 * ~100 kB at which Gmail clips a message and hides its footer, unsubscribe link included.
 */
function collapseIndentation(html: string): string {
  return html.replace(/[ \t]*\n\s*/g, '\n');
}
