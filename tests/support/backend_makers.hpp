// The backends a typed test runs on: the CPU always, CUDA where a device is
// present (the CUDA instances skip cleanly without one).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "backend/backend.hpp"

namespace trilo::test {

struct CpuBackendMaker {
  static std::unique_ptr<backend::Backend> make() { return backend::make_cpu_backend(2); }
  static bool available() { return true; }
  static const char* missing() { return ""; }
};
struct CudaBackendMaker {
  static std::unique_ptr<backend::Backend> make() { return backend::make_cuda_backend(); }
  static bool available() { return backend::cuda_device_count() > 0; }
  static const char* missing() { return "no CUDA device present"; }
};

// A typed test's fixture: the backend of Maker in be_, or a skip when it is
// not available here.
template <class Maker>
class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Maker::available()) GTEST_SKIP() << Maker::missing();
    be_ = Maker::make();
  }
  std::unique_ptr<backend::Backend> be_;
};

}  // namespace trilo::test
