import { describe, expect, it } from 'vitest';
import { parseAdminForm, parseJsonSendRequest } from '../../functions/api/routes/admin/send-request.ts';
import { ValidationError } from '../../functions/core/errors.ts';

/** The admin API's request bodies, read strictly: nothing loose falls through to a real send. */

const DRAFT = { subject: 'Maintenance', body: 'Down on Saturday.', topics: ['car-t'] };

function issuesOf(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('a JSON request to POST /admin/sends', () => {
  it('is a dry run, a test or a send only when it says so with the right type', () => {
    expect(parseJsonSendRequest({ ...DRAFT, dryRun: true }).action).toEqual({ kind: 'dry-run' });
    expect(parseJsonSendRequest({ ...DRAFT, testTo: ' Me@Example.org ' }).action).toEqual({
      kind: 'test',
      to: 'Me@Example.org',
    });
    expect(parseJsonSendRequest({ ...DRAFT, send: true, dryRun: false }).action).toEqual({ kind: 'send' });
  });

  it('refuses a boolean given as anything but true or false', () => {
    for (const dryRun of [1, 'yes', 'TRUE', 'true', null]) {
      expect(
        issuesOf(() => parseJsonSendRequest({ ...DRAFT, dryRun })),
        String(dryRun),
      ).toEqual(['dryRun: must be true or false (a JSON boolean, not 1, "yes" or "TRUE")']);
    }
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, send: 'true' }))).toEqual([
      expect.stringMatching(/^send: must be true or false/),
    ]);
  });

  it('names an unknown field, with the field it probably meant', () => {
    expect(
      issuesOf(() => parseJsonSendRequest({ ...DRAFT, dry_run: true, test_to: 'a@example.org' })),
    ).toEqual([
      'dry_run: is not a field of this request (did you mean "dryRun"?)',
      'test_to: is not a field of this request (did you mean "testTo"?)',
    ]);
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, topic: 'car-t', send: true }))).toEqual([
      'topic: is not a field of this request (did you mean "topics"?)',
    ]);
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, urgent: true }))).toEqual([
      expect.stringMatching(/^urgent: is not a field of this request \(the fields are subject, body, /),
    ]);
  });

  it('refuses a test address that is not one address given as text', () => {
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, testTo: ['a@example.org'] }))).toEqual([
      'testTo: must be one email address, as text',
    ]);
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, testTo: 42 }))).toEqual([
      'testTo: must be one email address, as text',
    ]);
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, testTo: 'a@b' }))).toEqual([
      'testTo: enter a valid email address, like name@example.org',
    ]);
  });

  it('needs exactly one thing to do, and reports every problem of the draft with it', () => {
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT }))).toEqual([
      expect.stringMatching(/^send: say what to do: "dryRun": true .*"send": true/),
    ]);
    expect(issuesOf(() => parseJsonSendRequest({ ...DRAFT, dryRun: true, testTo: 'a@example.org' }))).toEqual(
      ['testTo: dryRun and testTo together; choose one of dryRun, testTo and send'],
    );
    expect(
      issuesOf(() =>
        parseJsonSendRequest({ subject: 'Hi', body: 'x', topics: [], send: true, id: 'Bad Id' }),
      ),
    ).toEqual([expect.stringMatching(/^id: /), expect.stringMatching(/^topics: is empty/)]);
  });
});

describe('a form of the admin page', () => {
  it('takes its own fields, with or without ticked topics', () => {
    expect(parseAdminForm({ csrf: 'x', subject: 'Hi', topics: undefined })).toEqual({
      csrf: 'x',
      subject: 'Hi',
    });
    expect(parseAdminForm({ topics: ['car-t'], audience: 'topics' })).toEqual({
      topics: ['car-t'],
      audience: 'topics',
    });
  });

  it('refuses a field it does not have', () => {
    expect(issuesOf(() => parseAdminForm({ subject: 'Hi', sendNow: 'yes' }))).toEqual([
      expect.stringMatching(/^sendNow: is not a field of this request/),
    ]);
  });
});
