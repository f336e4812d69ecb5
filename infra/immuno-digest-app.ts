import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeploymentSettings, type DeploymentSettings } from './settings.ts';
import { DataStack } from './stacks/data-stack.ts';
import { ServiceStack } from './stacks/service-stack.ts';

export interface ImmunoDigest {
  readonly settings: DeploymentSettings;
  readonly data: DataStack;
  readonly service: ServiceStack;
}

/**
 * The whole deployment on an App: settings validated from its context, the data stack (what
 * must survive, the API and its domain included), the service stack (code and triggers), and cdk-nag's AwsSolutions checks,
 * which fail the synth on any finding not acknowledged, with its reason, in the code.
 */
export function defineImmunoDigest(app: App, env?: Environment): ImmunoDigest {
  const settings = loadDeploymentSettings((key) => app.node.tryGetContext(key));
  const data = new DataStack(app, `${settings.stackPrefix}-Data`, {
    description:
      'Immunotherapy Digest: tables, send queue, signing secret, HTTP API and its domain, SES identity and configuration set',
    settings,
    ...(env ? { env } : {}),
  });
  const service = new ServiceStack(app, `${settings.stackPrefix}-Service`, {
    description: 'Immunotherapy Digest: functions, schedules, API routes, SES event rule, alarms, dashboard',
    settings,
    data,
    ...(env ? { env } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, data, service };
}
