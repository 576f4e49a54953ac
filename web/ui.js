// Small DOM helpers shared by the pages. Text always goes in through textContent (never as
// HTML), so names, payloads and document text cannot inject markup.

// h('button', {class: 'primary', onclick: fn}, 'Save'): an element with attributes (on* keys
// become listeners, `class` and `for` are mapped, booleans set or drop the attribute) and
// children (strings become text nodes; null and false are skipped; arrays are flattened).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'for') {
      el.htmlFor = v;
    } else if (k === 'value') {
      el.value = v;
    } else if (k === 'checked') {
      el.checked = !!v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === '') continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idCounter = 0;
export const uid = (prefix) => `${prefix}-${++idCounter}`;

// A labelled form control: <div class="field"><label>text</label>control</div>.
export function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  const hintEl = hint ? h('div', {class: 'hint', id: uid('hint')}, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: control.id}, label), control, hintEl);
}

export function formatNumber(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '');
}

export function formatBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatMs(ms) {
  if (typeof ms !== 'number') return '';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

// "2026-12-04 21:23" in the browser's time zone.
export function formatTime(unixSeconds) {
  if (!unixSeconds) return '';
  return new Date(unixSeconds * 1000).toLocaleString('sv-SE').slice(0, 16);
}

export function truncate(s, n) {
  s = String(s ?? '');
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

// The last path component of a source ("/a/b/report.pdf" -> "report.pdf").
export function baseName(source) {
  const s = String(source ?? '');
  const i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  return i >= 0 && i < s.length - 1 ? s.slice(i + 1) : s;
}

// Messages for the user: errors are announced (role=alert), others politely.
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  const item = h('div', {class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status'},
                 h('span', {}, message),
                 h('button', {class: 'icon', 'aria-label': 'Dismiss', onclick: () => item.remove()},
                   '×'));
  region.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 12000 : 5000);
}

// An inline error box inside a page (role=alert, so screen readers announce it).
export function errorBox(err) {
  return h('div', {class: 'error-box', role: 'alert'}, err && err.message ? err.message : String(err));
}

// Asks for confirmation in a modal dialog; resolves true or false.
export function confirmDialog(title, message, confirmLabel = 'Delete') {
  return new Promise((resolve) => {
    const dialog = h('dialog', {class: 'confirm', 'aria-labelledby': 'confirm-title'});
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    fill(dialog,
         h('h2', {id: 'confirm-title'}, title),
         h('p', {}, message),
         h('div', {class: 'actions'},
           h('button', {onclick: () => done(false)}, 'Cancel'),
           h('button', {class: 'danger', onclick: () => done(true)}, confirmLabel)));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A page heading with optional actions to its right.
export function pageHeader(title, ...actions) {
  return h('div', {class: 'page-header'}, h('h1', {tabindex: '-1'}, title),
           actions.length ? h('div', {class: 'actions'}, actions) : null);
}

// A table (a list of cards on phones). `columns` are header labels, `rows` arrays of cells
// (strings or nodes).
export function table(columns, rows, {caption, empty = 'Nothing here yet.'} = {}) {
  // data-label: on phones each row becomes a card whose cells are labelled (console.css).
  const body = rows.length
    ? rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', {'data-label': columns[i] || null},
                                                           c))))
    : [h('tr', {}, h('td', {colspan: columns.length, class: 'empty'}, empty))];
  return h('div', {class: 'table-wrap'},
           h('table', {}, caption ? h('caption', {}, caption) : null,
             h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c)))),
             h('tbody', {}, body)));
}

// A labelled <select> of the tenant's knowledge bases; `selected` is preselected.
export function kbSelect(names, selected, onchange) {
  const select = h('select', {onchange: () => onchange(select.value)},
                   names.map((n) => h('option', {value: n, selected: n === selected}, n)));
  return select;
}

// The knowledge base last chosen in any page, remembered for the others.
export function rememberedKb(names) {
  const last = sessionStorage.getItem('ragdb-console-kb');
  return names.includes(last) ? last : names[0];
}
export function rememberKb(name) {
  sessionStorage.setItem('ragdb-console-kb', name);
}
