// rag_parse_bench: parses and chunks every supported file under a folder and prints throughput
// and per-stage seconds as JSON.
//
//   rag_parse_bench <dir> [--size 400] [--overlap 60] [--parent-child]
//   rag_parse_bench --dump <file>     (prints the parsed blocks and chunks of one file as JSON)
//
// Figures: pages/s over PDF files (parse seconds of PDFs only), MB/s over the text formats
// (input bytes / parse seconds of those files), chunk seconds over all documents.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "rag/chunker.h"
#include "rag/parse/parse.h"

namespace {

using Clock = std::chrono::steady_clock;
using ragdb::rag::ChunkDocument;
using ragdb::rag::ChunkMode;
using ragdb::rag::ChunkOptions;
using ragdb::rag::Format;
using ragdb::rag::FormatFromPath;
using ragdb::rag::ParseBytes;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int Dump(const std::string& path, const ChunkOptions& opts) {
  ragdb::rag::ParseOptions popts;
  popts.extract_images = true;
  auto doc = ragdb::rag::ParseFile(path, popts);
  if (!doc.ok()) {
    std::cerr << doc.status().ToString() << "\n";
    return 1;
  }
  nlohmann::ordered_json out;
  out["title"] = doc->metadata.title;
  out["pages"] = doc->metadata.page_count;
  for (const auto& b : doc->blocks) {
    out["blocks"].push_back({{"kind", ragdb::rag::BlockKindName(b.kind)},
                             {"page", b.page},
                             {"level", b.level},
                             {"depth", b.depth},
                             {"lang", b.language},
                             {"text", b.text}});
    if (b.ocr) {
      out["blocks"].back()["ocr"] = {{"bbox", {b.bbox.x0, b.bbox.y0, b.bbox.x1, b.bbox.y1}},
                                     {"confidence", b.confidence}};
    }
    if (b.kind == ragdb::rag::BlockKind::kTable) {
      out["blocks"].back()["table"] = {{"sheet", b.table.sheet},
                                       {"first_row", b.table.first_row},
                                       {"first_col", b.table.first_col}};
    }
  }
  for (const auto& im : doc->images) {
    out["images"].push_back({{"name", im.name},
                             {"page", im.page},
                             {"size", {im.width, im.height}},
                             {"bbox", {im.bbox.x0, im.bbox.y0, im.bbox.x1, im.bbox.y1}},
                             {"caption", im.caption},
                             {"context", im.context},
                             {"bytes", im.bytes.size()}});
  }
  auto set = ChunkDocument(*doc, opts);
  if (!set.ok()) {
    std::cerr << set.status().ToString() << "\n";
    return 1;
  }
  for (const auto& c : set->chunks) {
    out["chunks"].push_back({{"path", c.heading_path},
                             {"page", c.page},
                             {"tokens", c.token_count},
                             {"parent", c.parent},
                             {"table", c.table},
                             {"rows", {c.first_table_row, c.last_table_row}},
                             {"text", c.text}});
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ChunkOptions opts;
  std::string dir;
  std::string dump;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--size" && i + 1 < argc) {
      opts.size_tokens = std::stoul(argv[++i]);
    } else if (a == "--overlap" && i + 1 < argc) {
      opts.overlap_tokens = std::stoul(argv[++i]);
    } else if (a == "--parent-child") {
      opts.mode = ChunkMode::kParentChild;
    } else if (a == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else {
      dir = a;
    }
  }
  if (!dump.empty()) return Dump(dump, opts);
  if (dir.empty()) {
    std::cerr << "usage: rag_parse_bench <dir> [--size N] [--overlap N] [--parent-child]\n"
                 "       rag_parse_bench --dump <file>\n";
    return 2;
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && FormatFromPath(it->path().string()).ok()) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());

  double read_s = 0, parse_s = 0, chunk_s = 0, pdf_parse_s = 0, text_parse_s = 0;
  uint64_t bytes = 0, text_bytes = 0, pdf_pages = 0, chunks = 0, parents = 0, blocks = 0;
  uint64_t ok = 0, failed = 0, tokens = 0;
  nlohmann::ordered_json errors = nlohmann::json::array();
  for (const std::string& f : files) {
    Format format = *FormatFromPath(f);
    auto t0 = Clock::now();
    auto data = ragdb::ReadFile(f);
    auto t1 = Clock::now();
    read_s += Seconds(t0, t1);
    if (!data.ok()) {
      ++failed;
      continue;
    }
    auto doc = ParseBytes(*data, format);
    auto t2 = Clock::now();
    double ps = Seconds(t1, t2);
    parse_s += ps;
    bytes += data->size();
    if (!doc.ok()) {
      ++failed;
      if (errors.size() < 20) errors.push_back(f + ": " + doc.status().ToString());
      continue;
    }
    if (format == Format::kPdf) {
      pdf_parse_s += ps;
      pdf_pages += doc->metadata.page_count;
    } else if (format != Format::kDocx) {
      text_parse_s += ps;
      text_bytes += data->size();
    }
    blocks += doc->blocks.size();
    auto set = ChunkDocument(*doc, opts);
    chunk_s += Seconds(t2, Clock::now());
    if (!set.ok()) {
      ++failed;
      continue;
    }
    ++ok;
    chunks += set->chunks.size();
    parents += set->parents.size();
    for (const auto& c : set->chunks) tokens += c.token_count;
  }
  nlohmann::ordered_json out;
  out["dir"] = dir;
  out["files"] = files.size();
  out["parsed"] = ok;
  out["failed"] = failed;
  out["input_mb"] = bytes / 1e6;
  out["blocks"] = blocks;
  out["chunks"] = chunks;
  out["parents"] = parents;
  out["avg_chunk_tokens"] = chunks ? static_cast<double>(tokens) / chunks : 0.0;
  out["seconds"] = {{"read", read_s}, {"parse", parse_s}, {"chunk", chunk_s}};
  out["pdf_pages"] = pdf_pages;
  out["pdf_pages_per_s"] = pdf_parse_s > 0 ? pdf_pages / pdf_parse_s : 0.0;
  out["text_mb_per_s"] = text_parse_s > 0 ? text_bytes / 1e6 / text_parse_s : 0.0;
  out["chunk_mb_per_s"] = chunk_s > 0 ? bytes / 1e6 / chunk_s : 0.0;
  out["errors"] = errors;
  std::cout << out.dump(2) << "\n";
  return 0;
}
