import { App } from 'aws-cdk-lib';
import { defineImmunoDigest } from './immuno-digest-app.ts';

const app = new App();
defineImmunoDigest(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
