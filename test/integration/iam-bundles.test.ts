import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUOTA_RETRY_DELAY_SECONDS } from '../../functions/core/delivery/send-policy.ts';
import { FUNCTION_CALLS, undeclaredCalls, unseenCalls } from '../../infra/function-calls.ts';
import {
  ADMIN_CALLER,
  startBundleWorld,
  synthesizeWithBundles,
  type BundleWorld,
} from '../../scripts/verify-bundles/bundle-world.ts';
import { weekIdOf } from '../../functions/core/archive/editions.ts';
import {
  adminAnnouncement,
  adminTestSend,
  adminStats,
  deadLetterRedrive,
  editorsDesk,
  handOn,
  hardBounce,
  sesAccepted,
  manageLinkExportAndErase,
  readersImportAndExport,
  scheduleAndCancel,
  subscribeAndConfirm,
  weeklyDigest,
} from '../../scripts/verify-bundles/aws-paths.ts';

/**
 * The Lambda bundles of the synthesized app, each in its own Node process, against the stand-ins
 * through a proxy that enforces the function's synthesized IAM role: every path of the product
 * that touches AWS is driven as it runs in the cloud, and a call the role does not allow is
 * refused as AWS refuses it. What the code calls is then held against infra/function-calls.ts,
 * which the stacks grant from.
 */

const MINUTES = 60_000;

describe('the bundles under their synthesized IAM roles', () => {
  let outdir: string;
  let world: BundleWorld;
  let reader: string;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'immuno-digest-iam-'));
    synthesizeWithBundles(outdir);
    world = await startBundleWorld(outdir, inject('standIns'));
    reader = `reader.${world.prefix}@example.org`;
    const subscription = await subscribeAndConfirm(world, reader);
    expect(subscription.request.failures).toEqual([]);
    expect(subscription.opened?.body).toContain('Confirm my subscription');
    expect(subscription.confirmed?.status).toBe(200);
  }, 20 * MINUTES);

  afterAll(async () => {
    await world?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it(
    'plans and mails the weekly digest, records a quiet reader as skipped, and serves the archive',
    async () => {
      const week = await weeklyDigest(world, reader, `quiet.${world.prefix}@example.org`);

      expect(week.quiet.confirmed?.status).toBe(200);
      expect(week.plan.result).toMatchObject({ planned: 1, jobs: 1 });
      expect(week.send.failures).toEqual([]);
      expect(week.digest?.body.html).toContain('<table');
      expect(week.archive.status).toBe(200);
    },
    10 * MINUTES,
  );

  it(
    "lets an editor list this week's articles, pin and unpin one and set the week's note",
    async () => {
      const desk = await editorsDesk(world, weekIdOf(new Date()));

      expect(desk.listing.status).toBe(200);
      expect(desk.listing.body).toContain("This week's articles");
      expect(desk.pin?.status).toBe(200);
      expect(JSON.parse(desk.pin!.body)).toMatchObject({
        action: 'pin',
        article: { pinned: { by: ADMIN_CALLER } },
      });
      expect(desk.unpin?.status).toBe(200);
      expect(desk.note.status).toBe(200);
    },
    10 * MINUTES,
  );

  it(
    'delivers an admin announcement end to end: the api starts it, the sender fans it out and mails it',
    async () => {
      const announcement = await adminAnnouncement(world, reader, `iam-${world.prefix}`);

      expect(announcement.started.status).toBe(202);
      expect(announcement.fanOut.failures).toEqual([]);
      expect(announcement.announcementJobs).toBe(1);
      expect(announcement.delivery?.failures).toEqual([]);
      expect(announcement.received?.subject).toBe(`Announcement iam-${world.prefix}`);
      expect(announcement.status.status).toBe(200);
    },
    10 * MINUTES,
  );

  it(
    'hands the unsent recipients of a job at its deadline on as a continuation job',
    async () => {
      const handed = await handOn(world, `iam-deadline-${world.prefix}`, 'deadline');

      expect(handed.interrupted.failures).toEqual([]);
      // An announcement goes to every confirmed reader: the reader and the quiet reader.
      expect(handed.continuation).toMatchObject({
        kind: 'announcement',
        sendId: expect.stringContaining('iam-'),
      });
      expect(handed.continuation?.kind === 'announcement' && handed.continuation.recipients).toHaveLength(2);
    },
    10 * MINUTES,
  );

  it(
    'hands a job on when SES throttles every attempt',
    async () => {
      const handed = await handOn(world, `iam-throttled-${world.prefix}`, 'throttled');

      expect(handed.interrupted.failures).toEqual([]);
      // An announcement goes to every confirmed reader: the reader and the quiet reader.
      expect(handed.continuation).toMatchObject({
        kind: 'announcement',
        sendId: expect.stringContaining('iam-'),
      });
      expect(handed.continuation?.kind === 'announcement' && handed.continuation.recipients).toHaveLength(2);
    },
    10 * MINUTES,
  );

  it(
    'hands a job on at the daily quota, delayed until the quota may have room again',
    async () => {
      const handed = await handOn(world, `iam-quota-${world.prefix}`, 'quota');

      expect(handed.interrupted.failures).toEqual([]);
      // An announcement goes to every confirmed reader: the reader and the quiet reader.
      expect(handed.continuation).toMatchObject({
        kind: 'announcement',
        sendId: expect.stringContaining('iam-'),
      });
      expect(handed.continuation?.kind === 'announcement' && handed.continuation.recipients).toHaveLength(2);
      expect(handed.delaySeconds).toBe(QUOTA_RETRY_DELAY_SECONDS);
    },
    10 * MINUTES,
  );

  it(
    'sends an admin test email at the rate the SES account reports',
    async () => {
      const to = `editor.${world.prefix}@example.org`;

      const test = await adminTestSend(world, to, `iam-test-${world.prefix}`);

      expect(test.answer.status).toBe(200);
      expect(test.received?.destination.to).toEqual([to]);
      expect(test.accountWarnings).toEqual([]);
    },
    10 * MINUTES,
  );

  it(
    "mails a manage link on request, exports the reader's data and erases it, ledger rows included",
    async () => {
      const erasure = await manageLinkExportAndErase(world, `quiet.${world.prefix}@example.org`);

      expect(erasure.asked.status).toBe(202);
      expect(erasure.request.failures).toEqual([]);
      expect(erasure.paused?.status).toBeLessThan(400);
      expect(erasure.exported?.status).toBe(200);
      expect(JSON.parse(erasure.exported!.body)).toMatchObject({
        deliveryLog: expect.arrayContaining([
          expect.objectContaining({ digestId: expect.stringMatching(/^weekly-/), status: 'skipped' }),
        ]),
      });
      expect(erasure.erased?.status).toBe(200);
    },
    10 * MINUTES,
  );

  it(
    "records SES's acceptance of the reader's digest on its ledger item",
    async () => {
      const accepted = await sesAccepted(world, reader);

      expect(accepted.invocation.result).toMatchObject({ acceptance: 'recorded' });
      expect(accepted.messageId).toBeDefined();
      expect(accepted.acceptedMessageId).toBe(accepted.messageId);
    },
    10 * MINUTES,
  );

  it(
    'suppresses a reader on a hard bounce',
    async () => {
      const bounce = await hardBounce(world, reader);

      expect(bounce.result).toMatchObject({ suppressed: 1 });
    },
    10 * MINUTES,
  );

  it(
    'lets an admin look at the dead letters and move the send jobs back, leaving the poison',
    async () => {
      const sendId = `iam-redrive-${world.prefix}`;

      const redrive = await deadLetterRedrive(world, sendId);

      expect(redrive.listing.status).toBe(200);
      expect(redrive.listing.body).toContain('<strong>2</strong> in the dead-letter queue');
      expect(redrive.redrive.status).toBe(200);
      expect(JSON.parse(redrive.redrive.body)).toMatchObject({ moved: 1, poison: 1 });
      expect(redrive.requeued).toEqual([{ kind: 'announcement-plan', version: 1, sendId, resume: true }]);
    },
    10 * MINUTES,
  );

  it(
    'shows the dashboard: readers counted, runs recorded by ingest and the planner',
    async () => {
      const stats = await adminStats(world);

      expect(stats.status).toBe(200);
      const body = JSON.parse(stats.body) as {
        readers: { byState: Record<string, number> };
        runs: { ingest: unknown[]; planDigest: unknown[] };
      };
      // The readers of the paths above, whatever became of them (confirmed, bounced, erased).
      expect(Object.values(body.readers.byState).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
      expect(body.runs.ingest.length).toBeGreaterThan(0);
      expect(body.runs.planDigest.length).toBeGreaterThan(0);
    },
    10 * MINUTES,
  );

  it(
    'lets an admin import readers from a CSV and export the confirmed ones',
    async () => {
      const imported = `imported.${world.prefix}@example.org`;

      const run = await readersImportAndExport(world, imported);

      expect(run.imported.status).toBe(200);
      expect(JSON.parse(run.imported.body)).toMatchObject({ new: 1, pending: 1 });
      expect(run.exported.status).toBe(200);
      expect(run.exported.body.split('\n')[0]).toBe(
        'email,topics,slot,zone,created,consent_at,consent_wording_version,consent_source,country',
      );
    },
    10 * MINUTES,
  );

  it(
    'schedules an announcement for later as an EventBridge Scheduler schedule, and deletes it on cancel',
    async () => {
      const sendId = `iam-later-${world.prefix}`;

      const later = await scheduleAndCancel(world, sendId);

      expect(later.scheduled.status).toBe(202);
      expect(JSON.parse(later.again.body)).toMatchObject({ sendId, outcome: 'already-scheduled' });
      expect(later.schedule).toMatchObject({
        Name: sendId,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: expect.stringMatching(/^arn:aws:sqs:.*-send$/),
          RoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
          Input: JSON.stringify({ kind: 'announcement-plan', version: 1, sendId, scheduled: true }),
        },
      });
      expect(later.schedule?.ScheduleExpression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
      expect(later.firedEarly.failures).toEqual([]);
      expect(JSON.parse(later.cancelled.body)).toMatchObject({ sendId, outcome: 'cancelled' });
      expect(later.scheduleLeft).toBe(false);
      expect(later.status.body).toContain('cancelled');
    },
    10 * MINUTES,
  );

  it('was allowed every call it made, and understood every one', () => {
    const denied = world
      .observedCalls()
      .filter((call) => call.decision !== 'allowed')
      .map((call) => `${call.principal}: ${call.action} on ${call.resource} (${call.decision})`);

    expect(world.iam.unknown).toEqual([]);
    expect([...new Set(denied)]).toEqual([]);
  });

  it('makes exactly the calls infra/function-calls.ts declares, the list the stacks grant from', () => {
    const observed = world.observedCalls();

    expect(undeclaredCalls(observed)).toEqual([]);
    expect(unseenCalls(observed)).toEqual([]);
    expect(new Set(observed.map((call) => call.principal))).toEqual(new Set(Object.keys(FUNCTION_CALLS)));
  });
});
