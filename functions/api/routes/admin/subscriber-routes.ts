import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { subscriberImportDependencies } from '../../../app/subscriber-import.ts';
import { ValidationError } from '../../../core/errors.ts';
import { exportConfirmedSubscribers } from '../../../core/subscribers/import/export-subscribers.ts';
import {
  importSubscribers,
  parseDefaultTopics,
  type ImportOptions,
} from '../../../core/subscribers/import/import-subscribers.ts';
import { adminPage } from '../../pages/admin-layout.ts';
import { subscribersPage } from '../../pages/admin-subscribers-page.ts';
import { adminProblemOf } from './admin-problem.ts';
import type { AdminApp, AdminEnv, AdminKit } from './admin-kit.ts';

/**
 * A CSV import may be larger than other admin requests, and still below Lambda's 6 MB payload:
 * about 50,000 rows of a Mailchimp export. In the cloud the request's 30 s allow far fewer (a few
 * thousand rows): docs/admin.md says to send parts; a part cut off is finished by its re-run.
 */
export const IMPORT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** At most this many readers per response of `GET /admin/subscribers.csv?limit=`. */
const MAX_EXPORT_LIMIT = 20_000;

const newImportId = (now: Date) =>
  `import-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;

/** A strict boolean of the query: absent, "true" or "false"; anything else is refused by name. */
function queryFlag(c: Context, name: string): boolean {
  const value = c.req.query(name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError(`${name}: "${value}" is not true or false`, [`${name}: must be true or false`]);
}

async function* bytesOf(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/**
 * Readers in and out, behind the same authentication as admin sends: `GET /admin/subscribers`
 * (the page), `GET /admin/subscribers.csv` (the confirmed readers, streamed; `?limit=&after=`
 * pages with a `Link: rel="next"`), `POST /admin/subscribers/import` (a CSV body from the API,
 * `?dryRun=true&consented=true&topics=a,b`; the page's form with its CSRF token).
 */
export function registerSubscriberRoutes(app: AdminApp, kit: AdminKit): void {
  const { services, auth, layout, actorOf, csrfFailed } = kit;
  const { context } = services;
  const deps = subscriberImportDependencies(context);

  const page = (
    c: Context<AdminEnv>,
    view: Omit<Parameters<typeof subscribersPage>[0], 'csrf' | 'topicLabels'>,
    status: 200 | 400 = 200,
  ) => {
    const credential = c.get('admin');
    return adminPage(
      c,
      'Readers in and out',
      subscribersPage({ ...view, csrf: auth.csrfToken(credential), topicLabels: kit.labels }),
      layout(credential, 'subscribers'),
      status,
    );
  };

  app.get('/admin/subscribers', (c) => page(c, {}));

  app.get('/admin/subscribers.csv', async (c) => {
    const limitText = c.req.query('limit');
    const after = c.req.query('after');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= MAX_EXPORT_LIMIT))
      return c.json(
        { error: 'invalid_request', message: `limit: a whole number from 1 to ${MAX_EXPORT_LIMIT}` },
        400,
      );
    context.logger.info('confirmed readers exported by an admin', { by: actorOf(c.get('admin'), 'api') });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="subscribers.csv"');
    c.header('Cache-Control', 'no-store');
    if (limit === undefined && after === undefined)
      // Streamed a page of the index at a time (locally; Lambda buffers a response, up to 6 MB:
      // page with ?limit= there).
      return stream(c, async (out) => {
        for await (const chunk of exportConfirmedSubscribers(context.subscriberImports))
          await out.write(chunk);
      });
    // A page: at most `limit` readers held at once, and the next page's address in `Link`.
    let next: string | undefined;
    const parts: string[] = [];
    const pageLimit = limit ?? MAX_EXPORT_LIMIT;
    try {
      for await (const chunk of exportConfirmedSubscribers(context.subscriberImports, {
        ...(after ? { after } : {}),
        limit: pageLimit,
        onNext: (cursor) => {
          next = cursor;
        },
      }))
        parts.push(chunk);
    } catch (error) {
      const problem = adminProblemOf(error);
      return c.json(problem.json, problem.status);
    }
    if (next) c.header('Link', `</admin/subscribers.csv?limit=${pageLimit}&after=${next}>; rel="next"`);
    return c.body(parts.join(''));
  });

  const importLimit = bodyLimit({
    maxSize: IMPORT_MAX_BODY_BYTES,
    onError: (c) =>
      c.json({ error: 'too_large', message: 'The CSV is larger than 5 MB: split it, or use the CLI.' }, 413),
  });

  app.post('/admin/subscribers/import', importLimit, async (c) => {
    const credential = c.get('admin');
    const fromForm = (c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
    const importId = newImportId(context.clock.now());
    if (fromForm) {
      const form = await c.req.parseBody();
      if (!auth.csrfTokenMatches(credential, typeof form.csrf === 'string' ? form.csrf : undefined))
        return csrfFailed(c);
      const file = form.file;
      if (!(file instanceof File) || file.size === 0)
        return page(c, { problem: 'Choose a CSV file to import.' }, 400);
      try {
        const topics = parseDefaultTopics(typeof form.topics === 'string' ? form.topics : undefined);
        const options: ImportOptions = {
          dryRun: form.dryRun === 'true',
          consented: form.consented === 'true',
          importId,
          by: actorOf(credential, 'page').principal,
          via: 'page',
          ...(topics ? { defaultTopics: topics } : {}),
        };
        const report = await importSubscribers(bytesOf(file.stream()), options, deps);
        context.logger.info('readers imported by an admin', {
          by: options.by,
          ...report,
          problems: undefined,
          warnings: undefined,
        });
        return page(c, { report });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return page(c, { problem: error.message }, 400);
      }
    }
    try {
      const topics = parseDefaultTopics(c.req.query('topics'));
      const options: ImportOptions = {
        dryRun: queryFlag(c, 'dryRun'),
        consented: queryFlag(c, 'consented'),
        importId,
        by: actorOf(credential, 'api').principal,
        via: 'api',
        ...(topics ? { defaultTopics: topics } : {}),
      };
      const report = await importSubscribers(bytesOf(c.req.raw.body), options, deps);
      context.logger.info('readers imported by an admin', {
        by: options.by,
        ...report,
        problems: undefined,
        warnings: undefined,
      });
      return c.json(report);
    } catch (error) {
      const problem = adminProblemOf(error);
      return c.json(problem.json, problem.status);
    }
  });
}
