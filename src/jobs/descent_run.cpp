#include "jobs/descent_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <utility>

#include "config/run_config.hpp"
#include "core/descent_variants.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"

namespace trilo::jobs {

using analysis::Source;
using io::Column;
using io::ColumnType;

void print_stage_times(const StageTimes& t, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line,
                "stages: setup %.3f s; loop %.3f s (compute %.3f, waiting for absorb %.3f); absorb %.3f s (cluster "
                "%.3f, counts %.3f, records %.3f, checkpoint rows %.3f, commits %.3f); finish %.3f s; records "
                "into the file %.3f s; tables %.3f s; total %.3f s\n",
                t.setup_s, t.loop_s, t.compute_s, t.settle_s, t.absorb_s(), t.cluster_s, t.count_s, t.records_s,
                t.checkpoint_s, t.commit_s, t.finish_s, t.copy_s, t.tables_s, t.total_s);
  out << line;
  if (t.cells_chunks > 0) {
    std::snprintf(line, sizeof line,
                  "cells: %lld chunks reduced by merge cell, %lld of them fell back to their end points\n",
                  static_cast<long long>(t.cells_chunks), static_cast<long long>(t.cells_fallbacks));
    out << line;
  }
  if (t.record_rows > 0) {
    if (t.chunks_moved >= 0)
      std::snprintf(line, sizeof line,
                    "records: %lld rows, %lld chunks moved from the checkpoint as stored (%lld taken from the "
                    "checkpoint resumed, %lld deflated here)\n",
                    static_cast<long long>(t.record_rows), static_cast<long long>(t.chunks_moved),
                    static_cast<long long>(t.chunks_adopted), static_cast<long long>(t.chunks_deflated));
    else
      std::snprintf(line, sizeof line, "records: %lld rows, deflated from the checkpoint's rows\n",
                    static_cast<long long>(t.record_rows));
    out << line;
  }
}

CellsPath cells_path_from_env() {
  const char* v = std::getenv("TRILOBITE_REDUCE_CELLS");
  const std::string s = v ? v : "";
  if (s.empty()) return CellsPath::kBackend;
  if (s == "on") return CellsPath::kOn;
  if (s == "off") return CellsPath::kOff;
  throw config::BadInput("TRILOBITE_REDUCE_CELLS: '" + s + "' is neither on nor off");
}

void check_descent_kernel_env() {
  const char* v = std::getenv("TRILOBITE_DESCENT_KERNEL");
  const std::string s = v ? v : "";
  if (!s.empty() && descent_variant_index(s) < 0)
    throw config::BadInput("TRILOBITE_DESCENT_KERNEL: '" + s + "' is none of " + descent_variant_names());
}

RecordChunks record_chunks_from_env() {
  const char* v = std::getenv("TRILOBITE_RECORD_CHUNKS");
  const std::string s = v ? v : "";
  if (s.empty()) return RecordChunks::kBackend;
  if (s == "on") return RecordChunks::kOn;
  if (s == "off") return RecordChunks::kOff;
  throw config::BadInput("TRILOBITE_RECORD_CHUNKS: '" + s + "' is neither on nor off");
}

std::vector<std::int64_t> DescentCounters::flat() const {
  return {descents_done,     descent_rows,      cells_done,     descent_status[0], descent_status[1],
          descent_status[2], cell_status[0],    cell_status[1], cell_status[2]};
}

DescentCounters DescentCounters::from(const std::vector<std::int64_t>& v) {
  if (v.empty()) return {};  // nothing committed
  if (v.size() != kSize) throw std::runtime_error("the checkpoint's progress record has the wrong size");
  DescentCounters c;
  c.descents_done = v[0];
  c.descent_rows = v[1];
  c.cells_done = v[2];
  for (int k = 0; k < 3; ++k) {
    c.descent_status[k] = v[3 + k];
    c.cell_status[k] = v[6 + k];
  }
  return c;
}

std::vector<io::StreamSpec> descent_streams(int dim, std::int64_t result_rows) {
  std::vector<io::Column> descents = descent_record_columns(dim);
  descents.push_back({"raw_minimum", ColumnType::kI32, 1});
  descents.push_back({"bounced", ColumnType::kI8, 1});
  for (io::Column& c : descents) c.in_result = c.name != "raw_minimum";
  return {{"descents", std::move(descents), result_rows},
          {"cells",
           {{"raw_minimum", ColumnType::kI32, 1},
            {"steps", ColumnType::kI64, 1},
            {"status", ColumnType::kI8, 1}}}};
}

std::int64_t result_rows(const DescentPlan& plan, const backend::Backend& be) {
  const bool on = plan.record_chunks == RecordChunks::kOn ||
                  (plan.record_chunks == RecordChunks::kBackend && be.reduces_on_device());
  if (!on || plan.n_descents == 0 || plan.records.mode == Records::kNone) return -1;
  return plan.records.rows(plan.n_descents);
}

DescentRun::DescentRun(const DescentPlan& plan, int dim, double merge_tol)
    : plan_(plan), dim_(dim), acc_(dim, merge_tol) {}

void DescentRun::restore(const io::CheckpointReader& from) {
  counters_ = DescentCounters::from(from.counters());
  if (from.counters().empty()) return;  // killed before its first commit: start from nothing
  const DescentCounters& c = counters_;
  if (c.descents_done < 0 || c.descents_done > plan_.n_descents || c.cells_done < 0 ||
      c.cells_done > plan_.n_cells || c.descent_rows != plan_.records.rows(c.descents_done) ||
      (c.cells_done > 0 && c.descents_done < plan_.n_descents))
    throw std::runtime_error("the checkpoint's progress record does not fit this run");
  const io::CheckpointState& s = from.state();
  try {
    acc_.restore({s.reals, s.ints, s.pairs});
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("the checkpoint's ") + e.what());
  }
  if (acc_.trials(Source::kDescents) != c.descents_done || acc_.trials(Source::kBasins) != c.cells_done)
    throw std::runtime_error("the checkpoint's minima state does not match its progress record");
}

void DescentRun::commit(io::CheckpointWriter* ck) {
  if (!ck) return;
  Stopwatch watch;
  analysis::MinimaAccumulator::State s = acc_.state();
  ck->commit(counters_.flat(), {std::move(s.reps), std::move(s.counters), std::move(s.histogram)});
  times_.commit_s += watch.lap();
}

namespace {

// What the accumulator reads of a backend's cells.
analysis::Cells view(const backend::ReducedCells& c) {
  return {c.dim,           c.cells(),       c.rows,         c.first.data(), c.position.data(),
          c.radius.data(), c.offset.data(), c.steps.data(), c.count.data(),
          c.cell_of.empty() ? nullptr : c.cell_of.data()};
}

// The reduction a phase's chunks take (Backend::descend_cells), if any.
struct CellsPlan {
  bool on = false;
  double tol = 0;
  std::int64_t every = 0;  // rows brought home besides the cells
};

// One phase's chunks: the backend descends into one of two batches while the
// run absorbs the other.
class DescentChunks : public ChunkWork {
 public:
  using Absorb = std::function<void(std::int64_t first, backend::DescentBatch&, const backend::ReducedCells*,
                                    const std::function<void()>& fetch)>;
  using Commit = std::function<void()>;
  DescentChunks(backend::Backend& be, const backend::DescentRequest& q, CellsPlan cells, Absorb absorb,
                Commit commit)
      : be_(be), q_(q), cells_(cells), absorb_(std::move(absorb)), commit_(std::move(commit)) {}
  void compute(const Chunk& c) override {
    if (cells_.on)
      be_.descend_cells(q_, c.first, c.count, cells_.tol, cells_.every, c.slot, parts_[c.slot], reduced_[c.slot]);
    else
      be_.descend(q_, c.first, c.count, parts_[c.slot]);
  }
  void absorb(const Chunk& c) override {
    backend::DescentBatch& part = parts_[c.slot];
    absorb_(c.first, part, cells_.on ? &reduced_[c.slot] : nullptr,
            [this, &part, slot = c.slot] { be_.fetch_end_points(slot, part); });
  }
  void commit(const Chunk&) override { commit_(); }
  void pack(const Chunk& c, Packer& out) const override { jobs::pack(out, parts_[c.slot]); }
  void unpack(const Chunk& c, Unpacker& in) override { jobs::unpack(in, parts_[c.slot]); }

 private:
  backend::Backend& be_;
  const backend::DescentRequest& q_;
  CellsPlan cells_;
  Absorb absorb_;
  Commit commit_;
  backend::DescentBatch parts_[2];
  backend::ReducedCells reduced_[2];
};

}  // namespace

void DescentRun::phase(backend::Backend& be, Source src, io::CheckpointWriter* ck, bool keep) {
  const bool cells = src == Source::kBasins;
  const std::int64_t n = cells ? plan_.n_cells : plan_.n_descents;
  if (keep) {
    (cells ? cells_ : descents_).resize(n, dim_);
    (cells ? cell_raw_ : descent_raw_).assign(static_cast<std::size_t>(n), -1);
  }
  CellsPlan reduce;
  reduce.on = reduces(be, src, keep);
  reduce.tol = acc_.tol();
  reduce.every = rows_home(src);
  DescentChunks work(
      be, cells ? plan_.cells : plan_.descents, reduce,
      [this, src, ck, keep](std::int64_t first, backend::DescentBatch& part, const backend::ReducedCells* reduced,
                            const std::function<void()>& fetch) { absorb(src, first, part, reduced, fetch, ck, keep); },
      [this, ck] { commit(ck); });
  DriveOptions o;
  o.n = n;
  o.done = cells ? counters_.cells_done : counters_.descents_done;
  o.chunk = plan_.chunk;
  o.what = cells ? "basin map" : "descents";
  o.bar = plan_.bar;
  o.spread = true;
  const DriveStats d = drive(work, o);
  if (reduce.on) be.end_cells();
  times_.compute_s += d.compute_s + d.wait_s;
  times_.settle_s += d.settle_s;
  times_.loop_s += d.wall_s;
}

bool DescentRun::reduces(const backend::Backend& be, Source src, bool keep) const {
  if (keep || ranks() > 1 || plan_.reduce == CellsPath::kOff) return false;
  if (plan_.reduce == CellsPath::kOn) return true;
  return be.reduces_on_device() && src == Source::kDescents && plan_.records.mode != Records::kAll;
}

std::int64_t DescentRun::rows_home(Source src) const {
  // The basin map labels every cell; the records label the rows they keep.
  if (src == Source::kBasins || plan_.records.mode == Records::kAll) return 1;
  return plan_.records.mode == Records::kSample ? plan_.records.every : 0;
}

void DescentRun::absorb(Source src, std::int64_t first, backend::DescentBatch& part,
                        const backend::ReducedCells* reduced, const std::function<void()>& fetch,
                        io::CheckpointWriter* ck, bool keep) {
  const bool cells = src == Source::kBasins;
  const std::int64_t count = part.count;
  std::int64_t* status_count = cells ? counters_.cell_status : counters_.descent_status;
  Stopwatch watch;
  const auto lap = [&watch] { return watch.lap(); };
  raw_.resize(static_cast<std::size_t>(count));
  // Labels are read only for the rows the checkpoint keeps.
  const bool labelled = keep || rows_home(src) > 0;
  bool clustered = false;
  if (reduced && !reduced->made) {  // the device could not keep or reduce it: every row came home
    ++times_.cells_chunks;
    ++times_.cells_fallbacks;
    reduced = nullptr;
  }
  if (reduced) {
    ++times_.cells_chunks;
    clustered = acc_.add_cells(src, view(*reduced), labelled ? raw_.data() : nullptr);
    if (!clustered) {
      ++times_.cells_fallbacks;
      fetch();
    }
  }
  if (!clustered)
    acc_.add(src, {part.end.data(), part.status.data(), part.steps.data(), count, part.quench.data()},
             raw_.data());
  times_.cluster_s += lap();
  if (reduced)
    for (int k = 0; k < 3; ++k) status_count[k] += reduced->status_rows[k];
  else
    for (std::int64_t i = 0; i < count; ++i) ++status_count[part.status[i]];
  if (keep) {
    (cells ? cells_ : descents_).place(part);
    std::copy(raw_.begin(), raw_.end(), (cells ? cell_raw_ : descent_raw_).begin() + first);
  }
  times_.count_s += lap();
  if (ck && cells) {
    ck->write_rows(1, first, count, {raw_.data(), part.steps.data(), part.status.data()});
    times_.checkpoint_s += lap();
  } else if (ck) {
    // The recorded rows of this chunk, packed.
    const backend::DescentBatch* out = &part;
    const std::vector<std::int32_t>* out_raw = &raw_;
    std::int64_t rows = count;
    if (plan_.records.mode != Records::kAll) {
      // --records none keeps no row: nothing to pick (the empty write
      // below writes nothing).
      if (plan_.records.mode == Records::kSample) rec_.resize(count, dim_);
      rec_raw_.clear();
      rows = 0;
      for (std::int64_t i = 0; i < count && plan_.records.mode == Records::kSample; ++i) {
        if (!plan_.records.keeps(first + i)) continue;
        std::copy_n(&part.start[i * dim_], dim_, &rec_.start[rows * dim_]);
        std::copy_n(&part.end[i * dim_], dim_, &rec_.end[rows * dim_]);
        rec_.loss[rows] = part.loss[i];
        rec_.grad_norm[rows] = part.grad_norm[i];
        rec_.steps[rows] = part.steps[i];
        rec_.status[rows] = part.status[i];
        rec_.bounced[rows] = part.bounced[i];
        rec_raw_.push_back(raw_[i]);
        ++rows;
      }
      out = &rec_;
      out_raw = &rec_raw_;
      times_.records_s += lap();
    }
    ck->write_rows(0, counters_.descent_rows, rows,
                   {out->start.data(), out->end.data(), out->loss.data(), out->grad_norm.data(),
                    out->steps.data(), out->status.data(), out_raw->data(), out->bounced.data()});
    counters_.descent_rows += rows;
    times_.checkpoint_s += lap();
  }
  (cells ? counters_.cells_done : counters_.descents_done) += count;
}

void DescentRun::run(backend::Backend& be, io::CheckpointWriter* checkpoint, bool keep) {
  if (keep && (counters_.descents_done > 0 || counters_.cells_done > 0))
    throw std::logic_error("DescentRun: records cannot be kept in memory for a resumed run");
  // A phase with nothing to do took no time, not the microseconds of its bookkeeping.
  const auto timed = [&](Source src, std::int64_t n) {
    const auto t0 = std::chrono::steady_clock::now();
    phase(be, src, checkpoint, keep);
    return n > 0 ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() : 0.0;
  };
  descent_seconds_ = timed(Source::kDescents, plan_.n_descents);
  cell_seconds_ = timed(Source::kBasins, plan_.n_cells);
}

}  // namespace trilo::jobs
