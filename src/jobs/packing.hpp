// A computed chunk as bytes, to travel from the rank that computed it to
// the writer (jobs/ranks.hpp): scalars and vectors of trivially copyable
// values, each vector with its length, read back in the order they were
// put. Every rank runs the same binary on the same kind of machine (an MPI
// job's ranks do), so the bytes need no conversion.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "backend/backend.hpp"

namespace trilo::jobs {

class Packer {
 public:
  explicit Packer(std::vector<char>& out) : out_(out) {}
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>, "only plain values travel as bytes");
    append(&v, sizeof(T));
  }
  template <class T>
  void put(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>, "only plain values travel as bytes");
    put(static_cast<std::uint64_t>(v.size()));
    if (!v.empty()) append(v.data(), v.size() * sizeof(T));
  }

 private:
  void append(const void* p, std::size_t n) {
    const auto* c = static_cast<const char*>(p);
    out_.insert(out_.end(), c, c + n);
  }
  std::vector<char>& out_;
};

class Unpacker {
 public:
  explicit Unpacker(const std::vector<char>& in) : p_(in.data()), end_(in.data() + in.size()) {}
  template <class T>
  void get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>, "only plain values travel as bytes");
    take(&v, sizeof(T));
  }
  template <class T>
  void get(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>, "only plain values travel as bytes");
    std::uint64_t n = 0;
    get(n);
    if (n > static_cast<std::uint64_t>(end_ - p_) / (sizeof(T) > 0 ? sizeof(T) : 1))
      throw std::runtime_error("a chunk from another rank is shorter than its contents say");
    v.resize(static_cast<std::size_t>(n));
    if (n > 0) take(v.data(), static_cast<std::size_t>(n) * sizeof(T));
  }
  // Throws unless every byte was read (both ends packed the same fields).
  void finish() const {
    if (p_ != end_) throw std::runtime_error("a chunk from another rank has bytes its job did not read");
  }

 private:
  void take(void* out, std::size_t n) {
    if (n > static_cast<std::size_t>(end_ - p_))
      throw std::runtime_error("a chunk from another rank is shorter than its contents say");
    std::memcpy(out, p_, n);
    p_ += n;
  }
  const char* p_;
  const char* end_;
};

// The backends' chunk results.
inline void pack(Packer& p, const backend::DescentBatch& b) {
  p.put(b.first), p.put(b.count), p.put(b.dim);
  p.put(b.start), p.put(b.end), p.put(b.loss), p.put(b.grad_norm);
  p.put(b.steps), p.put(b.status), p.put(b.quench), p.put(b.bounced);
}
inline void unpack(Unpacker& u, backend::DescentBatch& b) {
  u.get(b.first), u.get(b.count), u.get(b.dim);
  u.get(b.start), u.get(b.end), u.get(b.loss), u.get(b.grad_norm);
  u.get(b.steps), u.get(b.status), u.get(b.quench), u.get(b.bounced);
}
inline void pack(Packer& p, const backend::GridTile& t) {
  p.put(t.first), p.put(t.count);
  p.put(t.loss), p.put(t.grad0), p.put(t.grad1), p.put(t.grad_norm);
}
inline void unpack(Unpacker& u, backend::GridTile& t) {
  u.get(t.first), u.get(t.count);
  u.get(t.loss), u.get(t.grad0), u.get(t.grad1), u.get(t.grad_norm);
}

}  // namespace trilo::jobs
