// Knowledge bases: the list and creation; one KB's page with uploads (several files at once,
// a progress bar per file and the parse / chunk / embed / write stages as the server reports
// them), its documents (paged on the server, with chunk counts, and the files that failed with
// their reason), deletion and re-ingestion; and a document's chunks, paged, each opening in
// the chunk viewer.
import {del, get, post, seg, upload} from './api.js';
import {openChunk} from './chunk_viewer.js';
import {baseName, confirmDialog, errorBox, field, fill, formatBytes, formatMs, formatNumber,
  formatTime, h, pageHeader, rememberKb, table, toast, truncate, uid} from './ui.js';

export const PAGE = 'kb';
const STAGES = ['parse', 'chunk', 'embed', 'write'];
const DOCS_PER_PAGE = 25;
const CHUNKS_PER_PAGE = 20;

export async function render(view, params) {
  if (params.doc) return renderDocument(view, params.kb, params.doc, params.query);
  if (params.kb) return renderKb(view, params.kb);
  return renderList(view);
}

// ---- the list ----

async function renderList(view) {
  const list = h('div', {'aria-busy': 'true'}, h('p', {class: 'loading'}, 'Loading…'));
  fill(view, pageHeader('Knowledge bases'), createForm(), list);
  const {knowledge_bases: kbs} = await get('/ragdb/kb');
  list.removeAttribute('aria-busy');
  fill(list, table(['Name', 'Documents', 'Chunks', 'Embedder', 'Chunking', ''], kbs.map((kb) => {
    const link = h('a', {href: `#/kb/${seg(kb.name)}`}, kb.name);
    if (kb.error) return [link, h('span', {class: 'bad'}, kb.error), '', '', '', ''];
    const o = kb.options;
    return [link, h('span', {class: 'num'}, formatNumber(kb.documents)),
            h('span', {class: 'num'}, formatNumber(kb.chunks)), o.embedder,
            `${o.mode}, ${o.chunk_size} tokens, overlap ${o.overlap}`,
            h('button', {class: 'small danger', 'aria-label': `Delete knowledge base ${kb.name}`,
                         onclick: () => dropKb(kb.name, view)}, 'Delete')];
  }), {caption: `${kbs.length} knowledge base${kbs.length === 1 ? '' : 's'}`,
       empty: 'No knowledge bases yet: create one above.'}));
}

function createForm() {
  const name = h('input', {required: true, pattern: '[A-Za-z0-9_\\-]+', autocomplete: 'off'});
  const chunkSize = h('input', {type: 'number', min: '20', max: '100000', value: '400'});
  const overlap = h('input', {type: 'number', min: '0', max: '100000', value: '60'});
  const mode = h('select', {}, h('option', {value: 'recursive'}, 'recursive'),
                 h('option', {value: 'parent-child'}, 'parent-child'));
  const embedder = h('input', {value: 'hash', autocomplete: 'off', spellcheck: 'false'});
  const status = h('div', {role: 'status'});
  const form = h('form', {class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await post('/ragdb/kb', {name: name.value, chunk_size: Number(chunkSize.value),
                               overlap: Number(overlap.value), mode: mode.value,
                               embedder: embedder.value.trim()});
      toast(`Knowledge base ${name.value} created`);
      location.hash = `#/kb/${seg(name.value)}`;
    } catch (err) {
      fill(status, errorBox(err));
    }
  }},
  field('Name', name), field('Chunk size (tokens)', chunkSize), field('Overlap', overlap),
  field('Mode', mode), field('Embedder', embedder, 'hash, hash:DIM or an installed model'),
  h('div', {class: 'field'}, h('button', {class: 'primary', type: 'submit'},
                               'Create knowledge base')),
  status);
  return h('details', {class: 'card'}, h('summary', {}, 'New knowledge base'), form);
}

async function dropKb(name, view) {
  const ok = await confirmDialog(`Delete knowledge base ${name}?`,
                                 'Its documents and chunks are removed for good.');
  if (!ok) return;
  try {
    await del(`/ragdb/kb/${seg(name)}`);
    toast(`Knowledge base ${name} deleted`);
    if (location.hash === '#/kb') await renderList(view);
    else location.hash = '#/kb';
  } catch (err) {
    toast(err.message, 'error');
  }
}

// ---- one knowledge base ----

async function renderKb(view, name) {
  const kb = await get(`/ragdb/kb/${seg(name)}`).catch((err) => {
    fill(view, pageHeader(name), errorBox(err), h('p', {}, h('a', {href: '#/kb'},
                                                             'Back to knowledge bases')));
    return null;
  });
  if (!kb) return;
  rememberKb(name);
  const counts = h('p', {class: 'muted', role: 'status'});
  const showCounts = (info) => {
    counts.textContent = `${formatNumber(info.documents)} documents · ` +
                         `${formatNumber(info.chunks)} chunks · embedder ${info.options.embedder}` +
                         ` · ${info.options.mode}, ${info.options.chunk_size} tokens`;
  };
  showCounts(kb);
  let docs = null;
  const uploads = uploadView(name, () => docs.refresh());
  docs = documentsView(name, async () => showCounts(await get(`/ragdb/kb/${seg(name)}`)),
                       uploads.reingest);
  fill(view,
       h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'},
         h('a', {href: '#/kb'}, 'Knowledge bases'), ' / ', name),
       pageHeader(name,
                  h('a', {class: 'button', href: '#/playground'}, 'Try retrieval'),
                  h('a', {class: 'button', href: '#/chat'}, 'Chat'),
                  h('button', {class: 'danger', onclick: () => dropKb(name, view)},
                    'Delete knowledge base')),
       counts, uploads.element, docs.element);
  await docs.refresh();
}

// The upload card: a file input (several files), drag and drop, and one row per file with its
// progress bar and stages. Its `reingest(source)` asks for a file that replaces document
// `source` (the server keeps no copy of uploaded files, so re-ingesting means sending one).
function uploadView(kb, onUploaded) {
  const input = h('input', {type: 'file', multiple: true, id: uid('files'),
                            accept: '.txt,.md,.markdown,.html,.htm,.pdf,.docx,.csv,.json,.jsonl,' +
                                    '.ndjson'});
  const queue = h('ul', {class: 'upload-queue', 'aria-label': 'Uploads'});
  let chain = Promise.resolve();

  function enqueue(files, source) {
    for (const file of files) {
      const row = uploadRow(file, source);
      queue.prepend(row.element);
      // One file at a time: the server ingests one file per knowledge base at once anyway.
      chain = chain.then(() => row.start(kb)).then(onUploaded, onUploaded);
    }
  }
  input.addEventListener('change', () => {
    enqueue([...input.files]);
    input.value = '';
  });
  const drop = h('div', {class: 'dropzone'},
                 h('label', {for: input.id, class: 'button primary'}, 'Upload files'), input,
                 h('span', {class: 'muted'},
                   ' or drop files here · txt, md, html, pdf, docx, csv, json'));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    enqueue([...e.dataTransfer.files]);
  });
  const reingest = (source) => {
    const picker = h('input', {type: 'file', class: 'visually-hidden'});
    picker.addEventListener('change', () => {
      if (picker.files.length) enqueue([picker.files[0]], source);
      picker.remove();
    });
    picker.addEventListener('cancel', () => picker.remove());
    document.body.append(picker);
    picker.click();
  };
  return {element: h('section', {class: 'card', 'aria-labelledby': 'upload-title'},
                     h('h2', {id: 'upload-title'}, 'Upload'), drop, queue),
          reingest};
}

function uploadRow(file, source) {
  const bar = h('progress', {max: '100', value: '0', 'aria-label': `Progress of ${file.name}`});
  const stageEls = Object.fromEntries(STAGES.map((s) => [s, h('li', {class: 'stage pending'},
                                                               h('span', {class: 'name'}, s),
                                                               h('span', {class: 'state'},
                                                                 'waiting'))]));
  const message = h('div', {class: 'upload-message', role: 'status'}, 'Waiting…');
  const element = h('li', {class: 'upload'},
                    h('div', {class: 'upload-head'}, h('strong', {}, file.name),
                      h('span', {class: 'muted'}, ` ${formatBytes(file.size)}`),
                      source ? h('span', {class: 'badge'}, `replaces ${baseName(source)}`) : null),
                    bar, h('ol', {class: 'stages', 'aria-label': `Stages of ${file.name}`},
                           STAGES.map((s) => stageEls[s])),
                    message);
  let uploaded = 0;
  let stagesDone = 0;
  let lastStage = null;  // the stage reported last: where a failure happened
  const setBar = () => {
    bar.value = Math.round(60 * uploaded + 10 * stagesDone);
  };
  const setStage = (name, cls, text) => {
    const el = stageEls[name];
    if (!el) return;
    el.className = `stage ${cls}`;
    el.querySelector('.state').textContent = text;
  };

  async function start(kb) {
    message.textContent = 'Uploading…';
    let result = null;
    let failure = null;
    try {
      await upload(kb, file, {
        source,
        onUpload: (fraction) => {
          uploaded = fraction;
          setBar();
          message.textContent = fraction < 1 ? `Uploading ${Math.round(fraction * 100)}%` :
                                               'Uploaded; the server is ingesting it…';
        },
        onEvent: (e) => {
          const data = JSON.parse(e.data);
          if (e.event === 'stage') {
            lastStage = data.stage;
            if (data.state === 'done') {
              stagesDone++;
              setStage(data.stage, 'done', formatMs(data.ms));
            } else {
              setStage(data.stage, 'running', 'running…');
              message.textContent = `${data.stage[0].toUpperCase()}${data.stage.slice(1)}…`;
            }
            setBar();
          } else if (e.event === 'document') {
            result = data;
          } else if (e.event === 'error') {
            failure = data.error;
          }
        },
      });
    } catch (err) {
      failure = err.message;
    }
    if (!failure && result && result.status === 'skipped') failure = result.reason;
    if (!failure && !result) failure = 'the server did not report a result';
    if (failure) {
      element.classList.add('failed');
      for (const s of STAGES) {
        if (s === lastStage) setStage(s, 'failed', 'failed');
        else if (!stageEls[s].classList.contains('done')) setStage(s, 'skipped', '—');
      }
      fill(message, h('span', {class: 'bad'}, `Not ingested: ${failure}`));
      message.setAttribute('role', 'alert');
      return;
    }
    bar.value = 100;
    if (result.status === 'unchanged') {
      for (const s of STAGES) setStage(s, 'skipped', '—');
      message.textContent = `Unchanged: already ingested with the same content ` +
                            `(${formatNumber(result.chunks)} chunks).`;
    } else {
      message.textContent = `${result.status === 'updated' ? 'Updated' : 'Added'}: ` +
                            `${formatNumber(result.chunks)} chunks` +
                            (result.pages ? `, ${result.pages} pages` : '') + '.';
    }
    element.classList.add('ok');
  }
  return {element, start};
}

// The documents table: server-side pages (a cursor per page), failed uploads first.
function documentsView(kb, onChange, reingest) {
  const body = h('div', {});
  const summary = h('p', {class: 'muted', role: 'status'});
  const prev = h('button', {onclick: () => load(page - 1)}, '← Previous');
  const next = h('button', {onclick: () => load(page + 1)}, 'Next →');
  let cursors = [''];
  let page = 0;

  async function load(p) {
    if (p < 0 || p >= cursors.length) return;
    body.setAttribute('aria-busy', 'true');
    let res, uploads;
    try {
      const offset = cursors[p] ? `&offset=${encodeURIComponent(cursors[p])}` : '';
      [res, uploads] = await Promise.all([
        get(`/ragdb/kb/${seg(kb)}/documents?limit=${DOCS_PER_PAGE}${offset}`),
        p === 0 ? get(`/ragdb/kb/${seg(kb)}/uploads`) : {uploads: []},
      ]);
    } catch (err) {
      body.removeAttribute('aria-busy');
      fill(body, errorBox(err));
      return;
    }
    page = p;
    if (res.next_offset) cursors[p + 1] = res.next_offset;
    else cursors.length = p + 1;
    prev.disabled = page === 0;
    next.disabled = page + 1 >= cursors.length;
    // Failed uploads whose source was not ingested since (the log is newest first).
    const settled = new Set();
    const failed = [];
    for (const u of uploads.uploads) {
      if (settled.has(u.source)) continue;
      settled.add(u.source);
      if (u.status === 'skipped' || u.status === 'error') failed.push(u);
    }
    const rows = failed.map((u) => [
      h('span', {title: u.source}, baseName(u.source)),
      h('span', {class: 'badge bad'}, 'failed'),
      '—', '', h('span', {class: 'nowrap'}, formatTime(u.finished_at)),
      h('span', {class: 'bad'}, u.reason),
      h('button', {class: 'small', 'aria-label': `Retry ${baseName(u.source)}`,
                   onclick: () => reingest(u.source)}, 'Retry…'),
    ]);
    for (const d of res.documents) {
      rows.push([
        h('a', {href: `#/kb/${seg(kb)}/doc/${seg(d.doc_id)}`, title: d.source},
          baseName(d.source)),
        h('span', {class: 'badge ok'}, `v${d.version}`),
        h('span', {class: 'num', dataset: {chunks: String(d.chunks)}}, formatNumber(d.chunks)),
        h('span', {class: 'nowrap'}, formatBytes(d.bytes)),
        h('span', {class: 'nowrap'}, formatTime(d.ingested_at)), '',
        h('span', {class: 'row-actions'},
          h('a', {class: 'button small', href: `#/kb/${seg(kb)}/doc/${seg(d.doc_id)}`,
                  'aria-label': `Chunks of ${baseName(d.source)}`}, 'Chunks'),
          h('button', {class: 'small', 'aria-label': `Re-ingest ${baseName(d.source)}`,
                       onclick: () => reingest(d.source)}, 'Re-ingest…'),
          h('button', {class: 'small danger', 'aria-label': `Delete ${baseName(d.source)}`,
                       onclick: () => deleteDoc(d)}, 'Delete')),
      ]);
    }
    const shown = res.documents.length;
    summary.textContent = shown
      ? `Documents ${formatNumber(page * DOCS_PER_PAGE + 1)}–` +
        `${formatNumber(page * DOCS_PER_PAGE + shown)}` +
        (failed.length ? ` · ${failed.length} failed upload${failed.length > 1 ? 's' : ''}` : '')
      : (failed.length ? `${failed.length} failed upload${failed.length > 1 ? 's' : ''}` : '');
    body.removeAttribute('aria-busy');
    fill(body, table(['Document', 'Status', 'Chunks', 'Size', 'Ingested', 'Error', ''], rows,
                     {caption: 'Documents', empty: 'No documents yet: upload files above.'}));
  }

  async function deleteDoc(d) {
    const ok = await confirmDialog(`Delete ${baseName(d.source)}?`,
                                   `The document and its ${d.chunks} chunks are removed.`);
    if (!ok) return;
    try {
      await del(`/ragdb/kb/${seg(kb)}/documents/${seg(d.doc_id)}`);
      toast(`${baseName(d.source)} deleted`);
      await refresh();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  async function refresh() {
    cursors = [''];
    await Promise.all([load(0), onChange()]);
  }

  return {
    element: h('section', {class: 'card', 'aria-labelledby': 'docs-title'},
               h('h2', {id: 'docs-title'}, 'Documents'), summary, body,
               h('div', {class: 'pager'}, prev, next)),
    refresh,
  };
}

// ---- one document's chunks ----

async function renderDocument(view, kb, docId, query) {
  const doc = await get(`/ragdb/kb/${seg(kb)}/documents/${seg(docId)}`).catch((err) => {
    fill(view, pageHeader('Document'), errorBox(err),
         h('p', {}, h('a', {href: `#/kb/${seg(kb)}`}, `Back to ${kb}`)));
    return null;
  });
  if (!doc) return;
  const total = doc.chunks;
  const pages = Math.max(1, Math.ceil(total / CHUNKS_PER_PAGE));
  let offset = Math.min(Math.max(0, Number(query.get('offset')) || 0), (pages - 1) * CHUNKS_PER_PAGE);
  offset -= offset % CHUNKS_PER_PAGE;
  const list = h('div', {});
  const summary = h('p', {class: 'muted', role: 'status'});
  const prev = h('button', {onclick: () => load(offset - CHUNKS_PER_PAGE)}, '← Previous');
  const next = h('button', {onclick: () => load(offset + CHUNKS_PER_PAGE)}, 'Next →');
  const jump = h('input', {type: 'number', min: '1', max: String(Math.max(1, total)),
                           value: '1', class: 'narrow'});
  const meta = doc.metadata || {};

  fill(view,
       h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'},
         h('a', {href: '#/kb'}, 'Knowledge bases'), ' / ',
         h('a', {href: `#/kb/${seg(kb)}`}, kb), ' / ', baseName(doc.source)),
       pageHeader(baseName(doc.source)),
       h('dl', {class: 'facts card'},
         h('dt', {}, 'Source'), h('dd', {}, doc.source),
         h('dt', {}, 'Chunks'), h('dd', {}, formatNumber(total)),
         h('dt', {}, 'Version'), h('dd', {}, String(doc.version)),
         h('dt', {}, 'Format'), h('dd', {}, meta.format || '—'),
         meta.title ? [h('dt', {}, 'Title'), h('dd', {}, meta.title)] : null,
         h('dt', {}, 'Size'), h('dd', {}, formatBytes(doc.bytes)),
         h('dt', {}, 'Ingested'), h('dd', {}, formatTime(doc.ingested_at))),
       h('section', {class: 'card', 'aria-labelledby': 'chunks-title'},
         h('h2', {id: 'chunks-title'}, 'Chunks'),
         h('form', {class: 'inline-form', onsubmit: (e) => {
           e.preventDefault();
           const n = Math.max(1, Math.min(total, Number(jump.value) || 1));
           load(Math.floor((n - 1) / CHUNKS_PER_PAGE) * CHUNKS_PER_PAGE);
         }}, field('Go to chunk', jump),
         h('div', {class: 'field'}, h('button', {type: 'submit'}, 'Go'))),
         summary, list, h('div', {class: 'pager'}, prev, next)));

  async function load(at) {
    if (at < 0 || (at >= total && total > 0)) return;
    list.setAttribute('aria-busy', 'true');
    let res;
    try {
      res = await get(`/ragdb/kb/${seg(kb)}/documents/${seg(docId)}/chunks` +
                      `?offset=${at}&limit=${CHUNKS_PER_PAGE}`);
    } catch (err) {
      list.removeAttribute('aria-busy');
      fill(list, errorBox(err));
      return;
    }
    offset = at;
    history.replaceState(null, '', `#/kb/${seg(kb)}/doc/${seg(docId)}?offset=${offset}`);
    prev.disabled = offset === 0;
    next.disabled = res.next_offset === null;
    summary.textContent = res.chunks.length
      ? `Chunks ${formatNumber(offset + 1)}–${formatNumber(offset + res.chunks.length)} of ` +
        `${formatNumber(res.total)} · page ${formatNumber(offset / CHUNKS_PER_PAGE + 1)} of ` +
        formatNumber(pages)
      : 'This document has no chunks.';
    list.removeAttribute('aria-busy');
    fill(list, h('ol', {class: 'chunk-list', start: String(offset + 1)}, res.chunks.map((c) =>
      h('li', {},
        h('div', {class: 'chunk-meta'},
          h('strong', {}, `#${c.index + 1}`),
          c.page > 0 ? h('span', {class: 'badge'}, `page ${c.page}`) : null,
          c.heading_path.length ? h('span', {class: 'path'}, c.heading_path.join(' › ')) : null),
        h('p', {class: 'excerpt'}, truncate(c.text, 360)),
        h('button', {class: 'small', 'aria-label': `Open chunk ${c.index + 1}`,
                     onclick: () => openChunk(kb, c.chunk_id)}, 'Open')))));
  }
  await load(offset);
}
