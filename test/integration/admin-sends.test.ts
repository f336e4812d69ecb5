import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { createApi } from '../../functions/api/app.ts';
import { createAdminAuth } from '../../functions/api/admin-auth.ts';
import { lambdaClientIp } from '../../functions/handlers/api.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type StoredEmail, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const BODY =
  '## A new CAR-T approval\n\nThe regulator approved a **new** CAR-T therapy today.\n\n[Read more](https://example.org/news)';

/**
 * The admin's one-off sends over the HTTP API, on the real stand-ins: the send goes through the
 * digest's queue, the real send handler (behind the local SQS poller), its rate limiter and its
 * delivery ledger, and the emails land in the SES stand-in.
 */
describe('admin sends over the HTTP API', () => {
  let world: TestWorld;
  let api: Hono;
  /** The readers of this file, by name. */
  const readers: Record<string, string> = {};

  beforeAll(async () => {
    world = await createTestWorld({ env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    const cast: [string, TopicId[], SubscriberStatus, { paused?: boolean }?][] = [
      ['cart', ['car-t'], 'confirmed'],
      ['cart-and-melanoma', ['car-t', 'melanoma'], 'confirmed'],
      ['leukemia', ['leukemia'], 'confirmed'],
      ['melanoma', ['melanoma'], 'confirmed'],
      ['pending-cart', ['car-t'], 'pending'],
      ['unsubscribed-cart', ['car-t'], 'unsubscribed'],
      ['bounced-cart', ['car-t'], 'bounced'],
      ['complained-cart', ['car-t'], 'complained'],
      ['paused-cart', ['car-t'], 'confirmed', { paused: true }],
    ];
    const joined = new Date(Date.now() - 86_400_000);
    for (const [name, topics, status, extra] of cast) {
      readers[name] = world.email(name);
      const reader = newSubscriber({ email: readers[name], topics, status }, joined);
      await world.context.subscribers.create({ ...reader, ...(extra?.paused ? { paused: true } : {}) });
    }
  });

  afterAll(() => world.stop());

  const asAdmin = (method: string, body?: unknown, token = ADMIN_TOKEN): RequestInit => ({
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  async function mailWithSubject(subject: string): Promise<StoredEmail[]> {
    return (await sentEmails(world.endpoints.ses, world.isMine)).filter((email) => email.subject === subject);
  }

  const recipientsOf = (emails: StoredEmail[]) => emails.flatMap((email) => email.destination.to).sort();

  it('sends a topic-targeted announcement to exactly the confirmed readers who follow those topics, and audits it', async () => {
    const subject = 'New CAR-T approval';

    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', {
        subject,
        body: BODY,
        topics: ['car-t', 'leukemia'],
        id: 'car-t-approval',
        send: true,
      }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ sendId: 'car-t-approval', outcome: 'started' });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    const emails = await mailWithSubject(subject);
    expect(recipientsOf(emails)).toEqual(
      [readers.cart!, readers['cart-and-melanoma']!, readers.leukemia!].sort(),
    );
    expect(totals).toMatchObject({ sent: 3, failed: 0, poison: 0 });
    const email = emails[0]!;
    expect(email.body.html).toContain('<strong>new</strong> CAR-T therapy');
    expect(email.body.html).toMatch(/\/unsubscribe\?token=/);
    expect(email.body.html).toMatch(/\/preferences\?token=/);
    expect(email.headers?.map((header) => header.name)).toEqual(
      expect.arrayContaining(['List-Unsubscribe', 'List-Unsubscribe-Post']),
    );

    const status = await api.request('/admin/sends/car-t-approval', asAdmin('GET'));
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      sendId: 'car-t-approval',
      status: 'sent',
      subject,
      topics: ['car-t', 'leukemia'],
      counts: { sent: 3, skipped: 0, failed: 0, pending: 0 },
      audience: { total: 3, byTopic: { 'car-t': 2, leukemia: 1 }, pausedLeftOut: 1 },
      confirmedAudience: 3,
      sentBy: { principal: 'local admin (admin token)', via: 'api' },
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const record = await world.context.adminSends.get('car-t-approval');
    expect(record).toMatchObject({ body: BODY, draftHash: expect.any(String) });
  });

  it('sends nothing more when the same send id runs again, even with its jobs delivered twice', async () => {
    const subject = 'Site maintenance on Saturday';
    const draft = {
      subject,
      body: 'The site is down for an hour on Saturday morning.',
      audience: 'everyone',
      id: 'maintenance-1',
      send: true,
    };
    await api.request('/admin/sends', asAdmin('POST', draft));
    await drainSendQueue(world.context, world.queues.sendUrl);
    const first = await mailWithSubject(subject);

    const again = await api.request('/admin/sends', asAdmin('POST', draft));
    // A lost or duplicated plan job: the sender plans it again and the ledger skips everyone.
    await world.context.queue.enqueue([
      { kind: 'announcement-plan', version: 1, sendId: 'maintenance-1', resume: true },
    ]);
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ sendId: 'maintenance-1', outcome: 'already-sent' });
    expect(first).toHaveLength(4);
    expect(totals.sent).toBe(0);
    expect(totals.skipped).toBe(4);
    expect(await mailWithSubject(subject)).toHaveLength(4);
  });

  it('refuses the same send id with other content (409) and sends nothing for it', async () => {
    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', {
        subject: 'Something else',
        body: 'Other text.',
        audience: 'everyone',
        id: 'maintenance-1',
        send: true,
      }),
    );

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'send_conflict' });
    expect(await mailWithSubject('Something else')).toHaveLength(0);
  });

  it('answers a dry run with the audience in all and per topic, and sends and records nothing', async () => {
    const subject = 'Dry run only';

    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', { subject, body: BODY, topics: 'car-t,melanoma', dryRun: true, id: 'dry-run-1' }),
    );
    const answer = (await response.json()) as Record<string, unknown>;
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(response.status).toBe(200);
    expect(answer).toMatchObject({
      sendId: 'dry-run-1',
      dryRun: true,
      audience: { total: 3, byTopic: { 'car-t': 2, melanoma: 2 }, pausedLeftOut: 1 },
      preview: { subject, html: expect.stringContaining('A new CAR-T approval') },
    });
    expect(totals).toMatchObject({ sent: 0, batches: 0 });
    expect(await mailWithSubject(subject)).toHaveLength(0);
    expect(await world.context.adminSends.get('dry-run-1')).toBeUndefined();
  });

  it('takes direction controls out of the subject before anything is sent, and lists them in the dry run', async () => {
    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', {
        subject: 'Approved: gnp\u202e.exe',
        body: BODY,
        topics: ['car-t'],
        dryRun: true,
      }),
    );
    const answer = (await response.json()) as { removed: string[]; preview: { subject: string } };

    expect(response.status).toBe(200);
    expect(answer.preview.subject).toBe('Approved: gnp.exe');
    expect(answer.removed).toContain('U+202E RIGHT-TO-LEFT OVERRIDE removed from the subject');
  });

  it('sends a test only to the test address, subject marked [TEST], and audits it', async () => {
    const subject = 'Test me first';
    const tester = world.email('editor');

    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', { subject, body: BODY, topics: ['car-t'], testTo: tester, id: 'test-first' }),
    );
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(response.status).toBe(200);
    const mine = (await sentEmails(world.endpoints.ses, world.isMine)).filter((email) =>
      email.subject.includes(subject),
    );
    expect(mine.map((email) => [email.destination.to, email.subject])).toEqual([
      [[tester], `[TEST] ${subject}`],
    ]);
    expect(totals.sent).toBe(0);
    const record = await world.context.adminSends.get('test-first');
    expect(record).toMatchObject({
      status: 'draft',
      tests: [{ to: tester, by: { principal: 'local admin (admin token)', via: 'api' } }],
    });
  });

  it('answers 401 without credentials or with a wrong token, and sends nothing', async () => {
    const draft = { subject: 'Unauthorised', body: 'No.', id: 'unauthorised' };

    const anonymous = await api.request('/admin/sends', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(draft),
    });
    const wrongToken = await api.request('/admin/sends', asAdmin('POST', draft, 'not-the-token-at-all-0000'));
    const readStatus = await api.request('/admin/sends/car-t-approval', {
      headers: { accept: 'application/json' },
    });
    const page = await api.request('/admin');

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(wrongToken.status).toBe(401);
    expect(readStatus.status).toBe(401);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('admin token');
    expect(await world.context.adminSends.get('unauthorised')).toBeUndefined();
  });

  it('answers a bad body with 400 and a message that names the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ body: 'text' }, /subject: is required/],
      [{ subject: 'Hi' }, /body: is required/],
      [{ subject: 'Hi', body: 'x', topics: ['not-a-topic'] }, /topics: "not-a-topic" is not a topic/],
      [{ subject: 'Hi', body: 'x', format: 'docx' }, /format: must be markdown or mjml/],
      [{ subject: 'Hi', body: 'x', id: 'Bad Id!' }, /id: /],
      [{ subject: 'Hi', body: 'x', testTo: 'not-an-address' }, /testTo: /],
      [{ subject: 'Line\r\nBcc: x@example.org', body: 'x' }, /subject: must be one line/],
    ];
    for (const [body, message] of cases) {
      const response = await api.request('/admin/sends', asAdmin('POST', body));
      const answer = (await response.json()) as { message: string };

      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(answer.message).toMatch(message);
    }
    const notJson = await api.request('/admin/sends', {
      ...asAdmin('POST'),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"subject":',
    });
    expect(notJson.status).toBe(400);
  });

  it('refuses each fail-open body of issue 15 with 400 naming the field, and mails nobody', async () => {
    const base = { body: BODY, topics: ['car-t'] };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['dryRun: 1', { ...base, dryRun: 1 }, /dryRun: must be true or false/],
      ['dryRun: "yes"', { ...base, dryRun: 'yes' }, /dryRun: must be true or false/],
      ['dryRun: "TRUE"', { ...base, dryRun: 'TRUE' }, /dryRun: must be true or false/],
      [
        'dry_run: true',
        { ...base, dry_run: true },
        /dry_run: is not a field of this request \(did you mean "dryRun"\?\)/,
      ],
      ['testTo: ["a@b"]', { ...base, testTo: ['a@b'] }, /testTo: must be one email address/],
      ['testTo: 42', { ...base, testTo: 42 }, /testTo: must be one email address/],
      ['topics: [] with send', { ...base, topics: [], send: true }, /topics: is empty/],
      ['no action', { ...base }, /send: say what to do/],
      ['send without an audience', { body: BODY, send: true }, /audience: name the readers/],
    ];
    for (const [name, body, message] of cases) {
      const subject = `Fail-open ${name}`;

      const response = await api.request(
        '/admin/sends',
        asAdmin('POST', { subject, ...body, id: `fail-open-${cases.findIndex(([n]) => n === name)}` }),
      );
      const answer = (await response.json()) as { error: string; message: string };

      expect(response.status, name).toBe(400);
      expect(answer.error, name).toBe('invalid_request');
      expect(answer.message, name).toMatch(message);
    }
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);
    const mailed = (await sentEmails(world.endpoints.ses, world.isMine)).filter((email) =>
      email.subject.includes('Fail-open'),
    );
    expect(totals.sent).toBe(0);
    expect(mailed).toEqual([]);
    for (let index = 0; index < cases.length; index += 1) {
      expect(await world.context.adminSends.get(`fail-open-${index}`)).toBeUndefined();
    }
  });

  it('sends to every confirmed reader only when the body says so with "audience": "everyone"', async () => {
    const subject = 'For everyone, explicitly';

    const response = await api.request(
      '/admin/sends',
      asAdmin('POST', { subject, body: BODY, audience: 'everyone', send: true, id: 'everyone-1' }),
    );
    await drainSendQueue(world.context, world.queues.sendUrl);

    expect(response.status).toBe(202);
    expect(recipientsOf(await mailWithSubject(subject))).toEqual(
      [readers.cart!, readers['cart-and-melanoma']!, readers.leukemia!, readers.melanoma!].sort(),
    );
  });

  it('refuses the page’s confirm form when it names no audience, or has a field of its own, and sends nothing', async () => {
    const csrf = createAdminAuth({
      mode: 'token',
      adminToken: ADMIN_TOKEN,
      csrfKey: world.context.tokenSecret,
      secureCookies: false,
      clock: world.context.clock,
      sessions: world.context.adminSessions,
    }).csrfToken({ kind: 'bearer' });
    const post = (fields: Record<string, string>) =>
      api.request('/admin/sends', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          csrf,
          subject: 'Form without audience',
          body: BODY,
          confirm: 'yes',
          ...fields,
        }),
      });

    const noAudience = await post({ id: 'form-no-audience' });
    const extraField = await post({ id: 'form-extra-field', audience: 'everyone', sendNow: 'yes' });
    await drainSendQueue(world.context, world.queues.sendUrl);

    expect(noAudience.status).toBe(400);
    expect(await noAudience.text()).toContain('Audience: name the readers');
    expect(extraField.status).toBe(400);
    expect(await extraField.text()).toContain('sendNow: is not a field of this request');
    expect(await mailWithSubject('Form without audience')).toEqual([]);
    expect(await world.context.adminSends.get('form-no-audience')).toBeUndefined();
    expect(await world.context.adminSends.get('form-extra-field')).toBeUndefined();
  });

  it('answers 404 for an unknown send id', async () => {
    const response = await api.request('/admin/sends/never-sent', asAdmin('GET'));

    expect(response.status).toBe(404);
  });
});

/** The same routes behind API Gateway's IAM authorizer: no token, the caller's ARN in the audit. */
describe('admin sends in the cloud (IAM-authorised routes)', () => {
  let world: TestWorld;
  let invoke: (event: APIGatewayProxyEventV2) => Promise<{ statusCode: number; body: string }>;
  const ADMIN_ARN = 'arn:aws:sts::123456789012:assumed-role/digest-admins/ana';

  beforeAll(async () => {
    world = await createTestWorld();
    // The stand-ins' context, configured as the cloud runs it: IAM decides, no admin token exists.
    const context = {
      ...world.context,
      config: { ...world.context.config, mode: 'cloud' as const, adminToken: undefined },
    };
    invoke = async (event) =>
      handle(createApi(context, { clientIp: lambdaClientIp }))(event as unknown as LambdaEvent);
    await world.context.subscribers.create(
      newSubscriber(
        { email: world.email('cloud-reader'), topics: ['melanoma'], status: 'confirmed' },
        new Date(0),
      ),
    );
  });

  afterAll(() => world.stop());

  function event(body: unknown, iam?: { userArn: string }, authorization?: string): APIGatewayProxyEventV2 {
    const raw = JSON.stringify(body);
    return {
      version: '2.0',
      routeKey: 'ANY /admin/{proxy+}',
      rawPath: '/admin/sends',
      rawQueryString: '',
      headers: {
        host: 'api.example.org',
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'api.example.org',
        domainPrefix: 'api',
        http: {
          method: 'POST',
          path: '/admin/sends',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.5',
          userAgent: 'test',
        },
        requestId: 'id',
        routeKey: 'ANY /admin/{proxy+}',
        stage: '$default',
        time: '25/Nov/2026:12:00:00 +0000',
        timeEpoch: 0,
        ...(iam ? { authorizer: { iam } } : {}),
      },
      body: raw,
      isBase64Encoded: false,
    };
  }

  it('takes a send signed by an IAM principal and names that principal in the audit', async () => {
    const response = await invoke(
      event(
        {
          subject: 'Cloud send',
          body: 'Hello from the cloud.',
          audience: 'everyone',
          id: 'cloud-1',
          send: true,
        },
        { userArn: ADMIN_ARN },
      ),
    );
    await drainSendQueue(world.context, world.queues.sendUrl);

    expect(response.statusCode).toBe(202);
    const record = await world.context.adminSends.get('cloud-1');
    expect(record?.sentBy).toEqual({ principal: ADMIN_ARN, via: 'api' });
    const mail = (await sentEmails(world.endpoints.ses, world.isMine)).filter(
      (e) => e.subject === 'Cloud send',
    );
    expect(mail.map((email) => email.destination.to)).toEqual([[world.email('cloud-reader')]]);
  });

  it('answers 401 to a request without the authorizer’s identity, whatever bearer token it carries', async () => {
    const response = await invoke(
      event(
        { subject: 'Forged', body: 'No.', id: 'forged' },
        undefined,
        'Bearer admin-token-for-tests-0123456789abcdef',
      ),
    );

    expect(response.statusCode).toBe(401);
    expect(await world.context.adminSends.get('forged')).toBeUndefined();
  });
});
