import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResource } from '../nag.ts';
import type { DeploymentSettings } from '../settings.ts';

export interface DigestApiProps {
  readonly settings: DeploymentSettings;
  readonly logRetention: RetentionDays;
}

/**
 * The HTTP API: one $default stage, throttled, with JSON access logs, and its custom domain. It
 * lives in the data stack, with what else every emailed link depends on: redeploying or even
 * destroying the service stack keeps the API, its id, its domain and its mapping, so links
 * already mailed keep working once the routes are back. The routes (the public pages on the
 * $default route, /admin and /admin/* behind the IAM authorizer, all on the api function) are
 * added by the service stack with {@link DigestApi.routeTo}. With a custom domain the API's own
 * execute-api endpoint is disabled: there is one address, and it is the one in the emails.
 */
export class DigestApi extends Construct {
  readonly httpApi: HttpApi;
  readonly domainName: DomainName | undefined;
  /** Base of every link: the siteUrl setting, else the custom domain, else the API's own URL. */
  readonly siteUrl: string;
  /** execute-api:Invoke on the admin routes only: attach it to the admins' role or user. */
  readonly adminPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: DigestApiProps) {
    super(scope, id);
    const { settings } = props;
    const accessLogs = new LogGroup(this, 'access-logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new HttpApi(this, 'http-api', {
      apiName: `${settings.stackPrefix}-api`,
      description: 'Immunotherapy Digest: subscribe, confirm, preferences, unsubscribe, archive, admin',
      createDefaultStage: false,
      disableExecuteApiEndpoint: settings.apiDomainName !== undefined,
    });
    this.domainName =
      settings.apiDomainName && settings.apiCertificateArn
        ? new DomainName(this, 'domain', {
            domainName: settings.apiDomainName,
            certificate: Certificate.fromCertificateArn(this, 'certificate', settings.apiCertificateArn),
          })
        : undefined;
    this.httpApi.addStage('default-stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // $context.path, never the full URI: query strings carry the personal link tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            caller: '$context.identity.userArn',
          }),
        ),
      },
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
    });
    this.siteUrl =
      settings.siteUrl ??
      (settings.apiDomainName ? `https://${settings.apiDomainName}` : this.httpApi.apiEndpoint);

    const adminRoutes = [
      this.httpApi.arnForExecuteApi('*', '/admin', '$default'),
      this.httpApi.arnForExecuteApi('*', '/admin/*', '$default'),
    ];
    this.adminPolicy = new ManagedPolicy(this, 'admin-policy', {
      description: 'Lets an admin call the Immunotherapy Digest admin routes (attach to a role or user)',
      statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources: adminRoutes })],
    });
    for (const route of adminRoutes) {
      acknowledgeWildcardResource(
        this.adminPolicy,
        route,
        'Every method of the /admin routes of this API and stage, and every path under /admin (the admin app routes them itself); nothing else of the API.',
      );
    }
  }

  /**
   * Routes every request to the api function: public on $default, IAM-authorised under /admin.
   * The routes, the integration and the invoke permission are made in `scope` (the service
   * stack, with the function), so the API itself never depends on the code.
   */
  routeTo(handler: IFunction, scope: Construct): void {
    const integration = new HttpLambdaIntegration('api-integration', handler);
    const publicRoute = new HttpRoute(scope, 'public-route', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
    });
    acknowledge(
      publicRoute,
      'AwsSolutions-APIG4',
      'The public pages (subscribe, confirm, preferences, unsubscribe, archive) are for anonymous readers; the personal ones check a signed, purpose-bound token, and the stage is throttled. Admin routes use the IAM authorizer.',
    );
    const authorizer = new HttpIamAuthorizer();
    for (const [id, path] of [
      ['admin-route', '/admin'],
      ['admin-proxy-route', '/admin/{proxy+}'],
    ] as const) {
      new HttpRoute(scope, id, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod.ANY),
        integration,
        authorizer,
      });
    }
  }
}
