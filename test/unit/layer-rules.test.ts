import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of eslint.config.js, applied to one import at a time in a file of each layer.
 * Only the config's no-restricted-imports blocks are used (no type information is needed for
 * them), so this runs in a second where the whole lint takes minutes; drop or loosen a block in
 * the config and a case here fails.
 */

const root = path.resolve(import.meta.dirname, '../..');
let eslint: ESLint;

beforeAll(async () => {
  const config = (await import(pathToFileURL(path.join(root, 'eslint.config.js')).href)) as {
    default: Linter.Config[];
  };
  const layerBlocks = config.default.filter((block) => block.rules?.['no-restricted-imports'] !== undefined);
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerBlocks],
  });
});

/** The restricted-import messages for `import … from specifier` in a new file at filePath. */
async function refusals(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(
    `import { thing } from '${specifier}';\nexport const used = thing;\n`,
    {
      filePath: path.join(root, filePath),
    },
  );
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const refused: [layer: string, file: string, specifier: string, because: RegExp][] = [
  ['model', 'functions/model/x.ts', '../ports/clock.ts', /imports nothing of ours/],
  ['model', 'functions/model/x.ts', '../core/errors.ts', /imports nothing of ours/],
  ['ports', 'functions/ports/x.ts', '../core/delivery/send-job.ts', /never imports core/],
  ['ports', 'functions/ports/x.ts', '../adapters/dynamodb/tables.ts', /never imports core/],
  ['ports', 'functions/ports/x.ts', '@aws-sdk/client-sqs', /no AWS imports/],
  ['core', 'functions/core/digest/x.ts', '@aws-sdk/client-dynamodb', /no AWS imports/],
  ['core', 'functions/core/digest/x.ts', '../../adapters/dynamodb/tables.ts', /model and ports only/],
  ['core', 'functions/core/digest/x.ts', '../../app/context.ts', /model and ports only/],
  ['core', 'functions/core/digest/x.ts', '../../config/config.ts', /model and ports only/],
  ['core', 'functions/core/digest/x.ts', '../../api/app.ts', /model and ports only/],
  ['adapters', 'functions/adapters/dynamodb/x.ts', '../../app/context.ts', /wired by functions\/app/],
  ['adapters', 'functions/adapters/dynamodb/x.ts', '../../api/app.ts', /wired by functions\/app/],
  ['config', 'functions/config/x.ts', '../handlers/cold-start.ts', /wired by functions\/app/],
  ['app', 'functions/app/x.ts', '../api/app.ts', /not the other way/],
  ['api', 'functions/api/routes/x.ts', '../../adapters/dynamodb/subscriber-store.ts', /never an adapter/],
  ['api', 'functions/api/x.ts', '../handlers/cold-start.ts', /which Lambda/],
  ['handlers', 'functions/handlers/x.ts', '../api/routes/admin-routes.ts', /takes the API whole/],
  ['handlers', 'functions/handlers/x.ts', '../local/stand-ins.ts', /laptop runtime/],
  ['core', 'functions/core/x.ts', '../local/stand-ins.ts', /laptop runtime/],
  ['api', 'functions/api/x.ts', '../local/environment.ts', /laptop runtime/],
  ['app', 'functions/app/x.ts', '../local/stand-ins.ts', /laptop runtime/],
  ['infra', 'infra/stacks/x.ts', '../../functions/local/stand-ins.ts', /laptop runtime/],
];

const allowed: [layer: string, file: string, specifier: string][] = [
  ['model', 'functions/model/x.ts', './topics.ts'],
  ['ports', 'functions/ports/x.ts', '../model/deliveries.ts'],
  ['core', 'functions/core/digest/x.ts', '../../ports/subscriber-store.ts'],
  ['adapters', 'functions/adapters/dynamodb/x.ts', '../../core/errors.ts'],
  ['api', 'functions/api/x.ts', '../app/context.ts'],
  ['handlers', 'functions/handlers/x.ts', '../api/app.ts'],
  ['handlers', 'functions/handlers/x.ts', '../adapters/ses/ses-event.ts'],
  ['infra', 'infra/stacks/x.ts', '../../functions/adapters/dynamodb/tables.ts'],
  ['local', 'functions/local/x.ts', '../adapters/dynamodb/tables.ts'],
  ['soak', 'soak/x.ts', '../functions/local/stand-ins.ts'],
];

describe('the layer rules of the lint', () => {
  it.each(refused)('refuses in %s: %s importing %s', async (_layer, file, specifier, because) => {
    const messages = await refusals(file, specifier);

    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(because);
  });

  it.each(allowed)('allows in %s: %s importing %s', async (_layer, file, specifier) => {
    expect(await refusals(file, specifier)).toEqual([]);
  });
});
