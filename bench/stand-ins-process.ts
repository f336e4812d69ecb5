/**
 * The AWS stand-ins and the rate-limited SES proxy in a process of their own, for benchmarks
 * that time the sender: SES and DynamoDB are not in a Lambda's event loop, and running them in
 * the sender's process would make their work look like the sender's delays.
 *
 * Prints one JSON line with the endpoints, then serves until SIGTERM or SIGINT.
 * Usage: node --import tsx bench/stand-ins-process.ts --rate 20
 */
import { parseArgs } from 'node:util';
import { startStandIns } from '../functions/local/stand-ins.ts';
import { startThrottlingSesProxy } from '../testkit/throttling-ses-proxy.ts';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '20' } } });
const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
const proxy = await startThrottlingSesProxy(standIns.endpoints.ses, Number(values.rate));
console.log(JSON.stringify({ ...standIns.endpoints, sesProxy: proxy.endpoint }));

const stop = async () => {
  await proxy.stop();
  await standIns.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
