// The zero-cost backend (backend.hpp): descents that cost a copy. It exists
// to measure the host's own share of a descent job, the part a GPU does not
// take away (clustering, counts, checkpoint, file), without a GPU.

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "backend/backend.hpp"

namespace trilo::backend {

namespace {

constexpr const char* kReplaysOnly =
    "the zero-cost backend replays descents only (it serves `trilobite bench --pipeline`)";

class ZeroCostBackend final : public Backend {
 public:
  explicit ZeroCostBackend(int threads) : cpu_(make_cpu_backend(threads)) {}
  std::string name() const override { return "zero-cost"; }
  std::string device() const override {
    return "no compute: descents replayed from " + std::to_string(kReplayTemplates) + " real ones on " +
           cpu_->device();
  }

  void descend(const DescentRequest& req, std::int64_t first, std::int64_t count, DescentBatch& out) override {
    const DescentBatch& t = templates(req);
    const int d = t.dim;
    out.resize(count, d);
    out.first = first;
    // Runs of consecutive descents whose templates are consecutive too,
    // copied column by column in pieces on every core (as the CUDA backend
    // spreads its staging buffer).
    std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // (row in out, rows)
    for (std::int64_t i = 0; i < count;) {
      const std::int64_t from = (first + i) % t.count;
      const std::int64_t rows = std::min({count - i, t.count - from, kPieceRows});
      runs.emplace_back(i, rows);
      i += rows;
    }
    const auto n = static_cast<std::int64_t>(runs.size());
#pragma omp parallel for schedule(static) if (n > 1)
    for (std::int64_t k = 0; k < n; ++k) {
      const auto [at, rows] = runs[static_cast<std::size_t>(k)];
      const std::int64_t from = (first + at) % t.count;
      const auto copy = [&](const auto& src, auto& dst, std::int64_t width) {
        std::memcpy(dst.data() + at * width, src.data() + from * width,
                    static_cast<std::size_t>(rows * width) * sizeof(src[0]));
      };
      copy(t.start, out.start, d);
      copy(t.end, out.end, d);
      copy(t.loss, out.loss, 1);
      copy(t.grad_norm, out.grad_norm, 1);
      copy(t.steps, out.steps, 1);
      copy(t.status, out.status, 1);
      copy(t.quench, out.quench, 1);
      copy(t.bounced, out.bounced, 1);
    }
  }

  std::vector<Trajectory> trace(const DescentRequest&, const std::vector<std::int64_t>&,
                                std::int64_t) override {
    throw std::runtime_error(kReplaysOnly);
  }
  void grid(const GridRequest&, std::int64_t, std::int64_t, GridTile&) override {
    throw std::runtime_error(kReplaysOnly);
  }
  void critical(const CriticalRequest&, std::int64_t, std::int64_t, DescentBatch&) override {
    throw std::runtime_error(kReplaysOnly);
  }
  PeakRates peak() override { return {0, 0, 0, "none: the zero-cost backend computes nothing"}; }

 private:
  static constexpr std::int64_t kPieceRows = 1 << 14;

  // The first kReplayTemplates descents of `req` (or all its explicit
  // starts, when fewer), descended once on the CPU.
  const DescentBatch& templates(const DescentRequest& req) {
    for (const auto& [key, batch] : cache_)
      if (key == &req) return batch;
    std::int64_t n = kReplayTemplates;
    if (req.starts.mode == StartMode::kExplicit)
      n = std::min<std::int64_t>(n, static_cast<std::int64_t>(req.explicit_starts.size()) / req.starts.dim);
    if (n < 1) throw std::runtime_error("the zero-cost backend: no start to replay");
    DescentBatch t;
    cpu_->descend(req, 0, n, t);
    cache_.emplace_back(&req, std::move(t));
    return cache_.back().second;
  }

  std::unique_ptr<Backend> cpu_;
  // Per request (a job's descents and its basin map's cells).
  std::vector<std::pair<const DescentRequest*, DescentBatch>> cache_;
};

}  // namespace

std::unique_ptr<Backend> make_zero_cost_backend(int threads) {
  return std::make_unique<ZeroCostBackend>(threads);
}

}  // namespace trilo::backend
