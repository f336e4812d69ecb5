import type { TestProject } from 'vitest/node';
import { startStandIns } from '../../functions/local/stand-ins.ts';

/**
 * Starts dynalite, aws-ses-v2-local and fauxqs once for the integration project, in memory, on
 * free loopback ports, and hands their endpoints to the tests. Each test file isolates itself
 * with its own table and queue names and its own recipient addresses.
 */
export default async function setup(project: TestProject) {
  const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
  project.provide('standIns', standIns.endpoints);
  return async () => {
    await standIns.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    standIns: { dynamodb: string; ses: string; sqs: string };
  }
}
