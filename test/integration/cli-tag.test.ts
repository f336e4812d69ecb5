import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

interface TagRun {
  readonly code: number;
  readonly lines: string[];
  readonly stderr: string;
}

function tag(input: string): Promise<TagRun> {
  return new Promise((resolve) => {
    const child = execFile('node', [CLI, 'tag'], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, lines: stdout.trim().split('\n'), stderr });
    });
    child.stdin!.end(input);
  });
}

async function tagLines(input: string): Promise<string[]> {
  const run = await tag(input);
  if (run.code !== 0) throw new Error(`tag exited ${run.code}: ${run.stderr}`);
  return run.lines;
}

describe('`immuno-digest tag`', () => {
  it('answers one JSON line per input line, in order, with the topic ids of content/topics.yaml', async () => {
    const lines = await tagLines(
      [
        JSON.stringify({ title: 'CAR T-cell therapy for relapsed leukaemia' }),
        JSON.stringify({ title: 'Statins for the primary prevention of cardiovascular disease' }),
        JSON.stringify({ title: 'Nivolumab in melanoma', summary: 'A PD-1 inhibitor.' }),
      ].join('\n'),
    );

    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { topics: ['car-t', 'leukemia'], relevant: true },
      { topics: [], relevant: false },
      { topics: ['checkpoint-inhibitors', 'melanoma'], relevant: true },
    ]);
  });

  it('answers a bad line with an error line, carries on, then names the line and exits 2', async () => {
    const run = await tag(
      `not json\n{"summary":"no title"}\n${JSON.stringify({ title: 'Keytruda for lung cancer' })}\n`,
    );
    const { lines } = run;

    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toEqual({ error: expect.stringContaining('line 1: not JSON') });
    expect(JSON.parse(lines[1]!)).toEqual({ error: expect.stringContaining('line 2') });
    expect(JSON.parse(lines[2]!)).toEqual({
      topics: ['checkpoint-inhibitors', 'lung-cancer'],
      relevant: true,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^immuno-digest: tag: line 1: not JSON/m);
    expect(run.stderr).toMatch(/^immuno-digest: tag: line 2: expected \{"title"/m);
  });
});
