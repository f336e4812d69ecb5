/**
 * `npm run bench:tagging`: throughput of the tagger with content/topics.yaml, which runs on
 * every ingested item (the ingest benchmark targets ≥ 1,000 items/s end to end, so tagging must
 * be a small share of that). Tags the titles of the evaluation sets, alone and with a 600-character
 * summary (the ingest cap) made of other titles, and prints one JSON line last:
 * `{"itemsPerSecond", "itemsPerCpuSecond", "titlesPerSecond", "microsecondsPerItem", "compileMs",
 * "peakRssMb", "loadAverage"}`. The machine is shared: wall-clock rates fall with its load, so the
 * rate per CPU-second of this process is printed too, and the load average beside them.
 * It tags as ingest does, reporting the words of each topic; BENCH_TAGGER_TERMS=false measures
 * the tagger without them.
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadVocabulary } from '../functions/adapters/content/load-content.ts';
import { createTagger, type TagInput } from '../functions/core/tagging/tagger.ts';
import { evaluationSets, loadEvaluationSet, PROJECT_ROOT } from '../scripts/tagging-eval-sets.ts';

const SUMMARY_LENGTH = 600; // functions/core/ingest/normalise.ts SUMMARY_MAX_LENGTH
const ROUNDS = Number(process.env.BENCH_ITEMS ?? 50_000);

const vocabulary = await loadVocabulary(path.join(PROJECT_ROOT, 'content'));
const compileStart = performance.now();
// What ingest runs: with the words of each topic reported ("why you got this").
const tag = createTagger(vocabulary, { terms: process.env.BENCH_TAGGER_TERMS !== 'false' });
const compileMs = performance.now() - compileStart;

const titles = (await Promise.all(evaluationSets().map(loadEvaluationSet))).flat().map((item) => item.title);
const withSummaries: TagInput[] = titles.map((title, index) => ({
  title,
  summary: summaryFrom(titles, index),
}));
const titlesOnly: TagInput[] = titles.map((title) => ({ title }));

measure(withSummaries, 5_000); // warm-up: let V8 optimise before timing
const items = measure(withSummaries, ROUNDS);
const titleOnly = measure(titlesOnly, ROUNDS);

console.log(`tagger compiled in ${compileMs.toFixed(1)} ms`);
console.log(
  `title + ${SUMMARY_LENGTH}-char summary: ${Math.round(items.perSecond)} items/s (${Math.round(items.perCpuSecond)} per CPU-second)`,
);
console.log(
  `title only: ${Math.round(titleOnly.perSecond)} items/s (${Math.round(titleOnly.perCpuSecond)} per CPU-second)`,
);
console.log(
  JSON.stringify({
    itemsPerSecond: Math.round(items.perSecond),
    itemsPerCpuSecond: Math.round(items.perCpuSecond),
    titlesPerSecond: Math.round(titleOnly.perSecond),
    microsecondsPerItem: Math.round((1e6 / items.perCpuSecond) * 10) / 10,
    compileMs: Math.round(compileMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  }),
);

function measure(inputs: readonly TagInput[], count: number): { perSecond: number; perCpuSecond: number } {
  let topics = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let index = 0; index < count; index += 1)
    topics += Object.keys(tag(inputs[index % inputs.length]!).topics).length;
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (performance.now() - start) / 1000;
  if (topics === 0)
    throw new Error('the tagger found no topics at all: the benchmark is not measuring real work');
  return { perSecond: count / seconds, perCpuSecond: count / ((cpu.user + cpu.system) / 1e6) };
}

/** A summary-sized text of other titles: realistic words at a realistic length. */
function summaryFrom(all: readonly string[], index: number): string {
  let text = '';
  for (let offset = 1; text.length < SUMMARY_LENGTH; offset += 7)
    text += `${all[(index + offset) % all.length]}. `;
  return text.slice(0, SUMMARY_LENGTH);
}
