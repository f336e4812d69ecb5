import { z } from 'zod';
import { parseDraft, parseSendId, type AnnouncementDraft } from '../../../core/announcements/announcement.ts';
import { ValidationError } from '../../../core/errors.ts';
import { emailSchema } from '../../../core/subscribers/subscriber.ts';

/**
 * What an admin asks of the admin routes, read strictly (issue 15: loose reading let `"dryRun": 1`,
 * `"yes"`, the typo `"dry_run"` or `"testTo": ["a@b"]` fall through to a real send). Every field
 * is of its type (a boolean is `true` or `false`, never 1, "yes" or "TRUE"); a field we do not know
 * is refused by name; a real send is asked for in so many words (`"send": true`), and its audience
 * too (parseDraft: topics, or "everyone"). Whatever is wrong, nothing is sent.
 */

export type SendAction =
  { readonly kind: 'dry-run' } | { readonly kind: 'test'; readonly to: string } | { readonly kind: 'send' };

/** A JSON request to POST /admin/sends, validated. */
export interface AdminSendRequest {
  readonly draft: AnnouncementDraft;
  /** The send id asked for (validated), or undefined for the default one. */
  readonly id: string | undefined;
  readonly action: SendAction;
  /** For a send scheduled for later: the time asked for, as written (schedule-send.ts reads it). */
  readonly sendAt?: string;
}

const required = (type: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${type}`),
});
const text = z.string(required('text'));
const flag = z.boolean(required('true or false (a JSON boolean, not 1, "yes" or "TRUE")'));
const topicList = z.union([z.array(text), text], required('a list of topic ids'));

const jsonRequestSchema = z
  .object({
    subject: text,
    body: text,
    format: text.optional(),
    topics: topicList.optional(),
    audience: text.optional(),
    id: text.optional(),
    dryRun: flag.optional(),
    testTo: z.string(required('one email address, as text')).optional(),
    send: flag.optional(),
    sendAt: text.optional(),
  })
  .strict();

/** The fields of the admin page's forms (compose, review): the same names, as form values are. */
const formSchema = z
  .object({
    csrf: text.optional(),
    action: text.optional(),
    confirm: text.optional(),
    subject: text.optional(),
    body: text.optional(),
    format: text.optional(),
    topics: z.array(text, required('a list of topic ids')).optional(),
    audience: text.optional(),
    id: text.optional(),
    testTo: text.optional(),
    // The compose page's "send later": a datetime-local value and the zone it is in.
    sendAt: text.optional(),
    sendZone: text.optional(),
  })
  .strict();

export type AdminFormFields = z.output<typeof formSchema>;

/**
 * Reads a JSON body of POST /admin/sends.
 *
 * @throws ValidationError whose issues name every field that is wrong, unknown or missing.
 */
export function parseJsonSendRequest(input: Record<string, unknown>): AdminSendRequest {
  const fields = strictly(jsonRequestSchema, input);
  const issues: string[] = [];
  const chosen = [
    fields.dryRun === true ? 'dryRun' : undefined,
    fields.testTo !== undefined ? 'testTo' : undefined,
    fields.send === true ? 'send' : undefined,
  ].filter((name) => name !== undefined);
  if (chosen.length === 0) {
    issues.push(
      'send: say what to do: "dryRun": true to preview (nothing is sent), "testTo": "<address>" to send a test, or "send": true to send to the audience',
    );
  } else if (chosen.length > 1) {
    issues.push(`${chosen[1]}: ${chosen.join(' and ')} together; choose one of dryRun, testTo and send`);
  }
  let testTo: string | undefined;
  if (fields.testTo !== undefined) {
    const parsed = emailSchema.safeParse(fields.testTo);
    if (parsed.success) testTo = parsed.data;
    else issues.push('testTo: enter a valid email address, like name@example.org');
  }
  const sendAt = fields.sendAt?.trim() || undefined;
  if (sendAt !== undefined && fields.send !== true)
    issues.push('sendAt: a send time goes with "send": true (a dry run or a test is never scheduled)');
  const id = fields.id?.trim() ? collect(issues, () => parseSendId(fields.id!)) : undefined;
  const draft = collect(issues, () => parseDraft(fields));
  if (issues.length > 0 || !draft) throw invalid(issues);
  const action: SendAction =
    chosen[0] === 'dryRun' ? { kind: 'dry-run' } : testTo ? { kind: 'test', to: testTo } : { kind: 'send' };
  return { draft, id, action, ...(sendAt !== undefined ? { sendAt } : {}) };
}

/**
 * Checks a form of the admin page: only its own fields, each a text (topics a list).
 *
 * @throws ValidationError naming an unknown or mistyped field.
 */
export function parseAdminForm(input: Record<string, unknown>): AdminFormFields {
  // A form without a ticked topic has no topics field at all: readInput gives undefined.
  const { topics, ...rest } = input;
  return strictly(formSchema, topics === undefined ? rest : input);
}

/** Runs a parse, keeping its issues instead of throwing them; undefined when it failed. */
function collect<T>(issues: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...(error.issues.length > 0 ? error.issues : [`request: ${error.message}`]));
    return undefined;
  }
}

function strictly<T extends z.ZodObject>(schema: T, input: Record<string, unknown>): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const known = Object.keys(schema.shape);
  throw invalid(
    parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `${key}: ${unknownField(key, known)}`)
        : [`${String(issue.path[0] ?? 'request')}: ${issue.message}`],
    ),
  );
}

/** "is not a field …", with the field it was probably meant to be (`dry_run` → `dryRun`). */
function unknownField(key: string, known: readonly string[]): string {
  const loose = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');
  const meant = known.find((name) => loose(name) === loose(key) || loose(name) === `${loose(key)}s`);
  return meant
    ? `is not a field of this request (did you mean "${meant}"?)`
    : `is not a field of this request (the fields are ${known.join(', ')})`;
}

function invalid(issues: readonly string[]): ValidationError {
  return new ValidationError(`invalid request: ${issues.join('; ')}`, issues);
}
