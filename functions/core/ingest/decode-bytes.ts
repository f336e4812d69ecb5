import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { FeedError } from '../errors.ts';

/**
 * Turns the bytes of a feed into text, honouring (in order) a byte-order mark, the XML
 * declaration's encoding, the HTTP charset, and finally sniffing: bytes that are not valid UTF-8
 * are read as Windows-1252, the superset of Latin-1 that legacy feeds actually use.
 */
export function decodeFeedBytes(bytes: Buffer, options: { httpCharset?: string; maxBytes: number }): string {
  let body = bytes;
  // Some servers send gzip without saying so (Content-Encoding missing); the magic bytes tell.
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      body = gunzipSync(body, { maxOutputLength: options.maxBytes });
    } catch (error) {
      const tooLarge =
        error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new FeedError(
        tooLarge ? 'too-large' : 'malformed-xml',
        tooLarge ? `gzip body expands beyond ${options.maxBytes} bytes` : 'gzip body is corrupt',
        { cause: error },
      );
    }
  }

  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.subarray(3).toString('utf8');
  if (body[0] === 0xff && body[1] === 0xfe) return iconv.decode(body.subarray(2), 'utf-16le');
  if (body[0] === 0xfe && body[1] === 0xff) return iconv.decode(body.subarray(2), 'utf-16be');

  const head = body.subarray(0, 512).toString('latin1');
  const declared =
    /<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/i.exec(head)?.[1] ?? options.httpCharset;
  const encoding = declared?.toLowerCase();

  if (encoding && encoding !== 'utf-8' && encoding !== 'utf8') {
    if (!iconv.encodingExists(encoding)) {
      throw new FeedError('unsupported-encoding', `feed declares an unknown encoding "${declared}"`);
    }
    // A feed that declares a legacy charset but is valid UTF-8 with non-ASCII bytes was mislabelled.
    if (isNonAsciiUtf8(body)) return body.toString('utf8');
    return iconv.decode(body, encoding);
  }
  if (isValidUtf8(body)) return body.toString('utf8');
  return iconv.decode(body, 'windows-1252');
}

function isValidUtf8(bytes: Buffer): boolean {
  // TextDecoder with fatal:true throws on the first invalid sequence.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function isNonAsciiUtf8(bytes: Buffer): boolean {
  return bytes.some((byte) => byte > 0x7f) && isValidUtf8(bytes);
}
