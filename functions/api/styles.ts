/** The site's one stylesheet, inlined in every page (no external assets: privacy, and it works offline). */
import { STUDY_TYPE_BADGES } from '../core/rendering/digest-view.ts';

/** Each study type's badge in the colours the digest gives it. */
const BADGE_COLOURS = Object.entries(STUDY_TYPE_BADGES)
  .map(([type, badge]) => `.badge-${type} { background: ${badge.background}; color: ${badge.color}; }`)
  .join('\n');

export const STYLES = `
:root { --ink: #1f2933; --muted: #4b5866; --brand: #0b3d6e; --link: #0b5cad; --bg: #f4f6f8; --card: #fff; --line: #cbd2d9; --ok: #0f6e3f; --err: #a61b1b; --focus: #f0a500; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 17px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--link); text-underline-offset: 2px; }
a:hover { color: var(--brand); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: 8px; top: -48px; background: #fff; color: var(--brand); padding: 8px 14px; border-radius: 6px; z-index: 10; font-weight: 600; }
.skip-link:focus { top: 8px; }
main:focus { outline: none; }
.site-header { background: var(--brand); color: #fff; }
.site-header .bar { max-width: 1040px; margin: 0 auto; padding: 14px 20px; display: flex; flex-wrap: wrap; gap: 10px 24px; align-items: center; justify-content: space-between; }
.brand { display: inline-flex; align-items: center; gap: 10px; color: #fff; font-weight: 700; font-size: 1.2rem; text-decoration: none; }
.brand:hover { color: #fff; }
.site-header nav { display: flex; flex-wrap: wrap; gap: 4px 18px; }
.site-header nav a { color: #e3eef9; text-decoration: none; font-size: .95rem; padding: 4px 0; border-bottom: 2px solid transparent; }
.site-header nav a:hover, .site-header nav a[aria-current="page"] { color: #fff; border-bottom-color: var(--focus); }
main { max-width: 1040px; margin: 28px auto; padding: 0 16px; }
.narrow { max-width: 720px; margin: 0 auto; }
.card { background: var(--card); border-radius: 12px; padding: 28px; box-shadow: 0 1px 2px rgba(16,42,67,.06), 0 4px 16px rgba(16,42,67,.06); }
.card + .card { margin-top: 20px; }
@media (max-width: 480px) { main { margin: 16px auto; padding: 0 10px; } .card { padding: 20px 16px; border-radius: 10px; } }
h1 { font-size: 1.85rem; line-height: 1.25; margin: 0 0 12px; color: var(--brand); }
h2 { font-size: 1.2rem; margin: 28px 0 8px; color: var(--brand); }
h3 { font-size: 1.05rem; margin: 0 0 4px; }
.lede { font-size: 1.1rem; color: var(--ink); margin: 0 0 16px; }
.muted, .hint { color: var(--muted); }
.hint { font-size: .92rem; margin: 2px 0 8px; }
.subscribe-grid { display: grid; gap: 20px; grid-template-areas: "pitch" "form" "promises"; }
.pitch { grid-area: pitch; } .form-card { grid-area: form; } .promises-box { grid-area: promises; }
@media (min-width: 960px) { .subscribe-grid { grid-template-columns: 300px 1fr; grid-template-rows: auto 1fr; grid-template-areas: "pitch form" "promises form"; gap: 8px 32px; align-items: start; } }
.pitch h1 { font-size: 2rem; }
.pitch .lede { margin-bottom: 0; }
@media (max-width: 480px) { .pitch h1, h1 { font-size: 1.55rem; } .lede { font-size: 1.02rem; } }
.promises { list-style: none; padding: 0; margin: 16px 0; }
.promises li { position: relative; padding-left: 30px; margin: 0 0 12px; }
.promises li::before { content: ""; position: absolute; left: 4px; top: 7px; width: 12px; height: 7px; border-left: 3px solid var(--ok); border-bottom: 3px solid var(--ok); transform: rotate(-45deg); }
.aside-links { font-size: .95rem; }
.card > h1:first-child, .card > h2:first-child { margin-top: 0; }
.form-card > h2:first-child { font-size: 1.45rem; }
fieldset { border: 0; padding: 0; margin: 24px 0 0; min-width: 0; }
legend { font-weight: 700; font-size: 1.1rem; color: var(--brand); padding: 0; margin-bottom: 2px; }
label { display: block; font-weight: 600; }
.field { margin: 18px 0 0; }
input[type=email], select { display: block; width: 100%; font: inherit; padding: 10px 12px; border: 2px solid #7b8794; border-radius: 8px; background: #fff; color: var(--ink); margin-top: 6px; min-height: 48px; }
input[type=email]:focus, select:focus { border-color: var(--link); }
[aria-invalid="true"] { border-color: var(--err) !important; }
.topics { display: grid; grid-template-columns: 1fr; gap: 10px; margin-top: 10px; }
@media (min-width: 640px) { .topics { grid-template-columns: 1fr 1fr; } }
.topic { display: flex; gap: 12px; align-items: flex-start; padding: 12px 14px; border: 2px solid var(--line); border-radius: 10px; background: #fff; cursor: pointer; font-weight: 400; min-height: 48px; }
.topic:hover { border-color: #7b8794; }
.topic:has(input:checked) { border-color: var(--link); background: #eef5fc; }
.topic:focus-within { outline: 3px solid var(--focus); outline-offset: 1px; }
.topic input { margin: 3px 0 0; width: 20px; height: 20px; flex: none; accent-color: var(--link); }
.topic input:focus-visible { outline: none; }
.topic .name { display: block; font-weight: 600; color: var(--ink); }
.topic .description { display: block; color: var(--muted); font-size: .9rem; line-height: 1.45; }
.when { display: grid; grid-template-columns: 1fr; gap: 0 14px; }
@media (min-width: 640px) { .when { grid-template-columns: 1fr 1fr 2fr; } }
.consent { color: var(--muted); font-size: .92rem; margin: 24px 0 16px; padding: 12px 14px; border-left: 4px solid var(--line); background: #f8fafc; }
.actions { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin-top: 24px; }
.consent + .actions { margin-top: 0; }
.section h3 { margin-top: 22px; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: 12px 24px; min-height: 48px; border: 2px solid transparent; border-radius: 8px; background: var(--link); color: #fff; cursor: pointer; text-decoration: none; line-height: 1.3; }
button:hover, .button:hover { background: var(--brand); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--link); border-color: var(--link); }
button.secondary:hover, .button.secondary:hover { background: #eef5fc; color: var(--brand); }
button.danger { background: var(--err); }
button.danger:hover { background: #7f1414; }
.notice { padding: 14px 16px; border-radius: 8px; background: #e3f0fb; margin: 0 0 18px; border-left: 5px solid var(--link); }
.notice.error { background: #fdecec; color: #7f1414; border-left-color: var(--err); }
.notice.ok { background: #e6f6ed; color: #0b5132; border-left-color: var(--ok); }
.notice p { margin: 4px 0 0; }
.error-summary { border: 3px solid var(--err); border-radius: 10px; padding: 14px 18px; margin: 0 0 20px; background: #fff; }
.error-summary h2 { margin: 0 0 6px; color: var(--err); font-size: 1.1rem; }
.error-summary ul { margin: 0; padding-left: 20px; }
.error-summary a { color: var(--err); font-weight: 600; }
.field-error { display: block; color: var(--err); font-weight: 600; font-size: .95rem; margin: 4px 0 0; }
.steps { padding-left: 22px; }
.steps li { margin-bottom: 6px; }
.section { border-top: 1px solid var(--line); margin-top: 28px; padding-top: 4px; }
.inline-form { display: inline; }
button.link-button { background: none; border: 0; padding: 0; min-height: 0; color: var(--link); text-decoration: underline; font-weight: 600; }
button.link-button:hover { background: none; color: var(--brand); }
.check { display: flex; gap: 10px; align-items: flex-start; font-weight: 400; margin: 10px 0 14px; }
.check input { width: 20px; height: 20px; margin-top: 3px; flex: none; }
.summary-list { margin: 8px 0 0; padding: 0; list-style: none; }
.summary-list li { padding: 6px 0; border-bottom: 1px solid #e4e7eb; }
.editions { list-style: none; padding: 0; margin: 20px 0 0; display: grid; gap: 14px; }
.pager { display: flex; justify-content: space-between; gap: 12px; margin: 20px 0 0; font-weight: 600; }
.edition-card h2, .so-far h2 { margin: 0 0 4px; font-size: 1.15rem; }
.edition-card p, .so-far p { margin: 4px 0 0; }
.so-far { border-left: 6px solid var(--focus); }
.tags { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; padding: 0; list-style: none; }
.tags li { background: #e3f0fb; color: var(--brand); border-radius: 999px; padding: 2px 10px; font-size: .85rem; font-weight: 600; }
.article { padding: 14px 0; border-bottom: 1px solid #e4e7eb; }
.article:last-child { border-bottom: 0; }
.article h3 a { color: var(--brand); text-decoration: none; }
.article h3 a:hover { text-decoration: underline; }
.article .meta { color: var(--muted); font-size: .9rem; margin: 0 0 4px; }
.article p { margin: 4px 0 0; }
.trial-facts { margin: 4px 0; }
.trial-here span { display: inline-block; background: #e3f8ec; color: #0e5a2f; border-radius: 999px; padding: 1px 9px; font-weight: 600; }
.badge { display: inline-block; background: #fff4d6; color: #5c4200; border-radius: 999px; padding: 1px 9px; font-size: .8rem; font-weight: 600; margin-right: 6px; }
${BADGE_COLOURS}
.prose h2 { font-size: 1.25rem; margin: 28px 0 8px; }
.prose h3 { font-size: 1.08rem; margin: 20px 0 6px; }
.prose blockquote { margin: 0 0 16px; padding: 4px 0 4px 14px; border-left: 4px solid var(--line); color: var(--muted); }
.prose pre { overflow-x: auto; background: var(--bg); padding: 10px 12px; border-radius: 6px; }
.prose table { border-collapse: collapse; margin: 0 0 16px; }
.prose th, .prose td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; }
.prose .meta { color: var(--muted); font-size: .95rem; margin: 0 0 12px; }
.disclaimer { font-size: .92rem; margin-top: 24px; }
.notice-line { background: #fff8e6; border-left: 4px solid var(--focus); padding: 10px 14px; border-radius: 6px; margin: 0 0 16px; }
.why { color: var(--muted); font-size: .88rem; }
.site-footer { max-width: 1040px; margin: 0 auto 32px; padding: 0 20px; color: var(--muted); font-size: .9rem; }
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
`;
