/**
 * Feeds too big to commit, generated on the fly: the same bytes every time for the same
 * arguments, so a failure can be reproduced.
 */

/**
 * An RSS 2.0 feed with `count` distinct immunotherapy items (about 400 bytes each; `compact`:
 * a title and a link only, about 110 bytes, so 28,000 of them fit under 5 MB).
 */
export function manyItemFeed(
  count: number,
  options: { host?: string; date?: string; compact?: boolean } = {},
): Buffer {
  const host = options.host ?? 'bulk.example.org';
  const date = options.date ?? 'Tue, 24 Nov 2026 10:00:00 GMT';
  const items: string[] = [];
  for (let index = 0; index < count; index += 1) {
    if (options.compact) {
      items.push(
        `<item><title>Immunotherapy cohort ${index} in melanoma</title><link>https://${host}/a/${index}</link></item>`,
      );
      continue;
    }
    items.push(
      `<item><title>Checkpoint inhibitor cohort ${index}: nivolumab outcomes in melanoma subgroup ${index}</title>` +
        `<link>https://${host}/articles/${index}</link><guid>https://${host}/articles/${index}</guid>` +
        `<pubDate>${date}</pubDate><description>Immunotherapy results for subgroup ${index} of a multicentre registry.</description></item>`,
    );
  }
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bulk</title><link>https://${host}/</link>${items.join('\n')}</channel></rss>`,
  );
}

/** A well-formed RSS document of `bytes` bytes: one item whose description is padding. */
export function oversizedFeed(bytes: number): Buffer {
  const head = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Huge</title><item><title>Huge item</title><link>https://huge.example.org/1</link><description>',
  );
  const tail = Buffer.from('</description></item></channel></rss>');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length - tail.length), 'a'), tail]);
}
