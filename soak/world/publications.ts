import type { Source } from '../../functions/model/sources.ts';
import type { Tagger } from '../../functions/core/tagging/tagger.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { Random } from '../random.ts';
import { NAME_SYLLABLES, SUMMARIES, TITLE_BANK } from './title-bank.ts';

/**
 * What the simulated outside world publishes: `sourceCount` feeds (RSS 2.0, Atom and RDF in
 * turn), each putting out about `worksPerSourcePerDay` new works a day at random hours, and about
 * a third of the works turning up again in one or two other feeds within a day and a half:
 * under the same DOI on another site, under the same title (re-cased, re-punctuated) without a
 * DOI, or at the same address with the scheme flipped or `www.` added. Every address of a work
 * carries its key (`soak-w000123`), which is how the soak recognises a work in an email or in
 * the articles table without asking the system.
 */

export type FeedFormat = 'rss' | 'atom' | 'rdf';

export interface SoakSource extends Source {
  readonly format: FeedFormat;
}

export type SightingVariant = 'original' | 'same-doi' | 'same-title' | 'url-flip';

/** One work as one feed shows it. */
export interface Sighting {
  readonly workKey: string;
  readonly sourceId: string;
  /** When the item appears in the feed (epoch ms); it stays for FEED_WINDOW_MS. */
  readonly appearsAt: number;
  readonly url: string;
  readonly title: string;
  readonly doi: string | undefined;
  readonly variant: SightingVariant;
}

export interface Work {
  readonly key: string;
  readonly topics: readonly TopicId[];
  readonly title: string;
  readonly summary: string;
  readonly doi: string | undefined;
  readonly publishedAt: number;
  readonly sightings: readonly Sighting[];
}

export interface Publications {
  readonly sources: readonly SoakSource[];
  readonly works: ReadonlyMap<string, Work>;
  /** The items of a feed at `at`, newest first. */
  feedItems(sourceId: string, at: number): Sighting[];
}

/** How long an item stays in its feed. */
const FEED_WINDOW_MS = 3 * 86_400_000;
const MAX_FEED_ITEMS = 30;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface PublicationPlan {
  readonly sourceCount: number;
  readonly worksPerSourcePerDay: number;
  /** Share of works that appear in other feeds too. */
  readonly crossPostShare: number;
  readonly from: number;
  readonly to: number;
}

/** The key the soak reads back from any address of a work. */
export const WORK_KEY_PATTERN = /soak-w(\d{6})/;

export function generatePublications(plan: PublicationPlan, random: Random, tagger: Tagger): Publications {
  const sources = Array.from({ length: plan.sourceCount }, (_, index) => soakSource(index));
  const works = new Map<string, Work>();
  const bySource = new Map<string, Sighting[]>(sources.map((source) => [source.id, []]));
  const templates = TITLE_BANK.map((entry) => [entry, entry.weight] as const);

  let serial = 0;
  for (let day = plan.from; day < plan.to; day += DAY_MS) {
    for (const source of sources) {
      const count = random.poisson(plan.worksPerSourcePerDay);
      for (let index = 0; index < count; index += 1) {
        serial += 1;
        const key = `soak-w${String(serial).padStart(6, '0')}`;
        const entry = random.weighted(templates);
        const { title, summary } = checkedTitle(entry.template, entry.topics, key, random, tagger);
        const appearsAt = day + random.int(0, 23) * HOUR_MS + random.int(0, 59) * 60_000;
        const doi = random.chance(0.6) ? `10.5555/soak.${serial}` : undefined;
        const original: Sighting = {
          workKey: key,
          sourceId: source.id,
          appearsAt,
          url: `https://${hostOf(source)}/articles/${key}`,
          title,
          doi,
          variant: 'original',
        };
        const sightings = [original];
        if (random.chance(plan.crossPostShare)) {
          const others = random.sample(
            sources.filter((other) => other.id !== source.id),
            random.chance(0.8) ? 1 : 2,
          );
          for (const other of others) sightings.push(crossPost(original, other, random));
        }
        for (const sighting of sightings) bySource.get(sighting.sourceId)!.push(sighting);
        works.set(key, {
          key,
          topics: entry.topics,
          title,
          summary,
          doi,
          // Journals publish a little before their feed shows it; every copy keeps that date.
          publishedAt: appearsAt - random.int(0, 48) * HOUR_MS,
          sightings,
        });
      }
    }
  }
  for (const list of bySource.values()) list.sort((a, b) => b.appearsAt - a.appearsAt);

  return {
    sources,
    works,
    feedItems(sourceId, at) {
      return (bySource.get(sourceId) ?? [])
        .filter((sighting) => sighting.appearsAt <= at && sighting.appearsAt > at - FEED_WINDOW_MS)
        .slice(0, MAX_FEED_ITEMS);
    },
  };
}

function soakSource(index: number): SoakSource {
  const number = String(index + 1).padStart(2, '0');
  const formats: FeedFormat[] = ['rss', 'atom', 'rdf'];
  return {
    id: `soak-source-${number}`,
    name: `Soak Journal ${number}`,
    url: `https://journal-${number}.example.org/feed`,
    // Every third source is broad: its items must pass the relevance filter (ours all do).
    broad: index % 3 === 2,
    weight: [0.8, 1, 1.2, 1.4][index % 4]!,
    enabled: true,
    format: formats[index % 3]!,
  };
}

function hostOf(source: Source): string {
  return new URL(source.url).host;
}

/** The same work in another feed, as real feeds repeat each other. */
function crossPost(original: Sighting, other: SoakSource, random: Random): Sighting {
  const appearsAt = original.appearsAt + random.int(0, 36) * HOUR_MS;
  const kinds: SightingVariant[] = original.doi
    ? ['same-doi', 'same-title', 'url-flip']
    : ['same-title', 'url-flip'];
  const variant = random.pick(kinds);
  const base = { workKey: original.workKey, sourceId: other.id, appearsAt, variant };
  switch (variant) {
    case 'same-doi':
      return {
        ...base,
        url: `https://${hostOf(other)}/record/${original.workKey}`,
        title: original.title,
        doi: original.doi,
      };
    case 'same-title':
      return {
        ...base,
        url: `https://${hostOf(other)}/news/${original.workKey}-summary`,
        title: recased(original.title),
        doi: undefined,
      };
    default: {
      const url = new URL(original.url);
      const flipped = random.chance(0.5)
        ? `http://${url.host}${url.pathname}`
        : `https://www.${url.host}${url.pathname}`;
      return { ...base, url: flipped, title: original.title, doi: original.doi };
    }
  }
}

/** The same words in Title Case with other punctuation: one normalised title, two spellings. */
function recased(title: string): string {
  return title
    .replace(': ', ' – ')
    .split(' ')
    .map((word) => (word.length > 0 ? word[0]!.toUpperCase() + word.slice(1) : word))
    .join(' ');
}

/**
 * A title and summary from the bank with a fresh cohort name, checked against the real tagger
 * (title and every spelling the work will appear under): exactly the labelled topics, relevant.
 */
function checkedTitle(
  template: string,
  topics: readonly TopicId[],
  key: string,
  random: Random,
  tagger: Tagger,
): { title: string; summary: string } {
  const code = key.replace('soak-w', 'W');
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const name = cohortName(random);
    const title = `${template.replace('{name}', name)} ${code}`;
    const summary = random
      .pick(SUMMARIES)
      .replace('{months}', String(random.int(6, 60)))
      .replace('{count}', String(random.int(40, 900)))
      .replace('{centres}', String(random.int(2, 30)));
    if ([title, recased(title)].every((spelling) => tagsAs(spelling, summary, topics, tagger))) {
      return { title, summary };
    }
  }
  throw new Error(
    `soak/world/title-bank.ts: "${template}" no longer tags as ${topics.join(', ')}; ` +
      'the vocabulary changed: pick a title that does',
  );
}

function tagsAs(title: string, summary: string, topics: readonly TopicId[], tagger: Tagger): boolean {
  const tags = tagger({ title, summary, assumeRelevant: false });
  const found = Object.keys(tags.topics).sort();
  return tags.relevant && found.join(',') === [...topics].sort().join(',');
}

function cohortName(random: Random): string {
  const word = Array.from({ length: 3 }, () => random.pick(NAME_SYLLABLES)).join('');
  return word[0]!.toUpperCase() + word.slice(1);
}
