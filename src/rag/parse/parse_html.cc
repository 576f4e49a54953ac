// HTML through libxml2's error-recovering HTML parser (no network, only the built-in HTML
// entities), then a walk that keeps content blocks and drops page furniture.
//
// Dropped subtrees: script, style, noscript, template, nav, aside, iframe, svg, canvas, object,
// form controls, anything with role="navigation"/"search", the hidden attribute or
// aria-hidden="true", and header/footer elements. A header or footer inside <article> or <main>
// is kept: there it holds the article's own title and byline, not the site's chrome.
// Layout tables (one column or nested tables) are walked as containers; data tables become
// Markdown tables.
#include <libxml/HTMLparser.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"
#include "rag/parse/xml_util.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool HasAncestor(const xmlNode* n, std::initializer_list<std::string_view> names) {
  for (const xmlNode* p = n->parent; p != nullptr; p = p->parent) {
    if (IsOneOf(NodeName(p), names)) return true;
  }
  return false;
}

bool IsSkipped(const xmlNode* n) {
  std::string_view name = NodeName(n);
  if (IsOneOf(name,
              {"script", "style", "noscript", "template", "nav", "aside", "iframe", "svg", "canvas",
               "object", "embed", "select", "button", "input", "textarea", "head"})) {
    return true;
  }
  if (IsOneOf(name, {"header", "footer"}) && !HasAncestor(n, {"article", "main"})) return true;
  std::string role = Lower(Attr(n, "role"));
  if (role == "navigation" || role == "search") return true;
  if (xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden")) != nullptr) return true;
  return Lower(Attr(n, "aria-hidden")) == "true";
}

bool IsBlockContainer(std::string_view name) {
  return IsOneOf(name, {"p",    "div",    "section", "article",  "main",       "blockquote",
                        "dd",   "dt",     "dl",      "figure",   "figcaption", "address",
                        "body", "html",   "form",    "fieldset", "details",    "summary",
                        "hr",   "center", "caption", "header",   "footer",     "tr",
                        "td",   "th",     "tbody",   "thead",    "tfoot"});
}

// All text under `n` (skipped subtrees excluded). `raw` keeps line breaks for <pre>.
void AppendText(const xmlNode* n, bool raw, std::string* out) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content) out->append(reinterpret_cast<const char*>(c->content));
    } else if (c->type == XML_ELEMENT_NODE && !IsSkipped(c)) {
      std::string_view name = NodeName(c);
      if (name == "br") {
        out->push_back('\n');
        continue;
      }
      bool block = !raw && (IsBlockContainer(name) || name == "li");
      if (block) out->push_back(' ');
      AppendText(c, raw, out);
      if (block) out->push_back(' ');
    }
  }
}

std::string TextOf(const xmlNode* n, bool raw = false) {
  std::string s;
  AppendText(n, raw, &s);
  return s;
}

std::string CodeLanguage(const xmlNode* pre) {
  std::vector<const xmlNode*> cands = {pre};
  for (const xmlNode* c = pre->children; c; c = c->next) {
    if (NodeName(c) == "code") cands.push_back(c);
  }
  for (const xmlNode* n : cands) {
    std::string cls = Attr(n, "class");
    for (std::string_view prefix : {"language-", "lang-"}) {
      size_t p = cls.find(prefix);
      if (p != std::string::npos) {
        size_t s = p + prefix.size();
        size_t e = cls.find(' ', s);
        return cls.substr(s, e == std::string::npos ? std::string::npos : e - s);
      }
    }
  }
  return "";
}

void CollectRows(const xmlNode* n, std::vector<std::vector<std::string>>* rows, bool* nested) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    std::string_view name = NodeName(c);
    if (name == "tr") {
      std::vector<std::string> row;
      for (const xmlNode* cell = c->children; cell; cell = cell->next) {
        std::string_view cn = NodeName(cell);
        if (cn != "td" && cn != "th") continue;
        for (const xmlNode* d = cell->children; d; d = d->next) {
          if (NodeName(d) == "table") *nested = true;
        }
        row.push_back(TextOf(cell));
      }
      rows->push_back(std::move(row));
    } else if (IsOneOf(name, {"thead", "tbody", "tfoot"})) {
      CollectRows(c, rows, nested);
    } else if (name == "table") {
      *nested = true;
    }
  }
}

class HtmlWalker {
 public:
  explicit HtmlWalker(DocumentBuilder* b) : b_(b) {}

  void Visit(const xmlNode* n) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) inline_.append(reinterpret_cast<const char*>(n->content));
      return;
    }
    if (n->type != XML_ELEMENT_NODE) return;
    std::string_view name = NodeName(n);
    if (name == "head" || name == "title") {
      FindTitle(n);
      return;
    }
    if (IsSkipped(n)) return;
    if (name == "br") {
      inline_.push_back('\n');
    } else if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      Flush();
      b_->AddHeading(name[1] - '0', TextOf(n));
    } else if (name == "pre") {
      Flush();
      b_->AddCode(TextOf(n, /*raw=*/true), CodeLanguage(n));
    } else if (name == "table") {
      Flush();
      Table(n);
    } else if (name == "ul" || name == "ol") {
      Flush();
      lists_.push_back({name == "ol", 0});
      if (name == "ol") {
        std::string start = Attr(n, "start");
        if (!start.empty() && std::isdigit(static_cast<unsigned char>(start[0]))) {
          lists_.back().counter = std::stoi(start.substr(0, 9)) - 1;
        }
      }
      Children(n);
      Flush();
      lists_.pop_back();
    } else if (name == "li") {
      Flush();
      Item saved = item_;
      item_.active = true;
      item_.ordered = !lists_.empty() && lists_.back().ordered;
      item_.depth = std::max<int>(0, static_cast<int>(lists_.size()) - 1);
      item_.number = lists_.empty() ? 1 : ++lists_.back().counter;
      Children(n);
      Flush();
      item_ = saved;
    } else if (IsBlockContainer(name)) {
      Flush();
      Children(n);
      Flush();
    } else {
      Children(n);  // inline element: its text joins the current paragraph
    }
  }

  void Flush() {
    if (inline_.find_first_not_of(" \t\r\n") != std::string::npos) {
      if (item_.active) {
        b_->AddListItem(inline_, item_.ordered, item_.depth, item_.number);
      } else {
        b_->AddParagraph(inline_);
      }
    }
    inline_.clear();
  }

 private:
  struct List {
    bool ordered;
    int counter;
  };
  struct Item {
    bool active = false;
    bool ordered = false;
    int depth = 0;
    int number = 1;
  };

  void Children(const xmlNode* n) {
    for (const xmlNode* c = n->children; c; c = c->next) Visit(c);
  }

  void FindTitle(const xmlNode* n) {
    if (NodeName(n) == "title") {
      if (!b_->has_title()) b_->set_title(TextOf(n));
      return;
    }
    for (const xmlNode* c = n->children; c; c = c->next) FindTitle(c);
  }

  void Table(const xmlNode* n) {
    std::vector<std::vector<std::string>> rows;
    bool nested = false;
    CollectRows(n, &rows, &nested);
    size_t cols = 0;
    for (const auto& r : rows) cols = std::max(cols, r.size());
    if (nested || cols < 2) {
      Children(n);  // a layout table: its cells are ordinary content
      Flush();
      return;
    }
    for (const xmlNode* c = n->children; c; c = c->next) {
      if (NodeName(c) == "caption") b_->AddParagraph(TextOf(c));
    }
    b_->AddTable(rows);
  }

  DocumentBuilder* b_;
  std::string inline_;
  std::vector<List> lists_;
  Item item_;
};

// True when the first KiB declares a charset other than UTF-8 (e.g. <meta charset="iso-8859-1">).
bool DeclaresNonUtf8Charset(std::string_view bytes) {
  std::string head = Lower(std::string(bytes.substr(0, 1024)));
  size_t p = head.find("charset=");
  if (p == std::string::npos) return false;
  std::string_view v = std::string_view(head).substr(p + 8);
  while (!v.empty() && (v[0] == '"' || v[0] == '\'' || v[0] == ' ')) v.remove_prefix(1);
  return v.substr(0, 5) != "utf-8" && v.substr(0, 4) != "utf8";
}

}  // namespace

Result<ParsedDocument> ParseHtml(std::string_view bytes, const ParseOptions& options) {
  const char* encoding = "UTF-8";
  auto checked = CheckTextInput(bytes, "html");
  if (checked.ok()) {
    bytes = *checked;
  } else if (bytes.find('\0') == std::string_view::npos && DeclaresNonUtf8Charset(bytes)) {
    encoding = nullptr;  // let libxml2 decode with the declared charset
  } else {
    return checked.status();
  }
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted("html: input over 2 GiB");
  }
  SilenceLibxml();
  XmlDocPtr doc(htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, encoding,
                               HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                   HTML_PARSE_NONET | HTML_PARSE_COMPACT));
  if (!doc) return Status::InvalidArgument("html: libxml2 could not parse the document");
  DocumentBuilder builder(Format::kHtml);
  HtmlWalker walker(&builder);
  for (const xmlNode* n = xmlDocGetRootElement(doc.get()); n; n = n->next) walker.Visit(n);
  walker.Flush();
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
