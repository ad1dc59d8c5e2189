// CSV data files: a header row naming the columns, then one row of numbers
// per sample, separated by commas. Blank lines are skipped; every other row
// must have the header's column count, and every field must be a finite
// number that fits a float.
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "nn/data_sources.hpp"

namespace trilo::nn {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The fields of one line, trimmed.
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

bool blank(std::string_view line) { return trim(line).empty(); }

enum class Parse { kOk, kEmpty, kNotNumber, kNotFinite, kTooLarge };

// One field as a float: the whole field must be a decimal number.
Parse parse_field(std::string_view f, float& out) {
  if (f.empty()) return Parse::kEmpty;
  if (f.front() == '+') f.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (end != f.data() + f.size()) return Parse::kNotNumber;
  if (ec == std::errc::result_out_of_range) return Parse::kTooLarge;
  if (ec != std::errc()) return Parse::kNotNumber;
  if (!std::isfinite(v)) return Parse::kNotFinite;
  if (std::fabs(v) > std::numeric_limits<float>::max()) return Parse::kTooLarge;
  out = static_cast<float>(v);
  return Parse::kOk;
}

std::string unquote(std::string_view name) {
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = name.substr(1, name.size() - 2);
  return std::string(name);
}

std::string column_list(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 10;
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i)
    s += (i ? ", " : "") + printable(names[i], 40);
  if (names.size() > kShown) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return s;
}

std::string read_whole(const DataSource& src) {
  std::error_code ec;
  if (std::filesystem::is_directory(src.file, ec)) src.fail("is a directory, not a file");
  std::ifstream in(src.file, std::ios::binary);
  if (!in) src.fail(std::string("cannot read (") + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) src.fail("read error");
  return std::move(text).str();
}

}  // namespace

Dataset read_csv(const DataSource& src, const std::string& target) {
  const std::string text = read_whole(src);
  const std::string_view all(text);
  // A UTF-8 byte order mark (spreadsheets write one) is not part of the first name.
  std::size_t pos = all.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::int64_t line_no = 0;
  std::string_view line;
  // The next non-blank line into `line`; false at the end.
  auto next_line = [&]() {
    while (pos < all.size()) {
      const std::size_t nl = all.find('\n', pos);
      const std::size_t end = nl == std::string_view::npos ? all.size() : nl;
      line = all.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!blank(line)) return true;
    }
    return false;
  };

  if (!next_line()) src.fail("empty (a CSV data file starts with a header row naming the columns)");
  std::vector<std::string_view> fields;
  split_fields(line, fields);
  const int columns = static_cast<int>(fields.size());
  std::vector<std::string> names;
  for (std::string_view f : fields) names.push_back(unquote(f));
  if (columns < 2)
    src.fail_at(line_no, 0,
                "one column; a data file needs feature columns and a label column, separated by commas");
  bool all_numbers = true;
  for (std::string_view f : fields) {
    float v;
    all_numbers = all_numbers && parse_field(f, v) == Parse::kOk;
  }
  if (all_numbers)
    src.fail_at(line_no, 0,
                "the first row holds numbers, not column names (a CSV data file starts with a header row)");

  int label_col = columns - 1;
  if (!target.empty()) {
    label_col = -1;
    for (int c = 0; c < columns; ++c) {
      if (names[static_cast<std::size_t>(c)] != target) continue;
      if (label_col >= 0)
        src.fail_at(line_no, c + 1,
                    "a second column named '" + printable(target, 40) + "' (the first is column " +
                        std::to_string(label_col + 1) + "); --target must name one column");
      label_col = c;
    }
    if (label_col < 0)
      src.fail_at(line_no, 0,
                  "no column named '" + printable(target, 40) + "' (columns: " + column_list(names) + ")");
  }

  Dataset d;
  d.name = src.file;
  d.features = columns - 1;
  d.origin.kind = RowOrigin::Kind::kCsv;
  d.origin.role = src.role;
  d.origin.file = src.file;
  d.origin.labels = names[static_cast<std::size_t>(label_col)];
  d.origin.column = label_col + 1;
  std::vector<float> row(static_cast<std::size_t>(columns));
  while (next_line()) {
    split_fields(line, fields);
    const int n = static_cast<int>(fields.size());
    if (n < columns)
      src.fail_at(line_no, n + 1,
                  "missing: this row has " + std::to_string(n) + " fields, the header " +
                      std::to_string(columns) + " columns");
    if (n > columns)
      src.fail_at(line_no, columns + 1,
                  "one field too many: the header has " + std::to_string(columns) + " columns");
    for (int c = 0; c < columns; ++c) {
      const std::string_view f = fields[static_cast<std::size_t>(c)];
      const Parse p = parse_field(f, row[static_cast<std::size_t>(c)]);
      if (p == Parse::kOk) continue;
      const std::string field = "'" + printable(std::string(f), 40) + "'";
      const std::string col = " ('" + printable(names[static_cast<std::size_t>(c)], 40) + "')";
      if (p == Parse::kEmpty) src.fail_at(line_no, c + 1, "empty field" + col);
      if (p == Parse::kNotNumber) src.fail_at(line_no, c + 1, field + " is not a number" + col);
      if (p == Parse::kNotFinite) src.fail_at(line_no, c + 1, field + " is not a finite number" + col);
      src.fail_at(line_no, c + 1, field + " is beyond the range of a float" + col);
    }
    for (int c = 0; c < columns; ++c)
      if (c != label_col) d.x.push_back(row[static_cast<std::size_t>(c)]);
    d.y.push_back(row[static_cast<std::size_t>(label_col)]);
    d.origin.lines.push_back(line_no);
  }
  d.rows = static_cast<std::int64_t>(d.y.size());
  if (d.rows == 0) src.fail("a header row but no data rows");
  return d;
}

}  // namespace trilo::nn
