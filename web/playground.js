// The retrieval playground: a query against a knowledge base with the retrieval settings in
// reach (hybrid, BM25 or dense; RRF or weighted fusion and its weights; rerank; k), the
// results with their scores, and the time each stage took on the server.
import {get, post, seg} from './api.js';
import {openChunk} from './chunk_viewer.js';
import {baseName, errorBox, field, fill, formatMs, h, kbSelect, pageHeader, rememberKb,
  rememberedKb, truncate, uid} from './ui.js';

export const PAGE = 'playground';

// Installed models that could rerank (the server refuses those that are not cross-encoders).
async function installedModels() {
  try {
    const {data} = await get('/v1/models');
    return data.map((m) => m.id).filter((id) => id !== 'hash' && !id.startsWith('kb:'));
  } catch (err) {
    return [];
  }
}

function radio(name, value, label, checked) {
  const input = h('input', {type: 'radio', name, value, id: uid('r'), checked});
  return h('label', {class: 'choice', for: input.id}, input, ' ', label);
}

export async function render(view) {
  fill(view, pageHeader('Retrieval playground'));
  const [{knowledge_bases: kbs}, models] = await Promise.all([get('/ragdb/kb'), installedModels()]);
  const names = kbs.filter((k) => !k.error).map((k) => k.name);
  if (!names.length) {
    view.append(h('p', {}, 'No knowledge base yet. ',
                  h('a', {href: '#/kb'}, 'Create one and upload documents'), ' first.'));
    return;
  }
  let kb = rememberedKb(names);
  const query = h('input', {type: 'search', required: true, autocomplete: 'off',
                            placeholder: 'What do you want to find?'});
  const modeName = uid('mode');
  const modes = h('fieldset', {class: 'choices'}, h('legend', {}, 'Retrieval'),
                  radio(modeName, 'hybrid', 'Hybrid', true), radio(modeName, 'bm25', 'BM25'),
                  radio(modeName, 'dense', 'Dense'));
  const fusion = h('select', {}, h('option', {value: 'rrf'}, 'RRF (ranks)'),
                   h('option', {value: 'weighted'}, 'Weighted (normalized scores)'));
  const weight = (value) => h('input', {type: 'range', min: '0', max: '2', step: '0.1', value,
                                        id: uid('w')});
  const denseWeight = weight('1');
  const bm25Weight = weight('1');
  const denseOut = h('output', {}, '1.0');
  const bm25Out = h('output', {}, '1.0');
  const rerank = h('input', {type: 'checkbox', id: uid('rerank'), disabled: !models.length});
  const reranker = h('select', {disabled: !models.length, 'aria-label': 'Reranker model'},
                     models.length ? models.map((m) => h('option', {value: m}, m))
                                   : h('option', {value: ''}, 'none installed'));
  const k = h('input', {type: 'number', min: '1', max: '50', value: '5', class: 'narrow'});
  const results = h('section', {class: 'results', 'aria-live': 'polite',
                                'aria-label': 'Results'});
  const hybridOnly = h('div', {class: 'hybrid-only'},
                       field('Fusion', fusion),
                       h('div', {class: 'field'}, h('label', {for: denseWeight.id},
                                                    'Dense weight ', denseOut), denseWeight),
                       h('div', {class: 'field'}, h('label', {for: bm25Weight.id},
                                                    'BM25 weight ', bm25Out), bm25Weight));
  const update = () => {
    const mode = modes.querySelector('input:checked').value;
    for (const el of hybridOnly.querySelectorAll('select, input')) el.disabled = mode !== 'hybrid';
    hybridOnly.classList.toggle('disabled', mode !== 'hybrid');
    denseOut.textContent = Number(denseWeight.value).toFixed(1);
    bm25Out.textContent = Number(bm25Weight.value).toFixed(1);
    reranker.disabled = !rerank.checked;
  };
  modes.addEventListener('change', update);
  denseWeight.addEventListener('input', update);
  bm25Weight.addEventListener('input', update);
  rerank.addEventListener('change', update);

  const form = h('form', {class: 'card playground-form', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    run();
  }},
  field('Knowledge base', kbSelect(names, kb, (v) => {
    kb = v;
    rememberKb(v);
  })),
  field('Query', query),
  modes, hybridOnly,
  h('div', {class: 'field rerank'},
    h('label', {for: rerank.id}, rerank, ' Rerank'), reranker,
    models.length ? null : h('div', {class: 'hint'},
                             'No reranker installed (ragdb model pull a cross-encoder).')),
  field('k', k),
  h('div', {class: 'field'}, h('button', {class: 'primary', type: 'submit'}, 'Search')));
  view.append(form, results);
  update();

  async function run() {
    const mode = modes.querySelector('input:checked').value;
    const body = {query: query.value, k: Number(k.value) || 5, mode};
    if (mode === 'hybrid') {
      body.fusion = fusion.value;
      body.weights = {dense: Number(denseWeight.value), bm25: Number(bm25Weight.value)};
    }
    if (rerank.checked && reranker.value) body.reranker = reranker.value;
    results.setAttribute('aria-busy', 'true');
    fill(results, h('p', {class: 'loading'}, 'Searching…'));
    const started = performance.now();
    let res;
    try {
      res = await post(`/ragdb/kb/${seg(kb)}/retrieve`, body);
    } catch (err) {
      results.removeAttribute('aria-busy');
      fill(results, errorBox(err));
      return;
    }
    const roundTrip = performance.now() - started;
    results.removeAttribute('aria-busy');
    fill(results, timings(res.timings_ms, roundTrip),
         h('h2', {}, `${res.chunks.length} result${res.chunks.length === 1 ? '' : 's'}`),
         res.chunks.length ? h('ol', {class: 'result-list'}, res.chunks.map((c, i) => result(c, i)))
                           : h('p', {}, 'Nothing found.'),
         h('details', {class: 'request'}, h('summary', {}, 'Request'),
           h('pre', {}, `POST /ragdb/kb/${kb}/retrieve\n${JSON.stringify(body, null, 2)}`)));
  }

  function result(c, i) {
    const scoreLabel = c.chunk_ids && c.chunk_ids.length > 1 ? ` · ${c.chunk_ids.length} chunks merged` : '';
    return h('li', {class: 'result'},
             h('div', {class: 'result-head'},
               h('span', {class: 'rank'}, `#${i + 1}`),
               h('span', {class: 'score', title: 'Score'}, `score ${c.score.toFixed(4)}`),
               h('span', {class: 'badge'}, `dense ${c.dense_score.toFixed(3)}`),
               h('span', {class: `badge ${c.bm25_match ? 'ok' : ''}`},
                 c.bm25_match ? 'BM25 match' : 'no BM25 match'),
               h('span', {class: 'muted'}, scoreLabel)),
             h('div', {class: 'result-source'}, h('strong', {}, baseName(c.source)),
               c.page > 0 ? ` · page ${c.page}` : '',
               c.heading_path.length ? ` · ${c.heading_path.join(' › ')}` : ''),
             h('p', {class: 'excerpt'}, truncate(c.text, 500)),
             h('button', {class: 'small', 'aria-label': `Open chunk of result ${i + 1}`,
                          onclick: () => openChunk(kb, c.chunk_id)}, 'Open chunk'));
  }
}

// The server's stage timings as a stacked bar, with the round trip seen by the browser.
function timings(t, roundTrip) {
  const stages = [['embed', 'Embed'], ['search', 'Search'], ['rerank', 'Rerank'],
                  ['assemble', 'Assemble']];
  const total = stages.reduce((s, [key]) => s + (t[key] || 0), 0) || 1;
  const bar = h('div', {class: 'stack', 'aria-hidden': 'true'});
  for (const [key] of stages) {
    const part = h('span', {class: `stack-${key}`});
    part.style.width = `${(100 * (t[key] || 0)) / total}%`;
    bar.append(part);
  }
  return h('div', {class: 'timings card'},
           h('h2', {}, 'Timings'), bar,
           h('ul', {class: 'legend'},
             stages.map(([key, label]) => h('li', {}, h('span', {class: `swatch stack-${key}`}),
                                            `${label} ${formatMs(t[key] || 0)}`)),
             h('li', {}, h('strong', {}, `Server total ${formatMs(t.total ?? total)}`)),
             h('li', {class: 'muted'}, `Round trip ${formatMs(roundTrip)}`)));
}
