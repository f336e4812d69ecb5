import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { editorialDependencies } from '../app/editorial.ts';
import {
  editArticle,
  parseRelevant,
  parseTopicList,
  type ArticleEdit,
} from '../core/editorial/edit-article.ts';
import { setEditorNote, showEditorNote } from '../core/editorial/editor-note.ts';
import { exportEditorTags } from '../core/editorial/tag-export.ts';
import {
  ARTICLE_STATES,
  listWeekArticles,
  weekArticleJson,
  type ArticleState,
} from '../core/editorial/week-articles.ts';
import { ValidationError } from '../core/errors.ts';
import { STUDY_TYPE_BADGES } from '../core/rendering/digest-view.ts';
import type { StudyType } from '../model/articles.ts';
import { isTopicId, type TopicId } from '../model/topics.ts';
import { openLocalEnvironment } from './environment.ts';
import { cannotRead } from './file-errors.ts';
import { cliActor } from './send-command.ts';

/**
 * The editors' desk on the command line (docs/editors-desk.md): `articles list|hide|unhide|
 * retag|pin|unpin`, `note set|show` and `tags export`, each one use case of core/editorial, as
 * the admin API and page run them. Every command but `tags export` ends with one JSON line.
 */
export function registerEditorialCommands(program: Command): void {
  const articles = program
    .command('articles')
    .description("The editors' desk: this week's articles; hide, pin or retag one");
  articles
    .command('list')
    .description('The articles first seen in an ISO week (this one by default), newest first')
    .option('--week <week>', 'an ISO week, e.g. 2026-W49')
    .option('--topic <topic>', 'only articles on this topic')
    .option('--source <id>', 'only articles seen in this source')
    .option('--study-type <type>', 'only articles of this study type (e.g. phase-3, news)')
    .option('--relevant <bool>', 'true or false')
    .option('--state <state>', `one of ${ARTICLE_STATES.join(', ')}`)
    .option('--page <n>', 'page number (50 a page)')
    .option('--json', 'print only one JSON line')
    .action((options: ListOptions) => listCommand(options));
  for (const kind of ['hide', 'unhide', 'pin', 'unpin'] as const) {
    const command = articles
      .command(kind)
      .description(EDIT_DESCRIPTIONS[kind])
      .argument('<id>', 'the article id (from `articles list`)');
    if (kind === 'hide') command.option('--reason <reason>', 'why, for the record');
    command.action((id: string, options: { reason?: string }) =>
      editCommand(
        id,
        kind === 'hide' ? { kind, ...(options.reason ? { reason: options.reason } : {}) } : { kind },
      ),
    );
  }
  articles
    .command('retag')
    .description(
      "Set an article's topics (and relevance): the editor's tags replace the tagger's, across re-ingest",
    )
    .argument('<id>', 'the article id')
    .requiredOption('--topics <a,b>', 'topic ids, comma-separated (empty with --relevant false)')
    .option('--relevant <bool>', 'true or false (default true)')
    .action((id: string, options: { topics: string; relevant?: string }) => {
      const relevant = parseRelevant(options.relevant) ?? true;
      return editCommand(id, { kind: 'retag', topics: parseTopicList(options.topics, relevant), relevant });
    });

  const note = program.command('note').description("The editor's note of a week, at the top of its digests");
  note
    .command('set')
    .description('Set (or, with an empty file, remove) the note of an ISO week, from a Markdown file')
    .requiredOption('--week <week>', 'an ISO week, e.g. 2026-W49')
    .requiredOption('--body-file <file>', 'the note, in Markdown')
    .action((options: { week: string; bodyFile: string }) => noteSetCommand(options));
  note
    .command('show')
    .description("Print a week's note as Markdown and as readers get it (plain text)")
    .requiredOption('--week <week>', 'an ISO week, e.g. 2026-W49')
    .action((options: { week: string }) => noteShowCommand(options.week));

  program
    .command('tags')
    .description("Editors' retags as labelled data")
    .command('export')
    .description(
      'Print every retagged article as one JSON line in the format of test/fixtures/tagging/*.jsonl',
    )
    .action(() => tagsExportCommand());
}

const EDIT_DESCRIPTIONS = {
  hide: 'Hide an article: out of every digest not yet sent and out of the archive',
  unhide: 'Bring a hidden article back',
  pin: "Pin an article (Editor's pick): it leads its sections that week",
  unpin: 'Take the pin off',
} as const;

interface ListOptions {
  week?: string;
  topic?: string;
  source?: string;
  studyType?: string;
  relevant?: string;
  state?: string;
  page?: string;
  json?: boolean;
}

async function withDesk<T>(run: (deps: ReturnType<typeof editorialDependencies>) => Promise<T>): Promise<T> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    return await run(editorialDependencies(environment.context));
  } finally {
    await environment.stop();
  }
}

async function listCommand(options: ListOptions): Promise<void> {
  if (options.topic !== undefined && !isTopicId(options.topic)) {
    throw new ValidationError(`--topic: unknown topic ${options.topic}`);
  }
  if (options.studyType !== undefined && !(options.studyType in STUDY_TYPE_BADGES)) {
    throw new ValidationError(`--study-type: unknown study type ${options.studyType}`);
  }
  if (options.state !== undefined && !(ARTICLE_STATES as readonly string[]).includes(options.state)) {
    throw new ValidationError(`--state: one of ${ARTICLE_STATES.join(', ')}`);
  }
  const page = options.page === undefined ? undefined : Number(options.page);
  if (page !== undefined && !(Number.isInteger(page) && page > 0)) {
    throw new ValidationError(`--page: "${options.page}" is not a whole number above 0`);
  }
  const relevant = parseRelevant(options.relevant);
  const result = await withDesk((deps) =>
    listWeekArticles(
      {
        ...(options.week ? { weekId: options.week } : {}),
        ...(options.topic ? { topic: options.topic as TopicId } : {}),
        ...(options.source ? { source: options.source } : {}),
        ...(options.studyType ? { studyType: options.studyType as StudyType } : {}),
        ...(relevant !== undefined ? { relevant } : {}),
        ...(options.state ? { state: options.state as ArticleState } : {}),
        ...(page ? { page } : {}),
      },
      deps,
    ),
  );
  if (!options.json) {
    console.log(
      `${result.weekId}: ${result.total} article${result.total === 1 ? '' : 's'} (page ${result.page} of ${result.pages})`,
    );
    for (const article of result.articles) {
      const marks = [
        article.editorial?.hidden ? 'HIDDEN' : '',
        article.editorial?.pinned ? "EDITOR'S PICK" : '',
        article.editorial?.retagged ? 'tagged by an editor' : '',
      ].filter(Boolean);
      const topics = Object.entries(article.topics)
        .map(([topic, score]) => `${topic} ${score}`)
        .join(', ');
      console.log(`  ${article.id}  ${article.firstSeenAt.slice(0, 16)}  ${article.title}`);
      console.log(
        `      ${article.sources.map((s) => s.sourceName).join(', ')} · ${topics || 'no topic'} · in ${article.digestReaders ?? 0} digests${marks.length ? ` · ${marks.join(' · ')}` : ''}`,
      );
    }
  }
  console.log(JSON.stringify({ ...result, articles: result.articles.map(weekArticleJson) }));
}

async function editCommand(id: string, edit: ArticleEdit): Promise<void> {
  const article = await withDesk((deps) => editArticle(id, edit, cliActor().principal, deps));
  console.log(`${edit.kind}: ${article.title}`);
  console.log(JSON.stringify({ action: edit.kind, article: weekArticleJson(article) }));
}

async function noteSetCommand(options: { week: string; bodyFile: string }): Promise<void> {
  let body: string;
  try {
    body = await readFile(options.bodyFile, 'utf8');
  } catch (error) {
    throw cannotRead(options.bodyFile, error, '--body-file');
  }
  const { note, view } = await withDesk((deps) =>
    setEditorNote({ weekId: options.week, body, by: cliActor().principal }, deps),
  );
  if (!view) console.log(`The note of ${note.weekId} is removed.`);
  else {
    console.log(`The note of ${note.weekId} is set; readers get:\n\n${view.text}\n`);
    for (const removed of view.removed) console.log(`  (${removed})`);
  }
  console.log(JSON.stringify({ weekId: note.weekId, set: view !== undefined, removed: view?.removed ?? [] }));
}

async function noteShowCommand(week: string): Promise<void> {
  const shown = await withDesk((deps) => showEditorNote(week, deps));
  if (!shown) console.log(`${week} has no editor's note.`);
  else console.log(`${shown.note.body}\n\n--- as readers get it ---\n${shown.view.text}\n`);
  console.log(
    JSON.stringify(
      shown
        ? { weekId: week, body: shown.note.body, by: shown.note.by, at: shown.note.at, html: shown.view.html }
        : { weekId: week, body: null },
    ),
  );
}

async function tagsExportCommand(): Promise<void> {
  const lines = await withDesk((deps) => exportEditorTags(deps));
  for (const line of lines) console.log(line);
}
