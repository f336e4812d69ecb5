import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/**
 * The world outside the ingest process, for `npm run bench:ingest`, in a process of its own as
 * it would be in production: the DynamoDB stand-in (dynalite, in memory) and a feed host serving
 * SOURCES feeds of ITEMS items each on loopback. Prints one JSON line with both endpoints.
 */

const SOURCES = Number(process.env.BENCH_SOURCES ?? 200);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 50);
/** Items 0–4 of each pair of neighbouring sources are the same works (same DOI): real feeds overlap. */
const SHARED_PER_PAIR = 5;

const SUBJECTS = [
  ['Pembrolizumab', 'in advanced melanoma', 'checkpoint inhibitor'],
  ['CD19 CAR T cells', 'in relapsed B-cell lymphoma', 'cell therapy'],
  ['Nivolumab plus chemotherapy', 'in resectable non-small cell lung cancer', 'combination therapy'],
  ['A personalised neoantigen mRNA vaccine', 'after resection of melanoma', 'cancer vaccine'],
  ['Blinatumomab', 'for measurable residual disease in acute lymphoblastic leukaemia', 'bispecific antibody'],
  ['Tocilizumab', 'for cytokine release syndrome after CAR-T', 'immune-related adverse events'],
  ['Low-dose interleukin-2', 'in systemic lupus erythematosus', 'autoimmune disease'],
  ['Cabozantinib with nivolumab', 'in renal cell carcinoma', 'combination immunotherapy'],
  [
    'Travel distance and out-of-pocket costs',
    'for patients referred for CAR T-cell therapy',
    'access to care',
  ],
  ['Gut microbiome composition', 'and response to anti-PD-1 therapy', 'checkpoint blockade'],
] as const;

interface BenchItem {
  readonly title: string;
  readonly link: string;
  readonly doi: string;
  readonly summaryHtml: string;
  readonly published: Date;
}

function itemsOf(source: number): BenchItem[] {
  const now = Date.UTC(2026, 10, 26, 12);
  return Array.from({ length: ITEMS }, (_, index) => {
    const shared = index < SHARED_PER_PAIR;
    const work = shared ? `pair${Math.floor(source / 2)}-${index}` : `s${source}-${index}`;
    const [drug, setting, theme] = SUBJECTS[(source * 7 + index) % SUBJECTS.length]!;
    return {
      title: `${drug} ${setting}: results from cohort ${work}`,
      link: `https://journal-${source}.example.org/articles/${work}?utm_source=rss&utm_medium=feed`,
      doi: `10.5555/bench.${work}`,
      summaryHtml:
        `<p><b>Background:</b> ${theme} remains an active field &amp; this cohort (${work}) adds evidence.</p>` +
        `<p><i>Methods:</i> We followed 240 patients treated at 12 centres for a median of 26 months, ` +
        `recording responses, immune-related adverse events and quality of life.</p>` +
        `<p><b>Results:</b> The objective response rate was 41%; grade 3 or higher toxicity occurred in 18%. ` +
        `Most events resolved with corticosteroids.</p><p>Conclusion: ${drug} ${setting} was active and tolerable.</p>`,
      published: new Date(now - ((source * 13 + index * 7) % (14 * 24)) * 3600_000),
    };
  });
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function rss(source: number): string {
  const items = itemsOf(source).map(
    (item) =>
      `<item><title>${escape(item.title)}</title><link>${escape(item.link)}</link>` +
      `<guid isPermaLink="false">bench-${source}-${item.doi}</guid><pubDate>${item.published.toUTCString()}</pubDate>` +
      `<description>${escape(item.summaryHtml)}</description><dc:identifier>doi:${item.doi}</dc:identifier></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Journal ${source}</title><link>https://journal-${source}.example.org/</link>${items.join('\n')}</channel></rss>`;
}

function atom(source: number): string {
  const entries = itemsOf(source).map(
    (item) =>
      `<entry><title type="html">${escape(item.title)}</title><link rel="alternate" type="text/html" href="${escape(item.link)}"/>` +
      `<id>info:doi/${item.doi}</id><updated>${item.published.toISOString()}</updated><category term="Immunology"/>` +
      `<content type="html">${escape(item.summaryHtml)}</content></entry>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Journal ${source}</title><id>urn:journal:${source}</id><updated>2026-11-26T12:00:00Z</updated>${entries.join('\n')}</feed>`;
}

function rdf(source: number): string {
  const items = itemsOf(source).map(
    (item) =>
      `<item rdf:about="${escape(item.link)}"><title><![CDATA[${item.title}]]></title><link>${escape(item.link)}</link>` +
      `<description><![CDATA[${item.summaryHtml}]]></description><dc:date>${item.published.toISOString().slice(0, 10)}</dc:date>` +
      `<dc:identifier>doi:${item.doi}</dc:identifier><dc:subject>Immunology</dc:subject></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://journal-${source}.example.org/"><title>Journal ${source}</title><link>https://journal-${source}.example.org/</link></channel>${items.join('\n')}</rdf:RDF>`;
}

const feeds = Array.from({ length: SOURCES }, (_, source) =>
  Buffer.from([rss, atom, rdf][source % 3]!(source)),
);

const feedHost = createServer((request, response) => {
  const source = Number(/^\/feeds\/(\d+)$/.exec(request.url ?? '')?.[1] ?? Number.NaN);
  const body = feeds[source];
  if (!body) return void response.writeHead(404).end();
  response
    .writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': body.length })
    .end(body);
});

const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await Promise.all([
  new Promise<void>((resolve) => feedHost.listen(0, '127.0.0.1', resolve)),
  new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve())),
]);
process.stdout.write(
  `${JSON.stringify({
    feeds: `http://127.0.0.1:${(feedHost.address() as AddressInfo).port}/feeds/`,
    dynamodb: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    sources: SOURCES,
    itemsPerSource: ITEMS,
    sharedWorks: Math.floor(SOURCES / 2) * SHARED_PER_PAIR,
  })}\n`,
);
// Stop with the parent: its end closes our stdin.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
