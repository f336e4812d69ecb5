import { hostname, userInfo } from 'node:os';
import { openLocalEnvironment } from './environment.ts';

/**
 * `immuno-digest admin revoke-sessions`: signs out every admin page session (token mode), on a
 * running `npm start` too: the session generation in the state table moves on, and every session
 * cookie signed under an older one is refused from the next request. The admin token itself still
 * works: rotate ADMIN_TOKEN (or delete .data/admin-token) to revoke that. The last line is JSON.
 */
export async function revokeSessionsCommand(): Promise<void> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    const by = `${operator()} (CLI)`;
    const generation = await environment.context.adminSessions.revokeAll({
      at: environment.context.clock.now(),
      by,
    });
    console.log(`Every admin session is signed out (session generation ${generation}).`);
    console.log('Sign in again with the admin token; to revoke the token itself, change ADMIN_TOKEN.');
    console.log(JSON.stringify({ revoked: true, generation, by }));
  } finally {
    await environment.stop();
  }
}

/** Who the state table names as the revoker: the OS user on this machine. */
export function operator(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the user: the host still says something.
  }
  return `${user}@${hostname()}`;
}
