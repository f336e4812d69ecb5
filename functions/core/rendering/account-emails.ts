import { ContentError } from '../errors.ts';
import { TOKEN_LIFETIME_MS } from '../tokens/tokens.ts';
import type { RenderedEmail } from './email-renderer.ts';
import {
  mjmlToHtml,
  renderMjmlSource,
  renderText,
  type MjmlOptions,
  type TemplateFiles,
} from './templates.ts';

/**
 * Emails about a reader's account (not the digest): "here is your manage link". Like the
 * confirmation, they carry only our own words and a signed link, never text someone typed.
 */

const ACCOUNT_TEMPLATES = ['manage-link.mjml', 'manage-link.txt'] as const;

export interface AccountEmailSettings {
  readonly templates: TemplateFiles;
  readonly siteUrl: string;
  readonly postalAddress: string;
  readonly mjml: MjmlOptions;
}

const DAY_MS = 24 * 3600 * 1000;

/** @throws ContentError at creation when a template is missing, not at the first request. */
export function createAccountEmailRenderer(settings: AccountEmailSettings) {
  const missing = ACCOUNT_TEMPLATES.filter((name) => typeof settings.templates[name] !== 'string');
  if (missing.length > 0) throw new ContentError(`templates missing: ${missing.join(', ')}`);

  return {
    async renderManageLink(manageUrl: string): Promise<RenderedEmail> {
      const view = {
        siteUrl: settings.siteUrl,
        postalAddress: settings.postalAddress,
        title: 'Manage your subscription',
        kicker: 'Your personal link',
        manageUrl,
        manageLinkDays: Math.round(TOKEN_LIFETIME_MS.manage / DAY_MS),
      };
      return {
        subject: 'Your Immunotherapy Digest manage link',
        html: await mjmlToHtml(renderMjmlSource(settings.templates, 'manage-link.mjml', view), settings.mjml),
        text: renderText(settings.templates, 'manage-link.txt', view),
      };
    },
  };
}

export type AccountEmailRenderer = ReturnType<typeof createAccountEmailRenderer>;
