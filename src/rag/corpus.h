// Corpus files: JSON Lines, a JSON array, or CSV holding many records (a BEIR corpus.jsonl, an
// export of articles). Ingestion makes each record its own document, so retrieval can cite and
// filter records one by one instead of treating thousands of them as one long document.
//
// A record gives an id, a title and a text. Each is read from the field named in CorpusFields,
// else from the first present of the usual names:
//   id:    id, _id, doc_id           (else the record's 1-based number in the file)
//   title: title, name
//   text:  text, content, body, abstract
// A record without a text field becomes "key: value" lines of all its fields, as a JSON
// document would. The record's other top-level fields become its metadata (filterable as
// metadata.FIELD), except the text field itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rag/document.h"
#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::rag {

struct CorpusFields {
  std::string id;     // "" = the usual names
  std::string title;  // "" = the usual names
  std::string text;   // "" = the usual names
};

struct CorpusRecord {
  std::string id;
  std::string title;
  std::string text;
  Json metadata = Json::object();
};

// Whether files of this format are read as corpora (JSON Lines, JSON, CSV).
bool IsCorpusFormat(Format format);

// The records of a corpus file. A JSON file whose top level is not an array is not a corpus:
// FailedPrecondition, and the caller ingests it as one document. An explicitly named field that
// a record lacks is InvalidArgument naming the record; duplicate ids are InvalidArgument too
// (two records would be one document).
Result<std::vector<CorpusRecord>> ReadCorpus(std::string_view bytes, Format format,
                                             const CorpusFields& fields);

}  // namespace ragdb::rag
