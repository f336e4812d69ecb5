import { FeedError } from '../errors.ts';
import { collapseWhitespace } from './html-text.ts';

/**
 * Reading the JSON answers of the API sources. A JSON API that fails tends to answer with an
 * HTML page (a proxy's error, a maintenance notice) or a body cut short; both are named as such,
 * so the run summary says what happened rather than "Unexpected token <".
 */

/** Larger answers are refused before parsing (a ClinicalTrials.gov page of 1,000 full studies is ~20 MB). */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Parses an API answer as a JSON object.
 *
 * @param what the API and call, for messages ("E-utilities esearch")
 * @throws FeedError 'too-large', 'not-a-feed' (an HTML page), 'malformed-json' or 'unexpected-response' (not an object)
 */
export function parseApiJson(
  bytes: Buffer,
  what: string,
  maxBytes = DEFAULT_MAX_BYTES,
): Record<string, unknown> {
  if (bytes.length > maxBytes) {
    throw new FeedError(
      'too-large',
      `${what} answer of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`,
    );
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start.startsWith('<')) {
    const title = /<title[^>]*>([^<]{0,120})/i.exec(text.slice(0, 8192))?.[1];
    const kind = /^<(?:!doctype html|html|head|body)/i.test(start) ? 'an HTML page' : 'markup';
    throw new FeedError(
      'not-a-feed',
      `${what} answered with ${kind}, not JSON${title ? ` ("${collapseWhitespace(title)}")` : ''}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FeedError(
      'malformed-json',
      `${what} answer is not valid JSON (${bytes.length} bytes; cut short?): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new FeedError('unexpected-response', `${what} answer is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * A field the API documents, of the type it documents.
 *
 * @throws FeedError 'unexpected-response' naming the field: the API changed, or the answer is not the one asked for
 */
export function requireField(
  object: Record<string, unknown>,
  name: string,
  type: 'string' | 'object' | 'array',
  where: string,
): unknown {
  const value = object[name];
  const ok =
    type === 'array'
      ? Array.isArray(value)
      : type === 'object'
        ? value !== null && typeof value === 'object' && !Array.isArray(value)
        : typeof value === 'string';
  if (!ok) {
    throw new FeedError(
      'unexpected-response',
      `${where}.${name} is ${value === undefined ? 'missing' : `not ${type === 'array' ? 'an array' : `a${type === 'object' ? 'n' : ''} ${type}`}`} (has the API changed?)`,
    );
  }
  return value;
}
