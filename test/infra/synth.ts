import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { defineImmunoDigest, type ImmunoDigest } from '../../infra/immuno-digest-app.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The settings of cdk.json: the tests synthesize what `npm run synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
  ).context;
}

const outdirs: string[] = [];
// Registered in the file that imports this helper: its cloud assemblies go when its tests end.
afterAll(() => {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
});

/** A folder for one cloud assembly, removed when the test file ends. */
export function temporaryOutdir(): string {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'immuno-digest-cdk-'));
  outdirs.push(outdir);
  return outdir;
}

export interface Synthesized {
  readonly deployment: ImmunoDigest;
  readonly data: Template;
  readonly service: Template;
  /** The cloud assembly folder: templates and cdk-nag's validation-report.json. */
  readonly outdir: string;
  logicalId(construct: IConstruct): string;
}

/**
 * Synthesizes the whole app (cdk-nag included) with cdk.json's settings plus `overrides`,
 * without bundling the functions: what is asserted here is the wiring, not the code. CDK's own
 * CloudFormation schema validation is left to `npm run synth`: it costs ~6-20 s of WebAssembly
 * start-up per test process.
 */
export function synthesize(overrides: Record<string, unknown> = {}): Synthesized {
  const outdir = temporaryOutdir();
  const app = new App({
    outdir,
    // Path metadata as the CLI writes it: the IAM evaluator names each function by its construct path.
    context: {
      ...cdkJsonContext(),
      ...overrides,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-path-metadata': true,
    },
    builtinCloudFormationValidation: false,
  });
  const deployment = defineImmunoDigest(app);
  const assembly = app.synth();
  const template = (stack: Stack) =>
    Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
  return {
    deployment,
    data: template(deployment.data),
    service: template(deployment.service),
    outdir,
    logicalId: (construct) => {
      const resource = construct.node.defaultChild ?? construct;
      const stack = deployment.service.node.findAll().includes(resource)
        ? deployment.service
        : deployment.data;
      return stack.getLogicalId(resource as never);
    },
  };
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

interface CfnResource<P = Record<string, unknown>> {
  readonly Type: string;
  readonly Properties: P;
}

/** The resources of a template, by logical id. */
function resourcesIn(template: Template): Record<string, CfnResource> {
  return (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
}

/** The Lambda properties the tests read. */
export interface FunctionProperties {
  readonly Runtime: string;
  readonly Timeout: number;
  readonly Role: { readonly 'Fn::GetAtt': readonly [string, string] };
  readonly Environment: { readonly Variables: Record<string, unknown> };
  readonly ReservedConcurrentExecutions?: number;
  readonly DeadLetterConfig?: unknown;
  readonly TracingConfig?: unknown;
}

export function functionProperties(template: Template, logicalId: string): FunctionProperties {
  return resourcesIn(template)[logicalId]!.Properties as unknown as FunctionProperties;
}

interface PolicyProperties {
  readonly Roles: unknown[];
  readonly PolicyDocument: { readonly Statement: Statement[] };
}

/** Every IAM statement attached to a function's role. */
export function statementsOf(service: Template, functionLogicalId: string): Statement[] {
  const roleId = functionProperties(service, functionLogicalId).Role['Fn::GetAtt'][0];
  const role = JSON.stringify({ Ref: roleId });
  return Object.values(resourcesIn(service))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .map((resource) => resource.Properties as unknown as PolicyProperties)
    .filter((policy) => policy.Roles.some((entry) => JSON.stringify(entry) === role))
    .flatMap((policy) => policy.PolicyDocument.Statement);
}

/** The statements of a managed policy. */
export function managedPolicyStatements(template: Template): Statement[] {
  return Object.values(resourcesIn(template))
    .filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap((resource) => (resource.Properties as unknown as PolicyProperties).PolicyDocument.Statement);
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
