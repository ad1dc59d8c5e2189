#include "support/host_device_ensemble.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/network_ensemble.hpp"
#include "support/batched_gemm.hpp"

namespace trilo::test {
namespace {

// Staging memory whose last copy to the "device" has not been waited for:
// it must still hold what the copy read.
struct PendingStage {
  virtual ~PendingStage() = default;
  virtual bool rewritten() const = 0;
  bool pending = false;
};

// Host memory for copies to the device: it records what its last copy
// read, so that a write before that copy was waited for (on a GPU, a race
// with the copy) is caught at the next copy, wait or sync.
template <class U>
class Stage {
 public:
  explicit Stage(std::size_t n) : state_(std::make_shared<State>()) {
    state_->data.resize(n);
    std::memset(static_cast<void*>(state_->data.data()), 0xFF, n * sizeof(U));
  }
  U* data() { return state_->data.data(); }
  std::size_t size() const { return state_->data.size(); }

  struct State final : PendingStage {
    ~State() override {
      if (pending && rewritten() && std::uncaught_exceptions() == 0) {
        std::fputs("host_device_ensemble: staging memory rewritten before its copy was waited for\n", stderr);
        std::abort();
      }
    }
    bool rewritten() const override { return !std::equal(read.begin(), read.end(), data.begin()); }
    std::vector<U> data, read;
  };
  std::shared_ptr<State> state_;
};

class HostSpace {
 public:
  template <class U>
  using Buffer = std::vector<U>;
  template <class U>
  using Staging = Stage<U>;

  explicit HostSpace(std::size_t free_bytes) : free_(free_bytes) {}
  HostSpace(const HostSpace&) = delete;
  HostSpace& operator=(const HostSpace&) = delete;
  // Copies home that nobody waited for: the code under test is wrong.
  ~HostSpace() {
    if (!queued_.empty() && std::uncaught_exceptions() == 0) {
      std::fputs("host_device_ensemble: copies home queued and never waited for\n", stderr);
      std::abort();
    }
  }

  std::string name() const { return "the device's code on the host"; }
  void activate() const {}
  std::size_t free_bytes() const { return free_; }
  // Fresh memory holds all-ones bytes: NaN in a float or double, -1 in an
  // integer.
  template <class U>
  Buffer<U> buffer(std::size_t n) const {
    Buffer<U> b(n);
    std::memset(static_cast<void*>(b.data()), 0xFF, n * sizeof(U));
    return b;
  }
  template <class U>
  void to_device(U* dst, const U* src, std::int64_t n) const {
    std::copy(src, src + n, dst);
  }
  // The copy reads its source now, at its place in the stream's order, and
  // lands at sync().
  template <class U>
  void to_host(U* dst, const U* src, std::int64_t n) {
    std::vector<U> read(src, src + n);
    std::memset(static_cast<void*>(dst), 0xFF, static_cast<std::size_t>(n) * sizeof(U));
    queued_.push_back([dst, read = std::move(read)] { std::copy(read.begin(), read.end(), dst); });
  }
  template <class U>
  Staging<U> staging(std::size_t n) const {
    return Staging<U>(n);
  }
  // The copy lands now; its source is checked until it is waited for.
  template <class U>
  void copy_staged(U* dst, Staging<U>& stage, std::int64_t n) {
    check(*stage.state_);
    auto& st = *stage.state_;
    st.read.assign(st.data.begin(), st.data.begin() + n);
    std::copy(st.read.begin(), st.read.end(), dst);
    st.pending = true;
    staged_.push_back(stage.state_);
  }
  template <class U>
  void wait_staged(Staging<U>& stage) {
    check(*stage.state_);
    stage.state_->pending = false;
  }
  void fill_bytes(void* p, int byte, std::size_t bytes) const { std::memset(p, byte, bytes); }
  template <class F>
  void for_each(std::int64_t n, const F& f) const {
    for (std::int64_t i = 0; i < n; ++i) f(i);
  }
  // Threads 0..kBlock-1 of each block, then the device's tree.
  template <class F>
  void per_block(std::int64_t blocks, const F& f) const {
    std::vector<nn::BlockSums> s(nn::kBlock);
    for (std::int64_t b = 0; b < blocks; ++b) {
      for (int t = 0; t < nn::kBlock; ++t) s[static_cast<std::size_t>(t)] = f.partial(b, t);
      for (int half = nn::kBlock / 2; half > 0; half /= 2)
        for (int t = 0; t < half; ++t) {
          nn::BlockSums& x = s[static_cast<std::size_t>(t)];
          const nn::BlockSums& y = s[static_cast<std::size_t>(t + half)];
          x.a += y.a;
          x.b += y.b;
          x.c += y.c;
        }
      f.finish(b, s[0]);
    }
  }
  template <class T>
  void gemm(const nn::GemmShape& shape, const T* a, const T* b, T* c, T beta, int batch) const {
    batched_gemm(shape, a, b, c, beta, batch);
  }
  void sync() {
    for (auto& copy : queued_) copy();
    queued_.clear();
    for (const std::weak_ptr<PendingStage>& w : staged_)
      if (const std::shared_ptr<PendingStage> st = w.lock()) {
        check(*st);
        st->pending = false;
      }
    staged_.clear();
  }

 private:
  static void check(const PendingStage& st) {
    if (st.pending && st.rewritten())
      throw std::logic_error("host_device_ensemble: staging memory rewritten before its copy was waited for");
  }

  std::size_t free_;
  std::vector<std::weak_ptr<PendingStage>> staged_;
  std::vector<std::function<void()>> queued_;
};

template <class T>
nn::DeviceEnsembleMaker<T> maker(std::size_t free_bytes) {
  return [free_bytes](const nn::NetSpec& spec, const nn::HostRows<T>& train, const nn::HostRows<T>& test,
                      const nn::HostRows<T>& probe, nn::OrderSource orders) -> std::unique_ptr<nn::DeviceEnsemble<T>> {
    return std::make_unique<nn::Ensemble<T, HostSpace>>(spec, train, test, probe, std::move(orders), free_bytes);
  };
}

}  // namespace

nn::DeviceEnsembleMaker<float> host_device_ensemble_f32(std::size_t free_bytes) { return maker<float>(free_bytes); }
nn::DeviceEnsembleMaker<double> host_device_ensemble_f64(std::size_t free_bytes) { return maker<double>(free_bytes); }

}  // namespace trilo::test
