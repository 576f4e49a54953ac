// Helpers shared by the rag tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "rag/document.h"

namespace ragdb::rag {

// Path of a file in tests/fixtures/docs, from RAGDB_SOURCE_DIR when CTest sets it, else relative
// to the working directory (the repository root).
inline std::string FixturePath(const std::string& name) {
  const char* root = std::getenv("RAGDB_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/fixtures/docs/" + name;
}

// Every block's text is exactly its slice of plain_text, and blocks are in order.
inline void ExpectBlocksMatchPlainText(const ParsedDocument& doc) {
  size_t prev_end = 0;
  for (const Block& b : doc.blocks) {
    ASSERT_LE(b.end, doc.plain_text.size());
    EXPECT_EQ(doc.plain_text.substr(b.start, b.end - b.start), b.text);
    EXPECT_GE(b.start, prev_end);
    EXPECT_FALSE(b.text.empty());
    prev_end = b.end;
  }
}

}  // namespace ragdb::rag
