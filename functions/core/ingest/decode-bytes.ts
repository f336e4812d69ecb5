import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { FeedError } from '../errors.ts';

/**
 * Labels that mean Windows-1252 in practice. The WHATWG Encoding Standard reads them so, because
 * servers that say ISO-8859-1 send curly quotes, dashes and € as Windows-1252 bytes 0x80–0x9F,
 * which real ISO-8859-1 would turn into invisible control characters.
 */
const WINDOWS_1252_LABELS = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'latin-1',
  'l1',
  'us-ascii',
  'ascii',
  'cp1252',
  'windows-1252',
  'x-cp1252',
  'cp819',
  'ibm819',
]);

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/**
 * Turns the bytes of a feed into text. In order: gzip magic bytes (a server that forgot
 * Content-Encoding), a byte-order mark, bytes that are valid UTF-8 with non-ASCII characters
 * (whatever the label says: a legacy label on UTF-8 bytes is the commonest mislabel), the XML
 * declaration's encoding, the HTTP charset, and finally Windows-1252, the superset of Latin-1
 * that unlabelled legacy feeds actually use.
 *
 * @throws FeedError 'too-large' (body or its gzip expansion over maxBytes), 'malformed-xml'
 *   (corrupt gzip) or 'unsupported-encoding'.
 */
export function decodeFeedBytes(bytes: Buffer, options: { httpCharset?: string; maxBytes: number }): string {
  if (bytes.length > options.maxBytes) {
    throw new FeedError(
      'too-large',
      `body of ${bytes.length} bytes exceeds the ${options.maxBytes}-byte limit`,
    );
  }
  let body = bytes;
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzip(body, options.maxBytes);

  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.subarray(3).toString('utf8');
  if (body[0] === 0xff && body[1] === 0xfe) return iconv.decode(body.subarray(2), 'utf-16le');
  if (body[0] === 0xfe && body[1] === 0xff) return iconv.decode(body.subarray(2), 'utf-16be');

  const head = body.subarray(0, 1024).toString('latin1');
  const declared = /<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/i.exec(head)?.[1];
  const label = (declared ?? options.httpCharset)?.trim().toLowerCase();

  if (label?.startsWith('utf-16')) return iconv.decode(body, label === 'utf-16be' ? 'utf-16be' : 'utf-16le');
  const utf8 = strictUtf8Decode(body);
  if (utf8 !== undefined) return utf8;
  if (label === undefined || UTF8_LABELS.has(label) || WINDOWS_1252_LABELS.has(label)) {
    // Invalid UTF-8 labelled (or defaulting to) UTF-8 is a legacy feed that forgot to say so.
    return iconv.decode(body, 'windows-1252');
  }
  if (!iconv.encodingExists(label)) {
    throw new FeedError(
      'unsupported-encoding',
      `feed declares the unknown encoding "${declared ?? options.httpCharset ?? ''}"`,
    );
  }
  return iconv.decode(body, label);
}

function gunzip(body: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    const tooLarge =
      error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new FeedError(
      tooLarge ? 'too-large' : 'malformed-xml',
      tooLarge ? `gzip body expands beyond the ${maxBytes}-byte limit` : 'gzip body is corrupt',
      { cause: error },
    );
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text if the bytes are valid UTF-8, else undefined. */
function strictUtf8Decode(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
