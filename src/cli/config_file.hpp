// Options from a TOML file (`--config FILE`), and the resolved options of a
// run written back as TOML, so that a result file can reproduce itself.
// Generic over subcommands: every configurable option of every subcommand
// can come from the file, under its long name.
#pragma once

#include <set>
#include <string>

namespace CLI {
class App;
class ParseError;
}

namespace trilo::cli {

// Adds `--config FILE` to `app` (given before or after the subcommand). The
// file holds `key = value` lines (TOML; keys are long option names without
// dashes) for the subcommand on the command line, either at the top or
// under a `[<subcommand>]` section. The command line wins over the file.
// Call after every subcommand is added.
void enable_config_files(CLI::App& app);

// After parsing: throws config::BadInput if the file set options of a
// subcommand other than the one chosen (a `[descend]` section for `run`).
void check_config_sections(const CLI::App& app);

// A CLI11 parse error as one line; config-file errors in our words.
std::string parse_error_message(const CLI::ParseError& e);

// The subcommand on the command line, or nullptr.
CLI::App* chosen_subcommand(CLI::App& app);

// The options of subcommand `sub` as TOML under a `[<name>]` section, each
// with its current value (given values as typed; others read back from the
// bound variables, so values that validation resolved are the resolved
// ones). Leaves out what does not change the result file: the output path
// (a replay must not overwrite its source), --force, --quiet and --json,
// and the options in `unused` (long names without "--"), which the run
// does not use (src/cli/unused_options.hpp).
std::string resolved_config_toml(CLI::App& sub, const std::set<std::string>& unused = {});

}  // namespace trilo::cli
