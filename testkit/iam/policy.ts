/**
 * IAM identity-policy evaluation, as AWS does it for one principal and one request: an explicit
 * Deny wins, then any Allow, else the request is implicitly denied. Actions match without regard
 * to case, resources with it; `*` and `?` are wildcards in both. Only what the stacks' function
 * roles use is supported: Action / NotAction, Resource / NotResource, and of conditions only
 * StringEquals on the keys of {@link EVALUABLE_CONDITION_KEYS} (iam:PassedToService on a PassRole),
 * matched against the request's context; any other condition is refused when the policy is read,
 * rather than evaluated wrongly.
 */

/** One statement, its intrinsics already resolved to strings. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: unknown;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

/** The condition keys a request's context can carry here (the IAM proxy sets them per request). */
export const EVALUABLE_CONDITION_KEYS = ['iam:PassedToService'] as const;

/** The values of the condition keys of one request (`iam:PassedToService` → `scheduler.amazonaws.com`). */
export type RequestContext = Readonly<Partial<Record<(typeof EVALUABLE_CONDITION_KEYS)[number], string>>>;

const listOf = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** An IAM wildcard pattern as a regular expression: `*` any run of characters, `?` one. */
function patternOf(pattern: string, caseInsensitive: boolean): RegExp {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
}

/** Whether `value` matches an IAM pattern (`dynamodb:Get*`, `arn:aws:sqs:*:*:queue-?`). */
export function matchesPattern(pattern: string, value: string, caseInsensitive = false): boolean {
  return patternOf(pattern, caseInsensitive).test(value);
}

function actionApplies(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) {
    return !listOf(statement.NotAction).some((pattern) => matchesPattern(pattern, action, true));
  }
  return listOf(statement.Action).some((pattern) => matchesPattern(pattern, action, true));
}

function resourceApplies(statement: PolicyStatement, resource: string): boolean {
  if (statement.NotResource !== undefined) {
    return !listOf(statement.NotResource).some((pattern) => matchesPattern(pattern, resource));
  }
  return listOf(statement.Resource).some((pattern) => matchesPattern(pattern, resource));
}

/** A statement's condition, `StringEquals` only: every key must equal one of its values. */
function conditionHolds(statement: PolicyStatement, context: RequestContext): boolean {
  if (statement.Condition === undefined) return true;
  const { StringEquals } = statement.Condition as { StringEquals: Record<string, string | string[]> };
  return Object.entries(StringEquals).every(([key, values]) => {
    const value = context[key as keyof RequestContext];
    return value !== undefined && listOf(values).includes(value);
  });
}

/** Refuses what this evaluator cannot judge, so a policy it would misread fails loudly. */
export function assertEvaluable(statement: PolicyStatement, where: string): void {
  if (statement.Condition !== undefined) {
    const condition = statement.Condition as Record<string, unknown>;
    const operators = Object.keys(condition);
    const keys = Object.keys((condition.StringEquals as Record<string, unknown> | undefined) ?? {});
    const evaluable =
      operators.length === 1 &&
      operators[0] === 'StringEquals' &&
      keys.length > 0 &&
      keys.every((key) => (EVALUABLE_CONDITION_KEYS as readonly string[]).includes(key));
    if (!evaluable) {
      throw new Error(
        `${where}: a statement with this Condition cannot be evaluated here: ${JSON.stringify(statement)}`,
      );
    }
  }
  if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
    throw new Error(`${where}: a statement needs exactly one of Action and NotAction`);
  }
  if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
    throw new Error(`${where}: a statement needs exactly one of Resource and NotResource`);
  }
}

/**
 * The decision for one action on one resource. A request that names several resources (a
 * BatchWriteItem over two tables, a SendEmail from an identity with a configuration set) is
 * allowed only when each one is: see {@link decideAll}.
 */
export function decide(
  statements: readonly PolicyStatement[],
  action: string,
  resource: string,
  context: RequestContext = {},
): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!actionApplies(statement, action) || !resourceApplies(statement, resource)) continue;
    if (!conditionHolds(statement, context)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicit-deny';
}

/** The decision over every resource a request names: the first that is not allowed decides. */
export function decideAll(
  statements: readonly PolicyStatement[],
  action: string,
  resources: readonly string[],
): { decision: Decision; resource: string | undefined } {
  for (const resource of resources) {
    const decision = decide(statements, action, resource);
    if (decision !== 'allowed') return { decision, resource };
  }
  return { decision: 'allowed', resource: undefined };
}
