import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';
import { ManualClock } from '../../testkit/fakes.ts';

/** Time zones over HTTP: what the picker offers, what a form or client may send, what is kept. */
describe('time zones on the subscribe page, the preference centre and the JSON API', () => {
  let world: TestWorld;
  let api: Hono;
  // A Wednesday: every Monday 08:00 slot of this week has passed, whatever the zone.
  const clock = new ManualClock(new Date('2026-11-25T12:00:00.000Z'));

  beforeAll(async () => {
    world = await createTestWorld({ clock });
    api = createApi(world.context, { clientIp: () => '198.51.100.9' });
  });

  afterAll(() => world.stop());

  const subscriberIdFor = (email: string) => world.context.subscriberIds.idFor(email);

  const form = (fields: Record<string, string>) =>
    ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ topics: 'car-t', ...fields }).toString(),
    }) as const;
  const json = (body: Record<string, unknown>) =>
    ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topics: ['car-t'], ...body }),
    }) as const;

  async function confirmedReader(local: string, timeZone: string) {
    const subscriber = newSubscriber(
      {
        email: world.email(local),
        topics: ['car-t'],
        status: 'confirmed',
        delivery: { weekday: 1, hour: 8, timeZone },
      },
      clock.now(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(subscriber);
    const token = world.context.tokens.issue('manage', subscriber, clock.now());
    return { ...subscriber, manage: `token=${token}` };
  }

  it('offers current names grouped by region, the city shown, older names only as aliases', async () => {
    const page = await (await api.request('/')).text();

    const europe = /<optgroup label="Europe">([\s\S]*?)<\/optgroup>/.exec(page)?.[1] ?? '';
    expect(europe).toMatch(
      /<option value="Europe\/Kyiv" data-aliases="[^"]*Europe\/Kiev[^"]*"\s*>Kyiv<\/option>/,
    );
    expect(page).toMatch(/<optgroup label="Asia">[\s\S]*?<option value="Asia\/Kolkata"[^>]*>Kolkata</);
    expect(page).toMatch(
      /<optgroup label="Americas">[\s\S]*?<option value="America\/New_York"[^>]*>New York</,
    );
    expect(page).toMatch(/<option value="UTC"[^>]*selected[^>]*>UTC</);
    expect(page).not.toMatch(/value="(Europe\/Kiev|Asia\/Calcutta|Etc\/GMT\+5)"/);
  });

  it.each(['UTC-99', 'system', 'local', 'Etc/GMT+5', 'Atlantis/Capital'])(
    'answers a JSON subscription in %j with a 400 naming the field, and stores nothing',
    async (timezone) => {
      const email = world.email(`json-${timezone.replace(/\W/g, '')}`);

      const response = await api.request('/subscribe', json({ email, timezone }));

      expect(response.status).toBe(400);
      const body = (await response.json()) as { issues: string[] };
      expect(body.issues).toEqual([expect.stringMatching(/^timezone: is not a time zone we know/)]);
      expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
    },
  );

  it('shows a refused zone’s error beside the field on the page, keeps the rest, and stores nothing', async () => {
    const email = world.email('form-system');

    const response = await api.request('/subscribe', form({ email, weekday: '3', timezone: 'system' }));

    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(
      /<label for="timezone">Time zone<\/label>\s*<span class="field-error" id="timezone-error">Error: is not a time zone we know/,
    );
    expect(page).toMatch(/<a href="#timezone">Time zone: is not a time zone we know/);
    expect(page).toMatch(/aria-describedby="when-hint timezone-hint timezone-error"/);
    expect(page).toMatch(/<option value="3" selected>Wednesday/);
    expect(await world.context.subscribers.get(subscriberIdFor(email))).toBeUndefined();
  });

  it('accepts an older name from an old form and stores the current one', async () => {
    const email = world.email('old-form');

    const response = await api.request('/subscribe', form({ email, timezone: 'Asia/Calcutta' }));

    expect(response.status).toBe(202);
    // The request waits on the send queue; the sender stores it as a pending subscription.
    await drainSendQueue(world.context, world.queues.sendUrl);
    expect(
      (await world.context.subscribers.getPending(subscriberIdFor(email), clock.now()))?.delivery.timeZone,
    ).toBe('Asia/Kolkata');
  });

  it('refuses a preference change to a zone that is not one, and changes nothing', async () => {
    const { manage, subscriberId } = await confirmedReader('prefs-local', 'Europe/Lisbon');

    const response = await api.request(`/preferences?${manage}`, json({ timezone: 'local' }));

    expect(response.status).toBe(400);
    expect(((await response.json()) as { issues: string[] }).issues).toEqual([
      expect.stringMatching(/^timezone: /),
    ]);
    expect((await world.context.subscribers.get(subscriberId))?.delivery.timeZone).toBe('Europe/Lisbon');
  });

  it('keeps planning readers saved under an older name, shows them the current one and saves it', async () => {
    const { manage, subscriberId } = await confirmedReader('saved-kiev', 'Europe/Kiev');

    const plan = await planDigestOnce(world.context, { dryRun: true });
    const page = await (await api.request(`/preferences?${manage}`)).text();
    const saved = await api.request(`/preferences?${manage}`, json({ hour: 9 }));

    expect(plan.due).toBeGreaterThanOrEqual(1);
    expect(page).toMatch(/<option value="Europe\/Kyiv"[^>]*selected>Kyiv</);
    expect(saved.status).toBe(200);
    expect((await world.context.subscribers.get(subscriberId))?.delivery).toEqual({
      weekday: 1,
      hour: 9,
      timeZone: 'Europe/Kyiv',
    });
  });

  it('shows a saved zone that is not one (from before zones were checked) so the reader replaces it', async () => {
    const { manage } = await confirmedReader('saved-utc-99', 'UTC-99');

    const page = await (await api.request(`/preferences?${manage}`)).text();

    expect(page).toMatch(/<option value="UTC-99" selected>UTC-99 \(not a time zone we know: choose yours\)</);
    expect(page.match(/ selected>/g)?.length).toBe(4); // weekday, hour, that zone, and "Prefer not to say" for the country
  });
});
