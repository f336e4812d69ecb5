#!/usr/bin/env node
// A JS shim so the command works from any directory: register tsx, then load the TypeScript CLI.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../functions/local/cli.ts');
