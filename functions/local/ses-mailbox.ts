import { createRequire } from 'node:module';
import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * Keeps the SES stand-in's mailbox across restarts. aws-ses-v2-local holds mail in memory; we
 * load .data/ses-mail.json into its store at start and write the store back while running, so
 * http://localhost:8005 shows every email ever sent locally, not only this process's.
 */

interface StoredEmail {
  readonly messageId?: string;
  readonly at: number;
}

interface SesStore {
  emails: StoredEmail[];
}

const require = createRequire(import.meta.url);
// The same module instance the stand-in's server uses (one CommonJS cache per process).
const storeModule = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly: () => SesStore };

export interface Mailbox {
  /** Emails in the stand-in's store right now. */
  count(): number;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function keepMailbox(file: string, intervalMs = 1000): Promise<Mailbox> {
  const store = storeModule.getStoreReadonly();
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { emails?: StoredEmail[] };
    if (Array.isArray(saved.emails) && store.emails.length === 0) store.emails.push(...saved.emails);
  } catch {
    // No mailbox yet, or unreadable: start empty rather than refuse to start.
  }
  let written: { array: StoredEmail[]; length: number } = {
    array: store.emails,
    length: store.emails.length,
  };
  let writing: Promise<void> = Promise.resolve();

  const flush = async () => {
    const current = storeModule.getStoreReadonly().emails;
    // clear-store swaps the array; a send pushes onto it. Either way, write.
    if (current === written.array && current.length === written.length) return;
    written = { array: current, length: current.length };
    writing = writing.then(async () => {
      await writeFile(`${file}.tmp`, JSON.stringify({ emails: current }));
      await rename(`${file}.tmp`, file);
    });
    await writing;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    count: () => storeModule.getStoreReadonly().emails.length,
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
