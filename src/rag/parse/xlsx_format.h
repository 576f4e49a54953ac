// Numbers of a spreadsheet cell as Excel shows them: the cell's number format (a built-in id or
// a format code from xl/styles.xml) applied to the stored double. Covers what business sheets
// use: General, fixed decimals, thousands separators, percentages, scientific, currency and
// other literal text around the number, negative sections, and dates / times (serial days since
// 1899-12-30, or 1904-01-01 for Mac workbooks). Colors, conditions and fractions are not
// rendered; such numbers fall back to General.
#pragma once

#include <string>

namespace ragdb::rag {

// The format code of a built-in number format id ("" for General or an unknown id).
std::string BuiltinNumberFormat(int id);

// `code` is the format code ("" = General).
std::string FormatSpreadsheetNumber(double value, const std::string& code, bool date1904);

// "A1"-style reference of a 1-based row and column ("C4"); "" when either is 0.
std::string CellReference(int row, int col);

}  // namespace ragdb::rag
