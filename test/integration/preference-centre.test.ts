import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import { rawSubscriberItem } from '../helpers/raw-items.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { ManualClock } from '../../testkit/fakes.ts';

const DAY_MS = 86_400_000;

describe('the preference centre and the rest of a reader’s account over HTTP', () => {
  let world: TestWorld;
  let api: Hono;
  const clock = new ManualClock(new Date('2026-11-25T12:00:00.000Z'));

  beforeAll(async () => {
    world = await createTestWorld({ clock });
    api = createApi(world.context, { clientIp: () => '192.0.2.44' });
  });

  afterAll(() => world.stop());

  const subscriberIdFor = (email: string) => world.context.subscriberIds.idFor(email);
  /** Account emails wait on the send queue: the sender mails them. */
  const deliverQueued = () => drainSendQueue(world.context, world.queues.sendUrl);

  const form = (fields: string) =>
    ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields,
    }) as const;

  async function reader(local: string, status: SubscriberStatus = 'confirmed') {
    const subscriber = newSubscriber(
      { email: world.email(local), topics: ['vaccines', 'autoimmune'], status },
      clock.now(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(subscriber);
    const token = world.context.tokens.issue('manage', subscriber, clock.now());
    return { ...subscriber, manage: `token=${token}` };
  }

  it('emails a manage link on request that opens the reader’s preferences', async () => {
    const { email } = await reader('asks-for-link');

    const asked = await api.request('/manage', form(`email=${encodeURIComponent(email)}`));
    await deliverQueued();
    const [mail] = await sentEmails(world.endpoints.ses, (to) => to === email);
    const link = /http:\/\/localhost:3000(\/preferences\?token=[\w.-]+)/.exec(mail!.body.text!)?.[1];
    const page = await api.request(link!);

    expect(asked.status).toBe(202);
    expect(mail?.subject).toBe('Your Immunotherapy Digest manage link');
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(email);
    expect(text).toMatch(/value="vaccines"\s+checked/);
  });

  it('answers JSON clients with the reader’s own choices, and keeps fields a change leaves out', async () => {
    const { manage } = await reader('json-client');

    const shown = await api.request(`/preferences?${manage}`, { headers: { accept: 'application/json' } });
    const changed = await api.request(`/preferences?${manage}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topics: ['kidney-cancer'], hour: 6 }),
    });

    expect(await shown.json()).toEqual({
      email: world.email('json-client'),
      status: 'confirmed',
      paused: false,
      topics: ['vaccines', 'autoimmune'],
      delivery: { weekday: 1, hour: 8, timeZone: 'UTC' },
      country: null,
    });
    expect(await changed.json()).toMatchObject({
      status: 'saved',
      subscription: { topics: ['kidney-cancer'], delivery: { weekday: 1, hour: 6, timeZone: 'UTC' } },
    });
  });

  it('shows the reader’s country, changes it, forgets it on "prefer not to say", and refuses an unknown one', async () => {
    const { manage, subscriberId } = await reader('country');
    const countryOf = async () => (await world.context.subscribers.get(subscriberId))?.country;
    const fields = 'topics=vaccines&weekday=1&hour=8&timezone=UTC';

    const before = await (await api.request(`/preferences?${manage}`)).text();
    const saved = await api.request(`/preferences?${manage}`, form(`${fields}&country=FR`));
    const storedFrance = await countryOf();
    const after = await (await api.request(`/preferences?${manage}`)).text();
    const unknown = await api.request(`/preferences?${manage}`, form(`${fields}&country=ZZ`));
    const storedAfterUnknown = await countryOf();
    const forgotten = await api.request(`/preferences?${manage}`, form(`${fields}&country=`));

    expect(before).toContain('<label for="country">Country (optional)</label>');
    expect(before).toContain('<option value="" selected>Prefer not to say</option>');
    expect(saved.status).toBe(303);
    expect(storedFrance).toBe('FR');
    expect(after).toContain('<option value="FR" selected>France</option>');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Country: is not a country we know: choose one from the list');
    expect(storedAfterUnknown).toBe('FR');
    expect(forgotten.status).toBe(303);
    expect(await countryOf()).toBeUndefined();
  });

  it('shows the form again with the problem when a reader unticks every topic, and changes nothing', async () => {
    const { manage, subscriberId } = await reader('no-topics');

    const response = await api.request(`/preferences?${manage}`, form('weekday=2&hour=9&timezone=UTC'));

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Topics: choose at least one topic');
    expect((await world.context.subscribers.get(subscriberId))?.topics).toEqual(['vaccines', 'autoimmune']);
  });

  it('pauses a reader so the planner passes them by, and resumes them', async () => {
    const { manage, subscriberId } = await reader('pauses');

    const paused = await api.request(`/preferences/pause?${manage}`, form(''));
    const plan = await planDigestOnce(world.context, { ignoreSlot: true, dryRun: true });
    const pausedPage = await api.request(paused.headers.get('location')!);
    const resumed = await api.request(`/preferences/resume?${manage}`, form(''));

    expect(paused.status).toBe(303);
    expect(await pausedPage.text()).toContain('Your digest is paused');
    expect(plan.due).toBeLessThan(plan.readersRead);
    expect(resumed.status).toBe(303);
    expect((await world.context.subscribers.get(subscriberId))?.paused).toBe(false);
  });

  it('hands over the reader’s data as a JSON download', async () => {
    const { manage, email } = await reader('downloads');

    const response = await api.request(`/preferences/data?${manage}`);

    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="immunotherapy-digest-my-data-2026-11-25.json"',
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({
      subscription: {
        email,
        status: 'confirmed',
        topics: [{ id: 'vaccines', label: 'Vaccines & mRNA' }, {}],
      },
    });
  });

  it('erases a reader only once they confirm, leaving nothing but the hashed suppression entry', async () => {
    const { manage, subscriberId, email } = await reader('erases');

    const unconfirmed = await api.request(`/preferences/delete?${manage}`, form(''));
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain('tick the box to confirm');
    expect(await world.context.subscribers.get(subscriberId)).toBeDefined();

    const erased = await api.request(`/preferences/delete?${manage}`, form('confirm=yes'));
    expect(erased.status).toBe(200);
    expect(await rawSubscriberItem(world.context, subscriberId)).toEqual({
      subscriberId,
      erasedAt: clock.now().toISOString(),
      suppression: 'erased',
    });
    expect(await rawSubscriberItem(world.context, `pending#${subscriberId}`)).toBeUndefined();
    expect(JSON.stringify(await rawSubscriberItem(world.context, subscriberId))).not.toContain(
      email.split('@')[0],
    );

    expect((await api.request(`/preferences?${manage}`)).status).toBe(410);
    expect((await api.request(`/preferences/data?${manage}`)).status).toBe(410);
  });

  it('lets an erased reader subscribe again through double opt-in', async () => {
    const { manage, subscriberId, email } = await reader('comes-back');
    await api.request(`/preferences/delete?${manage}`, form('confirm=yes'));

    const again = await api.request('/subscribe', form(`email=${encodeURIComponent(email)}&topics=melanoma`));
    await deliverQueued();

    expect(again.status).toBe(202);
    // Nothing of the erased record changes until the new subscription is confirmed.
    expect(await world.context.subscribers.get(subscriberId)).toBeUndefined();
    expect((await world.context.subscribers.getSuppression(subscriberId))?.reason).toBe('erased');
    expect(await world.context.subscribers.getPending(subscriberId, clock.now())).toMatchObject({
      topics: ['melanoma'],
    });
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    const link = /(\/confirm\?token=[\w.-]+)/.exec(confirmation!.body.text!)?.[1];
    const confirmed = await api.request(link!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(confirmed.status).toBe(200);
    expect(await world.context.subscribers.get(subscriberId)).toMatchObject({
      status: 'confirmed',
      topics: ['melanoma'],
    });
  });

  it('confirms idempotently, and explains an expired confirmation link with a way to get a new one', async () => {
    const email = world.email('slow-confirmer');
    await api.request('/subscribe', form(`email=${encodeURIComponent(email)}&topics=access`));
    await deliverQueued();
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    const token = /\/confirm\?token=([\w.-]+)/.exec(confirmation!.body.text!)?.[1];
    const press = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };

    const first = await api.request(`/confirm?token=${token}`, press);
    const second = await api.request(`/confirm?token=${token}`);
    clock.advance(8 * DAY_MS);
    const expired = await api.request(`/confirm?token=${token}`);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.text()).toContain('You were already subscribed');
    expect(expired.status).toBe(400);
    const page = await expired.text();
    expect(page).toContain('This confirmation link does not work');
    expect(page).toMatch(/<form method="post" action="\/manage"/);
  });

  // Issue 14, finding 2: the page said "every Monday at 08:00" and the digest came at once.
  it('names the date and hour of the first digest, in the reader’s zone, on confirming', async () => {
    // Wednesday 6 January 2027, 13:00 in Paris: this week's Monday slot passed before confirming.
    clock.set('2027-01-06T12:00:00.000Z');
    const email = world.email('names-first-digest');
    await api.request(
      '/subscribe',
      form(`email=${encodeURIComponent(email)}&topics=access&weekday=1&hour=8&timezone=Europe%2FParis`),
    );
    await deliverQueued();
    const [confirmation] = await sentEmails(world.endpoints.ses, (to) => to === email);
    const token = /\/confirm\?token=([\w.-]+)/.exec(confirmation!.body.text!)?.[1];
    const opened = await (await api.request(`/confirm?token=${token}`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(opened)?.[1] ?? '';

    // The person presses the button on the page the link opens; a JSON client asks afterwards.
    const page = await (
      await api.request(`/confirm?token=${token}`, form(`csrf=${encodeURIComponent(csrf)}`))
    ).text();
    const json = await (
      await api.request(`/confirm?token=${token}`, { headers: { accept: 'application/json' } })
    ).json();

    expect(page).toContain(
      'Your digest arrives every Monday at 08:00 (Europe/Paris), on: Cost, access &amp; logistics. ' +
        'Your first digest arrives on Monday 11 January at 08:00 (Europe/Paris).',
    );
    expect(json).toMatchObject({ status: 'already-confirmed', nextDigestAt: '2027-01-11T07:00:00.000Z' });
    for (const part of [confirmation!.body.text!, confirmation!.body.html!]) {
      expect(part).toContain(
        'Your first digest arrives on Monday 11 January at 08:00 (Europe/Paris) if you confirm before then, ' +
          'and every Monday at 08:00 after that.',
      );
    }
  });

  it('says when the next digest comes after a change of slot: the first new slot from now', async () => {
    clock.set('2027-01-06T12:00:00.000Z'); // a Wednesday
    const { manage, subscriberId } = await reader('moves-slot');

    // Wednesday: from Monday 08:00 to Tuesday 09:00 (UTC), then to Wednesday 11:00, which has passed.
    await api.request(`/preferences?${manage}`, form('topics=vaccines&weekday=2&hour=9&timezone=UTC'));
    const tuesday = await (await api.request(`/preferences?${manage}&notice=saved`)).text();
    await api.request(`/preferences?${manage}`, form('topics=vaccines&weekday=3&hour=11&timezone=UTC'));
    const wednesday = await (await api.request(`/preferences?${manage}&notice=saved`)).text();

    expect(tuesday).toContain(
      'Your next digest arrives on <strong class="next-digest">Tuesday 12 January at 09:00 (UTC)',
    );
    expect(wednesday).toContain(
      'Your next digest arrives on <strong class="next-digest">Wednesday 13 January at 11:00 (UTC)',
    );
    expect((await world.context.subscribers.get(subscriberId))?.scheduleFrom).toBe(clock.now().toISOString());
  });

  it('tells a reader who already left that they are unsubscribed, without a button', async () => {
    const left = await reader('already-left', 'unsubscribed');
    const token = world.context.tokens.issue('unsubscribe', left, clock.now());

    const page = await (await api.request(`/unsubscribe?token=${token}`)).text();

    expect(page).toContain('You are unsubscribed');
    expect(page).not.toContain('<form method="post" action="/unsubscribe');
  });

  it('refuses bad bodies clearly and stores nothing', async () => {
    const email = world.email('bad-body');
    const post = (body: string, type: string) =>
      api.request('/subscribe', {
        method: 'POST',
        headers: { 'content-type': type, accept: 'application/json' },
        body,
      });

    const malformed = await post('{"email":', 'application/json');
    const notObject = await post('["a@example.org"]', 'application/json');
    const wrongType = await post(`email=${email}`, 'text/plain');
    const huge = await post(
      `email=${email}&topics=access&padding=${'x'.repeat(20_000)}`,
      'application/x-www-form-urlencoded',
    );

    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ issues: ['request: the body is not valid JSON'] });
    expect(notObject.status).toBe(400);
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toMatchObject({
      issues: ['request: send application/x-www-form-urlencoded, multipart/form-data or application/json'],
    });
    expect(huge.status).toBe(413);
    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
  });

  it('sends security headers: a CSP of hashes only, no caching of personal pages, no framing', async () => {
    const { manage } = await reader('headers');

    const home = await api.request('/');
    const preferences = await api.request(`/preferences?${manage}`);
    const missing = await api.request('/no-such-page');

    const csp = home.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[\w+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(home.headers.get('x-frame-options')).toBe('DENY');
    expect(preferences.headers.get('cache-control')).toBe('no-store');
    expect(preferences.headers.get('referrer-policy')).toBe('no-referrer');
    expect(missing.status).toBe(404);
  });
});
