import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../bin/immuno-digest.js');

function tagLines(input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', [CLI, 'tag'], { timeout: 30_000 }, (error, stdout) => {
      if (error) reject(new Error(`tag failed: ${error.message}`, { cause: error }));
      else resolve(stdout.trim().split('\n'));
    });
    child.stdin!.end(input);
  });
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

  it('answers a bad line with an error line and carries on', async () => {
    const lines = await tagLines(
      `not json\n{"summary":"no title"}\n${JSON.stringify({ title: 'Keytruda for lung cancer' })}\n`,
    );

    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toEqual({ error: expect.stringContaining('line 1: not JSON') });
    expect(JSON.parse(lines[1]!)).toEqual({ error: expect.stringContaining('line 2') });
    expect(JSON.parse(lines[2]!)).toEqual({
      topics: ['checkpoint-inhibitors', 'lung-cancer'],
      relevant: true,
    });
  });
});
