import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SealedValueError } from '../errors.ts';
import { deriveLinkKeys, type LinkKeys, type LinkSecrets } from './keys.ts';

/**
 * Values we must keep for a while but need not read in the meantime, sealed with AES-256-GCM
 * under a key derived from the link secret: the address of a subscription request (on the send
 * queue, and in a pending subscription until it is confirmed or expires). A sealed value names
 * its key id like a token, so it still opens after one rotation; `context` binds it to its use
 * (a value sealed for the queue cannot be passed off as a pending subscription's).
 *
 * Format: `<keyId>.<iv>.<ciphertext and tag>`, base64url.
 */
export interface Sealer {
  seal(value: string, context: SealContext): string;
  /** @throws SealedValueError when the value was tampered with, sealed for another context, or under a key we no longer hold. */
  open(sealed: string, context: SealContext): string;
}

export type SealContext = 'queued-address' | 'pending-address';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSealer(secrets: string | LinkSecrets | LinkKeys): Sealer {
  const keys =
    typeof secrets === 'string'
      ? deriveLinkKeys({ current: secrets })
      : 'accepted' in secrets
        ? secrets
        : deriveLinkKeys(secrets);
  return {
    seal(value, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys.current.sealing, iv);
      cipher.setAAD(Buffer.from(context));
      const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${keys.current.keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    open(sealed, context) {
      const [keyId, iv, body, ...rest] = sealed.split('.');
      const version = keyId === undefined ? undefined : keys.accepted.get(keyId);
      if (!version || iv === undefined || body === undefined || rest.length > 0) {
        throw new SealedValueError('the sealed value is malformed or sealed under a key we no longer hold');
      }
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < TAG_BYTES) throw new SealedValueError('the sealed value is cut short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', version.sealing, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw new SealedValueError('the sealed value does not open', { cause: error });
      }
    },
  };
}
