#include "jobs/checkpointing.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace trilo::jobs {

namespace {

constexpr const char* kPartial = ".partial";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// "key = value" lines of a stored configuration, by key.
std::map<std::string, std::string> config_entries(const std::string& toml) {
  std::map<std::string, std::string> out;
  std::istringstream in(toml);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '[' || eq == std::string::npos) continue;
    out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

// Options that may differ between a run and its resumption: they change
// how the work is split, shown or stored, never what the result holds.
bool may_differ(const std::string& key) {
  return key == "threads" || key == "chunk" || key == "tile" || key == "compression" ||
         key == "quiet" || key == "json";
}

// Refuses a resume whose settings differ from the checkpointed run's,
// naming the first difference: a setting both runs store before one that
// only one of them stores (a schedule's own settings follow the schedule).
void check_same_settings(const io::CheckpointReader& ck, const std::string& path,
                         const config::RunConfig& c) {
  const std::string job = ck.text_attr("job");
  if (job != c.job)
    throw config::BadInput("--resume: '" + path + "' is a checkpoint of `trilobite " + job +
                           "`, not of `trilobite " + c.job + "`");
  if (!c.resolved_config) return;
  const auto was = config_entries(ck.text_attr("config")), now = config_entries(c.resolved_config());
  for (const bool stored_by_both : {true, false}) {
    for (const auto& [key, value] : now) {
      if (may_differ(key)) continue;
      const auto it = was.find(key);
      if ((it != was.end()) != stored_by_both) continue;
      const std::string before = it == was.end() ? "(not set)" : it->second;
      if (before != value)
        throw config::BadInput("--resume: the run in '" + path + "' had " + key + " = " + before +
                               ", this command has " + key + " = " + value +
                               " (give the interrupted run's options; `trilobite info --config " +
                               path + "` prints them)");
    }
  }
  for (const auto& [key, value] : was)
    if (!may_differ(key) && !now.count(key))
      throw config::BadInput("--resume: the run in '" + path + "' had " + key + " = " + value +
                             ", which this command does not set");
}

}  // namespace

CheckpointPaths checkpoint_paths(config::RunConfig& cfg) {
  CheckpointPaths p;
  if (!cfg.resume.empty()) {
    const bool is_partial = ends_with(cfg.resume, kPartial);
    p.resume_from = is_partial ? cfg.resume : cfg.resume + kPartial;
    if (!cfg.output_given)
      cfg.output = is_partial ? cfg.resume.substr(0, cfg.resume.size() - std::string(kPartial).size())
                              : cfg.resume;
    if (!exists(p.resume_from))
      throw config::BadInput("--resume: no checkpoint '" + p.resume_from + "' (nothing to resume)");
  }
  p.partial = cfg.output + kPartial;
  if (p.resume_from.empty() && exists(p.partial) && !cfg.force)
    throw config::BadInput("'" + p.partial + "' holds an interrupted run: continue it with --resume " +
                           cfg.output + ", or start again with --force");
  return p;
}

std::unique_ptr<io::CheckpointReader> open_resumed(const CheckpointPaths& p,
                                                   const config::RunConfig& cfg) {
  std::unique_ptr<io::CheckpointReader> ck;
  try {
    ck = std::make_unique<io::CheckpointReader>(p.resume_from);
  } catch (const std::runtime_error& e) {
    throw config::BadInput(std::string("--resume: ") + e.what());
  }
  check_same_settings(*ck, p.resume_from, cfg);
  return ck;
}

CheckpointStart prepare_checkpoint(config::RunConfig& cfg) {
  CheckpointStart s;
  s.paths = checkpoint_paths(cfg);
  if (!s.paths.resume_from.empty()) s.resumed = open_resumed(s.paths, cfg);
  return s;
}

std::unique_ptr<io::CheckpointWriter> start_checkpoint(
    const CheckpointPaths& p, const io::Attributes& root, const std::vector<io::StreamSpec>& streams,
    const std::vector<std::int64_t>& counters, const io::CheckpointState& state,
    const io::CheckpointReader* old, const std::vector<std::int64_t>& rows) {
  // The checkpoint is made under another name and renamed onto p.partial
  // only after its first commit: a kill while the file is being created
  // leaves no half-made .partial that a --resume would refuse. Resuming, it
  // holds what was committed before, so a kill during the copy loses
  // nothing either.
  const std::string fresh = p.partial + (old ? ".resuming" : ".creating");
  auto ck = std::make_unique<io::CheckpointWriter>(fresh, root, streams, static_cast<int>(counters.size()));
  // The chunks of the result's copies the old checkpoint stored for the
  // committed rows are taken as they are; the copy below deflates the rest.
  if (old) ck->adopt_result_chunks(*old, rows);
  constexpr std::int64_t kBlock = 1 << 16;
  for (std::size_t s = 0; old && s < streams.size(); ++s) {
    const auto& cols = streams[s].columns;
    std::vector<std::vector<char>> buf(cols.size());
    for (std::int64_t first = 0; first < rows.at(s); first += kBlock) {
      const std::int64_t n = std::min(kBlock, rows[s] - first);
      std::vector<const void*> ptrs;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        buf[c].resize(static_cast<std::size_t>(n) * cols[c].width * io::column_type_size(cols[c].type));
        old->read_rows(streams[s].name, cols[c], first, n, buf[c].data());
        ptrs.push_back(buf[c].data());
      }
      ck->write_rows(static_cast<int>(s), first, n, ptrs);
    }
  }
  try {
    ck->commit(counters, state);
    if (std::rename(fresh.c_str(), p.partial.c_str()) != 0)
      throw std::runtime_error("cannot rename '" + fresh + "' to '" + p.partial + "'");
  } catch (...) {
    ck.reset();
    std::remove(fresh.c_str());  // nothing half-made is left beside the target
    throw;
  }
  ck->renamed(p.partial);
  if (old && p.resume_from != p.partial) std::remove(p.resume_from.c_str());
  return ck;
}

std::string interrupted_message(const std::string& done, const CheckpointPaths& p,
                                const config::RunConfig& cfg) {
  return "interrupted after " + done + "; they are in '" + p.partial + "' (continue with --resume " +
         cfg.output + ")";
}

std::vector<io::Column> descent_record_columns(int dim) {
  using io::ColumnType;
  return {{"start", ColumnType::kF64, dim},    {"end", ColumnType::kF64, dim},
          {"loss", ColumnType::kF64, 1},       {"grad_norm", ColumnType::kF64, 1},
          {"steps", ColumnType::kI64, 1},      {"status", ColumnType::kI8, 1}};
}

}  // namespace trilo::jobs
