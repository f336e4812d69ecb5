import { Command, InvalidArgumentError } from 'commander';
import { runSoak } from './soak.ts';

/**
 * `npm run soak [-- --seed N --weeks 10 --people 2000 --sources 30]`: prints each week's checks
 * and, last, one JSON line with the totals; exits 1 on any violation.
 */
const whole = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new InvalidArgumentError(`${name} must be a whole number`);
  return number;
};

const program = new Command('soak')
  .description('ten simulated weeks of the whole pipeline under faults, with its promises checked every week')
  .option('--seed <n>', 'seed of the world and of the faults', whole('seed'), 1)
  .option('--weeks <n>', 'simulated weeks', whole('weeks'), 10)
  .option('--people <n>', 'people who subscribe over the weeks', whole('people'), 2000)
  .option('--sources <n>', 'publishing sources', whole('sources'), 30)
  .option('--works-per-day <n>', 'new works per source per day (mean)', Number, 1.5)
  .parse();

const options = program.opts<{
  seed: number;
  weeks: number;
  people: number;
  sources: number;
  worksPerDay: number;
}>();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const result = await runSoak({
  seed: options.seed,
  weeks: options.weeks,
  people: options.people,
  sources: options.sources,
  worksPerSourcePerDay: options.worksPerDay,
  print: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.violations === 0 ? 0 : 1);
