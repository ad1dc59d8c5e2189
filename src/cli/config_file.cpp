#include "cli/config_file.hpp"

#include <CLI/CLI.hpp>
#include <cpptoml.h>

#include <iterator>
#include <memory>
#include <set>
#include <sstream>

#include "config/run_config.hpp"

namespace trilo::cli {

namespace {

// CLI11's TOML reader, except that keys outside any section belong to the
// subcommand given on the command line (so a hand-written file needs no
// section header). The config file is read after the command line, so the
// subcommand is known by then.
class SubcommandToml : public CLI::ConfigBase {
 public:
  explicit SubcommandToml(const CLI::App* root) : root_(root) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    // CLI11's reader is lenient (an unclosed array reads to the end of the
    // file); a real TOML parser checks the syntax first.
    const std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    try {
      std::istringstream in(text);
      cpptoml::parser(in).parse();
    } catch (const cpptoml::parse_exception& e) {
      throw CLI::ConfigError(std::string("--config: not valid TOML: ") + e.what());
    }
    std::istringstream in(text);
    std::vector<CLI::ConfigItem> items = CLI::ConfigBase::from_config(in);
    const std::vector<CLI::App*> chosen = root_->get_subcommands();  // those parsed
    if (chosen.size() != 1) return items;
    for (CLI::ConfigItem& item : items)
      if (item.parents.empty()) item.parents.push_back(chosen[0]->get_name());
    return items;
  }

 private:
  const CLI::App* root_;
};

// Options that do not change the result file. --force is an action on the
// output path: a replay must not inherit the right to overwrite.
const std::set<std::string>& not_stored() {
  static const std::set<std::string> names = {"output", "quiet", "json", "resume", "force"};
  return names;
}

// CLI11 writes numbers bare and strings in double quotes (single quotes
// when they hold a double quote). CLI11 reads either back as the same text,
// but some bare forms (".5", "1.") and escapes are not TOML; quote those.
std::string toml_scalar(const std::string& v) {
  if (v.empty() || v.front() == '"' || v.front() == '\'') {
    const bool escapes = v.find('\\') != std::string::npos && v.front() == '"';
    if (!escapes) return v;
    const std::string inner = v.substr(1, v.size() - 2);
    return inner.find('\'') == std::string::npos ? "'" + inner + "'" : v;
  }
  std::istringstream probe("v = " + v + "\n");
  try {
    cpptoml::parser(probe).parse();
    return v;
  } catch (const cpptoml::parse_exception&) {
    return v.find('"') == std::string::npos ? "\"" + v + "\"" : "'" + v + "'";
  }
}

std::string toml_value(const std::string& v) {
  if (v.size() < 2 || v.front() != '[') return toml_scalar(v);
  // [a, b, c] as ini_join writes it; items hold no ", " unless quoted.
  std::string out = "[", item;
  bool quoted = false;
  char q = 0;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    const char c = v[i];
    if (quoted) {
      item += c;
      if (c == q) quoted = false;
    } else if (c == '"' || c == '\'') {
      quoted = true;
      q = c;
      item += c;
    } else if (c == ',') {
      out += toml_scalar(item) + ", ";
      item.clear();
      if (i + 1 < v.size() && v[i + 1] == ' ') ++i;
    } else {
      item += c;
    }
  }
  return out + toml_scalar(item) + "]";
}

}  // namespace

void enable_config_files(CLI::App& app) {
  app.config_formatter(std::make_shared<SubcommandToml>(&app));
  app.set_config("--config", "",
                 "TOML file of options: key = value, keys the long option names "
                 "(e.g. grid-res = 64); the command line wins");
  app.allow_config_extras(CLI::config_extras_mode::error);
  // `trilobite run --config FILE`: the subcommand passes --config up to the root.
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->fallthrough();
    sub->allow_config_extras(CLI::config_extras_mode::error);
  }
}

void check_config_sections(const CLI::App& app) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const std::string name = chosen.size() == 1 ? chosen[0]->get_name() : std::string("(none)");
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (app.got_subcommand(sub)) continue;
    for (const CLI::Option* opt : sub->get_options())
      if (opt->count() > 0)
        throw config::BadInput("--config: the file sets '" + opt->get_single_name() + "' of [" +
                               sub->get_name() + "], but the subcommand is " + name);
  }
}

std::string parse_error_message(const CLI::ParseError& e) {
  const std::string what = e.what();
  // The only file CLI11 opens itself is the --config file.
  if (dynamic_cast<const CLI::FileError*>(&e)) {
    const std::string suffix = " was not readable (missing?)";
    if (what.size() > suffix.size() && what.compare(what.size() - suffix.size(), suffix.size(), suffix) == 0)
      return "--config: cannot read '" + what.substr(0, what.size() - suffix.size()) + "'";
    return "--config: " + what;
  }
  // CLI11's "--chunk: At Most 1 required but received 2": an option of one
  // value given twice on the command line, or as a list in a --config file.
  const std::string at_most = ": At Most 1 required but received ";
  if (const auto at = what.find(at_most); at != std::string::npos && dynamic_cast<const CLI::ArgumentMismatch*>(&e))
    return what.substr(0, at) + ": takes one value, got " + what.substr(at + at_most.size()) +
           " (given more than once, or a list in a --config file)";
  const std::string prefix = "INI was not able to parse ";
  if (!dynamic_cast<const CLI::ConfigError*>(&e) || what.rfind(prefix, 0) != 0) return what;
  // "run.foo": key foo for subcommand run; "nosuch.++": a section [nosuch].
  const std::string item = what.substr(prefix.size());
  const auto dot = item.find('.');
  if (dot == std::string::npos)
    return "--config: '" + item + "' is not an option (and no subcommand was given)";
  const std::string sub = item.substr(0, dot), key = item.substr(dot + 1);
  if (key == "++" || key == "--") return "--config: [" + sub + "] is not a subcommand";
  return "--config: '" + key + "' is not an option of " + sub +
         " (keys are long option names, e.g. grid-res)";
}

CLI::App* chosen_subcommand(CLI::App& app) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  return chosen.size() == 1 ? chosen[0] : nullptr;
}

std::string resolved_config_toml(CLI::App& sub, const std::set<std::string>& unused) {
  std::string out = "[" + sub.get_name() + "]\n";
  for (CLI::Option* opt : sub.get_options()) {
    const std::string key = opt->get_single_name();
    if (!opt->get_configurable() || opt->get_positional() || not_stored().count(key) ||
        unused.count(key))
      continue;
    std::string value;
    if (opt->get_expected_min() == 0) {
      // A flag. Its results hold the bound variable's value, but a file
      // line `key = v` goes through the flag's own meaning again: for a
      // negating flag (`!--no-polish`) that inverts v. get_flag_value is
      // that mapping and its own inverse. Not given: "false" (not set).
      value = opt->count() ? opt->get_flag_value(key, opt->results().back()) : "false";
    } else if (opt->count()) {
      value = CLI::detail::ini_join(opt->reduced_results());  // as given, exactly
    } else {
      opt->capture_default_str();  // the bound variable's value, as validation left it
      const std::string d = opt->get_default_str();
      if (d == "[]") continue;  // an empty list: the default, and no TOML form CLI11 reads back
      value = CLI::detail::convert_arg_for_ini(d);
    }
    out += key + " = " + toml_value(value) + "\n";
  }
  return out;
}

}  // namespace trilo::cli
