// `trilobite info --config`: the stored configuration, ready for --config.
#include <stdexcept>

#include "io/result_reader.hpp"

namespace trilo::io {

std::string stored_config(const ResultData& r) {
  const AttrValue* v = r.attribute("config");
  const std::string* text = v ? std::get_if<std::string>(v) : nullptr;
  if (!text || text->empty())
    throw std::runtime_error("'" + r.path + "' stores no configuration (attribute 'config')");
  const AttrValue* job = r.attribute("job");
  const std::string* name = job ? std::get_if<std::string>(job) : nullptr;
  const std::string sub = name ? *name : "<job>";
  return "# The resolved options of " + r.path + " (trilobite " +
         attr_text(r.attribute("program_version") ? *r.attribute("program_version") : AttrValue{""}) +
         ").\n# Replay: trilobite " + sub + " --config THIS_FILE -o NEW.h5\n" + *text;
}

}  // namespace trilo::io
