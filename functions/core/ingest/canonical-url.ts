/**
 * URLs of feed items: the link we show readers, and the form that decides whether two links are
 * the same page. Tracking parameters go; parameters that choose the page stay. Only names that
 * are tracking on every site are dropped everywhere: `v`, `ref` or `src` mean something on many
 * sites (a video, a version), so they are dropped only on the hosts where we know they are noise.
 */

/** Parameter names that only say who clicked where, on any site. */
const TRACKING_EVERYWHERE = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'twclid',
  'li_fat_id',
  'mc_cid',
  'mc_eid',
  'yclid',
  '_hsenc',
  '_hsmi',
  '__hstc',
  '__hssc',
  '__hsfp',
  'mkt_tok',
  'igshid',
  '_ga',
  '_gl',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'vero_conv',
  'rb_clickid',
  'wt.mc_id',
  'wt.ec_id',
  'wt.feed_name',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_'];

/**
 * Per-fetch or per-channel parameters of the publishers we read, which would otherwise make the
 * same article a new URL on every fetch (PubMed's `ff` fetch timestamp and `v` generator version).
 * A rule applies to its host and every subdomain of it.
 */
const TRACKING_BY_HOST: Readonly<Record<string, readonly string[]>> = {
  'pubmed.ncbi.nlm.nih.gov': ['ff', 'fc', 'v'],
  'biorxiv.org': ['rss'],
  'medrxiv.org': ['rss'],
  'bmj.com': ['rss'],
  'onlinelibrary.wiley.com': ['af'],
  'tandfonline.com': ['af'],
  'journals.sagepub.com': ['af'],
  'ascopubs.org': ['af'],
  'sciencedirect.com': ['dgcid'],
  'nature.com': ['error', 'wt_mc_id'],
  'feeds.feedburner.com': ['format'],
};

function isTrackingParameter(name: string, host: string): boolean {
  const lower = name.toLowerCase();
  if (TRACKING_EVERYWHERE.has(lower)) return true;
  if (TRACKING_PREFIXES.some((prefix) => lower.startsWith(prefix))) return true;
  for (let suffix = host; suffix.includes('.'); suffix = suffix.slice(suffix.indexOf('.') + 1)) {
    if (TRACKING_BY_HOST[suffix]?.includes(lower)) return true;
  }
  return false;
}

function parseHttpUrl(raw: string, base?: string): URL | undefined {
  let url: URL;
  try {
    // Feeds put raw spaces in links (PubMed does); they mean %20.
    url = new URL(raw.trim().replace(/ /g, '%20'), base);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** The query's parameters without tracking ones; `amp;name` (an &amp; escaped twice) reads as `name`. */
function keptParameters(url: URL): [string, string][] {
  return [...url.searchParams.entries()]
    .map(([name, value]): [string, string] => [name.replace(/^(?:amp;)+/i, ''), value])
    .filter(([name]) => name !== '' && !isTrackingParameter(name, url.hostname));
}

/**
 * The link we store and show: the publisher's own scheme and host (lower case), no credentials,
 * no default port, no fragment, no tracking parameters; other parameters keep their order.
 *
 * @returns undefined when the text is not an absolute http(s) URL (javascript:, data:, garbage).
 * @example canonicalUrl('HTTPS://Www.Example.org/a?utm_source=x&b=2#top') // 'https://www.example.org/a?b=2'
 */
export function canonicalUrl(raw: string, base?: string): string | undefined {
  const url = parseHttpUrl(raw, base);
  if (!url) return undefined;
  url.username = '';
  url.password = '';
  url.hash = '';
  url.search = new URLSearchParams(keptParameters(url)).toString();
  return url.toString();
}

/**
 * The form that says whether two links are the same page: no scheme (http and https are one
 * page), no `www.`, no trailing slash, parameters sorted, tracking parameters dropped.
 *
 * @example urlIdentity('http://www.cancer.gov/a/?b=2&a=1') === urlIdentity('https://cancer.gov/a?a=1&b=2')
 */
export function urlIdentity(raw: string): string | undefined {
  const url = parseHttpUrl(raw);
  if (!url) return undefined;
  const host = url.hostname.replace(/^www\d?\./, '');
  const port = url.port && url.port !== '80' && url.port !== '443' ? `:${url.port}` : '';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(
    keptParameters(url).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ).toString();
  return `${host}${port}${path}${query ? `?${query}` : ''}`;
}
