/**
 * `npm run eval:tagging [-- --mistakes]`: scores the tagger with content/topics.yaml on the
 * project's labelled sets (test/fixtures/tagging/: the journal and news development sets and the
 * held-out set; titles only), prints precision, recall, F1 and support per topic, and ends with
 * one JSON line of the scores of every set.
 *
 * `npm run eval:tagging:shared -- --dir <folder>`: the same on every *.jsonl set of a folder kept
 * outside the repository instead (CI passes one when it has it; `npm test` never needs it). A
 * relative folder is taken from where npm was run.
 *
 * Exits 1 when a set misses the targets (micro-F1 ≥ 0.90, relevance accuracy ≥ 0.95).
 * `--mistakes` also lists every title tagged differently from its labels, with the words that
 * counted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadVocabulary } from '../functions/adapters/content/load-content.ts';
import {
  evaluateTagger,
  meetsTargets,
  TAGGING_TARGETS,
  type SetQuality,
} from '../functions/core/tagging/evaluation.ts';
import { createTagger } from '../functions/core/tagging/tagger.ts';
import { TOPIC_IDS } from '../functions/model/topics.ts';
import { evaluationSets, evaluationSetsIn, loadEvaluationSet, PROJECT_ROOT } from './tagging-eval-sets.ts';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    // Set by `eval:tagging:shared`, so that a forgotten folder fails instead of scoring the
    // project's sets and passing.
    'require-dir': { type: 'boolean', default: false },
    mistakes: { type: 'boolean', default: false },
  },
});
if (args['require-dir'] && !args.dir) {
  console.error('Pass the folder of evaluation sets: npm run eval:tagging:shared -- --dir <folder>');
  process.exit(2);
}
const showMistakes = args.mistakes;
const sets = args.dir
  ? await evaluationSetsIn(path.resolve(process.env.INIT_CWD ?? process.cwd(), args.dir))
  : evaluationSets();
const contentDir = process.env.CONTENT_DIR?.trim() || path.join(PROJECT_ROOT, 'content');
const vocabulary = await loadVocabulary(contentDir);
const tagger = createTagger(vocabulary);
const explainer = createTagger(vocabulary, { explain: true });

const summary: Record<
  string,
  { items: number; microF1: number; relevanceAccuracy: number; meetsTargets: boolean }
> = {};
for (const set of sets) {
  const quality = evaluateTagger(tagger, await loadEvaluationSet(set));
  printSet(`${set.key}: ${set.description}`, quality);
  summary[set.key] = {
    items: quality.items,
    microF1: round(quality.microF1),
    relevanceAccuracy: round(quality.relevanceAccuracy),
    meetsTargets: meetsTargets(quality),
  };
}

const allMet = Object.values(summary).every((set) => set.meetsTargets);
console.log(JSON.stringify({ ...summary, targets: TAGGING_TARGETS, meetsTargets: allMet }));
process.exitCode = allMet ? 0 : 1;

function printSet(heading: string, quality: SetQuality): void {
  console.log(`\n${heading}`);
  console.log(
    `${'topic'.padEnd(22)}${'precision'.padStart(10)}${'recall'.padStart(8)}${'F1'.padStart(7)}${'support'.padStart(9)}`,
  );
  for (const id of TOPIC_IDS) {
    const topic = quality.perTopic[id];
    console.log(
      `${id.padEnd(22)}${fixed(topic.precision).padStart(10)}${fixed(topic.recall).padStart(8)}${fixed(topic.f1).padStart(7)}${String(topic.support).padStart(9)}`,
    );
  }
  console.log(
    `${'micro'.padEnd(22)}${fixed(quality.microPrecision).padStart(10)}${fixed(quality.microRecall).padStart(8)}${fixed(quality.microF1).padStart(7)}`,
  );
  console.log(
    `relevance accuracy ${fixed(quality.relevanceAccuracy)} over ${quality.items} titles; ${quality.mistakes.length} titles tagged differently from their labels`,
  );
  if (!showMistakes) return;
  for (const mistake of quality.mistakes) {
    const evidence = explainer({ title: mistake.title }).evidence ?? {};
    const relevance =
      mistake.expectedRelevant === mistake.predictedRelevant
        ? ''
        : ` relevant ${mistake.expectedRelevant}→${mistake.predictedRelevant}`;
    console.log(`  - ${mistake.title}`);
    console.log(
      `      expected [${mistake.expected.join(', ')}] got [${mistake.predicted.join(', ')}]${relevance}`,
    );
    const words = Object.entries(evidence).map(([rule, found]) => `${rule}: ${found.join('; ')}`);
    if (words.length > 0) console.log(`      words: ${words.join(' | ')}`);
  }
}

function fixed(value: number): string {
  return value.toFixed(3);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
