#include "support/thrust_host_backend.hpp"

#include <stdexcept>

#if TRILOBITE_TEST_THRUST_HOST
#include <thrust/execution_policy.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <limits>
#include <string>
#include <vector>

#include "kernels/reduce_cells_thrust.hpp"

namespace trilo::test {
namespace {

// The device's space on the host: Thrust's C++ system, and copies home that
// land only at sync(), as the device's queued ones do, so a read of a copy
// before its sync finds the poison, not the value.
class HostSpace {
 public:
  // Buffers of more than `limit` bytes do not fit: they throw
  // backend::OutOfDeviceMemory, or std::bad_alloc with `bad_alloc` (as
  // Thrust's scratch does on a device).
  explicit HostSpace(std::size_t limit = std::numeric_limits<std::size_t>::max(), bool bad_alloc = false)
      : limit_(limit), bad_alloc_(bad_alloc) {}
  auto policy() const { return thrust::cpp::par; }
  template <class T>
  std::vector<T> buffer(std::size_t n) const {
    if (n * sizeof(T) > limit_) {
      if (bad_alloc_) throw std::bad_alloc();
      throw backend::OutOfDeviceMemory("host space: " + std::to_string(n * sizeof(T)) + " bytes do not fit");
    }
    std::vector<T> b(n);  // fresh device memory holds anything: here all-ones bytes (NaN, -1)
    std::memset(static_cast<void*>(b.data()), 0xFF, n * sizeof(T));
    return b;
  }
  // A copy reads its source now, at its place in the stream's order, and
  // lands at sync().
  template <class T>
  void home(T* host, const T* mem, std::int64_t n) {
    std::vector<T> read(mem, mem + n);
    std::memset(static_cast<void*>(host), 0xA5, static_cast<std::size_t>(n) * sizeof(T));
    queued_.push_back([host, read = std::move(read)] { std::copy(read.begin(), read.end(), host); });
  }
  void home_rows(void* host, std::size_t host_pitch, const void* mem, std::size_t mem_pitch, std::size_t width,
                 std::size_t rows) {
    if (host_pitch < width || mem_pitch < width) throw std::logic_error("home_rows: a pitch under the width");
    auto* h = static_cast<unsigned char*>(host);
    const auto* m = static_cast<const unsigned char*>(mem);
    std::vector<unsigned char> read(rows * width);
    for (std::size_t r = 0; r < rows; ++r) {
      std::memcpy(read.data() + r * width, m + r * mem_pitch, width);
      std::memset(h + r * host_pitch, 0xA5, width);
    }
    queued_.push_back([=, read = std::move(read)] {
      for (std::size_t r = 0; r < rows; ++r) std::memcpy(h + r * host_pitch, read.data() + r * width, width);
    });
  }
  void sync() {
    for (auto& copy : queued_) copy();
    queued_.clear();
  }
  ~HostSpace() noexcept(false) {
    if (!queued_.empty() && std::uncaught_exceptions() == 0)
      throw std::logic_error("copies home queued and never waited for");
  }

 private:
  std::size_t limit_;
  bool bad_alloc_;
  std::vector<std::function<void()>> queued_;
};

template <class U>
using HostBuffer = std::vector<U>;
using Kept = cell_reduction::KeptColumns<HostBuffer>;

backend::EndColumns columns(const backend::DescentBatch& b) {
  return {b.end.data(), b.status.data(), b.quench.empty() ? nullptr : b.quench.data(), b.steps.data(), b.count,
          b.dim};
}

// Descends on the CPU; reduces, and keeps a chunk's descents "on the
// device" for descend_cells with the CUDA backend's own code
// (descend_kept_cells), in a space of `limit` bytes a buffer.
class ThrustHostBackend final : public backend::Backend {
 public:
  ThrustHostBackend(std::size_t limit, bool bad_alloc)
      : cpu_(backend::make_cpu_backend(2)), limit_(limit), bad_alloc_(bad_alloc) {}
  std::string name() const override { return "thrust-host"; }
  std::string device() const override { return "Thrust's C++ system on the host"; }
  void descend(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
               backend::DescentBatch& out) override {
    cpu_->descend(req, first, count, out);
  }
  std::vector<backend::Trajectory> trace(const backend::DescentRequest& req, const std::vector<std::int64_t>& indices,
                                         std::int64_t every) override {
    return cpu_->trace(req, indices, every);
  }
  void grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count, backend::GridTile& out) override {
    cpu_->grid(req, first, count, out);
  }
  backend::PeakRates peak() override { return cpu_->peak(); }
  void critical(const backend::CriticalRequest& req, std::int64_t first, std::int64_t count,
                backend::DescentBatch& out) override {
    cpu_->critical(req, first, count, out);
  }
  backend::ReducedCells reduce_cells(const backend::DescentBatch& batch, double tol, bool per_row) override {
    HostSpace space(limit_, bad_alloc_);
    return cell_reduction::reduce_cells(space, columns(batch), tol, per_row ? 1 : 0, 0);
  }
  bool reduces_on_device() const override { return true; }
  void descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count, double tol,
                     std::int64_t every, int slot, backend::DescentBatch& out, backend::ReducedCells& cells) override {
    HostSpace space(limit_, bad_alloc_);
    // The CPU's descents written into the kept columns, as the device's
    // tiles write them; rows of `out` that do not come home hold NaN and
    // out-of-range codes, so a caller reading one is caught.
    const auto descend_into = [&](Kept* kept) {
      if (kept == nullptr) {
        cpu_->descend(req, first, count, out);
        return;
      }
      // In three tiles, each written at its row through the columns'
      // at(), as the device's tiles write them (kernels/record_tile.cuh).
      const int d = req.landscape.dim;
      for (std::int64_t row = 0; row < count;) {
        const std::int64_t m = std::min(count - row, count / 3 + 1);
        backend::DescentBatch made;
        cpu_->descend(req, first + row, m, made);
        const DescentColumns c = kept->at(row);
        const auto put = [](const auto& from, auto* to) { std::copy(from.begin(), from.end(), to); };
        put(made.start, c.start);
        put(made.end, c.end);
        put(made.loss, c.loss);
        put(made.grad_norm, c.grad_norm);
        put(made.steps, c.steps);
        put(made.status, c.status);
        put(made.quench, c.quench);
        put(made.bounced, c.bounced);
        row += m;
      }
      out.resize(count, d);
      out.first = first;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (auto* c : {&out.start, &out.end, &out.loss, &out.grad_norm}) std::fill(c->begin(), c->end(), nan);
      std::fill(out.steps.begin(), out.steps.end(), -7);
      for (auto* c : {&out.status, &out.quench, &out.bounced}) std::fill(c->begin(), c->end(), std::int8_t(-7));
    };
    cell_reduction::descend_kept_cells(space, kept_[slot & 1], first, count, req.landscape.dim, tol, every, out,
                                       cells, descend_into);
    if (!cells.made) ++chunks_at_home;
  }
  void fetch_end_points(int slot, backend::DescentBatch& out) override {
    HostSpace space;
    cell_reduction::fetch_kept_end_points(space, kept_[slot & 1].get(), out);
  }

  void end_cells() override {
    for (std::unique_ptr<Kept>& k : kept_) k.reset();
  }
  int kept_slots() const { return (kept_[0] != nullptr) + (kept_[1] != nullptr); }

  std::int64_t chunks_at_home = 0;  // descend_cells whose chunk came home unreduced

 private:
  std::unique_ptr<backend::Backend> cpu_;
  std::size_t limit_;
  bool bad_alloc_;
  std::unique_ptr<Kept> kept_[2];
};

}  // namespace

bool thrust_host_available() { return true; }

std::int64_t thrust_host_chunks_at_home(const backend::Backend& b) {
  return dynamic_cast<const ThrustHostBackend&>(b).chunks_at_home;
}

int thrust_host_kept_slots(const backend::Backend& b) { return dynamic_cast<const ThrustHostBackend&>(b).kept_slots(); }

std::unique_ptr<backend::Backend> make_thrust_host_backend(std::size_t buffer_limit, bool bad_alloc) {
  return std::make_unique<ThrustHostBackend>(buffer_limit, bad_alloc);
}

backend::ReducedCells reduce_cells_thrust_host(const backend::EndColumns& e, double tol, std::int64_t every,
                                               std::int64_t phase) {
  HostSpace space;
  return cell_reduction::reduce_cells(space, e, tol, every, phase);
}

}  // namespace trilo::test

#else  // no Thrust headers: the typed instances skip

namespace trilo::test {
bool thrust_host_available() { return false; }
std::unique_ptr<backend::Backend> make_thrust_host_backend(std::size_t, bool) {
  throw std::logic_error("built without Thrust's headers");
}
backend::ReducedCells reduce_cells_thrust_host(const backend::EndColumns&, double, std::int64_t, std::int64_t) {
  throw std::logic_error("built without Thrust's headers");
}
std::int64_t thrust_host_chunks_at_home(const backend::Backend&) {
  throw std::logic_error("built without Thrust's headers");
}
int thrust_host_kept_slots(const backend::Backend&) { throw std::logic_error("built without Thrust's headers"); }
}  // namespace trilo::test

#endif
