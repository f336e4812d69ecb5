import { inject } from 'vitest';
import { createWorld, type TestWorld, type WorldOverrides } from '../../testkit/test-world.ts';

/**
 * A fresh, isolated world on the shared stand-ins: its own tables and queues (random prefix),
 * strict MJML validation, a silent logger. Pass overrides to inject a clock or a mailer.
 */
export function createTestWorld(overrides: WorldOverrides = {}): Promise<TestWorld> {
  return createWorld(inject('standIns'), overrides);
}
