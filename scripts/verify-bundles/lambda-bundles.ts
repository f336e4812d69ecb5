import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LAMBDA_TASK_ROOT, type HandlerName } from '../../infra/constructs/digest-function.ts';

/**
 * The Lambda functions of a synthesized cloud assembly (cdk.out), read back from the template
 * and the asset folders exactly as CloudFormation and Lambda will get them, and a way to run one
 * of them the way Lambda does: a fresh Node process, the bundle alone in its folder (no
 * node_modules within reach), the environment the stack sets.
 */

export interface SynthesizedFunction {
  readonly name: HandlerName;
  readonly logicalId: string;
  /** The asset folder in cdk.out: index.mjs, its source map, content/ and templates/. */
  readonly assetDir: string;
  readonly handler: string;
  readonly runtime: string;
  readonly architectures: readonly string[];
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** The environment as the template has it: strings, or CloudFormation intrinsics for resources. */
  readonly environment: Readonly<Record<string, unknown>>;
}

interface Manifest {
  readonly artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** Every function of every stack in the assembly, by handler name. */
export async function readSynthesizedFunctions(assemblyDir: string): Promise<SynthesizedFunction[]> {
  const manifest = JSON.parse(await readFile(path.join(assemblyDir, 'manifest.json'), 'utf8')) as Manifest;
  const functions: SynthesizedFunction[] = [];
  for (const artifact of Object.values(manifest.artifacts)) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || !templateFile) continue;
    const template = JSON.parse(await readFile(path.join(assemblyDir, templateFile), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const cdkPath = resource.Metadata?.['aws:cdk:path'] as string;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') {
        throw new Error(`${cdkPath}: no bundled asset in ${assemblyDir} (was it synthesized with bundling?)`);
      }
      const props = resource.Properties;
      functions.push({
        name: cdkPath.split('/')[1] as HandlerName,
        logicalId,
        assetDir: path.join(assemblyDir, assetPath),
        handler: String(props.Handler),
        runtime: String(props.Runtime),
        architectures: (props.Architectures as string[] | undefined) ?? ['x86_64'],
        memorySize: Number(props.MemorySize ?? 128),
        timeoutSeconds: Number(props.Timeout ?? 3),
        environment:
          (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      });
    }
  }
  return functions;
}

/** Copies a function's asset to `root/<name>`, away from any node_modules, as Lambda unpacks it. */
export async function stageBundle(fn: SynthesizedFunction, root: string): Promise<string> {
  const taskRoot = path.join(root, fn.name);
  await mkdir(taskRoot, { recursive: true });
  await cp(fn.assetDir, taskRoot, { recursive: true });
  return taskRoot;
}

export async function bundleBytes(taskRoot: string, handler: string): Promise<number> {
  return (await stat(path.join(taskRoot, handlerFile(handler)))).size;
}

const handlerFile = (handler: string) => `${handler.split('.')[0]}.mjs`;

/**
 * Turns the template's environment into a real one: plain strings are kept (paths under
 * /var/task point into the staged task root), and every intrinsic (a resource of the stack)
 * must be answered by `resolve`, so a new resource-backed variable in the stack cannot slip past
 * this check unseen.
 */
export function resolveEnvironment(
  fn: SynthesizedFunction,
  taskRoot: string,
  resolve: (name: string) => string | undefined,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') {
      environment[name] = value.startsWith(`${LAMBDA_TASK_ROOT}/`)
        ? path.join(taskRoot, value.slice(LAMBDA_TASK_ROOT.length + 1))
        : value;
      continue;
    }
    const local = resolve(name);
    if (local === undefined) {
      throw new Error(
        `${fn.name}: ${name} comes from a stack resource (${JSON.stringify(value)}) the bundle check has no local stand-in for; add it to verify-bundles.ts`,
      );
    }
    if (local !== '') environment[name] = local;
  }
  return environment;
}

export interface Invocation {
  /** The handler's return value. */
  readonly result: unknown;
  /** How long importing the bundle took: most of a cold start. */
  readonly importMs: number;
  /** Everything else the process printed on stdout: logs and embedded metric format lines. */
  readonly output: string;
  /** What it printed on stderr: the logger's warnings and errors go there. */
  readonly errorOutput: string;
}

// Runs in the child: import the bundle, call the handler once, print the result on its own line.
const RUNNER = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [bundle, eventFile, functionName, budgetMs] = process.argv.slice(2);
const started = performance.now();
const module = await import(pathToFileURL(bundle).href);
const importMs = performance.now() - started;
const deadline = Date.now() + Number(budgetMs);
const context = {
  functionName, functionVersion: '$LATEST', awsRequestId: 'verify-' + Date.now(), memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + functionName,
  logGroupName: '/aws/lambda/' + functionName, logStreamName: 'verify', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
const result = await module.handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
process.stdout.write('\\n' + JSON.stringify({ verifyResult: { importMs, result: result ?? null } }) + '\\n');
// Keep-alive sockets of the SDK would hold the process; Lambda freezes it instead.
process.exit(0);
`;

const run = promisify(execFile);

export interface InvokeOptions {
  /**
   * What getRemainingTimeInMillis() starts from (default: the function's timeout): a smaller
   * budget plays an invocation that reaches its deadline.
   */
  readonly remainingTimeMs?: number;
}

/**
 * Invokes the staged handler once in a fresh Node process, with exactly `environment` (nothing
 * inherited but PATH), the task root as working directory, as Lambda would.
 */
export async function invokeBundle(
  fn: SynthesizedFunction,
  taskRoot: string,
  environment: Record<string, string>,
  event: unknown,
  options: InvokeOptions = {},
): Promise<Invocation> {
  const runner = path.join(taskRoot, '..', 'run-handler.mjs');
  await writeFile(runner, RUNNER);
  const eventFile = path.join(taskRoot, '..', `${fn.name}-event-${Date.now()}.json`);
  await writeFile(eventFile, JSON.stringify(event));
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        runner,
        path.join(taskRoot, handlerFile(fn.handler)),
        eventFile,
        fn.name,
        String(options.remainingTimeMs ?? fn.timeoutSeconds * 1000),
      ],
      {
        cwd: taskRoot,
        // NODE_OPTIONS from the stack (--enable-source-maps) applies here as it does in Lambda.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
        // The function's timeout plus room to load the bundle (Lambda's init phase is not counted
        // in it either) on a machine that may be busy: a safety net against a hung process only.
        timeout: (fn.timeoutSeconds + 120) * 1000,
        maxBuffer: 32 * 1024 * 1024,
      },
    );
    const lines = stdout.trimEnd().split('\n');
    const last = JSON.parse(lines.pop() ?? '{}') as { verifyResult?: { importMs: number; result: unknown } };
    if (!last.verifyResult) throw new Error(`${fn.name}: the handler printed no result`);
    return { ...last.verifyResult, output: lines.join('\n'), errorOutput: stderr };
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `${fn.name} bundle failed: ${failed.message}\n--- stderr ---\n${failed.stderr ?? ''}\n--- stdout (tail) ---\n${(failed.stdout ?? '').slice(-4000)}`,
      { cause: error },
    );
  }
}

/** The embedded-metric-format lines of an invocation's output, as metric name → value. */
export function publishedMetrics(output: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"_aws"')) continue;
    const record = JSON.parse(line) as {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
      [name: string]: unknown;
    };
    for (const directive of record._aws.CloudWatchMetrics) {
      for (const { Name } of directive.Metrics) metrics[Name] = Number(record[Name]);
    }
  }
  return metrics;
}
