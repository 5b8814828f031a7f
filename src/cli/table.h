#pragma once
// Plain-text rendering for humans: a Table of aligned columns (a header row, then one row per
// item; every column but the last is padded to its widest cell plus two spaces), "field: value"
// lines for a single object, and the conversion of a JSON value into one display cell.
// Cells are sanitized for the terminal: control characters (a name holding "\n" or an escape
// sequence) are shown escaped, never sent raw. Widths count UTF-8 code points. Pure values.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // The header and the rows, each line ending in '\n'; no trailing spaces.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "name: value" lines, names padded so that the values line up; each line ends in '\n'.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// One cell: a string as is, null as "-", a bool or number as JSON writes it, an empty array as
// "[]", an array of scalars joined by ",", anything else as compact JSON. Not yet sanitized.
std::string DisplayValue(const boost::json::value& value);

// `text` with C0 controls, DEL and C1 controls escaped ("\n", "\t", "\x1b").
std::string SanitizeForTerminal(std::string_view text);

// The number of UTF-8 code points in `text`.
std::size_t DisplayWidth(std::string_view text);

}  // namespace latchkey::cli
