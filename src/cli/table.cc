#include "cli/table.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdio>

namespace latchkey::cli {
namespace {

void AppendPadded(std::string& line, std::string_view cell, std::size_t width) {
  line += cell;
  line.append(width - DisplayWidth(cell), ' ');
}

void AppendLine(std::string& out, const std::vector<std::string>& cells,
                const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i + 1 == cells.size()) {
      line += cells[i];
    } else {
      AppendPadded(line, cells[i], widths[i] + 2);
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line;
  out += '\n';
}

std::string EscapeByte(unsigned char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  return buf;
}

bool IsScalar(const boost::json::value& v) { return !v.is_array() && !v.is_object(); }

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) cell = SanitizeForTerminal(cell);
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  AppendLine(out, headers_, widths);
  for (const auto& row : rows_) AppendLine(out, row, widths);
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, DisplayWidth(name) + 1);
  std::string out;
  for (const auto& [name, value] : fields) {
    std::string line;
    AppendPadded(line, SanitizeForTerminal(name) + ":", width + 1);
    line += SanitizeForTerminal(value);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string DisplayValue(const boost::json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return "-";
  if (value.is_array() && value.get_array().empty()) return "[]";
  if (value.is_array() &&
      std::all_of(value.get_array().begin(), value.get_array().end(), IsScalar)) {
    std::string out;
    for (const auto& item : value.get_array()) {
      if (!out.empty()) out += ",";
      out += DisplayValue(item);
    }
    return out;
  }
  return boost::json::serialize(value);
}

std::string SanitizeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (c1) {
      out += EscapeByte(static_cast<unsigned char>(text[++i]));
    } else if (c < 0x20 || c == 0x7f) {
      out += EscapeByte(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

}  // namespace latchkey::cli
