import path from 'node:path';
import { startStandIns } from '../../functions/local/stand-ins.ts';
import { METRIC } from '../../functions/handlers/metric-names.ts';
import { FUNCTION_CALLS, undeclaredCalls } from '../../infra/function-calls.ts';
import { publishedMetrics, type Invocation } from './lambda-bundles.ts';
import { startBundleWorld } from './bundle-world.ts';
import { weekIdOf } from '../../functions/core/archive/editions.ts';
import {
  adminAnnouncement,
  adminPost,
  adminTestSend,
  adminStats,
  deadLetterRedrive,
  editorsDesk,
  readersImportAndExport,
  scheduleAndCancel,
  handOn,
  hardBounce,
  manageLinkExportAndErase,
  subscribeAndConfirm,
  weeklyDigest,
  sesAccepted,
  type HttpAnswer,
} from './aws-paths.ts';

/**
 * `npm run verify:bundles`: synth catches nothing that breaks when an ESM bundle loads (a
 * dynamic require, a missing file, __dirname in a CommonJS dependency), nor a permission the
 * code needs and its role lacks. This takes the bundles of the synthesized app (cdk.out, after
 * `npm run synth`), stages each alone in a temporary folder, and runs every handler in its own
 * Node process, with the environment the stack sets, against the local stand-ins through an IAM
 * proxy that enforces each function's synthesized role: a reader subscribes and confirms, ingest
 * and plan-digest run, the sender mails the digest, an admin announcement goes out end to end, a
 * job hands on at its deadline, under throttling and at the daily quota, an admin test send
 * reads the account's rate, ses-events records SES's acceptance of a digest and suppresses a
 * bounce. Any call a role does not allow, or that infra/function-calls.ts does not declare, fails
 * the check. The last line is one JSON object with the figures.
 */

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function expectHttp(answer: HttpAnswer, status: number, what: string, bodyIncludes?: string): void {
  check(
    answer.status === status && (!bodyIncludes || answer.body.includes(bodyIncludes)),
    `${what}: api answered ${answer.status}, expected ${status}: ${answer.body.slice(0, 500)}`,
  );
}

function expectMetrics(name: string, invocation: Invocation, metrics: readonly string[]): void {
  const published = publishedMetrics(invocation.output);
  const absent = metrics.filter((metric) => !(metric in published));
  check(absent.length === 0, `${name} published no ${absent.join(', ')} metric`);
}

async function main(): Promise<void> {
  const assemblyDir = path.resolve(process.argv[2] ?? 'cdk.out');
  const standIns = await startStandIns({ dataDir: undefined, ports: { dynamodb: 0, ses: 0, sqs: 0 } });
  const world = await startBundleWorld(assemblyDir, standIns.endpoints, { log: true }).catch(
    async (error: unknown) => {
      await standIns.stop();
      throw error;
    },
  );
  try {
    const reader = `reader.${world.prefix}@example.org`;
    const subscription = await subscribeAndConfirm(world, reader);
    expectHttp(subscription.page, 200, 'GET /', '<form');
    expectHttp(subscription.subscribed, 202, 'POST /subscribe');
    check(subscription.opened, `no confirmation email with a link reached ${reader}`);
    expectHttp(subscription.opened, 200, 'GET /confirm', 'Confirm my subscription');
    check(subscription.confirmed, 'the confirmation page had no button to press');
    expectHttp(subscription.confirmed, 200, 'POST /confirm');

    // The admin routes in the bundle: Markdown, sanitiser and MJML load, and IAM decides who may.
    const dryRun = { subject: 'Verify', body: 'A **dry** run.', audience: 'everyone', dryRun: true };
    expectHttp(
      await adminPost(world, dryRun, 'POST /admin/sends dry run, IAM caller'),
      200,
      'dry run',
      '"total":1',
    );
    expectHttp(await adminPost(world, dryRun, 'POST /admin/sends, no caller', null), 401, 'no caller');

    const week = await weeklyDigest(world, reader, `quiet.${world.prefix}@example.org`);
    const summary = week.ingest.result as { articlesCreated?: unknown; failures?: unknown };
    check(
      typeof summary.articlesCreated === 'number' && Array.isArray(summary.failures),
      `ingest returned no run summary: ${JSON.stringify(week.ingest.result)}`,
    );
    expectMetrics('ingest', week.ingest, [METRIC.sourceFailures, METRIC.articlesCreated]);
    expectMetrics('plan-digest', week.plan, [METRIC.readersPlanned, METRIC.sendJobsEnqueued]);
    check(
      week.send.failures.length === 0,
      `send reported failures: ${JSON.stringify(week.send.invocation.result)}`,
    );
    expectMetrics('send', week.send.invocation, [METRIC.emailsSent, METRIC.emailsFailed]);
    const digest = week.digest;
    check(digest && digest.body.html?.includes('<table'), `no digest email reached ${reader}`);
    console.log(`  digest "${digest.subject}" delivered to the SES stand-in`);
    expectHttp(week.archive, 200, 'GET /archive');

    const desk = await editorsDesk(world, weekIdOf(new Date()));
    expectHttp(desk.listing, 200, 'GET /admin/articles', "This week's articles");
    check(desk.pin && desk.unpin, 'the desk listed no article to pin');
    expectHttp(desk.pin, 200, 'POST /admin/articles/{id}/pin', '"action":"pin"');
    expectHttp(desk.unpin, 200, 'POST /admin/articles/{id}/unpin', '"action":"unpin"');
    expectHttp(desk.note, 200, 'PUT /admin/notes/{week}', '"weekId"');

    const announcement = await adminAnnouncement(world, reader, `verify-${world.prefix}`);
    expectHttp(announcement.started, 202, 'POST /admin/sends');
    check(
      announcement.fanOut.failures.length === 0,
      'the announcement plan job failed (could the sender enqueue?)',
    );
    check(announcement.announcementJobs > 0, 'the announcement was not fanned out into jobs');
    check(announcement.received, `the announcement did not reach ${reader}`);
    expectHttp(announcement.status, 200, 'GET /admin/sends/:id');

    for (const cause of ['deadline', 'throttled', 'quota'] as const) {
      const handed = await handOn(world, `verify-${cause}-${world.prefix}`, cause);
      check(
        handed.interrupted.failures.length === 0,
        `${cause}: the job came back whole instead of handing on`,
      );
      check(handed.continuation?.kind === 'announcement', `${cause}: no continuation job was enqueued`);
      console.log(
        `  ${cause}: continuation enqueued${handed.delaySeconds ? ` with a ${handed.delaySeconds} s delay` : ''}`,
      );
    }

    const test = await adminTestSend(
      world,
      `editor.${world.prefix}@example.org`,
      `verify-test-${world.prefix}`,
    );
    expectHttp(test.answer, 200, 'admin test send', '"messageId"');
    check(test.received, 'the admin test email did not arrive');
    check(
      test.accountWarnings.length === 0,
      `the api could not read the SES account: ${test.accountWarnings.join('\n')}`,
    );

    const quietReader = `quiet.${world.prefix}@example.org`;
    const erasure = await manageLinkExportAndErase(world, quietReader);
    expectHttp(erasure.asked, 202, 'POST /manage');
    check(erasure.exported, `no manage link reached ${quietReader}`);
    expectHttp(erasure.exported, 200, 'GET /preferences/data', '"deliveryLog"');
    check(erasure.erased, 'the erasure was not asked');
    expectHttp(erasure.erased, 200, 'POST /preferences/delete');

    const later = await scheduleAndCancel(world, `verify-later-${world.prefix}`);
    expectHttp(later.scheduled, 202, 'POST /admin/sends with sendAt', '"outcome":"scheduled"');
    expectHttp(later.again, 200, 'POST /admin/sends with sendAt again', '"already-scheduled"');
    check(later.firedEarly.failures.length === 0, "the sender could not read the schedule's plan job");
    expectHttp(later.cancelled, 200, 'POST /admin/sends/:id/cancel', '"outcome":"cancelled"');
    check(!later.scheduleLeft, 'cancelling the send left its schedule armed');

    const readers = await readersImportAndExport(world, `imported.${world.prefix}@example.org`);
    expectHttp(readers.imported, 200, 'POST /admin/subscribers/import', '"new":1');
    expectHttp(readers.exported, 200, 'GET /admin/subscribers.csv', 'email,topics');

    const redrive = await deadLetterRedrive(world, `verify-redrive-${world.prefix}`);
    expectHttp(redrive.listing, 200, 'GET /admin/dead-letters');
    expectHttp(redrive.redrive, 200, 'POST /admin/dead-letters/redrive', '"moved":1');
    check(redrive.requeued.length === 1, 'the redrive did not move the send job back to the send queue');

    const stats = await adminStats(world);
    expectHttp(stats, 200, 'GET /admin/stats', '"deadLetterDepth"');

    const accepted = await sesAccepted(world, reader);
    check(
      (accepted.invocation.result as { acceptance?: string }).acceptance === 'recorded' &&
        accepted.acceptedMessageId === accepted.messageId,
      `ses-events did not record SES's acceptance: ${JSON.stringify(accepted.invocation.result)}`,
    );

    const bounce = await hardBounce(world, reader);
    check(
      (bounce.result as { suppressed?: number }).suppressed === 1,
      `ses-events did not suppress the reader: ${JSON.stringify(bounce.result)}`,
    );

    check(
      world.iam.unknown.length === 0,
      `calls the IAM proxy could not read:\n  ${world.iam.unknown.join('\n  ')}`,
    );
    const denied = world.observedCalls().filter((call) => call.decision !== 'allowed');
    check(
      denied.length === 0,
      `IAM denied calls the code makes:\n  ${denied.map((call) => `${call.principal}: ${call.action} on ${call.resource}`).join('\n  ')}`,
    );
    const undeclared = undeclaredCalls(world.observedCalls());
    check(
      undeclared.length === 0,
      `calls the code makes that infra/function-calls.ts does not declare:\n  ${undeclared.join('\n  ')}`,
    );
    console.log(`  IAM: ${world.iam.calls.length} calls checked against the synthesized roles, none denied`);
  } finally {
    await world.stop();
    await standIns.stop();
  }

  const { figures } = world;
  console.log(
    figures
      .map((f) => `  ${f.name.padEnd(11)} ${f.bundleMb.toFixed(1)} MB, loads in ${Math.round(f.importMs)} ms`)
      .join('\n'),
  );
  console.log(
    JSON.stringify({
      bundles: figures.length,
      maxBundleMb: Number(Math.max(...figures.map((f) => f.bundleMb)).toFixed(2)),
      maxImportMs: Math.round(Math.max(...figures.map((f) => f.importMs))),
      functionsChecked: Object.keys(FUNCTION_CALLS).length,
      iamCalls: world.iam.calls.length,
      ok: true,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
