import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface DigestFunctionProps extends Partial<NodejsFunctionProps> {
  /** File name under functions/handlers/, without extension. */
  readonly handlerFile: string;
}

/**
 * The house defaults for every Lambda: ARM64, Node.js 22, ESM bundle built by the local esbuild
 * (no Docker), the content and templates folders copied beside the bundle, bounded log retention.
 */
export class DigestFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: DigestFunctionProps) {
    const { handlerFile, environment, ...rest } = props;
    super(scope, id, {
      entry: path.join(ROOT, 'functions/handlers', `${handlerFile}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(60),
      logRetention: RetentionDays.ONE_MONTH,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        CONTENT_DIR: '/var/task/content',
        TEMPLATES_DIR: '/var/task/templates',
        POWERTOOLS_SERVICE_NAME: 'immuno-digest',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies need a require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -r ${inputDir}/content ${outputDir}/content`,
            `cp -r ${inputDir}/templates ${outputDir}/templates`,
          ],
        },
      },
      ...rest,
    });
  }
}
