#include "cli/unknown_arguments.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/edit_distance.hpp"

namespace trilo::cli {

namespace {

// " (did you mean 'x'?)" for the nearest candidate within a third of the
// word's length (at least 2 edits), else "".
std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  if (best.empty() || best_d > allowed || best_d >= word.size()) return "";
  return " (did you mean '" + best + "'?)";
}

}  // namespace

std::string unknown_arguments_message(const CLI::App& app, int argc, char** argv) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const CLI::App* sub = chosen.size() == 1 ? chosen[0] : nullptr;
  std::vector<std::string> left = app.remaining(true);
  std::vector<std::string> words(argv + 1, argv + argc);
  // The first left-over word in the order typed, an unknown option before
  // any bare value: an unknown option's value is left over too, and the
  // same text may also have been typed earlier as a known option's value
  // (`--hessian-minima 0 --barrier-minima 0` names the option, not '0').
  const auto option_like = [](const std::string& w) {
    return w.size() > 1 && w[0] == '-' && !std::isdigit(static_cast<unsigned char>(w[1])) && w[1] != '.';
  };
  std::string word;
  for (const bool options_only : {true, false}) {
    for (const std::string& w : words)
      if ((!options_only || option_like(w)) && std::find(left.begin(), left.end(), w) != left.end()) {
        word = w;
        break;
      }
    if (!word.empty()) break;
  }
  if (word.empty() && !left.empty()) word = left.front();
  if (!sub) {
    std::vector<std::string> names;
    for (const CLI::App* s : app.get_subcommands({})) names.push_back(s->get_name());
    // The first word that is not an option is the subcommand the user meant.
    for (const std::string& w : words)
      if (!w.empty() && w[0] != '-')
        return "unknown subcommand '" + w + "'" + nearest(w, names) + " (see trilobite --help)";
    return "'" + word + "' needs a subcommand first, e.g. trilobite run " + word + " (see trilobite --help)";
  }
  const std::string where = "trilobite " + sub->get_name();
  if (word.size() > 1 && word[0] == '-') {
    const std::string name = word.substr(0, word.find('='));
    std::vector<std::string> names;
    for (const CLI::Option* o : sub->get_options()) {
      for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
      for (const std::string& s : o->get_snames()) names.push_back("-" + s);
    }
    return "unknown option '" + name + "' for " + sub->get_name() + nearest(name, names) + " (see " + where +
           " --help)";
  }
  return "unexpected argument '" + word + "' (each option takes at most one value; see " + where + " --help)";
}

}  // namespace trilo::cli
