/**
 * The HTML of the demo/fixture site: a news list, a login form with a
 * dashboard behind it, a multi-field form with a confirmation page, and a
 * playground exercising every action type. Plain HTML and a little inline
 * script; no external resources (the machines have no internet).
 */

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Wraps a body in a complete page with a title and the site's small stylesheet. */
export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:48em}.story{margin:.4em 0}label{display:block;margin-top:.6em}
.error{color:#b00}#tall{height:3000px;background:linear-gradient(#fff,#ccd)}</style></head>
<body><nav><a href="/news">News</a> · <a href="/login">Log in</a> · <a href="/form">Form</a> · <a href="/playground">Playground</a></nav>
${body}</body></html>`;
}

/** The stories of the news page, in order. */
export const NEWS_TITLES: readonly string[] = [
  'Headless browsers at scale',
  'Zero-footprint instrumentation explained',
  'Kafka in KRaft mode on one node',
  'Declarative automation with puppeteer-core',
  'Immutable task records in PostgreSQL',
  'Operators and level-triggered reconcile',
  'Curved mouse paths and typing cadence',
  'Measuring LCP without touching the page',
];

/** `/news`: an ordered list of stories with `.title` links and `.score` points. */
export function newsPage(): string {
  const items = NEWS_TITLES.map(
    (t, i) =>
      `<li class="story" id="story-${i + 1}"><a class="title" href="/news/${i + 1}">${esc(t)}</a> <span class="score">${100 - i * 7} points</span></li>`,
  ).join('\n');
  return layout('News - Nightglow Demo', `<h1>Top stories</h1><ol id="stories">${items}</ol>`);
}

/** `/login`: username and password; `error` shows the failure banner. */
export function loginPage(error: boolean): string {
  return layout(
    'Log in - Nightglow Demo',
    `<h1>Log in</h1>${error ? '<p class="error" id="login-error">Wrong username or password.</p>' : ''}
<form method="post" action="/login" id="login-form">
<label>Username <input id="username" name="username" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button id="login" type="submit">Log in</button></form>`,
  );
}

/** `/dashboard`: what a logged-in user sees. */
export function dashboardPage(user: string): string {
  return layout(
    'Dashboard - Nightglow Demo',
    `<h1 id="welcome">Welcome, ${esc(user)}</h1><p id="account">Signed in as ${esc(user)}.</p><a id="logout" href="/logout">Log out</a>`,
  );
}

/** `/form`: a multi-field request form. */
export function formPage(): string {
  return layout(
    'Request access - Nightglow Demo',
    `<h1>Request access</h1><form method="post" action="/form" id="request-form">
<label>Full name <input id="name" name="name" required></label>
<label>Email <input id="email" name="email" type="email" required></label>
<label>Company <input id="company" name="company"></label>
<label>Plan <select id="plan" name="plan"><option value="">Choose…</option><option value="free">Free</option><option value="team">Team</option><option value="enterprise">Enterprise</option></select></label>
<label>Seats <input id="seats" name="seats" type="number" min="1"></label>
<fieldset><legend>Contact by</legend><label><input type="radio" name="contact" id="contact-email" value="email"> Email</label>
<label><input type="radio" name="contact" id="contact-phone" value="phone"> Phone</label></fieldset>
<label>Message <textarea id="message" name="message"></textarea></label>
<label><input type="checkbox" id="agree" name="agree" value="yes"> I agree to the terms</label>
<button id="submit" type="submit">Send request</button></form>`,
  );
}

/** `/form/submitted`: the confirmation of a request. */
export function confirmationPage(fields: Readonly<Record<string, string>>): string {
  const ok = fields['agree'] === 'yes' && (fields['name'] ?? '') !== '' && (fields['email'] ?? '') !== '';
  const body = ok
    ? `<h1>Request received</h1><p id="confirmation">Thanks, ${esc(fields['name'] ?? '')}! Your ${esc(fields['plan'] || 'free')} plan request for ${esc(fields['seats'] || '1')} seat(s) was received; we will contact you by ${esc(fields['contact'] || 'email')} at ${esc(fields['email'] ?? '')}.</p>`
    : `<h1>Request incomplete</h1><p class="error" id="form-error">Name, email and agreeing to the terms are required.</p>`;
  return layout(ok ? 'Request received - Nightglow Demo' : 'Request incomplete - Nightglow Demo', body);
}

/** `/playground`: targets for every action type (hover, late and vanishing elements, select, scrolling, cookies). */
export function playgroundPage(): string {
  return layout(
    'Playground - Nightglow Demo',
    `<h1>Playground</h1>
<button id="counter" data-count="0" onclick="this.dataset.count=String(Number(this.dataset.count)+1);this.textContent='clicked '+this.dataset.count">click me</button>
<button id="dbl" ondblclick="this.textContent='double clicked'">double click me</button>
<div id="hover-target" onmouseenter="document.getElementById('hover-state').textContent='hovered'" style="padding:1em;background:#eef">hover me</div>
<p id="hover-state">idle</p>
<input id="text-input" onkeydown="window.__keys=(window.__keys||0)+1"> <p id="key-state"></p>
<select id="colors" multiple><option value="red">Red</option><option value="green">Green</option><option value="blue">Blue</option></select>
<button id="vanish" onclick="this.remove()">vanish</button>
<p id="cookie-state"></p>
<div id="tall"></div><p id="bottom">bottom of the page</p>
<script>
document.getElementById('text-input').addEventListener('keyup',e=>{if(e.key==='Enter')document.getElementById('key-state').textContent='enter pressed'});
document.getElementById('cookie-state').textContent=document.cookie;
const delay=Number(new URLSearchParams(location.search).get('late')||'800');
setTimeout(()=>{const b=document.createElement('button');b.id='late';b.textContent='late button';b.onclick=()=>{b.textContent='late clicked'};document.body.prepend(b)},delay);
</script>`,
  );
}
