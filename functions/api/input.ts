import type { Context } from 'hono';
import { z } from 'zod';
import { DEFAULT_DELIVERY_SLOT, type DeliverySlot } from '../model/subscribers.ts';
import type { TopicId } from '../model/topics.ts';
import { ValidationError } from '../core/errors.ts';
import {
  countrySchema,
  emailSchema,
  topicsSchema,
  UNKNOWN_COUNTRY_MESSAGE,
} from '../core/subscribers/subscriber.ts';
import {
  canonicalTimeZone,
  timeZoneSchema,
  UNKNOWN_TIME_ZONE_MESSAGE,
} from '../core/subscribers/time-zones.ts';
import type { FieldErrors } from './form-fields.ts';

/**
 * Request bodies: forms (urlencoded or multipart, `topics` repeated) or JSON with the same names
 * (`topics` an array). One zod schema per request; a bad request becomes a ValidationError whose
 * issues name the field, and nothing is stored.
 */

/** A whole number given as a number (JSON) or as digits (a form field). */
const wholeNumber = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^\d{1,2}$/, { message: `must be a whole number` }),
    ])
    .transform(Number)
    .pipe(
      z
        .number()
        .int({ message: 'must be a whole number' })
        .min(min, { message: `must be ${min} to ${max}` })
        .max(max, { message: `must be ${min} to ${max}` }),
    );

const slotFields = {
  weekday: wholeNumber(1, 7).optional(),
  hour: wholeNumber(0, 23).optional(),
  /** Kept under its current name: an old form's `Europe/Kiev` is stored as `Europe/Kyiv`. */
  timezone: timeZoneSchema.optional(),
};

const subscribeSchema = z.object({
  email: emailSchema,
  topics: topicsSchema,
  ...slotFields,
  country: countrySchema.optional(),
});

const preferencesSchema = z.object({
  topics: topicsSchema,
  ...slotFields,
  country: countrySchema.optional(),
});

const manageLinkSchema = z.object({ email: emailSchema });

export interface SubscribeInput {
  readonly email: string;
  readonly topics: TopicId[];
  readonly delivery: DeliverySlot;
  /** ISO 3166-1 alpha-2; absent for "prefer not to say". */
  readonly country?: string;
}

export interface PreferencesInput {
  readonly topics: TopicId[];
  readonly delivery: DeliverySlot;
  /** A code, null for "prefer not to say" (the form's empty choice), undefined to keep it (not sent). */
  readonly country: string | null | undefined;
}

type RawInput = Record<string, unknown>;

/** @throws ValidationError */
export function parseSubscribe(input: RawInput): SubscribeInput {
  const fields = validate(subscribeSchema, input);
  return {
    email: fields.email,
    topics: fields.topics,
    delivery: slotOf(fields, DEFAULT_DELIVERY_SLOT),
    ...(fields.country ? { country: fields.country } : {}),
  };
}

/** Fields left out keep the reader's current values. @throws ValidationError */
export function parsePreferences(input: RawInput, current: DeliverySlot): PreferencesInput {
  const fields = validate(preferencesSchema, input);
  const country = input.country === undefined ? undefined : (fields.country ?? null);
  return { topics: fields.topics, delivery: slotOf(fields, current), country };
}

/** @throws ValidationError */
export function parseManageLinkRequest(input: RawInput): { email: string } {
  return validate(manageLinkSchema, input);
}

function slotOf(
  fields: { weekday?: number | undefined; hour?: number | undefined; timezone?: string | undefined },
  fallback: DeliverySlot,
): DeliverySlot {
  return {
    weekday: fields.weekday ?? fallback.weekday,
    hour: fields.hour ?? fallback.hour,
    // A zone left out keeps the reader's, under its current name where it has one. A zone saved
    // before zones were checked (`system`) stays as it was rather than failing a change of topics:
    // the planner still reads it, and the preference centre asks for a real one.
    timeZone: fields.timezone ?? canonicalTimeZone(fallback.timeZone) ?? fallback.timeZone,
  };
}

function validate<T extends z.ZodType>(schema: T, input: RawInput): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalid(
    parsed.error.issues.map((issue) => ({
      field: String(issue.path[0] ?? 'request'),
      message: humanise(issue, input),
    })),
  );
}

function humanise(issue: z.core.$ZodIssue, input: RawInput): string {
  const field = issue.path[0];
  if (issue.code === 'invalid_type' && typeof field === 'string' && input[field] === undefined) {
    return field === 'topics' ? 'choose at least one topic' : 'is required';
  }
  if (issue.path[0] === 'topics' && issue.code === 'invalid_value') return 'is not one of our topics';
  if (issue.path[0] === 'topics' && issue.code === 'invalid_type') return 'must be a list of topic ids';
  if (issue.path[0] === 'timezone') return UNKNOWN_TIME_ZONE_MESSAGE;
  if (issue.path[0] === 'country') return UNKNOWN_COUNTRY_MESSAGE;
  return issue.message;
}

function invalid(problems: { field: string; message: string }[]): ValidationError {
  const issues = problems.map((problem) => `${problem.field}: ${problem.message}`);
  return new ValidationError(`invalid request: ${issues.join('; ')}`, issues);
}

/** The first problem of each field, for showing next to it. */
export function fieldErrorsOf(error: ValidationError): FieldErrors {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const [field, ...rest] = issue.split(': ');
    if (field && !(field in errors)) errors[field] = rest.join(': ');
  }
  return errors;
}

/**
 * Reads a form or JSON body into plain fields; `topics` always comes back as a list.
 * @throws ValidationError for malformed JSON, a JSON body that is not an object, or another type.
 */
export async function readInput(c: Context): Promise<RawInput> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (cause) {
      throw new ValidationError('the body is not valid JSON', ['request: the body is not valid JSON'], {
        cause,
      });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('the body must be a JSON object', [
        'request: the body must be a JSON object',
      ]);
    }
    return body as RawInput;
  }
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    const form = await c.req.parseBody({ all: true });
    const topics = form.topics;
    return { ...form, topics: topics === undefined ? undefined : Array.isArray(topics) ? topics : [topics] };
  }
  throw new ValidationError('unsupported content type', [
    'request: send application/x-www-form-urlencoded, multipart/form-data or application/json',
  ]);
}

/** Whether the client wants JSON back: it sent JSON, or asked for it. */
export function wantsJson(c: Context): boolean {
  return (
    (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json') ||
    (c.req.header('accept') ?? '').toLowerCase().startsWith('application/json')
  );
}
