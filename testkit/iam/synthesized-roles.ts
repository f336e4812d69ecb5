import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assertEvaluable, type PolicyStatement } from './policy.ts';

/**
 * The IAM policies of each Lambda function of a synthesized CDK app, read from its CloudFormation
 * templates (cdk.out, or a Template's JSON) and resolved to concrete ARNs: Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue (across the stacks) and the pseudo
 * parameters. Resources named in a function's environment are bound to local names (the tables,
 * queues, secret and configuration set the stand-ins hold), so the ARNs of the policy and the
 * ARNs of the requests the bundle makes are built from the same names; everything else gets a
 * name of its own logical id, which no request will ever match.
 */

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface SynthesizedStack {
  readonly name: string;
  readonly template: CfnTemplate;
}

/** Where the local world lives: the account and region every ARN is built in. */
export interface LocalAccount {
  readonly region: string;
  readonly account: string;
}

export const LOCAL_ACCOUNT: LocalAccount = { region: 'us-east-1', account: '000000000000' };

/** A function of the app and everything its role is allowed or denied. */
export interface FunctionRole {
  /** The construct id of the function (`send`, `api`, …): the second segment of its CDK path. */
  readonly name: string;
  readonly stack: string;
  readonly functionLogicalId: string;
  readonly roleLogicalId: string;
  readonly statements: readonly PolicyStatement[];
  /** The function's environment, resolved like the policies (local names for bound resources). */
  readonly environment: Readonly<Record<string, string>>;
}

/** Reads every stack template of a cloud assembly (the folder `cdk synth` writes). */
export function readAssemblyStacks(assemblyDir: string): SynthesizedStack[] {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.entries(manifest.artifacts).flatMap(([name, artifact]) => {
    const file = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || !file) return [];
    return [
      { name, template: JSON.parse(readFileSync(path.join(assemblyDir, file), 'utf8')) as CfnTemplate },
    ];
  });
}

interface Target {
  readonly stack: SynthesizedStack;
  readonly logicalId: string;
  /** 'Ref', or the Fn::GetAtt attribute. */
  readonly attribute: string;
}

const key = (stack: string, logicalId: string) => `${stack}/${logicalId}`;

/**
 * Resolves CloudFormation values of a set of stacks to strings. `names` gives the local name of
 * a resource (`stack/logicalId` → table name, queue name, secret ARN, configuration set name).
 */
export class TemplateResolver {
  private readonly names = new Map<string, string>();

  constructor(
    readonly stacks: readonly SynthesizedStack[],
    readonly local: LocalAccount = LOCAL_ACCOUNT,
  ) {}

  /** Gives a resource its local name; the same resource bound twice must get the same name. */
  bind(stack: string, logicalId: string, name: string): void {
    const existing = this.names.get(key(stack, logicalId));
    if (existing !== undefined && existing !== name) {
      throw new Error(`${stack}/${logicalId} is bound to both ${existing} and ${name}`);
    }
    this.names.set(key(stack, logicalId), name);
  }

  /** The resource a value points at, following Fn::ImportValue to the exporting stack. */
  targetOf(stack: SynthesizedStack, value: unknown): Target | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const intrinsic = value as Record<string, unknown>;
    if (typeof intrinsic.Ref === 'string' && !intrinsic.Ref.startsWith('AWS::')) {
      return { stack, logicalId: intrinsic.Ref, attribute: 'Ref' };
    }
    const getAtt = intrinsic['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return { stack, logicalId: String(getAtt[0]), attribute: String(getAtt[1]) };
    if (intrinsic['Fn::ImportValue'] !== undefined) {
      const exported = this.exportOf(stack, intrinsic['Fn::ImportValue']);
      return this.targetOf(exported.stack, exported.value);
    }
    return undefined;
  }

  private exportOf(from: SynthesizedStack, name: unknown): { stack: SynthesizedStack; value: unknown } {
    const wanted = this.resolve(from, name);
    for (const stack of this.stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export && this.resolve(stack, output.Export.Name) === wanted) {
          return { stack, value: output.Value };
        }
      }
    }
    throw new Error(`no stack exports ${wanted}`);
  }

  private resourceOf(stack: SynthesizedStack, logicalId: string): CfnResource {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new Error(`${stack.name} has no resource ${logicalId}`);
    return resource;
  }

  /** The local name of a resource: its binding, else its logical id. */
  nameOf(stack: SynthesizedStack, logicalId: string): string {
    return this.names.get(key(stack.name, logicalId)) ?? logicalId;
  }

  private arn(service: string, resource: string, withRegion = true): string {
    const { region, account } = this.local;
    return `arn:aws:${service}:${withRegion ? region : ''}:${account}:${resource}`;
  }

  /** What Ref or Fn::GetAtt gives for a resource, in the local account. */
  attributeOf(stack: SynthesizedStack, logicalId: string, attribute: string): string {
    const { Type: type } = this.resourceOf(stack, logicalId);
    const name = this.nameOf(stack, logicalId);
    const { region, account } = this.local;
    switch (type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return this.arn('dynamodb', `table/${name}`);
        if (attribute === 'StreamArn') return this.arn('dynamodb', `table/${name}/stream/local`);
        break;
      case 'AWS::SQS::Queue':
        if (attribute === 'Ref' || attribute === 'QueueUrl') {
          return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
        }
        if (attribute === 'Arn') return this.arn('sqs', name);
        if (attribute === 'QueueName') return name;
        break;
      case 'AWS::SecretsManager::Secret':
        if (attribute === 'Ref' || attribute === 'Id') {
          return name.startsWith('arn:') ? name : this.arn('secretsmanager', `secret:${name}-AbCdEf`);
        }
        break;
      case 'AWS::SES::ConfigurationSet':
        if (attribute === 'Ref') return name;
        break;
      case 'AWS::IAM::ManagedPolicy':
        if (attribute === 'Ref' || attribute === 'PolicyArn') return this.arn('iam', `policy/${name}`, false);
        break;
      case 'AWS::IAM::Role':
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return this.arn('iam', `role/${name}`, false);
        break;
      case 'AWS::Lambda::Function':
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return this.arn('lambda', `function:${name}`);
        break;
      case 'AWS::Logs::LogGroup':
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return this.arn('logs', `log-group:${name}:*`);
        break;
      case 'AWS::ApiGatewayV2::Api':
        if (attribute === 'Ref' || attribute === 'ApiId') return name.toLowerCase();
        if (attribute === 'ApiEndpoint')
          return `https://${name.toLowerCase()}.execute-api.${region}.amazonaws.com`;
        break;
    }
    // Anything else keeps a name no request matches: a statement on it grants nothing locally.
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return this.arn(type.split('::')[1]!.toLowerCase(), name);
    return `${name}.${attribute}`;
  }

  /** A CloudFormation value as a string (or a list of strings), every intrinsic resolved. */
  resolve(stack: SynthesizedStack, value: unknown): string {
    const resolved = this.resolveAny(stack, value);
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
    return resolved;
  }

  resolveAny(stack: SynthesizedStack, value: unknown): string | string[] {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (typeof value !== 'object' || value === null)
      throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    const [[fn, args]] = Object.entries(value as Record<string, unknown>) as [[string, unknown]];
    switch (fn) {
      case 'Ref':
        return this.pseudo(stack, String(args)) ?? this.attributeOf(stack, String(args), 'Ref');
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof args === 'string' ? args.split('.') : (args as string[]);
        return this.attributeOf(stack, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = args as [string, unknown[]];
        return parts.map((part) => this.resolve(stack, part)).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables = {}] =
          typeof args === 'string' ? [args, {}] : (args as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in variables) return this.resolve(stack, variables[name]);
          const [logicalId, attribute] = name.split('.');
          return this.pseudo(stack, name) ?? this.attributeOf(stack, logicalId!, attribute ?? 'Ref');
        });
      }
      case 'Fn::Select': {
        const [index, list] = args as [unknown, unknown];
        const items = this.resolveAny(stack, list);
        return (Array.isArray(items) ? items : [items])[Number(this.resolve(stack, index))] ?? '';
      }
      case 'Fn::Split': {
        const [separator, text] = args as [string, unknown];
        return this.resolve(stack, text).split(separator);
      }
      case 'Fn::ImportValue': {
        const exported = this.exportOf(stack, args);
        return this.resolveAny(exported.stack, exported.value);
      }
      default:
        throw new Error(`${fn} is not supported by the template resolver: ${JSON.stringify(value)}`);
    }
  }

  private pseudo(stack: SynthesizedStack, name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return this.local.region;
      case 'AWS::AccountId':
        return this.local.account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.name;
      default:
        return undefined;
    }
  }
}

/** The local name a resource gets from the local value of an environment variable naming it. */
function localNameFrom(type: string, attribute: string, value: string): string | undefined {
  switch (type) {
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table':
      return attribute === 'Ref' ? value : undefined;
    case 'AWS::SQS::Queue':
      if (attribute === 'QueueName') return value;
      if (attribute === 'Ref' || attribute === 'QueueUrl') return value.split('/').filter(Boolean).pop();
      if (attribute === 'Arn') return value.split(':').pop();
      return undefined;
    case 'AWS::SecretsManager::Secret':
    case 'AWS::SES::ConfigurationSet':
      return attribute === 'Ref' ? value : undefined;
    case 'AWS::IAM::Role':
      return attribute === 'Arn' ? value.split('/').pop() : undefined;
    default:
      return undefined;
  }
}

/**
 * Binds the resources named in the functions' environments to the local values given for those
 * variables (`ARTICLES_TABLE` → the local articles table, …), consistently across functions.
 */
export function bindFromEnvironment(
  resolver: TemplateResolver,
  localValues: Readonly<Record<string, string>>,
): void {
  for (const stack of resolver.stacks) {
    for (const resource of Object.values(stack.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
      )?.Variables;
      for (const [name, value] of Object.entries(variables ?? {})) {
        const local = localValues[name];
        const target = local === undefined ? undefined : resolver.targetOf(stack, value);
        if (!target || local === undefined) continue;
        const type = target.stack.template.Resources[target.logicalId]?.Type ?? '';
        const localName = localNameFrom(type, target.attribute, local);
        if (localName !== undefined) resolver.bind(target.stack.name, target.logicalId, localName);
      }
    }
  }
}

const refersTo = (value: unknown, logicalId: string) =>
  JSON.stringify(value) === JSON.stringify({ Ref: logicalId });

/** Every Lambda function of the stacks with the resolved statements of its role. */
export function functionRoles(resolver: TemplateResolver): FunctionRole[] {
  const roles: FunctionRole[] = [];
  for (const stack of resolver.stacks) {
    const resources = stack.template.Resources;
    for (const [functionLogicalId, fn] of Object.entries(resources)) {
      if (fn.Type !== 'AWS::Lambda::Function') continue;
      const roleTarget = resolver.targetOf(stack, fn.Properties?.Role);
      if (!roleTarget || roleTarget.stack !== stack) {
        throw new Error(`${stack.name}/${functionLogicalId}: its role is not a role of the same stack`);
      }
      const roleLogicalId = roleTarget.logicalId;
      const role = resources[roleLogicalId]!;
      if (role.Properties?.PermissionsBoundary !== undefined) {
        throw new Error(`${roleLogicalId}: permissions boundaries are not supported by this evaluator`);
      }
      const documents: { where: string; document: unknown }[] = [];
      for (const inline of (role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
        []) {
        documents.push({
          where: `${roleLogicalId} inline ${inline.PolicyName}`,
          document: inline.PolicyDocument,
        });
      }
      const managedArns = new Set(
        ((role.Properties?.ManagedPolicyArns as unknown[]) ?? []).map((arn) => resolver.resolve(stack, arn)),
      );
      for (const [policyId, policy] of Object.entries(resources)) {
        const attachedRoles = (policy.Properties?.Roles as unknown[]) ?? [];
        const attached = attachedRoles.some((entry) => refersTo(entry, roleLogicalId));
        if (policy.Type === 'AWS::IAM::Policy' && attached) {
          documents.push({ where: policyId, document: policy.Properties?.PolicyDocument });
        }
        if (policy.Type === 'AWS::IAM::ManagedPolicy') {
          const arn = resolver.attributeOf(stack, policyId, 'Ref');
          if (attached || managedArns.has(arn)) {
            documents.push({ where: policyId, document: policy.Properties?.PolicyDocument });
            managedArns.delete(arn);
          }
        }
      }
      if (managedArns.size > 0) {
        throw new Error(
          `${roleLogicalId}: managed policies not in the templates cannot be evaluated: ${[...managedArns].join(', ')}`,
        );
      }
      const statements = documents.flatMap(({ where, document }) => {
        const raw = (document as { Statement: unknown[] }).Statement;
        return raw.map((statement) => {
          const resolved = resolveStatement(resolver, stack, statement as Record<string, unknown>);
          assertEvaluable(resolved, where);
          return resolved;
        });
      });
      const variables =
        (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      roles.push({
        name: (fn.Metadata?.['aws:cdk:path'] as string | undefined)?.split('/')[1] ?? functionLogicalId,
        stack: stack.name,
        functionLogicalId,
        roleLogicalId,
        statements,
        environment: Object.fromEntries(
          Object.entries(variables).map(([name, value]) => [name, resolver.resolve(stack, value)]),
        ),
      });
    }
  }
  return roles;
}

function resolveStatement(
  resolver: TemplateResolver,
  stack: SynthesizedStack,
  statement: Record<string, unknown>,
): PolicyStatement {
  const resolved: Record<string, unknown> = { Effect: statement.Effect };
  for (const field of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    if (statement[field] !== undefined) resolved[field] = resolver.resolveAny(stack, statement[field]);
  }
  if (statement.Sid !== undefined) resolved.Sid = statement.Sid;
  if (statement.Condition !== undefined) resolved.Condition = statement.Condition;
  return resolved as unknown as PolicyStatement;
}
