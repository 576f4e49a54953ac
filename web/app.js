// The console's shell: hash routes (#/collections, #/kb/NAME, #/playground, #/chat, #/status)
// -> page modules, the navigation's current-page state, and signing in with an API key when
// the server answers 401. Each page module exports render(main, params) -> Promise; when it
// resolves, the page is interactive (benchmarks read the "ragdb-ready" performance mark).
import {apiKey, get, onUnauthorized, setApiKey} from './api.js';
import * as chat from './chat.js';
import * as collections from './collections.js';
import * as kbs from './kbs.js';
import * as playground from './playground.js';
import * as status from './status.js';
import {errorBox, fill, h, uid} from './ui.js';

// [pattern, module, params from the match]; the first match wins.
const ROUTES = [
  [/^\/collections\/([^/]+)$/, collections, (m) => ({collection: decodeURIComponent(m[1])})],
  [/^\/collections$/, collections, () => ({})],
  [/^\/kb\/([^/]+)\/doc\/([^/]+)$/, kbs,
   (m) => ({kb: decodeURIComponent(m[1]), doc: decodeURIComponent(m[2])})],
  [/^\/kb\/([^/]+)$/, kbs, (m) => ({kb: decodeURIComponent(m[1])})],
  [/^\/kb$/, kbs, () => ({})],
  [/^\/playground$/, playground, () => ({})],
  [/^\/chat$/, chat, () => ({})],
  [/^\/status$/, status, () => ({})],
];

const main = document.getElementById('main');
let current = null;      // the page module shown
let renderSerial = 0;    // drops the output of a render overtaken by a newer navigation
let signInShown = false;  // the sign-in form is on screen
let signingIn = false;    // its own attempt is under way

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/collections';
  const [path, query = ''] = raw.split('?');
  return {path, query: new URLSearchParams(query)};
}

function markNav(page) {
  for (const a of document.querySelectorAll('nav a[data-page]')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  const serial = ++renderSerial;
  const {path, query} = parseHash();
  let match = null;
  for (const [pattern, module, params] of ROUTES) {
    const m = path.match(pattern);
    if (m) {
      match = {module, params: {...params(m), query}};
      break;
    }
  }
  if (current && current.leave) current.leave();
  if (!match) {
    current = null;
    markNav('');
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No console page at ', h('code', {}, path),
                                            '. ', h('a', {href: '#/collections'}, 'Collections')));
    return;
  }
  current = match.module;
  markNav(match.module.PAGE);
  signInShown = false;
  const view = h('div', {class: 'page'});
  fill(main, view);
  try {
    await match.module.render(view, match.params);
  } catch (err) {
    if (serial !== renderSerial || (err && err.status === 401)) return;
    view.append(errorBox(err));
  }
  if (serial !== renderSerial) return;
  if (focusHeading) {
    focusHeading = false;
    const heading = view.querySelector('h1');
    if (heading) heading.focus({preventScroll: true});
  }
  document.title = `${(view.querySelector('h1') || {}).textContent || 'ragdb'} · ragdb console`;
  performance.mark('ragdb-ready');
  document.body.dataset.ready = String(serial);
}

function renderSession() {
  const session = document.getElementById('session');
  if (apiKey()) {
    fill(session, h('span', {class: 'muted'}, 'API key set'),
         h('button', {class: 'small', onclick: signOut}, 'Sign out'));
  } else {
    fill(session);
  }
}

function signOut() {
  setApiKey('');
  renderSession();
  showSignIn(null);
}

// The sign-in form; `err` is the 401 that brought it up (null when signing out).
function showSignIn(err) {
  // Several calls of one page may fail at once: the form appears once, and changes only for
  // the answer to its own attempt.
  if (signInShown && !signingIn) return;
  signingIn = false;
  signInShown = true;
  if (current && current.leave) current.leave();
  current = null;
  renderSerial++;
  const hadKey = !!apiKey();
  const input = h('input', {type: 'password', id: uid('key'), autocomplete: 'current-password',
                            required: true, spellcheck: 'false'});
  const message = err
    ? h('div', {class: 'error-box', role: 'alert'},
        hadKey ? `The API key was not accepted (HTTP 401: ${err.message}). Check the key and ` +
                     'try again.'
               : 'This server requires an API key (HTTP 401).')
    : h('p', {class: 'muted'}, 'Signed out.');
  const help = h('p', {class: 'muted'}, 'Use the admin key given to ',
                 h('code', {}, 'ragdb serve --admin-key'), ', or a key made with ',
                 h('code', {}, 'POST /ragdb/tenants/{tenant}/keys'),
                 '. The key stays in this tab only.');
  const form = h('form', {class: 'card signin', onsubmit: async (e) => {
    e.preventDefault();
    signingIn = true;
    setApiKey(input.value.trim());
    renderSession();
    try {
      await get('/collections');
    } catch (e2) {
      // A 401 has shown the form again with its message (onUnauthorized); anything else:
      if (e2.status !== 401) {
        signingIn = false;
        fill(message, e2.message);
      }
      return;
    }
    signingIn = false;
    signInShown = false;
    route();
  }},
  h('h1', {tabindex: '-1'}, 'Sign in'), message, help,
  h('div', {class: 'field'}, h('label', {for: input.id}, 'API key'), input),
  h('div', {class: 'actions'}, h('button', {class: 'primary', type: 'submit'}, 'Sign in')));
  fill(main, form);
  if (hadKey) setApiKey('');
  renderSession();
  input.focus();
  performance.mark('ragdb-ready');
  document.body.dataset.ready = 'signin';
}

onUnauthorized((err) => showSignIn(err));

document.querySelector('.skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  const heading = main.querySelector('h1');
  (heading || main).focus();
});

// After a navigation by link, focus moves to the new page's heading, so keyboard and screen
// reader users land on the page they chose.
let focusHeading = false;
document.querySelector('nav').addEventListener('click', (e) => {
  if (e.target.closest('a')) focusHeading = true;
});

window.addEventListener('hashchange', route);
renderSession();
route();
