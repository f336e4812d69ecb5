import type { Config } from '../../config/config.ts';
import { TABLE_DEFINITIONS, type TableDefinition } from './tables.ts';

export type TableNames = Config['tables'];

/** Pairs each table definition with the name this deployment gives it. */
export function namedTables(names: TableNames): { definition: TableDefinition; name: string }[] {
  return TABLE_DEFINITIONS.map((definition) => ({ definition, name: names[definition.id] }));
}
