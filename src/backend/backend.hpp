// Where the work runs. A backend launches the shared math of src/core over a
// range of indices and moves memory; it knows nothing of files or options.
// Implementations: cpu/ (OpenMP), kernels/ (CUDA), each behind this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/reduced_cells.hpp"
#include "core/catalog.hpp"
#include "core/critical.hpp"
#include "core/descent.hpp"
#include "core/sampling.hpp"

namespace trilo::backend {

enum class Precision { kF32, kF64 };

struct DescentRequest {
  LandscapeSpec landscape;
  Precision precision = Precision::kF64;
  DescentParams params;
  StartSpec starts;                    // for kExplicit, points is ignored ...
  std::vector<double> explicit_starts;  // ... and these (n x dim, host) are used
};

// Results of descents [first, first + count), float64 whatever the precision.
// Arrays are row-major with `dim` columns where they hold points.
struct DescentBatch {
  std::int64_t first = 0;
  std::int64_t count = 0;
  int dim = 0;
  std::vector<double> start, end;
  std::vector<double> loss, grad_norm;
  std::vector<std::int64_t> steps;
  std::vector<std::int8_t> status;
  std::vector<std::int8_t> quench;   // QuenchResult (src/core/descent.hpp); 0 where none ran
  std::vector<std::int8_t> bounced;  // 1: ran out of steps bouncing (kBounceWindow)

  // Sizes the columns for n rows of dimension d. Rows that were there keep
  // their contents and new ones start at zero: a backend writes every row
  // it is given, so a batch reused at one size costs no refill (on a GPU
  // that refill took longer than the copies home).
  void resize(std::int64_t n, int d);
  // Copies the rows of `part` (a batch of the same dimension) into rows
  // [part.first, part.first + part.count) of this one, which must hold them.
  void place(const DescentBatch& part);
};

// The recorded path of one descent: every `every`-th step plus the end point.
struct Trajectory {
  std::int64_t descent = 0;
  std::vector<std::int64_t> step;
  std::vector<double> position;  // step.size() x dim
  std::vector<double> loss;
};

struct GridRequest {
  LandscapeSpec landscape;
  Precision precision = Precision::kF64;
  PlaneSpec plane;
};

// Grid points [first, first + count): loss, the two in-plane gradient
// components (grad1 zero for 1-D grids) and the full gradient norm.
struct GridTile {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::vector<double> loss, grad0, grad1, grad_norm;

  void resize(std::int64_t n);  // as DescentBatch::resize
};

// What the hardware can do, for the bench's peak fractions. Flop rates count
// a fused multiply-add as two flops.
struct PeakRates {
  double fp32_flops = 0, fp64_flops = 0;  // flop/s
  double write_bytes = 0;                 // B/s of streaming stores to memory
  std::string source;                     // how they were obtained, in words
};

// A critical-point census: one Levenberg-Marquardt search (core/critical.hpp)
// per start; results come back in a DescentBatch (status: converged, out of
// steps or stalled, left the bounds).
struct CriticalRequest {
  LandscapeSpec landscape;
  Precision precision = Precision::kF64;
  CriticalParams params;
  StartSpec starts;                     // for kExplicit, points is ignored ...
  std::vector<double> explicit_starts;  // ... and these (n x dim, host) are used
};

// The CUDA backend searches built-in landscapes only: a formula's device
// kernels are compiled for descents, traces and grids. The one line that
// refuses a formula census there (before any work, by the job; by the
// backend, should one arrive).
inline constexpr const char* kCriticalFormulaRefusal =
    "critical: a formula (--expr, --landscape-file) is searched on the CPU only; use --backend cpu "
    "(or auto)";

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // e.g. "OpenMP, 2 threads" or the GPU's name
  virtual void descend(const DescentRequest& req, std::int64_t first, std::int64_t count,
                       DescentBatch& out) = 0;
  // Re-runs the given descents, recording every `every`-th step. Deterministic:
  // the same path descend() took on this backend.
  virtual std::vector<Trajectory> trace(const DescentRequest& req,
                                        const std::vector<std::int64_t>& indices,
                                        std::int64_t every) = 0;
  virtual void grid(const GridRequest& req, std::int64_t first, std::int64_t count,
                    GridTile& out) = 0;
  // Peak rates of this backend's hardware: measured on the CPU (FMA loops and
  // streaming stores on every thread), from device attributes on the GPU.
  // Takes a second or so; call it once.
  virtual PeakRates peak() = 0;
  // Seconds the device spent in kernels (timed with device events) since
  // the last call; negative for a backend whose work runs on the host, where
  // the wall time of a call is its compute time.
  virtual double take_device_seconds() { return -1; }
  // Critical-point searches [first, first + count).
  virtual void critical(const CriticalRequest& req, std::int64_t first, std::int64_t count,
                        DescentBatch& out) = 0;
  // The counting end points of `batch` reduced by merge cell of size `tol`
  // (reduced_cells.hpp); `per_row` also gives each row's cell. On the host
  // here (reduce_cells_host); the CUDA backend reduces on the device.
  virtual ReducedCells reduce_cells(const DescentBatch& batch, double tol, bool per_row);

  // Whether reduce_cells runs where the descents are made, so that a job
  // need not bring every end point home (descend_cells). True on the CUDA
  // backend; on the CPU the end points are in host memory already.
  virtual bool reduces_on_device() const { return false; }
  // Descents [first, first + count) and their cells, for a job that asks
  // for the cells and a few rows: `cells` is reduce_cells of the descents
  // (cell_of for the rows brought home, -1 for the others), and `out` holds
  // the rows i with (first + i) % every == 0 (none when every is 0), every
  // column; its other rows are unspecified until fetch_end_points. `slot`
  // (0 or 1) names the buffers the end points are kept in: a job descends
  // into one slot while it absorbs the other. A device that cannot keep or
  // reduce the chunk brings every row home into `out` and says so
  // (cells.made false). Here: descend, then reduce_cells; every row is in
  // `out`.
  virtual void descend_cells(const DescentRequest& req, std::int64_t first, std::int64_t count, double tol,
                             std::int64_t every, int slot, DescentBatch& out, ReducedCells& cells);
  // Completes `out`, the batch of the last descend_cells into `slot`, with
  // every row's end point, steps, status and quench result (for a job
  // whose cells could not be clustered). May run on another thread than a
  // descend_cells into the other slot. Here: nothing to do.
  virtual void fetch_end_points(int slot, DescentBatch& out) {
    (void)slot;
    (void)out;
  }
  // The phase whose chunks called descend_cells is over: a device may free
  // the descents it kept for them, so that the job's later phases (a basin
  // map, traces) have its memory. The next descend_cells keeps afresh.
  // Here: nothing to do.
  virtual void end_cells() {}
};

// threads <= 0: OpenMP's default.
std::unique_ptr<Backend> make_cpu_backend(int threads);
// The same with every descent on the scalar path (name "cpu-scalar"), to
// compare with the lanes path of make_cpu_backend.
std::unique_ptr<Backend> make_cpu_scalar_backend(int threads);
// A backend whose compute costs nothing, for measuring the host's own share
// of a descent job (`trilobite bench --pipeline`, bench/README.md); no job
// selects it. Its first call for a request descends the first
// kReplayTemplates descents (or every explicit start, when fewer) on the CPU
// backend (`threads`); every call then fills descent i with template
// i mod (their number) by copies alone, the way a GPU backend's results
// arrive. End points, steps and statuses are real ones of the landscape, so
// clustering, counting and writing cost what they would; the counts are
// those of the repeated templates. Templates are kept per request object:
// use a fresh backend for another job. Its name ("zero-cost") is the backend
// every file it writes names. Descents only: trace, grid and critical throw.
inline constexpr std::int64_t kReplayTemplates = 1 << 16;
std::unique_ptr<Backend> make_zero_cost_backend(int threads);
// Throws std::runtime_error "not compiled with CUDA" in a build without it,
// or a clear message when no device is present.
// Device `device` mod the number of devices (each rank of an MPI job on a
// node passes its node-local rank).
std::unique_ptr<Backend> make_cuda_backend(int device = 0);
bool cuda_compiled();
int cuda_device_count();  // 0 without CUDA or without a device

}  // namespace trilo::backend
