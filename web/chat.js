// Chat with a knowledge base through /v1/chat/completions (model "kb:NAME", streamed): the
// answer appears as it arrives, its citations "[1]", "[2]" are buttons that open the cited
// chunk with its source, and the whole conversation goes with each question, so follow-ups
// are answered in context. Conversations are kept per knowledge base while the tab is open.
import {get, stream} from './api.js';
import {openChunk} from './chunk_viewer.js';
import {baseName, errorBox, fill, h, kbSelect, pageHeader, rememberKb, rememberedKb,
  uid} from './ui.js';

export const PAGE = 'chat';

const conversations = new Map();  // kb -> [{role, content, citations, mode, error}]
let controller = null;            // aborts the answer being streamed

export function leave() {
  if (controller) controller.abort();
}

// The answer's text with each [n] that names a citation turned into a button.
function answerBody(kb, text, citations) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  const out = h('div', {class: 'answer-text'});
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    const c = byN.get(Number(m[1]));
    if (!c) continue;
    out.append(text.slice(last, m.index), citeButton(kb, c));
    last = m.index + m[0].length;
  }
  out.append(text.slice(last));
  return out;
}

function citeButton(kb, c) {
  return h('button', {class: 'cite', type: 'button',
                      title: `${baseName(c.source)}${c.page > 0 ? `, page ${c.page}` : ''}`,
                      onclick: () => openChunk(kb, c.chunk_id, {citation: c.n})},
           `[${c.n}]`);
}

function sources(kb, citations) {
  if (!citations || !citations.length) return null;
  return h('div', {class: 'sources'}, h('h3', {}, 'Sources'),
           h('ol', {}, citations.map((c) => h('li', {}, citeButton(kb, c), ' ',
                                              h('span', {title: c.source}, baseName(c.source)),
                                              c.page > 0 ? ` · page ${c.page}` : '',
                                              h('span', {class: 'muted'},
                                                ` · score ${c.score.toFixed(3)}`)))));
}

function messageView(kb, m) {
  if (m.role === 'user') {
    return h('li', {class: 'msg user'}, h('div', {class: 'who'}, 'You'),
             h('div', {class: 'answer-text'}, m.content));
  }
  return h('li', {class: 'msg assistant'},
           h('div', {class: 'who'}, 'ragdb', m.mode ? h('span', {class: 'badge'}, m.mode) : null),
           m.error ? errorBox(m.error) : answerBody(kb, m.content, m.citations),
           m.pending ? h('span', {class: 'typing', 'aria-hidden': 'true'}, '▍') : null,
           m.pending ? null : sources(kb, m.citations));
}

export async function render(view) {
  fill(view, pageHeader('Chat'));
  const {knowledge_bases: kbs} = await get('/ragdb/kb');
  const names = kbs.filter((k) => !k.error).map((k) => k.name);
  if (!names.length) {
    view.append(h('p', {}, 'No knowledge base yet. ',
                  h('a', {href: '#/kb'}, 'Create one and upload documents'), ' first.'));
    return;
  }
  let kb = rememberedKb(names);
  const log = h('ol', {class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Conversation'});
  const question = h('textarea', {id: uid('q'), rows: '2', required: true,
                                  placeholder: 'Ask a question about the documents'});
  const send = h('button', {class: 'primary', type: 'submit'}, 'Send');
  const status = h('div', {role: 'status', class: 'muted'});

  const history = () => {
    if (!conversations.has(kb)) conversations.set(kb, []);
    return conversations.get(kb);
  };
  const draw = () => {
    const turns = history();
    fill(log, turns.length ? turns.map((m) => messageView(kb, m))
                           : h('li', {class: 'msg empty muted'},
                               `Ask anything about the documents of ${kb}. Answers cite their ` +
                               'sources; click a citation to read it.'));
    log.scrollTop = log.scrollHeight;
  };

  const form = h('form', {class: 'chat-form', onsubmit: (e) => {
    e.preventDefault();
    ask();
  }},
  h('div', {class: 'field grow'}, h('label', {for: question.id}, 'Question'), question),
  h('div', {class: 'field'}, send));
  question.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  view.append(
      h('div', {class: 'chat-bar'},
        h('div', {class: 'field'}, h('label', {for: 'chat-kb'}, 'Knowledge base'),
          Object.assign(kbSelect(names, kb, (v) => {
            kb = v;
            rememberKb(v);
            draw();
          }), {id: 'chat-kb'})),
        h('button', {type: 'button', onclick: () => {
          leave();
          conversations.set(kb, []);
          draw();
          question.focus();
        }}, 'New conversation')),
      log, form, status);
  draw();

  async function ask() {
    const text = question.value.trim();
    if (!text || send.disabled) return;
    const turns = history();
    const messages = turns.filter((m) => !m.error && !m.pending)
                         .map((m) => ({role: m.role, content: m.content}));
    messages.push({role: 'user', content: text});
    turns.push({role: 'user', content: text});
    const answer = {role: 'assistant', content: '', citations: [], pending: true};
    turns.push(answer);
    question.value = '';
    send.disabled = true;
    status.textContent = 'Answering…';
    log.setAttribute('aria-busy', 'true');
    draw();
    const bubble = log.lastElementChild;
    const textEl = bubble.querySelector('.answer-text');
    controller = new AbortController();
    try {
      await stream('/v1/chat/completions',
                   {model: `kb:${kb}`, messages, stream: true}, (e) => {
                     if (e.data === '[DONE]') return;
                     const chunk = JSON.parse(e.data);
                     if (chunk.error) throw new Error(chunk.error.message);
                     const choice = chunk.choices && chunk.choices[0];
                     if (choice && choice.delta && choice.delta.content) {
                       answer.content += choice.delta.content;
                       textEl.textContent = answer.content;
                       log.scrollTop = log.scrollHeight;
                     }
                     if (chunk.citations) answer.citations = chunk.citations;
                     if (chunk.ragdb && chunk.ragdb.mode) answer.mode = chunk.ragdb.mode;
                   }, {signal: controller.signal});
      // The content ends with a "Sources:" list for plain clients; the console shows the
      // structured citations instead.
      const cut = answer.content.lastIndexOf('\n\nSources:');
      if (cut >= 0 && answer.citations.length) answer.content = answer.content.slice(0, cut);
    } catch (err) {
      if (err.name === 'AbortError') {
        answer.error = 'Stopped.';
      } else {
        answer.error = err.message || String(err);
      }
    }
    answer.pending = false;
    controller = null;
    send.disabled = false;
    status.textContent = '';
    log.removeAttribute('aria-busy');
    if (view.isConnected) {
      draw();
      question.focus();
    }
  }
  question.focus();
}
