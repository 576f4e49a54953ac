#include "rag/parse/xlsx_format.h"

#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

namespace ragdb::rag {
namespace {

std::string General(double v) {
  if (v == 0) return "0";
  char buf[64];
  // Excel's General shows at most 11 significant digits in a normal column.
  std::snprintf(buf, sizeof buf, "%.11g", v);
  std::string s = buf;
  return s;
}

// Splits a code into its ';' sections, ignoring ';' inside quotes and brackets.
std::vector<std::string> Sections(const std::string& code) {
  std::vector<std::string> out(1);
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '\\' && i + 1 < code.size()) {
      out.back() += code.substr(i, 2);
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '[') ++bracket;
    if (!quoted && c == ']') bracket = std::max(0, bracket - 1);
    if (c == ';' && !quoted && bracket == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

bool IsDateCode(const std::string& code) {
  bool quoted = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '[') {  // [Red], [$-409]: not date tokens; [h] / [mm] are elapsed time
      size_t e = code.find(']', i);
      if (e == std::string::npos) break;
      std::string_view in(code.data() + i + 1, e - i - 1);
      if (!in.empty() && (in[0] == 'h' || in[0] == 'm' || in[0] == 's')) return true;
      i = e;
      continue;
    }
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == 'y' || l == 'd' || l == 'h' || l == 's' || l == 'm') return true;
  }
  return false;
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yy + (*m <= 2));
}

std::string Pad(int v, int width) {
  std::string s = std::to_string(v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
  return s;
}

std::string FormatDate(double serial, const std::string& code, bool date1904) {
  static const char* kMonths[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};
  static const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                "Thursday", "Friday", "Saturday"};
  // Seconds, rounded as Excel rounds the display.
  const int64_t total_seconds = static_cast<int64_t>(std::llround(serial * 86400.0));
  int64_t days = total_seconds / 86400;
  int64_t secs = total_seconds % 86400;
  // 1900 system: serial 1 = 1900-01-01 and the fictitious 1900-02-29 is serial 60.
  int64_t unix_days;
  if (date1904) {
    unix_days = days - 24107;  // 1904-01-01 is day 0
  } else {
    unix_days = days - 25569;  // 1899-12-30 is day 0 for serials after 60
    if (days < 61) ++unix_days;
  }
  int y = 0, mo = 0, d = 0;
  CivilFromDays(unix_days, &y, &mo, &d);
  const int weekday = static_cast<int>(((unix_days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  int hour = static_cast<int>(secs / 3600), minute = static_cast<int>(secs / 60 % 60),
      second = static_cast<int>(secs % 60);
  const bool ampm =
      code.find("AM/PM") != std::string::npos || code.find("am/pm") != std::string::npos;
  std::string out;
  char prev_kind = 0;  // 'h' or 'd'... to tell minutes from months
  for (size_t i = 0; i < code.size();) {
    const char c = code[i];
    auto run = [&](char ch) {
      size_t n = 0;
      while (i + n < code.size() && std::tolower(static_cast<unsigned char>(code[i + n])) == ch) {
        ++n;
      }
      return n;
    };
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '"') {
      size_t e = code.find('"', i + 1);
      if (e == std::string::npos) e = code.size();
      out += code.substr(i + 1, e - i - 1);
      i = e + 1;
    } else if (c == '\\' && i + 1 < code.size()) {
      out += code[i + 1];
      i += 2;
    } else if (c == '[') {
      size_t e = code.find(']', i);
      if (e == std::string::npos) e = code.size();
      std::string in = code.substr(i + 1, e - i - 1);
      if (!in.empty() && (in[0] == 'h' || in[0] == 'H')) {
        out += std::to_string(days * 24 + hour);
        prev_kind = 'h';
      } else if (!in.empty() && (in[0] == 'm' || in[0] == 'M')) {
        out += std::to_string((days * 24 + hour) * 60 + minute);
      }
      i = e + 1;
    } else if (l == 'y') {
      size_t n = run('y');
      out += n <= 2 ? Pad(y % 100, 2) : std::to_string(y);
      i += n;
    } else if (l == 'd') {
      size_t n = run('d');
      out += n == 1   ? std::to_string(d)
             : n == 2 ? Pad(d, 2)
             : n == 3 ? std::string(kDays[weekday]).substr(0, 3)
                      : kDays[weekday];
      i += n;
      prev_kind = 'd';
    } else if (l == 'h') {
      size_t n = run('h');
      int h = ampm ? (hour % 12 == 0 ? 12 : hour % 12) : hour;
      out += n == 1 ? std::to_string(h) : Pad(h, 2);
      i += n;
      prev_kind = 'h';
    } else if (l == 's') {
      size_t n = run('s');
      out += n == 1 ? std::to_string(second) : Pad(second, 2);
      i += n;
    } else if (l == 'm') {
      size_t n = run('m');
      // Minutes right after hours or right before seconds; else months.
      size_t next = i + n;
      while (next < code.size() && (code[next] == ':' || code[next] == ' ')) ++next;
      const bool minutes =
          n <= 2 && (prev_kind == 'h' || (next < code.size() && std::tolower(code[next]) == 's'));
      if (minutes) {
        out += n == 1 ? std::to_string(minute) : Pad(minute, 2);
      } else {
        out += n == 1   ? std::to_string(mo)
               : n == 2 ? Pad(mo, 2)
               : n == 3 ? std::string(kMonths[mo - 1]).substr(0, 3)
               : n == 5 ? std::string(kMonths[mo - 1]).substr(0, 1)
                        : kMonths[mo - 1];
      }
      i += n;
    } else if (code.compare(i, 5, "AM/PM") == 0 || code.compare(i, 5, "am/pm") == 0) {
      out += hour < 12 ? "AM" : "PM";
      i += 5;
    } else if (c == '0' && !out.empty() && out.back() >= '0' && out.back() <= '9') {
      i += run('0');  // fractional seconds ("ss.0"): not shown
    } else {
      out += c == '_' ? ' ' : c;
      i += c == '_' && i + 1 < code.size() ? 2 : 1;
    }
  }
  return out;
}

std::string GroupThousands(const std::string& digits) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    out += digits[i];
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out += ',';
  }
  return out;
}

std::string FormatNumber(double v, const std::string& code) {
  // Literal text before and after the digit placeholders; quotes, escapes and brackets handled.
  std::string prefix, suffix, pattern;
  bool in_number = false, after_number = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    std::string lit;
    if (c == '"') {
      size_t e = code.find('"', i + 1);
      if (e == std::string::npos) e = code.size();
      lit = code.substr(i + 1, e - i - 1);
      i = e;
    } else if (c == '\\' && i + 1 < code.size()) {
      lit = code.substr(i + 1, 1);
      ++i;
    } else if (c == '[') {
      size_t e = code.find(']', i);
      if (e == std::string::npos) e = code.size();
      std::string in = code.substr(i + 1, e - i - 1);
      // [$€-407] is a currency symbol; [Red] / [>100] are not shown.
      if (!in.empty() && in[0] == '$') lit = in.substr(1, in.find('-') - 1);
      i = e;
    } else if (c == '_' || c == '*') {
      lit = c == '_' ? " " : "";
      ++i;
    } else if (c == '0' || c == '#' || c == '?' || c == '.' || (c == ',' && in_number) ||
               ((c == 'E' || c == 'e') && in_number)) {
      pattern += c;
      if ((c == 'E' || c == 'e') && i + 1 < code.size() &&
          (code[i + 1] == '+' || code[i + 1] == '-')) {
        pattern += code[++i];
      }
      in_number = true;
      continue;
    } else {
      lit = std::string(1, c);
    }
    if (in_number) after_number = true;
    (after_number ? suffix : prefix) += lit;
  }
  const bool percent = (prefix + suffix).find('%') != std::string::npos;
  if (percent) v *= 100;
  size_t e = pattern.find_first_of("Ee");
  const std::string mant = e == std::string::npos ? pattern : pattern.substr(0, e);
  const size_t dot = mant.find('.');
  int decimals = 0;
  if (dot != std::string::npos) {
    for (size_t i = dot + 1; i < mant.size(); ++i)
      decimals += mant[i] == '0' || mant[i] == '#' || mant[i] == '?';
  }
  // Trailing commas scale by 1,000 each; a comma between digits groups thousands.
  size_t int_end = dot == std::string::npos ? mant.size() : dot;
  int scale_commas = 0;
  while (int_end > 0 && mant[int_end - 1] == ',') --int_end, ++scale_commas;
  const bool grouping = mant.substr(0, int_end).find(',') != std::string::npos;
  for (int k = 0; k < scale_commas; ++k) v /= 1000.0;
  char buf[512];
  if (e != std::string::npos) {
    std::snprintf(buf, sizeof buf, "%.*E", decimals, v);
    std::string s = buf;  // 1.23E+04: Excel writes at least two exponent digits too
    return prefix + s + suffix;
  }
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v));
  std::string s = buf;
  const size_t point = s.find('.');
  std::string int_part = s.substr(0, point);
  std::string frac = point == std::string::npos ? "" : s.substr(point);
  // "#" placeholders before the point: no leading zero for numbers below 1.
  if (int_part == "0" && mant.substr(0, int_end).find('0') == std::string::npos && !frac.empty()) {
    int_part.clear();
  }
  if (grouping) int_part = GroupThousands(int_part);
  const bool negative = v < 0 && std::stod(s) != 0;
  return std::string(negative ? "-" : "") + prefix + int_part + frac + suffix;
}

}  // namespace

std::string BuiltinNumberFormat(int id) {
  switch (id) {
    case 1:
      return "0";
    case 2:
      return "0.00";
    case 3:
      return "#,##0";
    case 4:
      return "#,##0.00";
    case 9:
      return "0%";
    case 10:
      return "0.00%";
    case 11:
      return "0.00E+00";
    case 14:
      return "yyyy-mm-dd";  // locale short date; ISO is unambiguous
    case 15:
      return "d-mmm-yy";
    case 16:
      return "d-mmm";
    case 17:
      return "mmm-yy";
    case 18:
      return "h:mm AM/PM";
    case 19:
      return "h:mm:ss AM/PM";
    case 20:
      return "h:mm";
    case 21:
      return "h:mm:ss";
    case 22:
      return "yyyy-mm-dd h:mm";
    case 37:
      return "#,##0 ;(#,##0)";
    case 38:
      return "#,##0 ;(#,##0)";
    case 39:
      return "#,##0.00;(#,##0.00)";
    case 40:
      return "#,##0.00;(#,##0.00)";
    case 45:
      return "mm:ss";
    case 46:
      return "[h]:mm:ss";
    case 47:
      return "mm:ss.0";
    case 48:
      return "##0.0E+0";
    default:
      return "";
  }
}

std::string FormatSpreadsheetNumber(double v, const std::string& code, bool date1904) {
  if (!std::isfinite(v)) return General(v);
  if (code.empty() || code == "General" || code == "@") return General(v);
  std::vector<std::string> sections = Sections(code);
  std::string section = sections[0];
  bool negative_section = false;
  if (v < 0 && sections.size() >= 2 && !sections[1].empty()) {
    section = sections[1];
    negative_section = true;
  } else if (v == 0 && sections.size() >= 3 && !sections[2].empty()) {
    section = sections[2];
  }
  if (section == "General") return General(v);
  if (IsDateCode(section)) {
    if (v < 0) return General(v);
    return FormatDate(v, section, date1904);
  }
  if (section.find_first_of("0#?") == std::string::npos) {
    // Text only ("-" for zero in accounting formats): show it as written, quotes removed.
    std::string out;
    for (char c : section) {
      if (c != '"' && c != '\\' && c != '_' && c != '*') out += c;
    }
    return out;
  }
  // A negative section shows the absolute value with its own signs (parentheses).
  return FormatNumber(negative_section ? -v : v, section);
}

std::string CellReference(int row, int col) {
  if (row <= 0 || col <= 0) return "";
  std::string letters;
  for (int c = col; c > 0; c = (c - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (c - 1) % 26));
  }
  return letters + std::to_string(row);
}

}  // namespace ragdb::rag
