// Calls to the ragdb HTTP API from the console. Every call carries the API key the user typed
// (kept in sessionStorage, so it is forgotten when the tab closes). A 401 answer raises
// ApiError with status 401 and tells the app (onUnauthorized) so it can ask for a key.

const KEY_STORAGE = 'ragdb-console-api-key';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

let unauthorizedHandler = () => {};

// The app's reaction to a 401 (show the sign-in form).
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function authHeaders(extra = {}) {
  const headers = {...extra};
  const key = apiKey();
  if (key) headers['api-key'] = key;
  return headers;
}

// The error message of a response body: ragdb's envelope ({"status": {"error"}}) or OpenAI's
// ({"error": {"message"}}); the raw text when it is neither.
function errorMessage(status, text) {
  try {
    const body = JSON.parse(text);
    if (body && body.status && body.status.error) return body.status.error;
    if (body && body.error && body.error.message) return body.error.message;
    if (body && typeof body.error === 'string') return body.error;
  } catch (e) {
    // not JSON: fall through
  }
  return text ? `HTTP ${status}: ${text.slice(0, 300)}` : `HTTP ${status}`;
}

function fail(status, text) {
  const err = new ApiError(status, errorMessage(status, text));
  if (status === 401) unauthorizedHandler(err);
  return err;
}

// One JSON call; resolves to the envelope's "result" (or the whole body when there is none).
export async function call(method, path, body, options = {}) {
  const init = {method, headers: authHeaders(), signal: options.signal};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  const text = await response.text();
  if (!response.ok) throw fail(response.status, text);
  if (options.raw) return text;
  const json = text ? JSON.parse(text) : null;
  return json && Object.prototype.hasOwnProperty.call(json, 'result') ? json.result : json;
}

export const get = (path, options) => call('GET', path, undefined, options);
export const post = (path, body, options) => call('POST', path, body, options);
export const put = (path, body, options) => call('PUT', path, body, options);
export const del = (path, options) => call('DELETE', path, undefined, options);

// Splits server-sent event text into complete events; returns [events, rest of the text].
export function parseSse(text) {
  const events = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n\n', start);
    if (end < 0) break;
    let event = 'message';
    const data = [];
    for (const line of text.slice(start, end).split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({event, data: data.join('\n')});
    start = end + 2;
  }
  return [events, text.slice(start)];
}

// POST with a streamed (server-sent events) answer; onEvent({event, data}) for each event.
export async function stream(path, body, onEvent, options = {}) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: authHeaders({'Content-Type': 'application/json', 'Accept': 'text/event-stream'}),
      body: JSON.stringify(body),
      signal: options.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  if (!response.ok) throw fail(response.status, await response.text());
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    pending += decoder.decode(value, {stream: true});
    const [events, rest] = parseSse(pending);
    pending = rest;
    for (const e of events) onEvent(e);
  }
}

// Uploads one file to a knowledge base with progress: onUpload(fraction) while the bytes go
// up, then onEvent({event, data}) for each progress event the server sends as it parses,
// chunks, embeds and writes the file. Resolves when the server has answered.
export function upload(kb, file, {source, onUpload, onEvent}) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    if (source) form.append('source', source);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/ragdb/kb/${encodeURIComponent(kb)}/documents`);
    for (const [k, v] of Object.entries(authHeaders({'Accept': 'text/event-stream'}))) {
      xhr.setRequestHeader(k, v);
    }
    let seen = 0;
    let pending = '';
    const drain = () => {
      if (xhr.status !== 200) return;
      pending += xhr.responseText.slice(seen);
      seen = xhr.responseText.length;
      const [events, rest] = parseSse(pending);
      pending = rest;
      for (const e of events) onEvent(e);
    };
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onUpload(e.loaded / e.total);
    };
    xhr.upload.onload = () => onUpload(1);
    xhr.onprogress = drain;
    xhr.onload = () => {
      if (xhr.status !== 200) {
        reject(fail(xhr.status, xhr.responseText));
        return;
      }
      drain();
      resolve();
    };
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed: cannot reach the server'));
    xhr.send(form);
  });
}

// Path segment encoding for names and ids in URLs.
export const seg = (s) => encodeURIComponent(String(s));
