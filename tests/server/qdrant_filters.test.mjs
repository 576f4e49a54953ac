// Filters and payload indexes over HTTP with the official Qdrant client (issue 20, item 4): geo
// radius / box / polygon, datetime ranges, uuid, text / text_any / phrase, values_count, is_empty /
// is_null, nested, min_should. Every answer is compared with a brute-force evaluation of the same
// filter in this file, on a collection with payload indexes (rows in a sealed segment and in the
// growing one) and on a copy without any; then the expression form is checked through the CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

// ---- deterministic data ----
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];
const CITIES = ['berlin', 'paris', 'rome', 'oslo'];
const WORDS = ['quick', 'brown', 'fox', 'lazy', 'dog', 'jumps', 'over', 'the'];
const UUIDS = ['550e8400-e29b-41d4-a716-446655440000', '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479'];

function point(i) {
  const p = {};
  if (rand() < 0.9) p.city = pick(CITIES);
  if (rand() < 0.9) p.n = Math.floor(rand() * 20) - 5;
  if (rand() < 0.85) p.price = Math.round(rand() * 1000) / 10;
  if (rand() < 0.8) p.flag = rand() < 0.5;
  // Points scattered around Berlin (13.4, 52.5): lon/lat offsets up to about 1 degree.
  if (rand() < 0.85) {
    const g = () => ({ lon: 13.4 + (rand() - 0.5) * 2, lat: 52.5 + (rand() - 0.5) * 2 });
    p.loc = rand() < 0.2 ? [g(), g()] : g();
  }
  if (rand() < 0.85) {
    const d = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 60) * 86400000 +
                        Math.floor(rand() * 86400) * 1000);
    const iso = d.toISOString().replace('.000Z', 'Z');
    p.when = rand() < 0.3 ? iso.replace('Z', '+00:00') : iso;
  }
  if (rand() < 0.8) p.uid = rand() < 0.1 ? 'not-a-uuid' : pick(UUIDS);
  const r = rand();
  if (r < 0.6) p.tags = Array.from({ length: Math.floor(rand() * 4) }, () => pick(WORDS));
  else if (r < 0.7) p.tags = null;
  else if (r < 0.8) p.tags = pick(WORDS);
  if (rand() < 0.85) p.desc = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => pick(WORDS)).join(' ');
  if (rand() < 0.7) {
    p.diet = Array.from({ length: Math.floor(rand() * 3) },
      () => ({ food: pick(['meat', 'veg', 'fish']), likes: rand() < 0.5 }));
  }
  if (rand() < 0.5) p.meta = { lang: pick(['en', 'de']) };
  return { id: i, vector: [Math.cos(i), Math.sin(i), 1], payload: p };
}

// ---- the reference: Qdrant's semantics, evaluated point by point ----
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
function resolve(payload, path) {
  let cur = [payload];
  for (const seg of path.split('.')) {
    const each = seg.endsWith('[]');
    const name = each ? seg.slice(0, -2) : seg;
    const next = [];
    for (const v of cur) {
      const objs = Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : [];
      for (const o of objs) {
        if (!(name in o)) continue;
        if (each && Array.isArray(o[name])) next.push(...o[name]);
        else next.push(o[name]);
      }
    }
    cur = next;
  }
  return cur;
}
const leaves = (raw) => raw.flatMap((v) => (Array.isArray(v) ? v : [v]));
const words = (s) => (s.toLowerCase().match(/[a-z0-9\u0080-\uffff]+/g) ?? []);
const inRange = (x, r) => (r.gt == null || x > r.gt) && (r.gte == null || x >= r.gte) &&
  (r.lt == null || x < r.lt) && (r.lte == null || x <= r.lte);
function haversine(a, b) {
  const R = 6371008.8;
  const rad = (d) => (d * Math.PI) / 180;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}
function inRing(ring, p) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if ((a.lat > p.lat) !== (b.lat > p.lat) &&
        p.lon < a.lon + ((p.lat - a.lat) / (b.lat - a.lat)) * (b.lon - a.lon)) inside = !inside;
  }
  return inside;
}
const geoPoints = (raw) => leaves(raw).filter((v) => isObj(v) && typeof v.lon === 'number' && typeof v.lat === 'number');

function cond(c, id, payload) {
  if (c.has_id) return c.has_id.includes(id);
  if (c.is_empty) {
    const key = c.is_empty === true ? c.key : c.is_empty.key;
    return resolve(payload, key).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  }
  if (c.is_null) return resolve(payload, c.is_null === true ? c.key : c.is_null.key).some((v) => v === null);
  if (c.nested) {
    const els = resolve(payload, c.nested.key).flatMap((v) => (Array.isArray(v) ? v : [v])).filter(isObj);
    return els.some((e) => matches(c.nested.filter, id, e));
  }
  if (!('key' in c)) return matches(c, id, payload);
  const raw = resolve(payload, c.key);
  const lv = leaves(raw);
  if (c.match) {
    const m = c.match;
    if ('value' in m) return lv.some((v) => v === m.value);
    if ('any' in m) return lv.some((v) => m.any.includes(v));
    if ('except' in m) return raw.length > 0 && !lv.some((v) => m.except.includes(v));
    const strs = lv.filter((v) => typeof v === 'string').map(words);
    if ('text' in m) return strs.some((w) => words(m.text).every((q) => w.includes(q)));
    if ('text_any' in m) return strs.some((w) => words(m.text_any).some((q) => w.includes(q)));
    if ('phrase' in m) {
      const q = words(m.phrase);
      return strs.some((w) => w.some((_, i) => q.every((x, k) => w[i + k] === x)));
    }
  }
  if (c.range) {
    const r = c.range;
    if (Object.values(r).some((v) => typeof v === 'string')) {
      const t = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Date.parse(v)]));
      return lv.some((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && inRange(Date.parse(v), t));
    }
    return lv.some((v) => typeof v === 'number' && inRange(v, r));
  }
  if (c.values_count) {
    const n = raw.reduce((s, v) => s + (v === null ? 0 : Array.isArray(v) ? v.length : 1), 0);
    return inRange(n, c.values_count);
  }
  if (c.geo_radius) return geoPoints(raw).some((p) => haversine(c.geo_radius.center, p) < c.geo_radius.radius);
  if (c.geo_bounding_box) {
    const { top_left: tl, bottom_right: br } = c.geo_bounding_box;
    return geoPoints(raw).some((p) => p.lat >= br.lat && p.lat <= tl.lat &&
      (tl.lon > br.lon ? p.lon >= tl.lon || p.lon <= br.lon : p.lon >= tl.lon && p.lon <= br.lon));
  }
  if (c.geo_polygon) {
    const g = c.geo_polygon;
    return geoPoints(raw).some((p) => inRing(g.exterior.points, p) &&
      !(g.interiors ?? []).some((h) => inRing(h.points, p)));
  }
  throw new Error(`reference: unknown condition ${JSON.stringify(c)}`);
}
const list = (x) => (x == null ? [] : Array.isArray(x) ? x : [x]);
function matches(f, id, payload) {
  if (!list(f.must).every((c) => cond(c, id, payload))) return false;
  if (list(f.must_not).some((c) => cond(c, id, payload))) return false;
  if (f.min_should) {
    const hits = f.min_should.conditions.filter((c) => cond(c, id, payload)).length;
    if (hits < f.min_should.min_count) return false;
  }
  const should = list(f.should);
  return should.length === 0 || should.some((c) => cond(c, id, payload));
}

// ---- filters: the JSON form and, where one exists, the same in ragdb's expression language ----
const berlin = { lon: 13.405, lat: 52.52 };
const square = { points: [{ lon: 13, lat: 52 }, { lon: 14, lat: 52 }, { lon: 14, lat: 53 },
  { lon: 13, lat: 53 }, { lon: 13, lat: 52 }] };
const hole = { points: [{ lon: 13.3, lat: 52.3 }, { lon: 13.7, lat: 52.3 }, { lon: 13.7, lat: 52.7 },
  { lon: 13.3, lat: 52.7 }, { lon: 13.3, lat: 52.3 }] };
const CASES = [
  [{ must: [{ key: 'city', match: { value: 'paris' } }] }, "city == 'paris'"],
  [{ must: [{ key: 'loc', geo_radius: { center: berlin, radius: 30000 } }] }, 'geo_radius(loc, 13.405, 52.52, 30000)'],
  [{ must: [{ key: 'loc', geo_radius: { center: berlin, radius: 70000 } }],
     must_not: [{ key: 'city', match: { value: 'oslo' } }] }, "geo_radius(loc, 13.405, 52.52, 70000) and city != 'oslo'"],
  [{ must: [{ key: 'loc', geo_bounding_box: { top_left: { lon: 13.0, lat: 52.9 }, bottom_right: { lon: 13.6, lat: 52.2 } } }] },
    'geo_box(loc, 13.0, 52.9, 13.6, 52.2)'],
  [{ must: [{ key: 'loc', geo_polygon: { exterior: square } }] },
    'geo_polygon(loc, [[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]])'],
  [{ must: [{ key: 'loc', geo_polygon: { exterior: square, interiors: [hole] } }] },
    'geo_polygon(loc, [[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]], [[13.3, 52.3], [13.7, 52.3], [13.7, 52.7], [13.3, 52.7], [13.3, 52.3]])'],
  [{ must: [{ key: 'when', range: { gte: '2024-01-15T00:00:00Z', lt: '2024-02-01T00:00:00Z' } }] },
    "when >= '2024-01-15T00:00:00Z' and when < '2024-02-01T00:00:00Z'"],
  [{ must: [{ key: 'when', range: { gt: '2024-02-10T12:00:00+02:00' } }, { key: 'n', range: { gte: 3 } }] },
    "when > '2024-02-10T12:00:00+02:00' and n >= 3"],
  [{ must: [{ key: 'uid', match: { value: UUIDS[1] } }] }, `uid == '${UUIDS[1]}'`],
  [{ must: [{ key: 'uid', match: { any: [UUIDS[0], 'not-a-uuid'] } }] }, `uid in ['${UUIDS[0]}', 'not-a-uuid']`],
  [{ must_not: [{ key: 'uid', match: { except: [UUIDS[2]] } }] }, null],
  [{ must: [{ key: 'desc', match: { text: 'quick fox' } }] }, "text(desc, 'quick fox')"],
  [{ must: [{ key: 'desc', match: { text_any: 'lazy jumps' } }] }, "text_any(desc, 'lazy jumps')"],
  [{ must: [{ key: 'desc', match: { phrase: 'the quick' } }] }, "phrase(desc, 'the quick')"],
  [{ must: [{ key: 'tags', values_count: { gte: 2 } }] }, 'count(tags) >= 2'],
  [{ must: [{ key: 'tags', values_count: { lt: 1 } }] }, 'count(tags) < 1'],
  [{ must: [{ is_empty: { key: 'tags' } }] }, 'is_empty(tags)'],
  [{ must: [{ is_null: { key: 'tags' } }] }, 'is_null(tags)'],
  [{ must: [{ key: 'tags', is_empty: true }] }, null],
  [{ must: [{ nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'meat' } },
    { key: 'likes', match: { value: true } }] } } }] }, "nested(diet, food == 'meat' and likes == true)"],
  [{ must: [{ key: 'diet[].food', match: { value: 'meat' } }, { key: 'diet[].likes', match: { value: true } }] },
    "diet[].food == 'meat' and diet[].likes == true"],
  [{ min_should: { conditions: [{ key: 'city', match: { value: 'rome' } }, { key: 'flag', match: { value: true } },
    { key: 'n', range: { gt: 5 } }], min_count: 2 } }, "min_should(2, city == 'rome', flag == true, n > 5)"],
  [{ must: [{ key: 'price', range: { lt: 50 } }],
     should: [{ key: 'meta.lang', match: { value: 'de' } }, { key: 'loc', geo_radius: { center: berlin, radius: 40000 } }],
     min_should: { conditions: [{ key: 'desc', match: { text: 'dog' } }, { is_null: { key: 'tags' } }], min_count: 1 } },
    "price < 50 and (meta.lang == 'de' or geo_radius(loc, 13.405, 52.52, 40000)) and min_should(1, text(desc, 'dog'), is_null(tags))"],
  [{ must: [{ has_id: [3, 155, 290] }, { key: 'city', match: { except: ['oslo'] } }] }, null],
];

const INDEXES = { city: 'keyword', n: 'integer', price: 'float', flag: 'bool', loc: 'geo',
  when: 'datetime', uid: 'uuid', desc: 'text', tags: 'keyword', 'meta.lang': 'keyword' };

let dir;
let server;
let client;
let points;  // id -> payload, as the collections hold them

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-filters-'));
  server = await startServer(BIN, dir);
  client = new QdrantClient({ url: `http://127.0.0.1:${server.port}`, checkCompatibility: false });
  points = new Map();
  for (const name of ['fi', 'fs']) {
    await client.createCollection(name, { vectors: { size: 3, distance: 'Cosine' } });
  }
  const first = Array.from({ length: 150 }, (_, i) => point(i + 1));
  for (const name of ['fi', 'fs']) await client.upsert(name, { wait: true, points: first });
  // Declaring the indexes seals what is there: rows 1..150 go to an indexed segment file.
  for (const [field, type] of Object.entries(INDEXES)) {
    const schema = type === 'text' ? { type: 'text', tokenizer: 'word', phrase_matching: true } : type;
    const r = await client.createPayloadIndex('fi', { field_name: field, field_schema: schema, wait: true });
    assert.equal(r.status, 'completed');
  }
  // Rows 151..300 and overwrites of some sealed rows stay in the growing segment, whose payload
  // indexes cover them as they arrive; a few deletes leave tombstones in both.
  const second = Array.from({ length: 150 }, (_, i) => point(i + 151));
  const rewrites = [2, 7, 40, 99].map((id) => point(id));
  for (const name of ['fi', 'fs']) {
    for (let i = 0; i < second.length; i += 37) {
      await client.upsert(name, { wait: true, points: second.slice(i, i + 37) });
    }
    await client.upsert(name, { wait: true, points: rewrites });
    await client.delete(name, { wait: true, points: [5, 160, 161] });
  }
  for (const p of [...first, ...second, ...rewrites]) points.set(p.id, p.payload);
  for (const id of [5, 160, 161]) points.delete(id);
});

after(async () => {
  if (server) {
    server.proc.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function expected(filter) {
  return [...points.entries()].filter(([id, p]) => matches(filter, id, p)).map(([id]) => id).sort((a, b) => a - b);
}

async function scrollIds(name, filter) {
  const ids = [];
  let offset;
  do {
    const page = await client.scroll(name, { filter, limit: 64, offset, with_payload: false });
    ids.push(...page.points.map((p) => p.id));
    offset = page.next_page_offset ?? undefined;
  } while (offset !== undefined);
  return ids.sort((a, b) => a - b);
}

test('payload_schema lists the new index types', async () => {
  const info = await client.getCollection('fi');
  for (const [field, type] of Object.entries(INDEXES)) {
    assert.equal(info.payload_schema[field].data_type, type, field);
  }
  assert.ok(info.payload_schema.loc.points > 200);
  assert.ok(info.segments_count >= 2, 'a sealed segment and the growing one');
});

test('every filter equals the brute-force reference, with and without indexes', async () => {
  let nonTrivial = 0;
  for (const [filter] of CASES) {
    const want = expected(filter);
    if (want.length > 0 && want.length < points.size) nonTrivial++;
    for (const name of ['fi', 'fs']) {
      const where = `${name} ${JSON.stringify(filter)}`;
      assert.deepEqual(await scrollIds(name, filter), want, `scroll ${where}`);
      assert.equal((await client.count(name, { filter, exact: true })).count, want.length, `count ${where}`);
      // Filtered vector search: exact top-k over the allowed points only.
      const hits = await client.query(name, { query: [1, 0, 1], filter, limit: 500 });
      assert.deepEqual(hits.points.map((p) => p.id).sort((a, b) => a - b), want, `query ${where}`);
    }
  }
  assert.ok(nonTrivial >= CASES.length - 2, `only ${nonTrivial} filters select a proper subset`);
});

test('malformed geo, datetime and index requests are 400s naming the problem', async () => {
  const bad = async (filter, re) => {
    await assert.rejects(client.count('fi', { filter }), (e) => {
      assert.equal(e.status, 400);
      assert.match(JSON.stringify(e.data), re);
      return true;
    });
  };
  await bad({ must: [{ key: 'loc', geo_radius: { center: { lon: 13, lat: 95 }, radius: 10 } }] }, /lat in -90..90/);
  await bad({ must: [{ key: 'loc', geo_polygon: { exterior: { points: [{ lon: 0, lat: 0 }] } } }] }, /at least 4 points/);
  await bad({ must: [{ key: 'when', range: { gte: '2024-13-01' } }] }, /not an RFC 3339 date-time/);
  await bad({ must: [{ key: 'tags', values_count: { gte: -1 } }] }, /non-negative integer/);
  await bad({ must: [{ nested: { key: 'diet', filter: { must: [{ has_id: [1] }] } } }] }, /has_id/);
  await bad({ min_should: { conditions: [], min_count: 'x' } }, /min_count/);
  const idx = async (schema, re) => {
    await assert.rejects(client.createPayloadIndex('fi', { field_name: 'z', field_schema: schema }), (e) => {
      assert.equal(e.status, 400);
      assert.match(JSON.stringify(e.data), re);
      return true;
    });
  };
  await idx({ type: 'keyword', on_disk: true }, /on_disk/);
  await idx({ type: 'text', tokenizer: 'prefix' }, /tokenizer/);
  await idx({ type: 'text', stemmer: { type: 'snowball', language: 'english' } }, /stemmer/);
  await idx({ type: 'geo', is_tenant: false }, /unknown option/);
  await idx('vector', /unknown payload index type/);
});

test('the expression form gives the same answers through the CLI', async () => {
  server.proc.kill('SIGTERM');
  await server.exited;
  server = null;
  for (const [filter, expr] of CASES) {
    if (!expr) continue;
    const want = expected(filter);
    for (const name of ['fi', 'fs']) {
      const out = execFileSync(BIN, ['--data', dir, 'count', name, '--filter', expr]).toString().trim();
      assert.equal(Number(out), want.length, `${name}: ${expr}`);
      const page = JSON.parse(execFileSync(BIN, ['--data', dir, 'scroll', name, '--limit', '1000', '--filter', expr]).toString());
      assert.deepEqual(page.records.map((r) => r.id).sort((a, b) => a - b), want, `${name}: ${expr}`);
    }
  }
});
