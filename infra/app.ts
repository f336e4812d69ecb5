import { App } from 'aws-cdk-lib';
import { ImmunoDigestStack } from './stacks/immuno-digest-stack.ts';

const app = new App();
new ImmunoDigestStack(app, 'ImmunoDigest', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
