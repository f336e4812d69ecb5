import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import { createAppContext, type AppContext } from '../../functions/app/context.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { silentLogger } from '../../functions/ports/logger.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import type { TestWorld } from '../../testkit/test-world.ts';

/**
 * Issue 19, "links that outlive a redeploy": the link secret is rotated (a new current version,
 * the old one kept as the previous) and the links already mailed keep working; one rotation
 * later, a link signed two versions back names a key id nobody holds and is refused. The
 * deployment's three versions are three application contexts on the same tables, as three cold
 * starts would be; the identity secret stays, so readers keep their ids.
 */
describe('links across a rotation of the link secret', () => {
  let world: TestWorld;
  const IDENTITY = 'the-identity-secret-that-never-rotates-0001';
  const [FIRST, SECOND, THIRD] = ['first', 'second', 'third'].map((name) =>
    `${name}-version-of-the-link-secret-`.padEnd(40, 'x'),
  ) as [string, string, string];

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(() => world.stop());

  /** The application as a cold start with these versions of the link secret reads it. */
  function deployedWith(current: string, previous?: string): Promise<AppContext> {
    return createAppContext(
      {
        ...world.context.config,
        tokenSecret: current,
        tokenSecretPrevious: previous,
        identitySecret: IDENTITY,
      },
      { clients: world.context.clients, logger: silentLogger, mjmlValidation: 'soft' },
    );
  }

  const preferences = (context: AppContext, token: string) =>
    createApi(context, { clientIp: () => '192.0.2.77' }).request(`/preferences?token=${token}`, {
      headers: { accept: 'application/json' },
    });

  it('accepts a link signed with the previous secret after a rotation, and refuses one whose key id it does not hold', async () => {
    // Prepare: a reader whose manage link was mailed under the first version.
    const first = await deployedWith(FIRST);
    const reader = newSubscriber(
      { email: world.email('rotation'), topics: ['car-t'], status: 'confirmed' },
      new Date(),
      first.subscriberIds,
    );
    await first.subscribers.create(reader);
    const mailedBefore = first.tokens.issue('manage', reader, new Date());

    // Act: rotate once (second current, first previous), then once more (third, second).
    const second = await deployedWith(SECOND, FIRST);
    const afterOneRotation = await preferences(second, mailedBefore);
    const mailedAfter = second.tokens.issue('manage', reader, new Date());
    const third = await deployedWith(THIRD, SECOND);
    const afterTwoRotations = await preferences(third, mailedBefore);
    const newerAfterTwo = await preferences(third, mailedAfter);

    // Assess: one rotation keeps the mailed link; the next keeps only the links of the version before.
    expect(second.subscriberIds.idFor(reader.email)).toBe(reader.subscriberId);
    expect(afterOneRotation.status).toBe(200);
    expect(await afterOneRotation.json()).toMatchObject({ email: reader.email, status: 'confirmed' });
    expect(mailedAfter.split('.')[0]).not.toBe(mailedBefore.split('.')[0]);
    expect(afterTwoRotations.status).toBe(400);
    expect(await afterTwoRotations.json()).toMatchObject({ error: 'invalid_token' });
    expect(newerAfterTwo.status).toBe(200);
  });
});
