import type { EditorNote, EditorNoteStore } from '../../ports/editorial-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { weekRange } from '../archive/editions.ts';
import { ValidationError } from '../errors.ts';
import { noteView, type NoteView } from './note-view.ts';

/**
 * The editor's note: an optional short Markdown note for one ISO week, shown at the top of every
 * digest of that week (by the digest id's week, the reader's own week) and of that week's archive
 * edition, never the next week's. Sanitised exactly as announcements are (markdown-body.ts).
 */

/** A note is a word from the editors, not a newsletter of its own. */
export const NOTE_MAX_CHARACTERS = 2000;

/** @throws ValidationError for anything that is not a real ISO week ("2026-W49"). */
export function parseWeekId(value: string): string {
  if (!weekRange(value))
    throw new ValidationError(`not an ISO week: ${value} (write it as 2026-W49)`, ['week']);
  return value;
}

export interface NoteDependencies {
  readonly notes: EditorNoteStore;
  readonly clock: Clock;
}

/**
 * Sets (or, with an empty body, removes) a week's note.
 *
 * @throws ValidationError for a bad week or a note over NOTE_MAX_CHARACTERS.
 */
export async function setEditorNote(
  input: { readonly weekId: string; readonly body: string; readonly by: string },
  deps: NoteDependencies,
): Promise<{ note: EditorNote; view: NoteView | undefined }> {
  const weekId = parseWeekId(input.weekId);
  const body = input.body.trim();
  if (body.length > NOTE_MAX_CHARACTERS) {
    throw new ValidationError(`the note has ${body.length} characters; at most ${NOTE_MAX_CHARACTERS}`, [
      'body',
    ]);
  }
  const note: EditorNote = { weekId, body, by: input.by, at: deps.clock.now().toISOString() };
  await deps.notes.putNote(note);
  return { note, view: body === '' ? undefined : noteView(body) };
}

/** A week's note, if it has one, with its rendering. */
export async function showEditorNote(
  weekId: string,
  deps: Pick<NoteDependencies, 'notes'>,
): Promise<{ note: EditorNote; view: NoteView } | undefined> {
  const note = await deps.notes.getNote(parseWeekId(weekId));
  return note ? { note, view: noteView(note.body) } : undefined;
}
