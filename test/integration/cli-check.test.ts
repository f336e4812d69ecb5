import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_DIR, HOSTILE_DIR, startFeedServer, type FeedServer } from '../helpers/feed-server.ts';
import { oversizedFeed } from '../helpers/generated-feeds.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

describe('`immuno-digest check FILE|URL ...`', () => {
  let server: FeedServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startFeedServer();
    scratch = await mkdtemp(path.join(tmpdir(), 'immuno-check-'));
    await writeFile(path.join(scratch, 'fifty-megabytes.xml'), oversizedFeed(50 * 1024 * 1024));
  });

  afterAll(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('prints one JSON line per input, failures included, and exits 0', async () => {
    const inputs = [
      path.join(CONTENT_DIR, 'snapshots', 'jitc-current-issue.rdf'),
      server.url('/snapshots/plos-one-immunology.atom'),
      path.join(HOSTILE_DIR, 'billion-laughs.xml'),
      path.join(HOSTILE_DIR, 'hostile-html-items.xml'),
      path.join(scratch, 'fifty-megabytes.xml'),
      'http://169.254.169.254/latest/meta-data/',
    ];

    const { stdout } = await run(
      'node',
      [CLI, 'check', ...inputs, '--allow-loopback-port', String(server.http.port)],
      {
        timeout: 60_000,
      },
    );

    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.input)).toEqual(inputs);
    expect(lines[0]).toMatchObject({
      format: 'rdf',
      items: 6,
      errors: [],
      sample: {
        title: expect.stringMatching(/^Tocilizumab prophylaxis/),
        url: 'http://jitc.bmj.com/cgi/content/short/14/11/e012847',
        publishedAt: '2026-11-20T10:30:15.000Z',
        identifiers: { doi: '10.1136/jitc-2026-012847' },
        topics: expect.arrayContaining(['side-effects']),
      },
    });
    expect(lines[1]).toMatchObject({
      format: 'atom',
      items: 5,
      errors: [],
      sample: { topics: expect.any(Array) },
    });
    expect(lines[2]).toMatchObject({ format: null, items: 0, sample: null });
    expect(lines[2]!.errors).toEqual([expect.stringMatching(/^entity-expansion: /)]);
    expect(lines[3]).toMatchObject({ format: 'rss2', items: 5, articles: 3 });
    expect(lines[3]!.errors).toHaveLength(2);
    expect(JSON.stringify(lines[3]!.sample)).not.toMatch(/<|javascript:|onerror/i);
    expect(lines[4]!.errors).toEqual([expect.stringMatching(/^too-large: /)]);
    expect(lines[5]!.errors).toEqual([expect.stringMatching(/^blocked-address: /)]);
  });

  it('says plainly that a file it cannot read is not there, checks the rest, and exits 2', async () => {
    const missing = path.join(scratch, 'missing.xml');
    const present = path.join(CONTENT_DIR, 'snapshots', 'jitc-current-issue.rdf');

    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'node',
        [CLI, 'check', missing, present, scratch],
        { timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

    expect(run.code).toBe(2);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        input: missing,
        format: null,
        items: 0,
        articles: 0,
        relevant: 0,
        errors: [`cannot read ${missing}: no such file`],
        sample: null,
      },
      expect.objectContaining({ input: present, format: 'rdf', errors: [] }),
      expect.objectContaining({
        input: scratch,
        errors: [`cannot read ${scratch}: it is a folder, not a file`],
      }),
    ]);
    expect(run.stderr.trim().split('\n')).toEqual([
      `immuno-digest: cannot read ${missing}: no such file`,
      `immuno-digest: cannot read ${scratch}: it is a folder, not a file`,
    ]);
    expect(run.stderr).not.toMatch(/ENOENT|\n\s+at /);
  });

  it('reads PubMed and ClinicalTrials.gov answers with --kind, one JSON line per input', async () => {
    const snapshot = (name: string) => path.join(CONTENT_DIR, 'snapshots', name);
    const truncated = path.join(scratch, 'truncated.efetch.xml');
    await writeFile(truncated, '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>');
    const linesOf = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);

    const pubmed = linesOf(
      (
        await run(
          'node',
          [
            CLI,
            'check',
            '--kind',
            'pubmed',
            snapshot('pubmed-checkpoint-inhibitors.efetch.xml'),
            snapshot('pubmed-checkpoint-inhibitors.esearch.json'),
            truncated,
          ],
          { timeout: 60_000 },
        )
      ).stdout,
    );
    const trials = linesOf(
      (
        await run(
          'node',
          [CLI, 'check', '--kind', 'clinicaltrials', snapshot('clinicaltrials-immunotherapy.studies.json')],
          { timeout: 60_000 },
        )
      ).stdout,
    );

    expect(pubmed[0]).toMatchObject({
      format: 'pubmed-efetch',
      items: 3,
      articles: 3,
      errors: [],
      sample: {
        url: 'https://pubmed.ncbi.nlm.nih.gov/41302345/',
        identifiers: { doi: '10.1016/j.jtho.2026.11.008', pmid: '41302345' },
        studyTypes: ['meta-analysis'],
        topics: expect.arrayContaining(['checkpoint-inhibitors', 'lung-cancer']),
      },
    });
    expect(pubmed[1]).toMatchObject({ format: 'pubmed-esearch', items: 3, articles: 0, errors: [] });
    expect(pubmed[2]).toMatchObject({ format: null, items: 0 });
    expect(pubmed[2]!.errors).toEqual([expect.stringMatching(/^malformed-xml: /)]);
    expect(trials[0]).toMatchObject({
      format: 'clinicaltrials-v2',
      items: 6,
      errors: [],
      sample: {
        identifiers: { nct: 'NCT07012345' },
        studyTypes: ['trial-registration', 'phase-1', 'phase-2'],
        trial: { status: 'recruiting', phases: ['phase-1', 'phase-2'], recruitingCountries: ['FR', 'US'] },
      },
    });
  });
});
