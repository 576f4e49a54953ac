// Prompt processing and generation tokens/s of `ragdb generate` (the CLI, one process per run;
// model loading excluded, as ragdb's --stats reports it) against llama.cpp through
// node-llama-cpp@3.21.1 (its prebuilt CPU backend for this machine, in-process; model loaded
// once), on the same GGUF file, the same prompt and the same thread count, in interleaved
// rounds. Greedy decoding on both sides; the texts are compared too.
//
// usage: node bench/llm/llm_bench.mjs --ragdb build/ragdb --model FILE.gguf [--prompt TEXT]
//          [--tokens 64] [--threads 2] [--rounds 5]
import { spawnSync } from 'node:child_process';
import { getLlama } from 'node-llama-cpp';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const bin = args.ragdb;
const modelPath = args.model;
const prompt = args.prompt ?? '';
const nTokens = Number(args.tokens ?? 64);
const threads = Number(args.threads ?? 2);
const rounds = Number(args.rounds ?? 5);
if (!bin || !modelPath) throw new Error('usage: --ragdb BIN --model FILE.gguf');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function ragdbTimed() {
  const r = spawnSync(bin, ['generate', '--model', modelPath, '--temperature', '0',
    '--max-tokens', String(nTokens), '--threads', String(threads), '--stats', '--', prompt],
  { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ragdb failed: ${r.stderr}`);
  const m = /prompt: (\d+) tokens in ([\d.]+) ms.*generated: (\d+) tokens in ([\d.]+) ms/.exec(r.stderr);
  if (!m) throw new Error(`no stats in: ${r.stderr}`);
  const [, p, pms, g, gms] = m.map(Number);
  // The first generated token comes from the prompt's logits: (g - 1) forward passes in gms.
  return { promptTokens: p, pp: p / (pms / 1000), gen: (g - 1) / (gms / 1000), text: r.stdout.replace(/\n$/, '') };
}

const llama = await getLlama({ gpu: false, maxThreads: threads, logLevel: 'error' });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const tokens = [...(model.tokens.bos !== null && model.tokens.shouldPrependBosToken ? [model.tokens.bos] : []),
  ...model.tokenize(prompt)];

async function llamaTimed() {
  const ctx = await model.createContext({ contextSize: 2048, batchSize: 512, threads });
  const seq = ctx.getSequence();
  const out = [];
  const t0 = performance.now();
  let t1 = 0;
  for await (const t of seq.evaluate(tokens, { temperature: 0 })) {
    if (out.length === 0) t1 = performance.now();
    out.push(t);
    if (out.length >= nTokens || model.isEogToken(t)) break;
  }
  const t2 = performance.now();
  await ctx.dispose();
  return {
    promptTokens: tokens.length,
    pp: tokens.length / ((t1 - t0) / 1000),
    gen: (out.length - 1) / ((t2 - t1) / 1000),
    text: model.detokenize(out),
  };
}

// One warm-up round each (page cache, lazy initialization), then interleaved rounds.
ragdbTimed();
await llamaTimed();
const r = { ragdb: [], llama: [] };
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    r.ragdb.push(ragdbTimed());
    r.llama.push(await llamaTimed());
  } else {
    r.llama.push(await llamaTimed());
    r.ragdb.push(ragdbTimed());
  }
}
const pp = { ragdb: median(r.ragdb.map((x) => x.pp)), llama: median(r.llama.map((x) => x.pp)) };
const gen = { ragdb: median(r.ragdb.map((x) => x.gen)), llama: median(r.llama.map((x) => x.gen)) };
const a = r.ragdb[0].text.trimStart();
const b = r.llama[0].text.trimStart();
let same = 0;
while (same < Math.min(a.length, b.length) && a[same] === b[same]) same++;
console.log(JSON.stringify({
  model: modelPath.split('/').pop(),
  threads,
  prompt_tokens: { ragdb: r.ragdb[0].promptTokens, llama_cpp: tokens.length },
  generated_tokens: nTokens,
  rounds,
  prompt_tokens_per_s: { ragdb: +pp.ragdb.toFixed(1), llama_cpp: +pp.llama.toFixed(1), ratio: +(pp.ragdb / pp.llama).toFixed(2) },
  generation_tokens_per_s: { ragdb: +gen.ragdb.toFixed(1), llama_cpp: +gen.llama.toFixed(1), ratio: +(gen.ragdb / gen.llama).toFixed(2) },
  greedy_text_identical: a === b,
  greedy_text_common_prefix_chars: `${same} of ${Math.max(a.length, b.length)}`,
}));
await model.dispose();
