// The one line for command-line words CLI11 could not place: an unknown
// subcommand or option named, with the closest known name when one is near
// ("did you mean"), instead of CLI11's list of leftover words.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace trilo::cli {

// After app.parse threw CLI::ExtrasError: the message for the first word
// of argv that was left over.
std::string unknown_arguments_message(const CLI::App& app, int argc, char** argv);

}  // namespace trilo::cli
