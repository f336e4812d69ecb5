import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTopicList, previewDigest } from '../app/preview.ts';
import { ValidationError } from '../core/errors.ts';
import { emailSchema } from '../core/subscribers/subscriber.ts';
import { openLocalEnvironment } from './environment.ts';
import { fixedClock } from './commands.ts';
import { cannotWrite } from './file-errors.ts';

export interface PreviewCommandOptions {
  readonly topics: string;
  readonly out: string;
  readonly format?: string;
  readonly to: string;
  readonly days: string;
  readonly now?: string;
}

/**
 * `immuno-digest preview --topics a,b [--format html|eml] --out FILE`: one digest for those
 * topics from the locally stored articles, written as the HTML part or as the whole MIME message
 * with its headers (what SES would send). The format follows the file's extension when not given.
 */
export async function previewCommand(options: PreviewCommandOptions): Promise<void> {
  const topics = parseTopicList(options.topics);
  const format = options.format ?? (path.extname(options.out).toLowerCase() === '.eml' ? 'eml' : 'html');
  if (format !== 'html' && format !== 'eml') {
    throw new ValidationError(`--format: "${format}" is not a format; use html or eml`);
  }
  const to = emailSchema.safeParse(options.to);
  if (!to.success) {
    throw new ValidationError(`--to: "${options.to}" is not an email address`);
  }
  const days = Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 60) {
    throw new ValidationError(`--days: "${options.days}" must be a whole number of days from 1 to 60`);
  }
  const clock = options.now ? fixedClock(options.now) : undefined;
  const environment = await openLocalEnvironment({ ports: 'ephemeral', ...(clock ? { clock } : {}) });
  try {
    const preview = await previewDigest(environment.context, { topics, to: to.data, days });
    const content = format === 'eml' ? await preview.mime() : preview.email.html;
    await writeFile(options.out, content).catch((error: unknown) => {
      throw cannotWrite(options.out, error, '--out');
    });
    console.log(
      JSON.stringify({
        out: path.resolve(options.out),
        format,
        digestId: preview.digestId,
        subject: preview.email.subject,
        articles: preview.articles,
        sections: preview.sections,
        to: options.to,
      }),
    );
  } finally {
    await environment.stop();
  }
}
