#include "support/thrust_host_backend.hpp"

#include <stdexcept>

#if TRILOBITE_TEST_THRUST_HOST
#include <thrust/execution_policy.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
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
  auto policy() const { return thrust::cpp::par; }
  template <class T>
  std::vector<T> buffer(std::size_t n) const {
    return std::vector<T>(n);
  }
  template <class T>
  void home(T* host, const T* mem, std::int64_t n) {
    std::memset(static_cast<void*>(host), 0xA5, static_cast<std::size_t>(n) * sizeof(T));
    queued_.push_back([=] { std::copy(mem, mem + n, host); });
  }
  void home_rows(void* host, std::size_t host_pitch, const void* mem, std::size_t mem_pitch, std::size_t width,
                 std::size_t rows) {
    if (host_pitch < width || mem_pitch < width) throw std::logic_error("home_rows: a pitch under the width");
    auto* h = static_cast<unsigned char*>(host);
    const auto* m = static_cast<const unsigned char*>(mem);
    for (std::size_t r = 0; r < rows; ++r) std::memset(h + r * host_pitch, 0xA5, width);
    queued_.push_back([=] {
      for (std::size_t r = 0; r < rows; ++r) std::memcpy(h + r * host_pitch, m + r * mem_pitch, width);
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
  std::vector<std::function<void()>> queued_;
};

backend::EndColumns columns(const backend::DescentBatch& b) {
  return {b.end.data(), b.status.data(), b.quench.empty() ? nullptr : b.quench.data(), b.steps.data(), b.count,
          b.dim};
}

// Descends on the CPU; reduces, and keeps a chunk's descents "on the
// device" for descend_cells, as the CUDA backend does.
class ThrustHostBackend final : public backend::Backend {
 public:
  ThrustHostBackend() : cpu_(backend::make_cpu_backend(2)) {}
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
    return reduce_cells_thrust_host(columns(batch), tol, per_row ? 1 : 0, 0);
  }
  bool reduces_on_device() const override { return true; }
  void descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count, double tol,
                     std::int64_t every, int slot, backend::DescentBatch& out, backend::ReducedCells& cells) override {
    backend::DescentBatch& k = kept_[slot & 1];
    cpu_->descend(req, first, count, k);
    // Rows that do not come home hold NaN and out-of-range codes, so a
    // caller reading one is caught.
    const int d = k.dim;
    out.resize(count, d);
    out.first = k.first;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (auto* c : {&out.start, &out.end, &out.loss, &out.grad_norm}) std::fill(c->begin(), c->end(), nan);
    std::fill(out.steps.begin(), out.steps.end(), -7);
    for (auto* c : {&out.status, &out.quench, &out.bounced}) std::fill(c->begin(), c->end(), std::int8_t(-7));
    HostSpace space;
    const std::int64_t phase = cell_reduction::home_phase(first, every);
    cells = cell_reduction::reduce_cells(space, columns(k), tol, every, phase);
    if (every > 0) {
      const auto rows = [&](auto& host, const auto& kept, int width) {
        cell_reduction::copy_rows_home(space, host.data(), kept.data(),
                                       sizeof(host[0]) * static_cast<std::size_t>(width), count, every, phase);
      };
      rows(out.start, k.start, d);
      rows(out.end, k.end, d);
      rows(out.loss, k.loss, 1);
      rows(out.grad_norm, k.grad_norm, 1);
      rows(out.steps, k.steps, 1);
      rows(out.status, k.status, 1);
      rows(out.quench, k.quench, 1);
      rows(out.bounced, k.bounced, 1);
      space.sync();
    }
  }
  void fetch_end_points(int slot, backend::DescentBatch& out) override {
    const backend::DescentBatch& k = kept_[slot & 1];
    out.end = k.end;
    out.steps = k.steps;
    out.status = k.status;
    out.quench = k.quench;
  }

 private:
  std::unique_ptr<backend::Backend> cpu_;
  backend::DescentBatch kept_[2];
};

}  // namespace

bool thrust_host_available() { return true; }

std::unique_ptr<backend::Backend> make_thrust_host_backend() { return std::make_unique<ThrustHostBackend>(); }

backend::ReducedCells reduce_cells_thrust_host(const backend::EndColumns& e, double tol, std::int64_t every,
                                               std::int64_t phase) {
  HostSpace space;
  return cell_reduction::reduce_cells(space, e, tol, every, phase);
}

}  // namespace trilo::test

#else  // no Thrust headers: the typed instances skip

namespace trilo::test {
bool thrust_host_available() { return false; }
std::unique_ptr<backend::Backend> make_thrust_host_backend() {
  throw std::logic_error("built without Thrust's headers");
}
backend::ReducedCells reduce_cells_thrust_host(const backend::EndColumns&, double, std::int64_t, std::int64_t) {
  throw std::logic_error("built without Thrust's headers");
}
}  // namespace trilo::test

#endif
