// The result writer when the file cannot grow: a write that needs room
// fails with DiskFull naming the target (not HDF5's long line), wherever it
// happens, and the temporary file goes with the writer.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <string>

#include "backend/backend.hpp"
#include "io/result_writer.hpp"
#include "io/write_errors.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo;

// This process's file size limit lowered, and SIGXFSZ ignored, for the
// lifetime of the guard (each gtest case runs in its own process under ctest).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &saved_);
    const rlimit lim{bytes, saved_.rlim_max};
    ok_ = setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
  bool ok_ = false;
};

TEST(DiskFull, AWriteMidRunPastTheLimitThrowsDiskFullNamingTheTarget) {
  const std::string target = test::unique("h5");
  std::remove(target.c_str());
  // Rows of 64 coordinates: /descents/start grows by 4 MiB a batch of 8192,
  // past its 16 MiB chunk cache after four, so chunks must go to the file
  // mid-run; random bits, so deflate cannot shrink them under the limit.
  const int dim = 64;
  const std::int64_t rows = 8192, batches = 6;
  backend::DescentBatch b;
  b.resize(rows, dim);
  std::uint64_t x = 88172645463325252ull;
  auto next = [&x] {  // xorshift64
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<double>(x >> 11) * 0x1p-53;
  };
  for (double& v : b.start) v = next();  // the rest stays zero: cheap to deflate

  std::string temporary;
  bool thrown = false;
  std::int64_t written = 0;
  {
    FileSizeLimit limit(rlim_t(256) << 10);
    ASSERT_TRUE(limit.ok());
    io::ResultWriter w(target);
    temporary = w.temporary_path();
    w.begin_descents(rows * batches, dim);
    try {
      for (; written < batches; ++written) {
        b.first = written * rows;
        w.write_descent_batch(b);
      }
    } catch (const io::DiskFull& e) {
      thrown = true;
      EXPECT_EQ(std::string(e.what()), io::disk_full_message(target));
    }
  }
  EXPECT_TRUE(thrown) << "no DiskFull from " << written << " batches";
  EXPECT_LT(written, batches);
  EXPECT_FALSE(test::exists(temporary));
  EXPECT_FALSE(test::exists(target));
}

TEST(DiskFull, NoRoomMeansNoSpaceQuotaOrFileTooLarge) {
  EXPECT_TRUE(io::is_no_room(ENOSPC));
  EXPECT_TRUE(io::is_no_room(EDQUOT));
  EXPECT_TRUE(io::is_no_room(EFBIG));
  EXPECT_FALSE(io::is_no_room(EIO));
  EXPECT_FALSE(io::is_no_room(EACCES));
  EXPECT_FALSE(io::is_no_room(0));
}

}  // namespace
