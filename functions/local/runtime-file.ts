import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `npm start` writes .data/runtime.json with its pid and endpoints, so CLI commands run in
 * another terminal use the running stand-ins instead of fighting over ports and the database.
 */
export interface RuntimeInfo {
  readonly pid: number;
  readonly startedAt: string;
  /**
   * The SITE_URL the instance serves and puts in its links, so that a command attached to it
   * (preview, send) writes the same links whatever ports its own terminal has set. Absent in
   * files written before it was recorded: commands then fall back to their own settings.
   */
  readonly siteUrl?: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly ses: string;
    readonly sqs: string;
    readonly api: string;
  };
}

const fileOf = (dataDir: string) => path.join(dataDir, 'runtime.json');

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(fileOf(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

export async function removeRuntimeInfo(dataDir: string): Promise<void> {
  await rm(fileOf(dataDir), { force: true });
}

/** The running instance, if its process is alive and its DynamoDB stand-in answers. */
export async function findRunningInstance(dataDir: string): Promise<RuntimeInfo | undefined> {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(await readFile(fileOf(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  if (info.pid === process.pid || !isAlive(info.pid)) return undefined;
  try {
    await fetch(info.endpoints.dynamodb, { signal: AbortSignal.timeout(1000) });
    return info;
  } catch {
    return undefined;
  }
}

/** Whether the instance's process is still there (a command following its sends asks as it waits). */
export function isRunning(info: RuntimeInfo): boolean {
  return isAlive(info.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
