import type { AppContext } from '../../functions/app/context.ts';
import { openLocalEnvironment } from '../../functions/local/environment.ts';
import { silentLogger } from '../../functions/ports/logger.ts';

/**
 * The local environment over a data folder, as a CLI command opens it (stand-ins of its own on
 * free ports, not attached to a running `npm start`): `use` seeds or reads its stores, and the
 * environment is stopped whatever `use` does.
 */
export async function withLocalData<T>(
  dataDir: string,
  use: (context: AppContext) => Promise<T>,
): Promise<T> {
  const environment = await openLocalEnvironment({
    env: { DATA_DIR: dataDir },
    ports: 'ephemeral',
    attach: false,
    logger: silentLogger,
  });
  try {
    return await use(environment.context);
  } finally {
    await environment.stop();
  }
}
