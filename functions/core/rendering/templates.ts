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

export const REQUIRED_TEMPLATES = [
  'digest.mjml',
  'digest.txt',
  'confirmation.mjml',
  'confirmation.txt',
  'partials/head.mjml',
  'partials/header.mjml',
  'partials/footer.mjml',
] as const;

export function assertTemplates(files: TemplateFiles): void {
  const missing = REQUIRED_TEMPLATES.filter((name) => typeof files[name] !== 'string');
  if (missing.length > 0) throw new ContentError(`templates missing: ${missing.join(', ')}`);
}

function partialsOf(files: TemplateFiles): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .filter(([name]) => name.startsWith('partials/'))
      .map(([name, source]) => [name.slice('partials/'.length).replace(/\.mjml$/, ''), source]),
  );
}

/** Renders a Mustache-MJML template to MJML markup; every {{value}} is HTML-escaped. */
export function renderMjmlSource(files: TemplateFiles, name: string, view: object): string {
  return Mustache.render(files[name]!, view, partialsOf(files));
}

/** Renders a plain-text template: no HTML escaping (it is not HTML), same data. */
export function renderText(files: TemplateFiles, name: string, view: object): string {
  return Mustache.render(files[name]!, view, {}, { escape: (value: string) => value })
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
    const result = await mjml2html(mjml, { validationLevel: options.validationLevel, keepComments: false });
    return result.html;
  } catch (error) {
    const details = (error as { errors?: { formattedMessage?: string; message?: string }[] }).errors;
    const text = details?.map((detail) => detail.formattedMessage ?? detail.message).join('; ');
    throw new ContentError(`MJML is invalid: ${text || (error as Error).message}`, { cause: error });
  }
}
