import type { ComposeForm } from '../../pages/admin-compose-page.ts';

/** The compose form as the admin filled it in, to show it again (any field may be missing). */
export function composeFormOf(input: Record<string, unknown>): ComposeForm {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    subject: text(input.subject),
    body: text(input.body),
    format: input.format === 'mjml' ? 'mjml' : 'markdown',
    topics: new Set(Array.isArray(input.topics) ? input.topics.map(String) : []),
    audience: input.audience === 'everyone' || input.audience === 'topics' ? input.audience : '',
    id: text(input.id),
    testTo: text(input.testTo),
    sendAt: text(input.sendAt),
    sendZone: text(input.sendZone) || 'UTC',
  };
}
