import { createHash } from 'node:crypto';
import { STYLES } from './styles.ts';
import { BROWSER_ZONE_SCRIPT } from './form-fields.ts';

/**
 * The only inline code a page may run: the stylesheet and a fixed set of scripts, each allowed in
 * the Content-Security-Policy by its SHA-256. Hashes rather than per-response nonces keep pages
 * byte-identical for identical answers (no enumeration through a body diff) and cacheable.
 */
const PAGE_SCRIPTS = {
  /** Defaults the time zone of a fresh subscribe form to the browser's. */
  browserTimeZone: BROWSER_ZONE_SCRIPT,
} as const;

export type PageScript = keyof typeof PAGE_SCRIPTS;

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Built once, exactly as hashed: a byte of difference and the browser would refuse it. */
export const STYLE_ELEMENT = `<style>${STYLES}</style>`;

export function scriptElement(script: PageScript): string {
  return `<script>${PAGE_SCRIPTS[script]}</script>`;
}

export const CSP_STYLE_HASHES = [cspHash(STYLES)];
export const CSP_SCRIPT_HASHES = Object.values(PAGE_SCRIPTS).map(cspHash);
