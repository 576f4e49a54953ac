// The chunk viewer: a modal dialog with a chunk's text, source, heading path, page and
// offsets, and its neighbours in the document (open them to walk through the document).
// Used by the knowledge-base pages, the playground's results and the chat's citations.
import {get, seg} from './api.js';
import {baseName, errorBox, fill, formatNumber, h, truncate} from './ui.js';

let dialog = null;

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h('dialog', {class: 'chunk-viewer', 'aria-labelledby': 'chunk-title'});
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();  // a click on the backdrop
  });
  document.body.append(dialog);
  return dialog;
}

function neighbour(kb, label, chunk) {
  if (!chunk) return h('div', {class: 'neighbour none'}, h('h3', {}, label), h('p', {}, 'None: ' +
                       (label === 'Previous chunk' ? 'this is the first chunk.' :
                                                     'this is the last chunk.')));
  return h('div', {class: 'neighbour'},
           h('h3', {}, `${label} (#${chunk.index + 1})`),
           h('p', {class: 'excerpt'}, truncate(chunk.text, 280)),
           h('button', {onclick: () => openChunk(kb, chunk.chunk_id)},
             `Open ${label.toLowerCase()}`));
}

// Opens the dialog on chunk `chunkId` of knowledge base `kb`. `context` may add a line above
// the chunk (a citation number).
export async function openChunk(kb, chunkId, context = {}) {
  const d = ensureDialog();
  fill(d, h('p', {class: 'loading'}, 'Loading chunk…'));
  if (!d.open) d.showModal();
  let c;
  try {
    c = await get(`/ragdb/kb/${seg(kb)}/chunks/${seg(chunkId)}`);
  } catch (err) {
    fill(d, h('h2', {id: 'chunk-title'}, 'Chunk'), errorBox(err),
         h('div', {class: 'actions'}, h('button', {onclick: () => d.close()}, 'Close')));
    return;
  }
  const doc = c.document || {};
  const total = doc.chunks ?? '?';
  const facts = [
    ['Source', c.source],
    ['Document', c.doc_id],
    ['Chunk', `${formatNumber(c.index + 1)} of ${formatNumber(total)}`],
    ['Page', c.page > 0 ? String(c.page) : '— (no pages in this format)'],
    ['Heading path', c.heading_path && c.heading_path.length ? c.heading_path.join(' › ') : '—'],
    ['Bytes', `${formatNumber(c.start)}–${formatNumber(c.end)} of the document's text`],
    ['Chunk id', c.chunk_id],
  ];
  fill(d,
       h('div', {class: 'dialog-head'},
         h('h2', {id: 'chunk-title'},
           context.citation ? `[${context.citation}] ` : '', baseName(c.source),
           h('span', {class: 'muted'}, ` · chunk ${c.index + 1}`)),
         h('button', {class: 'icon', 'aria-label': 'Close', onclick: () => d.close()}, '×')),
       h('dl', {class: 'facts'}, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
       h('h3', {}, 'Text'),
       h('pre', {class: 'chunk-text', tabindex: '0'}, c.text),
       c.parent ? h('details', {}, h('summary', {}, 'Parent passage (given to the answer)'),
                    h('pre', {class: 'chunk-text'}, c.parent))
                : null,
       h('div', {class: 'neighbours'},
         neighbour(kb, 'Previous chunk', c.previous), neighbour(kb, 'Next chunk', c.next)),
       h('div', {class: 'actions'},
         h('a', {href: `#/kb/${seg(kb)}/doc/${seg(c.doc_id)}?offset=${
                   Math.floor(c.index / 20) * 20}`,
                 onclick: () => d.close()}, 'All chunks of this document'),
         h('button', {onclick: () => d.close()}, 'Close')));
  const heading = d.querySelector('h2');
  if (heading) heading.setAttribute('tabindex', '-1');
  d.querySelector('.chunk-text').focus();
}
