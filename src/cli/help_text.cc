// What `ragdb COMMAND --help` prints for each command (help.h). Keep the flags here in step with
// each command's FlagSpec: tests/cli/test_help.py (CTest cli_behaviour) checks that every flag
// listed here is accepted by its command, and that the README's flags appear in `ragdb --help`.
#include "cli/help.h"

namespace ragdb::cli {
namespace {

constexpr char kFilterHelp[] =
    "only records matching EXPR: 'cat == \"news\" and price < 9.5', or Qdrant's JSON form\n"
    "(docs/filters.md)";

std::vector<CommandHelp> MakeHelp() {
  std::vector<FlagHelp> retrieve_flags = {
      {"--k N", "context items returned (default 5)"},
      {"--filter EXPR", "on chunk payloads: source, page, doc_id, metadata.* (docs/filters.md)"},
      {"--reranker MODEL",
       "cross-encoder that re-scores the candidates (an installed name or a\n"
       "folder; default $RAGDB_RERANKER, else none)"},
      {"--max-chunks-per-doc N", "context items from one document (default 3)"},
      {"--budget TOKENS",
       "approximate token budget of all returned texts (default 3000; 0 = none)"},
      {"--candidates N", "fused candidates fetched before reranking (default max(4k, 20))"},
      {"--no-merge", "do not join adjacent chunks of one document into one item"},
  };
  auto with = [](std::vector<FlagHelp> base, std::initializer_list<FlagHelp> more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  const std::vector<FlagHelp> kb_option_flags = {
      {"--chunk-size TOKENS", "chunk length in approximate tokens (default 400)"},
      {"--overlap TOKENS",
       "tokens shared by consecutive chunks (default 60, or 15% of a\n"
       "smaller --chunk-size)"},
      {"--mode MODE",
       "recursive (default) or parent-child (small chunks are searched, their\n"
       "larger parent is returned)"},
      {"--parent-size TOKENS", "parent length in parent-child mode (default 1600)"},
      {"--embedder MODEL",
       "auto (default): bge-small-en-v1.5, or multilingual-e5-small when the\n"
       "first documents are mostly not Latin script (Chinese, Japanese,\n"
       "Russian...); pulled on first use, hash when offline. Or a model\n"
       "name, a folder, hash or hash:DIM. Fixed when the KB is created."},
      {"--sparse-embedder MODEL",
       "splade:MODEL or bge-m3-sparse:MODEL: chunks also get learned sparse\n"
       "vectors, and retrieval fuses a third search over them. Fixed when\n"
       "the KB is created."},
  };

  return {
      {"create",
       nullptr,
       "Creates a collection. It needs at least one of: a dense vector field (--dim, or\n"
       "--vector for named ones), a text field for BM25 (--text) or a sparse field (--sparse).\n"
       "With --embedder, vectors are computed from each record's \"text\" and searches may\n"
       "use --near-text; without --dim the field takes the embedder's dimension.",
       {{"--dim D", "dimension of the default (unnamed) vector field, 1..65536"},
        {"--metric M", "cosine (default), l2, ip; hamming for --datatype binary"},
        {"--datatype TYPE", "float32 (default), float16, int8, uint8, binary"},
        {"--index TYPE",
         "flat (default, exact), hnsw, ivf_flat, ivf_pq; built per sealed\n"
         "segment and by optimize"},
        {"--m N", "HNSW links per node (default 16)"},
        {"--ef-construction N", "HNSW build beam width (default 200)"},
        {"--nlist N", "IVF lists (default about sqrt(rows))"},
        {"--pq-m M", "PQ sub-spaces, IVF-PQ or --quantization pq (default dim / 4)"},
        {"--quantization Q",
         "none (default), sq8 (HNSW walks 8-bit codes), binary (1-bit codes, Hamming\n"
         "distances) or pq (product quantization, --pq-m bytes per row); the final\n"
         "beam is re-ranked exactly"},
        {"--text", "add a text field: records' \"text\" is indexed for BM25 (search --text)"},
        {"--analyzer NAME",
         "text analyzer: standard (default), whitespace, keyword, ngram\n"
         "(implies --text; docs/text-search.md)"},
        {"--embedder MODEL",
         "embedding function of the vector fields: a model name\n"
         "(bge-small-en-v1.5, multilingual-e5-small, an installed one), a\n"
         "folder, hash or hash:DIM"},
        {"--vector NAME:DIM[:METRIC]", "a named vector field; repeatable"},
        {"--sparse NAME", "a sparse vector field; repeatable"},
        {"--multi NAME:DIM[:METRIC][:INDEX][:colbert:MODEL]",
         "a multi-vector (late interaction) field scored by MaxSim: metric\n"
         "cosine (default) or ip, index flat (exact, default) or hnsw (a\n"
         "token index); records give a matrix, search --using NAME --vector\n"
         "'[[..], ..]'; with a ColBERT model, text fills it and --near-text\n"
         "searches it; repeatable"},
        {"--payload-index PATH:TYPE",
         "index a payload path: keyword, integer, float, bool,\n"
         "text; repeatable"}},
       "ragdb --data d create items --dim 3 --metric l2 --payload-index cat:keyword\n"
       "ragdb --data d create big --dim 128 --index hnsw --m 16 --quantization sq8\n"
       "ragdb --data d create docs --text --embedder hash"},
      {"list", nullptr, "Prints the collections, one name per line.", {}, "ragdb --data d list"},
      {"describe",
       nullptr,
       "Prints a collection's schema, point count and segments as JSON.",
       {},
       "ragdb --data d describe items"},
      {"drop", nullptr, "Removes a collection and its files.", {}, "ragdb --data d drop items"},
      {"upsert",
       nullptr,
       "Inserts or replaces records read as JSON Lines from FILE or stdin. One record per\n"
       "line: {\"id\": 7 | \"key\", \"vector\": [..] | {\"name\": [..]}, \"payload\": {..},\n"
       "\"text\": \"..\"}. Every record is checked before any is written; they are durable\n"
       "when the command exits 0. A progress bar is shown on a terminal.",
       {},
       "echo '{\"id\": 1, \"vector\": [1,0,0], \"payload\": {\"cat\": \"news\"}}' | ragdb --data d "
       "upsert items\n"
       "ragdb --data d upsert items records.jsonl"},
      {"import",
       nullptr,
       "Bulk-loads vectors from an .fvecs file. Ids are first-id, first-id + 1, ...; the\n"
       "file is streamed in batches (checked whole before anything is written), with a\n"
       "progress bar on a terminal.",
       {{"--fvecs FILE", "the vectors (int32 dimension + float32 values per row)"},
        {"--field NAME", "the vector field (default: the unnamed one)"},
        {"--first-id N", "id of the first row (default 0)"}},
       "ragdb --data d import big --fvecs base.fvecs"},
      {"get", nullptr, "Prints one record as JSON.", {}, "ragdb --data d get items 1"},
      {"delete",
       nullptr,
       "Deletes records by id or by filter; prints {\"deleted\": N}.",
       {{"--ids LIST", "comma-separated ids"}, {"--filter EXPR", kFilterHelp}},
       "ragdb --data d delete items --ids 1,2,3\n"
       "ragdb --data d delete items --filter 'price > 100'"},
      {"count",
       nullptr,
       "Prints how many records (match the filter).",
       {{"--filter EXPR", kFilterHelp}},
       "ragdb --data d count items --filter 'price >= 5'"},
      {"scroll",
       nullptr,
       "Pages through records in id order; prints {\"records\": [..], \"next_offset\": ID}.",
       {{"--limit N", "records per page (default 10)"},
        {"--offset ID", "first id of the page (the previous page's next_offset)"},
        {"--filter EXPR", kFilterHelp},
        {"--with-vector", "include vectors"}},
       "ragdb --data d scroll items --limit 100"},
      {"search",
       nullptr,
       "Searches a collection by vector, text or both. Dense vectors (--vector, or\n"
       "--near-text embedded by the field's embedder), BM25 text (--text), sparse vectors\n"
       "(--sparse), or several fused (hybrid). Prints one JSON line per hit, best first:\n"
       "{\"id\", \"score\", \"payload\"}. The batch forms read many queries and write files.",
       {{"--vector JSON", "the query vector, a JSON array"},
        {"--near-text TEXT", "a query text embedded with the field's --embedder"},
        {"--near-image FILE", "a query picture embedded by a clip:MODEL field"},
        {"--text QUERY", "BM25 query: words (OR) and \"quoted phrases\""},
        {"--sparse JSON", "a sparse query {\"indices\": [..], \"values\": [..]}"},
        {"--k N", "hits to return (default 10)"},
        {"--offset N", "skip the first N hits (paging)"},
        {"--filter EXPR", kFilterHelp},
        {"--using FIELD", "the vector field (or sparse field with --sparse)"},
        {"--ef N", "HNSW beam width (default: the index's)"},
        {"--nprobe N", "IVF lists probed (default: the index's)"},
        {"--exact", "scan exactly even when an index exists"},
        {"--score-threshold S", "drop hits scoring worse than S"},
        {"--with-vector", "include the hit's vectors"},
        {"--no-payload", "leave payloads out"},
        {"--phrase", "the whole --text is one phrase"},
        {"--all-terms", "every word of --text must occur (AND)"},
        {"--fusion rrf|weighted", "how sub-queries are combined (default rrf)"},
        {"--weights W,W", "one weight per sub-query, in the order text, vector, sparse"},
        {"--rrf-k K", "RRF constant (default 60)"},
        {"--normalization minmax|dbsf", "score normalization of weighted fusion (default minmax)"},
        {"--group-by PATH", "group hits by a payload field"},
        {"--group-size N", "hits kept per group (default 1)"},
        {"--prefetch-limit N", "candidates per sub-query (default max(100, k + offset))"},
        {"--queries FILE", "batch: query vectors from an .fvecs file"},
        {"--queries-text FILE", "batch: qid<TAB>query lines"},
        {"--out FILE", "batch: results (.ivecs for --queries, TREC-like .tsv for --queries-text)"},
        {"--threads T", "batch: threads (default one per core)"}},
       "ragdb --data d search items --vector '[1,0.1,0]' --k 5 --filter 'cat == \"news\"'\n"
       "ragdb --data d search docs --near-text \"quick fox\"\n"
       "ragdb --data d search docs --text \"quick fox\" --all-terms\n"
       "ragdb --data d search docs --text \"quick fox\" --vector '[0.1,0.2,0.3]' --fusion rrf"},
      {"optimize",
       nullptr,
       "Compacts a collection and builds its indexes. Seals the growing segment, merges\n"
       "segments (dropping deleted rows) and builds the vector indexes; shows progress on a\n"
       "terminal.",
       {},
       "ragdb --data d optimize items"},
      {"check",
       nullptr,
       "Verifies every checksum and structure of the data folder. Names damaged files and\n"
       "exits 1 when there are any.",
       {},
       "ragdb --data d check"},
      {"serve",
       nullptr,
       "Runs the HTTP server. Qdrant's REST API, knowledge bases, OpenAI-compatible\n"
       "embeddings and chat, MCP (docs/server.md). Without an API key it serves loopback\n"
       "only. RAGDB_ADMIN_KEY works like --admin-key.",
       {{"--host ADDR", "address to listen on (default 127.0.0.1)"},
        {"--port N", "port (default 6333; 0 = any free port)"},
        {"--config FILE", "TOML settings: [server], [tls], [[api_keys]] (docs/server.md)"},
        {"--admin-key KEY", "turns authentication on; the admin's key"},
        {"--llm-config FILE", "OpenAI-compatible LLM for answers (default DATA/llm.json)"},
        {"--check", "check the settings (and --config file), print them, and exit"},
        {"--cluster",
         "cluster mode: this node serves shards of collections spread over\n"
         "nodes (docs/cluster.md); needs the four flags below"},
        {"--etcd URL[,URL..]", "cluster: the etcd members (membership, catalog, leases)"},
        {"--object-store URL",
         "cluster: file:///path or s3://BUCKET/PREFIX?endpoint=..&region=..\n"
         "(keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"},
        {"--node-id NAME", "cluster: this node's name"},
        {"--advertise URL", "cluster: how the other nodes reach this one (http://HOST:PORT)"},
        {"--lease-ttl SECONDS", "cluster: shard ownership lease (default 10)"},
        {"--cluster-ca-file PEM", "cluster: CA for https:// etcd, S3 and node URLs"},
        {"--cluster-cert-file PEM", "cluster: client certificate (mutual TLS), with the key below"},
        {"--cluster-key-file PEM", "cluster: the client certificate's private key"}},
       "ragdb --data d serve --port 6333\n"
       "ragdb --data d serve --config ragdb.toml --check\n"
       "ragdb serve --cluster --etcd http://127.0.0.1:2379 --object-store file:///srv/ragdb \\\n"
       "  --node-id n1 --advertise http://127.0.0.1:6333 --port 6333 --data cache1"},
      {"cluster",
       nullptr,
       "Shows a cluster as etcd holds it. Nodes, collections and shards with their owner,\n"
       "epoch, log head and snapshot, as JSON; read from etcd, so it works with every node\n"
       "down (docs/cluster.md).",
       {{"--etcd URL[,URL..]", "the etcd members"}},
       "ragdb cluster status --etcd http://127.0.0.1:2379"},
      {"embed",
       nullptr,
       "Prints one embedding (a JSON array) per text, one per line; with a\n"
       "splade:MODEL or bge-m3-sparse:MODEL model, one sparse vector\n"
       "{\"indices\", \"values\"} per line; with a colbert:MODEL model, one matrix\n"
       "(an array of token vectors) per line.",
       {{"--model MODEL",
         "a model name (bge-small-en-v1.5, multilingual-e5-small, or any\n"
         "installed one; defaults are pulled on first use), a folder, hash,\n"
         "hash:DIM, splade:MODEL or bge-m3-sparse:MODEL (learned sparse\n"
         "vectors) or colbert:MODEL (late interaction: one vector per token)"},
        {"--query", "colbert:MODEL: encode the texts as queries ([MASK]-padded)"},
        {"--pooling mean|cls|last", "override the model's pooling"},
        {"--image FILE", "also embed a picture (a clip:MODEL model)"},
        {"--normalize", "L2-normalize the vectors"},
        {"--quantize none|int8", "int8 encoder weights (docs/models.md)"}},
       "ragdb embed --model hash:64 --normalize \"some text\"\n"
       "ragdb embed --model bge-small-en-v1.5 \"first text\" \"second text\""},
      {"rerank",
       nullptr,
       "Scores documents against a query with a cross-encoder. Prints one score per line,\n"
       "in input order. Embedders (and hash) cannot rerank.",
       {{"--model MODEL", "a cross-encoder: an installed name or a folder"},
        {"--query Q", "the query"},
        {"--quantize none|int8", "int8 encoder weights"}},
       "ragdb model pull BAAI/bge-reranker-v2-m3\n"
       "ragdb rerank --model BAAI/bge-reranker-v2-m3 --query \"what is ragdb\" \"doc one\" \"doc "
       "two\""},
      {"model",
       nullptr,
       "Pulls and lists models. The model cache is $RAGDB_MODEL_CACHE, else\n"
       "~/.cache/ragdb/models. Default models that `--embedder auto`\n"
       "may pick: bge-small-en-v1.5 (BAAI/bge-small-en-v1.5, English) and\n"
       "multilingual-e5-small (intfloat/multilingual-e5-small, 100 languages).",
       {},
       "ragdb model pull bge-small-en-v1.5\n"
       "ragdb model list"},
      {"model pull",
       "model pull NAME [--file FILE.gguf]...",
       "Downloads a model (OWNER/NAME on the Hugging Face hub, or a default's short name) into\n"
       "the model cache, checking sizes and checksums; a progress bar on a terminal. The hub\n"
       "is $RAGDB_HF_ENDPOINT, else https://huggingface.co.",
       {{"--file FILE", "only this file of the repository (GGUF repositories hold many)"}},
       "ragdb model pull bge-small-en-v1.5\n"
       "ragdb model pull sentence-transformers/all-MiniLM-L6-v2"},
      {"model list",
       "model list",
       "Lists installed models: name, size and files, tab-separated.",
       {},
       "ragdb model list"},
      {"eval",
       nullptr,
       "Measures BM25 quality on a BEIR data set. Reads corpus.jsonl, queries.jsonl and\n"
       "qrels/test.tsv; prints nDCG@10, Recall@100, MRR@10 and timings.",
       {{"--beir DIR", "the data set folder"},
        {"--k1 X", "BM25 k1 (default 1.2)"},
        {"--b X", "BM25 b (default 0.75)"},
        {"--analyzer NAME", "text analyzer (default standard)"},
        {"--stemmer NAME", "english (default), porter, none"},
        {"--stopwords", "drop English stop words"},
        {"--preset anserini", "Porter, stop words, k1 0.9, b 0.4"},
        {"--threads T", "search threads (default one per core)"},
        {"--seal-rows N", "rows per sealed segment while indexing (default 1000)"}},
       "ragdb eval --beir ../shared/data/beir-scifact"},
      {"kb", nullptr,
       "Lists, creates, describes and drops knowledge bases. A knowledge base holds\n"
       "documents cut into chunks, indexed for BM25 and dense search (docs/rag.md);\n"
       "`ingest` creates one on first use.",
       kb_option_flags,
       "ragdb --data d kb create notes --chunk-size 200 --embedder hash\n"
       "ragdb --data d kb list"},
      {"kb list",
       "kb list",
       "Prints each knowledge base's options and counts, one JSON line each.",
       {},
       "ragdb --data d kb list"},
      {"kb create", "kb create NAME [options]",
       "Creates an empty knowledge base with fixed chunking and embedder options.", kb_option_flags,
       "ragdb --data d kb create notes --chunk-size 200 --embedder hash"},
      {"kb describe",
       "kb describe NAME [--documents]",
       "Prints a knowledge base's options and counts (and its documents).",
       {{"--documents", "also list every document"}},
       "ragdb --data d kb describe notes --documents"},
      {"kb drop",
       "kb drop NAME",
       "Removes a knowledge base and its collections.",
       {},
       "ragdb --data d kb drop notes"},
      {"ingest", nullptr,
       "Adds files and folders to a knowledge base. Parses (txt md html pdf docx csv json\n"
       "jsonl), chunks, embeds and stores them, creating the KB on first use. Unchanged\n"
       "files are skipped, changed ones replaced. A JSON Lines, JSON array or CSV file is a\n"
       "corpus: one document per record (source FILE#ID). Progress on a terminal, then one\n"
       "JSON summary.",
       with(kb_option_flags,
            {{"--sync",
              "also remove documents whose files are gone (and records no longer in\n"
              "their corpus file)"},
             {"--id-field F",
              "corpus records: the id field (default: id, _id or doc_id, else\n"
              "the record's number)"},
             {"--title-field F", "corpus records: the title field (default: title or name)"},
             {"--text-field F",
              "corpus records: the text field (default: text, content, body\n"
              "or abstract, else every field as \"key: value\" lines)"},
             {"--whole-file", "ingest JSON / JSON Lines / CSV files as one document each"},
             {"--image-embedder clip:MODEL",
              "also store and embed the pictures in documents (docs/multimodal.md)"},
             {"--ocr auto|always|never", "read the text of scans and pictures with Tesseract"},
             {"--ocr-lang LANGS", "OCR languages (default eng+chi_sim)"},
             {"--quiet", "no progress bar"}}),
       "ragdb --data d ingest kb examples/docs\n"
       "ragdb --data d ingest papers corpus.jsonl --id-field _id --text-field text"},
      {"retrieve", nullptr,
       "Finds the passages of a knowledge base that answer a query. Hybrid retrieval\n"
       "(BM25 + dense, + learned sparse with a sparse embedder, RRF, optional reranker);\n"
       "prints one JSON line per context item.",
       with(retrieve_flags, {{"--full", "print every field of each item"}}),
       "ragdb --data d retrieve kb \"hybrid search\" --k 5"},
      {"ask", nullptr,
       "Answers a question with citations from a knowledge base. By an OpenAI-compatible\n"
       "LLM (RAGDB_LLM_BASE_URL / RAGDB_LLM_MODEL / RAGDB_LLM_API_KEY, or DATA/llm.json),\n"
       "else extractively (the best sentences of the retrieved chunks).",
       with(retrieve_flags,
            {{"--stream", "print the answer as it is generated ({\"delta\": ..} lines)"},
             {"--llm-config FILE", "LLM settings (default DATA/llm.json)"},
             {"--no-llm", "extractive answer even when an LLM is configured"},
             {"--llm local:NAME", "answer with an installed local model (docs/llm.md)"},
             {"--timings", "include retrieval and generation timings"}}),
       "ragdb --data d ask kb \"When is a write durable?\""},
      {"eval-kb", nullptr,
       "Measures the retrieval quality of a knowledge base. FILE has {\"question\",\n"
       "\"expected_sources\": [..]} lines; prints hit rate@k and MRR.",
       with(retrieve_flags, {{"--details", "one line per question"}}),
       "ragdb --data d eval-kb kb questions.jsonl --k 5"},
      {"mcp",
       nullptr,
       "Serves the knowledge bases to agents over MCP. JSON-RPC on stdin/stdout, for\n"
       "clients such as Claude Desktop; tools search, ask, ingest_text,\n"
       "list_knowledge_bases.",
       {{"--llm-config FILE", "LLM settings (default DATA/llm.json)"},
        {"--no-llm", "extractive answers"},
        {"--embedder MODEL", "embedder of knowledge bases created through MCP (default auto)"},
        {"--k N", "default number of results (default 5)"},
        {"--reranker MODEL", "cross-encoder for retrieval"}},
       "ragdb --data d mcp"},
  };
}

}  // namespace

const std::vector<CommandHelp>& AllCommandHelp() {
  static const std::vector<CommandHelp> kHelp = MakeHelp();
  return kHelp;
}

}  // namespace ragdb::cli
