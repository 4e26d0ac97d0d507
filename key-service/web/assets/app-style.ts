// The page's style sheet, served as /app/static/app.css (no inline style: the CSP forbids it).
export const APP_STYLE = `
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --brand: #0b5cad; --danger: #b42318; --ok: #1a7f37; --warn: #9a6700; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); line-height: 1.45; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; }
a { color: var(--brand); }
:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--bg); }
.brand { font-weight: 700; font-size: 1.15rem; }
.top nav { display: flex; gap: 1rem; flex-wrap: wrap; }
.top nav a[aria-current="page"] { font-weight: 600; text-decoration-thickness: 3px; }
.who { margin-left: auto; display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .9rem; flex-wrap: wrap; }
main { max-width: 72rem; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.6rem; margin: .25rem 0 .5rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
.lead { color: var(--muted); margin-top: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; justify-content: space-between; margin: 1rem 0; }
.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.field { display: flex; flex-direction: column; gap: .25rem; margin-bottom: .75rem; }
label { font-weight: 600; font-size: .9rem; }
.hint { color: var(--muted); font-size: .85rem; margin: 0; }
input, select { font: inherit; padding: .45rem .6rem; border: 1px solid #8c959f; border-radius: 6px; min-width: 0; }
input[type="search"], input[type="url"], input[type="email"], input[type="password"], input[type="text"] { width: 100%; max-width: 28rem; }
button, .button { font: inherit; display: inline-block; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #8c959f; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; }
.primary { background: var(--brand); border-color: var(--brand); color: #fff; }
.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.link-button { border: 0; background: none; color: var(--brand); text-decoration: underline; padding: 0; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
td .actions { flex-wrap: nowrap; }
td code { white-space: nowrap; }
.toolbar > .button { margin-bottom: .75rem; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .55rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.status-active { color: var(--ok); }
.status-expired { color: var(--warn); }
.status-revoked { color: var(--danger); }
.overdue { color: var(--danger); font-weight: 600; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--brand); background: var(--bg); padding: .75rem 1rem; border-radius: 6px; margin: 1rem 0; }
.error { border-left-color: var(--danger); }
.field-error { color: var(--danger); font-size: .9rem; margin: 0; }
.warning { color: var(--danger); font-weight: 600; }
.secret { display: block; padding: .75rem; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; word-break: break-all; user-select: all; }
dialog { border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem; width: min(36rem, calc(100vw - 2rem)); box-shadow: 0 10px 40px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(27,31,36,.55); }
.card { max-width: 28rem; margin: 2rem auto; border: 1px solid var(--line); border-radius: 10px; padding: 1.5rem; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
.details { color: var(--muted); word-break: break-word; }
@media (max-width: 44rem) {
  main { padding: .75rem; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .75rem; padding: .25rem .5rem; }
  table.stack td { border: 0; padding: .3rem 0; display: grid; grid-template-columns: 8.5rem 1fr; gap: .5rem; }
  table.stack td::before { content: attr(data-label); font-weight: 600; color: var(--muted); }
  .who { margin-left: 0; }
}
`;
