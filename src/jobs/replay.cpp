#include "jobs/replay.hpp"

#include <vector>

#include "jobs/chunk_driver.hpp"

namespace trilo::jobs {

namespace {

class ReplayChunks : public ChunkWork {
 public:
  using Take = std::function<void(std::int64_t, const analysis::EndPoints&)>;
  ReplayChunks(const io::CheckpointReader& from, const std::string& stream,
               const EndPointColumns& cols, const Take& take)
      : from_(from), stream_(stream), cols_(cols), take_(take) {}
  void compute(const Chunk& c) override {
    const auto n = static_cast<std::size_t>(c.count);
    end_.resize(n * static_cast<std::size_t>(cols_.end.width));
    steps_.resize(n);
    status_.resize(n);
    from_.read_rows(stream_, cols_.end, c.first, c.count, end_.data());
    from_.read_rows(stream_, cols_.steps, c.first, c.count, steps_.data());
    from_.read_rows(stream_, cols_.status, c.first, c.count, status_.data());
  }
  void absorb(const Chunk& c) override {
    take_(c.first, {end_.data(), status_.data(), steps_.data(), c.count});
  }

 private:
  const io::CheckpointReader& from_;
  const std::string& stream_;
  const EndPointColumns& cols_;
  const Take& take_;
  std::vector<double> end_;
  std::vector<std::int64_t> steps_;
  std::vector<std::int8_t> status_;
};

}  // namespace

void replay_end_points(const io::CheckpointReader& from, const std::string& stream,
                       const EndPointColumns& cols, std::int64_t n, std::int64_t chunk,
                       const std::function<void(std::int64_t, const analysis::EndPoints&)>& take) {
  ReplayChunks work(from, stream, cols, take);
  DriveOptions o;
  o.n = n;
  o.chunk = chunk;
  o.overlap = false;  // one buffer: reading is not worth a second thread
  drive(work, o);
}

}  // namespace trilo::jobs
