// Collections: the list with each collection's size and configuration, creation and deletion,
// and a points browser (filter box, server-side paging by scroll cursor, "Search similar" from
// a point through the Query API).
import {del, get, post, put, seg} from './api.js';
import {confirmDialog, errorBox, field, fill, formatNumber, h, pageHeader, table, toast,
  truncate} from './ui.js';

export const PAGE = 'collections';

// "dense: 256-d Cosine" / "256-d Euclid" from a collection's config.params.vectors.
function vectorSummary(vectors) {
  if (!vectors || typeof vectors !== 'object') return '—';
  if ('size' in vectors) return `${vectors.size}-d ${vectors.distance}`;
  const names = Object.keys(vectors);
  if (!names.length) return 'no vectors';
  return names.map((n) => `${n}: ${vectors[n].size}-d ${vectors[n].distance}`).join(', ');
}

function vectorNames(vectors) {
  if (!vectors || typeof vectors !== 'object') return [];
  if ('size' in vectors) return [''];
  return Object.keys(vectors);
}

export async function render(view, params) {
  if (params.collection) return renderPoints(view, params.collection);
  return renderList(view);
}

async function renderList(view) {
  const list = h('div', {'aria-busy': 'true'}, h('p', {class: 'loading'}, 'Loading collections…'));
  fill(view, pageHeader('Collections'), createForm(), list);
  const {collections} = await get('/collections');
  const infos = await Promise.all(collections.map(async (c) => {
    try {
      return {name: c.name, info: await get(`/collections/${seg(c.name)}`)};
    } catch (err) {
      return {name: c.name, error: err};
    }
  }));
  infos.sort((a, b) => a.name.localeCompare(b.name));
  const rows = infos.map(({name, info, error}) => {
    const link = h('a', {href: `#/collections/${seg(name)}`}, name);
    if (error) return [link, h('span', {class: 'bad'}, error.message), '', '', '', ''];
    const p = info.config.params;
    const indexed = info.config.hnsw_config && info.config.hnsw_config.m > 0 ? 'HNSW' : 'exact';
    const extras = [];
    if (p.sparse_vectors) extras.push('BM25 text');
    if (Object.keys(info.payload_schema || {}).length) {
      extras.push('indexes: ' + Object.keys(info.payload_schema).join(', '));
    }
    return [
      link,
      h('span', {class: 'num'}, formatNumber(info.points_count)),
      vectorSummary(p.vectors),
      `${indexed}${info.config.quantization_config ? ' + SQ8' : ''}`,
      extras.join('; ') || '—',
      h('button', {class: 'small danger', 'aria-label': `Delete collection ${name}`,
                   onclick: () => deleteCollection(name, view)}, 'Delete'),
    ];
  });
  list.removeAttribute('aria-busy');
  fill(list, table(['Name', 'Points', 'Vectors', 'Index', 'Payload / text', ''], rows,
                   {caption: `${collections.length} collection${collections.length === 1 ? '' : 's'}`,
                    empty: 'No collections yet: create one above, or load data with the API.'}));
}

function createForm() {
  const name = h('input', {required: true, pattern: '[A-Za-z0-9_.\\-]+', autocomplete: 'off'});
  const size = h('input', {type: 'number', min: '1', max: '65536', value: '128', required: true});
  const distance = h('select', {}, ['Cosine', 'Euclid', 'Dot'].map((d) => h('option', {}, d)));
  const text = h('input', {type: 'checkbox'});
  const status = h('div', {role: 'status', class: 'muted'});
  const form = h('form', {class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    const body = {vectors: {size: Number(size.value), distance: distance.value}};
    if (text.checked) body.sparse_vectors = {text: {modifier: 'idf'}};
    try {
      await put(`/collections/${seg(name.value)}`, body);
      toast(`Collection ${name.value} created`);
      location.hash = `#/collections/${seg(name.value)}`;
    } catch (err) {
      fill(status, errorBox(err));
    }
  }},
  field('Name', name), field('Dimension', size), field('Distance', distance),
  h('div', {class: 'field check'}, h('label', {}, text, ' BM25 text field')),
  h('div', {class: 'field'}, h('button', {class: 'primary', type: 'submit'}, 'Create collection')),
  status);
  return h('details', {class: 'card'}, h('summary', {}, 'New collection'), form);
}

async function deleteCollection(name, view) {
  const ok = await confirmDialog(`Delete collection ${name}?`,
                                 'Its points and files are removed for good.');
  if (!ok) return;
  try {
    await del(`/collections/${seg(name)}`);
    toast(`Collection ${name} deleted`);
    if (location.hash === '#/collections') await renderList(view);
    else location.hash = '#/collections';
  } catch (err) {
    toast(err.message, 'error');
  }
}

// The filter box takes an expression (cat == "news" and price < 5) or Qdrant's JSON form.
function parseFilter(text) {
  const t = text.trim();
  if (!t) return undefined;
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new Error(`The filter is not valid JSON: ${e.message}`);
    }
  }
  return t;
}

async function renderPoints(view, name) {
  const info = await get(`/collections/${seg(name)}`).catch((err) => {
    fill(view, pageHeader(name), errorBox(err), h('p', {}, h('a', {href: '#/collections'},
                                                             'Back to collections')));
    return null;
  });
  if (!info) return;
  const names = vectorNames(info.config.params.vectors);
  const state = {filter: undefined, pageSize: 20, cursors: [null], page: 0, total: null};
  const filterInput = h('input', {type: 'search', placeholder: 'e.g. cat == "news" and price < 5',
                                  autocomplete: 'off', spellcheck: 'false'});
  const pageSize = h('select', {}, [10, 20, 50, 100].map((n) => h('option', {value: n,
                                                                           selected: n === 20}, n)));
  const results = h('div', {class: 'points'});
  const similar = h('section', {class: 'similar', 'aria-live': 'polite'});
  const summary = h('p', {class: 'muted', role: 'status'});
  const prev = h('button', {onclick: () => go(state.page - 1)}, '← Previous');
  const next = h('button', {onclick: () => go(state.page + 1)}, 'Next →');

  fill(view,
       h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'},
         h('a', {href: '#/collections'}, 'Collections'), ' / ', name),
       pageHeader(name, h('button', {class: 'danger small',
                                     onclick: () => deleteCollection(name, view)},
                          'Delete collection')),
       h('p', {class: 'muted'}, `${formatNumber(info.points_count)} points · `,
         vectorSummary(info.config.params.vectors),
         ` · ${info.segments_count} segment${info.segments_count === 1 ? '' : 's'}`),
       h('form', {class: 'filter-form', role: 'search', onsubmit: (e) => {
         e.preventDefault();
         try {
           state.filter = parseFilter(filterInput.value);
         } catch (err) {
           fill(results, errorBox(err));
           return;
         }
         state.pageSize = Number(pageSize.value);
         state.cursors = [null];
         state.total = null;
         go(0);
       }},
       field('Filter', filterInput),
       field('Page size', pageSize),
       h('div', {class: 'field'}, h('button', {class: 'primary', type: 'submit'}, 'Apply')),
       h('div', {class: 'field'}, h('button', {type: 'button', onclick: () => {
         filterInput.value = '';
         state.filter = undefined;
         state.cursors = [null];
         state.total = null;
         go(0);
       }}, 'Clear'))),
       h('p', {class: 'hint'}, 'Filter: an expression (cat == "news" and price < 5, ',
         'see docs/filters.md) or Qdrant\'s JSON filter object.'),
       summary, results, h('div', {class: 'pager'}, prev, next), similar);

  async function count() {
    if (state.filter === undefined) {
      state.total = info.points_count;
      return;
    }
    try {
      state.total = (await post(`/collections/${seg(name)}/points/count`,
                                {filter: state.filter, exact: true})).count;
    } catch (err) {
      state.total = null;
    }
  }

  async function go(page) {
    if (page < 0 || page >= state.cursors.length) return;
    results.setAttribute('aria-busy', 'true');
    let res;
    try {
      const body = {limit: state.pageSize, with_payload: true, with_vector: false};
      if (state.filter !== undefined) body.filter = state.filter;
      if (state.cursors[page] !== null) body.offset = state.cursors[page];
      [res] = await Promise.all([post(`/collections/${seg(name)}/points/scroll`, body),
                                 state.total === null ? count() : null]);
    } catch (err) {
      results.removeAttribute('aria-busy');
      fill(results, errorBox(err));
      return;
    }
    state.page = page;
    if (res.next_page_offset !== null && res.next_page_offset !== undefined) {
      state.cursors[page + 1] = res.next_page_offset;
    } else {
      state.cursors.length = page + 1;
    }
    const first = page * state.pageSize;
    const shown = res.points.length;
    summary.textContent = shown
      ? `Points ${formatNumber(first + 1)}–${formatNumber(first + shown)}` +
        (state.total !== null ? ` of ${formatNumber(state.total)}` : '') +
        (state.filter !== undefined ? ' matching the filter' : '')
      : 'No points' + (state.filter !== undefined ? ' match the filter.' : '.');
    prev.disabled = page === 0;
    next.disabled = page + 1 >= state.cursors.length;
    results.removeAttribute('aria-busy');
    fill(results, table(['ID', 'Payload', ''], res.points.map((p) => [
      h('code', {}, String(p.id)),
      h('code', {class: 'payload', title: JSON.stringify(p.payload)},
        truncate(JSON.stringify(p.payload), 220)),
      names.length ? h('button', {class: 'small', 'aria-label': `Search similar to point ${p.id}`,
                                  onclick: () => searchSimilar(p.id)}, 'Search similar')
                   : '',
    ]), {empty: 'No points.'}));
  }

  async function searchSimilar(id) {
    const using = names[0] || undefined;
    fill(similar, h('h2', {}, `Similar to point ${id}`), h('p', {class: 'loading'}, 'Searching…'));
    try {
      const body = {query: id, limit: 10, with_payload: true};
      if (using) body.using = using;
      const res = await post(`/collections/${seg(name)}/points/query`, body);
      const rows = res.points.filter((p) => String(p.id) !== String(id)).map((p) => [
        h('code', {}, String(p.id)), h('span', {class: 'num'}, p.score.toFixed(4)),
        h('code', {class: 'payload'}, truncate(JSON.stringify(p.payload), 200))]);
      fill(similar, h('h2', {tabindex: '-1'}, `Similar to point ${id}`),
           h('p', {class: 'muted'}, `Nearest by ${using || 'the vector'}; the point itself is left out.`),
           table(['ID', 'Score', 'Payload'], rows, {empty: 'No other points.'}));
      similar.querySelector('h2').focus();
    } catch (err) {
      fill(similar, h('h2', {}, `Similar to point ${id}`), errorBox(err));
    }
  }

  await go(0);
}
