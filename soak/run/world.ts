import type { Tagger } from '../../functions/core/tagging/tagger.ts';
import { WorldModel } from '../model/world-model.ts';
import { startFeedHost, type FeedHost } from '../outside/feed-host.ts';
import type { Seeded } from '../random.ts';
import type { SimClock } from '../sim-clock.ts';
import { drawPopulation, type Person } from '../world/population.ts';
import { generatePublications, type Publications } from '../world/publications.ts';
import type { FaultRates, SoakOptions } from './settings.ts';
import type { Teardown } from './teardown.ts';
import { DAY_MS, SOAK_START, soakEnd } from './timing.ts';

/**
 * The simulated world, drawn from the seed: the sources and what they publish (served as feeds
 * that sometimes fail), the people who will subscribe, and the independent model of what the
 * system should do for them.
 */
export interface SoakWorld {
  readonly publications: Publications;
  readonly feeds: FeedHost;
  readonly people: readonly Person[];
  readonly byEmail: ReadonlyMap<string, Person>;
  readonly model: WorldModel;
}

export async function createWorld(
  options: SoakOptions,
  rates: FaultRates,
  run: { readonly seeded: Seeded; readonly clock: SimClock; readonly tagger: Tagger },
  teardown: Teardown,
): Promise<SoakWorld> {
  const { seeded, clock, tagger } = run;
  const publications = generatePublications(
    {
      sourceCount: options.sources,
      worksPerSourcePerDay: options.worksPerSourcePerDay,
      crossPostShare: 0.33,
      from: SOAK_START - 3 * DAY_MS,
      to: soakEnd(options.weeks) + 2 * DAY_MS,
    },
    seeded.stream('works'),
    tagger,
  );
  const feeds = await startFeedHost(publications, clock, seeded, { perFetch: rates.feedFailure });
  teardown.add(() => feeds.close());
  const people = drawPopulation(
    { people: options.people, from: SOAK_START, weeks: options.weeks, addressTag: `s${options.seed}` },
    seeded.stream('population'),
  );
  return {
    publications,
    feeds,
    people,
    byEmail: new Map(people.map((person) => [person.email, person])),
    model: new WorldModel(people, publications),
  };
}
