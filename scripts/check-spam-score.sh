#!/usr/bin/env bash
# Scores a real digest with Debian's SpamAssassin, local rules only (no network tests), and fails
# above 0. The digest is the one the sender would send: the offline feed snapshots are ingested
# into a throw-away data folder, then `preview --format eml` writes the whole MIME message with
# its headers (From, Reply-To, List-Unsubscribe, One-Click, multipart/alternative).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v spamassassin >/dev/null || { echo "spamassassin is not installed: apt-get install -y spamassassin" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DATA_DIR="$work/data" DEMO_SUBSCRIBERS=false
# The deployed site's address: links on a loopback port would be scored as what they are locally.
export SITE_URL="${SITE_URL:-https://immunotherapy-digest.example.org}"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

node bin/immuno-digest.js ingest >/dev/null
node bin/immuno-digest.js preview \
  --topics car-t,checkpoint-inhibitors,leukemia,vaccines,autoimmune,side-effects \
  --format eml --out "$work/digest.eml" >/dev/null

# HOME points at the throw-away folder: no personal user_prefs can change the score.
report="$(HOME="$work" spamassassin -L -t <"$work/digest.eml" 2>/dev/null)"
sed -n '/^Content analysis details/,$p' <<<"$report"
score="$(sed -n 's/^Content analysis details: *(\(-\{0,1\}[0-9.]*\) points.*/\1/p' <<<"$report")"
if [[ -z "$score" ]]; then
  echo "could not read a score from SpamAssassin's report" >&2
  exit 1
fi
if awk -v score="$score" 'BEGIN { exit !(score > 0) }'; then
  echo "SpamAssassin scores the digest $score: it must be 0 or less" >&2
  exit 1
fi
echo "SpamAssassin score of a real digest: $score (must be ≤ 0)"
