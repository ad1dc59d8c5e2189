// The bad-input catalogue as data (tests/test_bad_input.cpp runs it;
// docs/errors.md lists it). Arguments name paths through placeholders so
// each case runs in its own scratch directory:
//   {dir}  the case's directory (empty, plus what `setup` put there)
//   {out}  {dir}/out.h5, the output of every job that writes one
//   {ro}   a directory the user cannot write (chmod 0555 inside {dir}; as
//          root, who may write anywhere, /sys)
#pragma once

#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "support/cli.hpp"

namespace trilo::test {

struct BadInputCase {
  const char* name;      // the test's name and the docs/errors.md row
  const char* args;      // after `trilobite`, with placeholders
  const char* mentions;  // what the one line must hold ({dir} expanded)
  void (*setup)(const std::string& dir) = nullptr;
};

// gtest prints a failing case by its name.
inline void PrintTo(const BadInputCase& c, std::ostream* os) { *os << c.name; }

inline std::string expand(std::string s, const std::string& dir, const std::string& ro = "") {
  auto sub = [&s](const std::string& key, const std::string& value) {
    for (std::size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  };
  sub("{out}", "{dir}/out.h5");
  sub("{ro}", ro);
  sub("{dir}", dir);
  return s;
}

namespace fixtures {

inline void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A real, small result file {dir}/r.h5 (and its r.xmf), made by the program.
inline void result(const std::string& dir) {
  const Outcome o = trilobite("grid --grid-res 8 --backend cpu -q --force -o " + dir + "/r.h5");
  ASSERT_EQ(o.status, 0) << o.err;
}

inline std::string bytes(const std::string& path) { return slurp(path); }

// The first `keep` bytes of a real result file, as {dir}/r.h5.
inline void truncated(const std::string& dir) {
  result(dir);
  const std::string all = bytes(dir + "/r.h5");
  write(dir + "/r.h5", all.substr(0, all.size() / 2));
}

// A real result file with one HDF5 object header flipped (v2 headers carry a
// checksum, so HDF5 itself notices).
inline void corrupted_header(const std::string& dir) {
  result(dir);
  std::string all = bytes(dir + "/r.h5");
  std::size_t at = all.find("OHDR");
  at = all.find("OHDR", at + 4);  // the second: the first object under the root
  ASSERT_NE(at, std::string::npos);
  for (std::size_t i = at + 6; i < at + 22 && i < all.size(); ++i) all[i] = static_cast<char>(all[i] ^ 0xA5);
  write(dir + "/r.h5", all);
}

// A real result file whose global heap (where HDF5 keeps variable-length
// strings: the provenance attributes) lost its signature. (A heap whose
// object sizes are damaged can crash HDF5 1.10 itself; cli::ReadGuard turns
// that into one line too: tests/test_output_path.cpp.)
inline void corrupted_heap(const std::string& dir) {
  result(dir);
  std::string all = bytes(dir + "/r.h5");
  const std::size_t at = all.find("GCOL");
  ASSERT_NE(at, std::string::npos);
  all.replace(at, 4, "XXXX");
  write(dir + "/r.h5", all);
}

// A valid HDF5 file that some other program wrote.
inline void foreign_hdf5(const std::string& dir) {
  const std::string path = dir + "/foreign.h5";
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hsize_t n = 3;
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t ds = H5Dcreate2(f, "x", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const double x[3] = {1, 2, 3};
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(f);
}

// Our file from a future trilobite: format_version 99.
inline void future_version(const std::string& dir) {
  result(dir);
  const std::string path = dir + "/r.h5";
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
  ASSERT_GE(a, 0);
  const std::int64_t v = 99;
  H5Awrite(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  H5Fclose(f);
}

inline void text_file(const std::string& dir) { write(dir + "/notes.h5", "not a result file\n"); }
inline void existing_output(const std::string& dir) { write(dir + "/out.h5", "precious\n"); }
inline void existing_png(const std::string& dir) {
  result(dir);
  write(dir + "/out.png", "precious\n");
}
inline void plain_file(const std::string& dir) { write(dir + "/file", "x\n"); }
inline void subdirectory(const std::string& dir) { ::mkdir((dir + "/out.h5").c_str(), 0755); }

inline void starts_non_numeric(const std::string& d) { write(d + "/starts.txt", "0.5 0.5\nx y\n"); }
inline void starts_ragged(const std::string& d) { write(d + "/starts.txt", "# x y\n1.0 2.0\n3.0\n"); }
inline void starts_empty(const std::string& d) { write(d + "/starts.txt", "# nothing here\n\n"); }
inline void starts_nan(const std::string& d) { write(d + "/starts.txt", "1 2\nnan 0\n"); }
inline void starts_wide(const std::string& d) { write(d + "/starts.txt", "1 2 3\n"); }

inline void toml_broken(const std::string& d) { write(d + "/run.toml", "landscape = \"himmelblau\n"); }
inline void toml_unknown_key(const std::string& d) { write(d + "/run.toml", "grid-rez = 64\n"); }
inline void toml_wrong_type(const std::string& d) { write(d + "/run.toml", "grid-res = \"many\"\n"); }
inline void toml_list_for_number(const std::string& d) { write(d + "/run.toml", "grid-res = [64, 32]\n"); }
inline void toml_other_section(const std::string& d) { write(d + "/run.toml", "[descend]\nstarts = 3\n"); }
inline void toml_unknown_section(const std::string& d) { write(d + "/run.toml", "[frobnicate]\nstarts = 3\n"); }
inline void toml_bad_value(const std::string& d) { write(d + "/run.toml", "lr = -0.5\n"); }
inline void toml_negative_seed(const std::string& d) { write(d + "/run.toml", "seed = -1\n"); }
inline void landscape_no_formula(const std::string& d) { write(d + "/l.toml", "box = \"-1:1\"\n"); }

// {dir}/k.h5.partial: the checkpoint of a descend killed after its second commit.
inline void killed_descend(const std::string& dir) {
  ::setenv("TRILOBITE_FAULT", "kill-after-commit:2", 1);
  trilobite("descend -l himmelblau --starts 3000 --chunk 500 -q -o " + dir + "/k.h5");
  ::unsetenv("TRILOBITE_FAULT");
  ASSERT_TRUE(exists(dir + "/k.h5.partial"));
}
inline void text_checkpoint(const std::string& dir) { write(dir + "/t.h5.partial", "not a checkpoint\n"); }
// A result file under a checkpoint's name.
inline void result_as_checkpoint(const std::string& dir) {
  result(dir);
  write(dir + "/r2.h5.partial", bytes(dir + "/r.h5"));
}

// Data files of network landscapes, {dir}/d.csv, each with one flaw.
inline void csv_ragged(const std::string& dir) { write(dir + "/d.csv", "a,b,label\n1,2,0\n3,0\n"); }
inline void csv_text(const std::string& dir) { write(dir + "/d.csv", "a,b,label\n1,x,0\n"); }
inline void csv_nan(const std::string& dir) { write(dir + "/d.csv", "a,b,label\n1,2,0\n1,nan,1\n"); }
inline void csv_three_classes(const std::string& dir) {
  write(dir + "/d.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
}
// A training file of labels 0 and 1, {dir}/d.csv, and a test file, {dir}/t.csv,
// whose second row has the label 2.
inline void csv_test_label_two(const std::string& dir) {
  write(dir + "/d.csv", "a,b,label\n1,2,0\n3,4,1\n");
  write(dir + "/t.csv", "a,b,label\n1,2,1\n3,4,2\n");
}
// An IDX pair of three 1 x 2 images, {dir}/i.idx, and labels 0, 1, 2, {dir}/l.idx.
inline void idx_three_classes(const std::string& dir) {
  write(dir + "/i.idx", std::string("\0\0\x08\x03\0\0\0\x03\0\0\0\x01\0\0\0\x02\x01\x02\x03\x04\x05\x06", 22));
  write(dir + "/l.idx", std::string("\0\0\x08\x01\0\0\0\x03\0\x01\x02", 11));
}
// {dir}/d.h5 with features /X (3 x 2) and labels /y = 0, 1, 2.
inline void hdf5_three_classes(const std::string& dir) {
  const std::string path = dir + "/d.h5";
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const double x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {0, 1, 2};
  const hsize_t dims[2] = {3, 2};
  for (const char* name : {"X", "y"}) {
    const bool is_x = name[0] == 'X';
    const hid_t space = H5Screate_simple(is_x ? 2 : 1, dims, nullptr);
    const hid_t ds = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, is_x ? x : y);
    H5Dclose(ds);
    H5Sclose(space);
  }
  H5Fclose(f);
}
// An IDX pair whose image file is a zip archive's first bytes.
inline void idx_not_idx(const std::string& dir) {
  write(dir + "/i.idx", std::string("PK\x03\x04") + " not an idx file");
  write(dir + "/l.idx", std::string("\0\0\x08\x01\0\0\0\x01\x01", 9));
}

// A network result file {dir}/t.h5 (mlp:2-3-1, two trainings, no trace),
// and a weights file {dir}/w.csv of 3 numbers (the model has 13).
inline void network_file(const std::string& dir) {
  trilobite("descend --model mlp:2-3-1 --loss bce --data xor --starts 2 --steps 5 --hessian-top 0 -q -o " + dir + "/t.h5");
  ASSERT_TRUE(exists(dir + "/t.h5"));
  write(dir + "/w.csv", "0.1,0.2,0.3\n");
}

// A network sweep's result file {dir}/s.h5 (mlp:2-3-1, two rates).
inline void network_sweep_file(const std::string& dir) {
  trilobite("sweep --model mlp:2-3-1 --loss bce --data xor --starts 2 --steps 5 --vary lr=0.1:0.2:2 --hessian-top 0 -q -o " +
            dir + "/s.h5");
  ASSERT_TRUE(exists(dir + "/s.h5"));
}

}  // namespace fixtures

// The catalogue. Names are unique; the docs/errors.md table follows this order.
inline const std::vector<BadInputCase>& bad_input_cases() {
  using namespace fixtures;
  static const std::vector<BadInputCase> cases = {
      // The box.
      {"box_inverted", "run --box 2:-2 -o {out}", "--box"},
      {"box_empty", "run --box 1:1 -o {out}", "--box"},
      {"box_nan", "run --box nan:1 -o {out}", "--box"},
      {"box_infinite", "run --box -inf:1 -o {out}", "--box"},
      {"box_not_an_interval", "run --box a:b -o {out}", "--box"},
      {"box_interval_count_differs_from_dim", "run --box -1:1,-1:1,-1:1 -o {out}", "--box"},
      // Lattice resolution.
      {"grid_res_zero", "grid --grid-res 0 -o {out}", "--grid-res"},
      {"grid_res_one", "grid --grid-res 1 -o {out}", "--grid-res"},
      {"grid_res_negative", "grid --grid-res -5 -o {out}", "--grid-res"},
      {"grid_res_absurd", "grid --grid-res 1000000000000 -o {out}", "--grid-res"},
      {"basin_res_zero", "basins --basin-res 0 -o {out}", "--basin-res"},
      {"basin_res_negative", "basins --basin-res -3 -o {out}", "--basin-res"},
      {"basin_res_absurd", "basins --basin-res 1000000000000 -o {out}", "--basin-res"},
      {"entropy_box_zero", "basins --entropy-box 0 -o {out}", "--entropy-box"},
      // Starts.
      {"starts_zero", "descend --starts 0 -o {out}", "--starts"},
      {"starts_negative", "descend --starts -3 -o {out}", "--starts"},
      {"starts_absurd", "descend --starts 10000000000000 -o {out}", "--starts"},
      {"start_wrong_dimension", "descend --start 1,2,3 -o {out}", "--start"},
      {"start_not_a_number", "descend --start 1,abc -o {out}", "--start"},
      {"start_nan", "descend --start nan,0 -o {out}", "--start"},
      {"critical_starts_zero", "critical --starts 0 -o {out}", "--starts"},
      {"trace_beyond_starts", "descend --starts 4 --trace 5 -o {out}", "--trace"},
      {"trace_every_zero", "descend --trace 0 --trace-every 0 -o {out}", "--trace-every"},
      // Start files.
      {"starts_file_missing", "descend --starts-file {dir}/nowhere.txt -o {out}", "--starts-file"},
      {"starts_file_is_a_directory", "descend --starts-file {dir} -o {out}", "--starts-file"},
      {"starts_file_not_numbers", "descend --starts-file {dir}/starts.txt -o {out}", "line 2", starts_non_numeric},
      {"starts_file_ragged_rows", "descend --starts-file {dir}/starts.txt -o {out}", "line 3", starts_ragged},
      {"starts_file_empty", "descend --starts-file {dir}/starts.txt -o {out}", "holds no start points", starts_empty},
      {"starts_file_nan", "descend --starts-file {dir}/starts.txt -o {out}", "'nan'", starts_nan},
      {"starts_file_wrong_dimension", "descend --starts-file {dir}/starts.txt -o {out}", "expected 2", starts_wide},
      // The optimizer.
      {"lr_negative", "run --lr -1 -o {out}", "--lr"},
      {"lr_zero", "run --lr 0 -o {out}", "--lr"},
      {"lr_nan", "run --lr nan -o {out}", "--lr"},
      {"lr_infinite", "run --lr inf -o {out}", "--lr"},
      {"steps_negative", "run --steps -5 -o {out}", "--steps"},
      {"steps_not_a_number", "run --steps many -o {out}", "--steps"},
      {"tol_negative", "run --tol -1 -o {out}", "--tol"},
      {"tol_nan", "run --tol nan -o {out}", "--tol"},
      {"noise_negative", "run --noise -0.1 -o {out}", "--noise"},
      {"momentum_one", "run --optimizer momentum --momentum 1 -o {out}", "--momentum"},
      {"momentum_negative", "run --optimizer nesterov --momentum -0.2 -o {out}", "--momentum"},
      {"beta1_one", "run --optimizer adam --beta1 1 -o {out}", "--beta1"},
      {"beta2_negative", "run --optimizer adam --beta2 -0.5 -o {out}", "--beta2"},
      {"rho_above_one", "run --optimizer rmsprop --rho 1.5 -o {out}", "--rho"},
      {"eps_zero", "run --optimizer adam --eps 0 -o {out}", "--eps"},
      {"diverge_factor_below_one", "run --diverge-factor 0.5 -o {out}", "--diverge-factor"},
      {"merge_tol_nan", "run --merge-tol nan -o {out}", "--merge-tol"},
      // Learning-rate schedules and the quench.
      {"lr_schedule_unknown", "run --lr-schedule linear -o {out}", "--lr-schedule"},
      {"lr_gamma_without_its_schedule", "run --lr-gamma 0.5 -o {out}", "--lr-gamma"},
      {"lr_step_every_with_exp", "run --lr-schedule exp --lr-gamma 0.99 --lr-step-every 10 -o {out}",
       "--lr-step-every"},
      {"lr_min_with_step", "run --lr-schedule step --lr-step-every 10 --lr-min 0.001 -o {out}", "--lr-min"},
      {"lr_step_without_every", "run --lr-schedule step -o {out}", "--lr-step-every"},
      {"lr_step_every_zero", "run --lr-schedule step --lr-step-every 0 -o {out}", "--lr-step-every"},
      {"lr_gamma_zero", "run --lr-schedule step --lr-step-every 10 --lr-gamma 0 -o {out}", "--lr-gamma"},
      {"lr_gamma_above_one", "run --lr-schedule exp --lr-gamma 1.5 -o {out}", "--lr-gamma"},
      {"lr_exp_without_gamma", "run --lr-schedule exp -o {out}", "--lr-gamma"},
      {"lr_min_above_lr", "run --lr-schedule cosine --lr 0.01 --lr-min 0.1 -o {out}", "--lr-min"},
      {"lr_min_above_swept_lr", "sweep --lr-schedule cosine --lr-min 0.02 --vary lr=0.01:0.1:4 -o {out}",
       "--lr-min"},
      {"warmup_longer_than_steps", "run --steps 100 --warmup-steps 101 -o {out}", "--warmup-steps"},
      {"warmup_fills_cosine", "run --steps 100 --lr-schedule cosine --warmup-steps 100 -o {out}",
       "--warmup-steps"},
      {"quench_steps_negative", "run --quench-steps -3 -o {out}", "--quench-steps"},
      // Names.
      {"landscape_unknown", "run -l himmelblua -o {out}", "himmelblau"},
      {"optimizer_unknown", "run --optimizer sgdx -o {out}", "--optimizer"},
      {"precision_unknown", "run --precision f16 -o {out}", "--precision"},
      {"backend_unknown", "run --backend tpu -o {out}", "--backend"},
      {"option_unknown", "run --no-such-option 3 -o {out}", "--no-such-option"},
      {"option_given_twice", "descend --chunk 8 --chunk 16 -o {out}", "--chunk: takes one value, got 2"},
      {"subcommand_unknown", "frobnicate -o {out}", "frobnicate"},
      // Dimensions.
      {"dim_differs_from_fixed_landscape", "run -l himmelblau --dim 3 -o {out}", "--dim"},
      {"dim_too_large", "run -l rastrigin --dim 65 -o {out}", "--dim"},
      {"dim_negative", "run -l rastrigin --dim -2 -o {out}", "--dim"},
      {"dim_too_small_for_rosenbrock", "run -l rosenbrock --dim 1 -o {out}", "--dim"},
      {"origin_wrong_size", "grid -l rastrigin --dim 4 --origin 1,2 -o {out}", "--origin"},
      {"plane_axes_equal", "grid -l rastrigin --dim 4 --plane-axes 0,0 -o {out}", "--plane-axes"},
      {"plane_axes_out_of_range", "grid -l rastrigin --dim 4 --plane-axes 0,4 -o {out}", "--plane-axes"},
      {"plane_axes_one_axis", "grid -l rastrigin --dim 4 --plane-axes 1 -o {out}", "--plane-axes"},
      // Formulas.
      {"formula_malformed", "run --expr 'x^2 +' --box -1:1 -o {out}", "column 6"},
      {"formula_unknown_variable", "run --expr 'x^2 + q' --box -1:1 -o {out}", "unknown name 'q'"},
      {"formula_unknown_function", "run --expr 'exq(x)' --box -1:1 -o {out}", "did you mean 'exp'"},
      {"formula_without_box", "run --expr 'x^2' -o {out}", "--box"},
      {"formula_more_variables_than_box", "run --expr 'x^2 + y^2 + z^2' --box -1:1,-1:1 -o {out}", "w3"},
      {"formula_param_without_value", "run --expr 'a*x' --param a --box -1:1 -o {out}", "--param"},
      {"landscape_file_missing", "run --landscape-file {dir}/nowhere.toml -o {out}", "--landscape-file"},
      {"landscape_file_without_formula", "run --landscape-file {dir}/l.toml -o {out}", "formula", landscape_no_formula},
      // Configuration files.
      {"config_missing", "run --config {dir}/nowhere.toml -o {out}", "--config"},
      {"config_not_toml", "run --config {dir}/run.toml -o {out}", "not valid TOML", toml_broken},
      {"config_unknown_key", "run --config {dir}/run.toml -o {out}", "'grid-rez'", toml_unknown_key},
      {"config_wrong_type", "run --config {dir}/run.toml -o {out}", "--grid-res", toml_wrong_type},
      {"config_list_for_a_number", "run --config {dir}/run.toml -o {out}", "--grid-res", toml_list_for_number},
      {"config_section_of_another_subcommand", "run --config {dir}/run.toml -o {out}", "[descend]", toml_other_section},
      {"config_unknown_section", "run --config {dir}/run.toml -o {out}", "[frobnicate]", toml_unknown_section},
      {"config_bad_value", "run --config {dir}/run.toml -o {out}", "--lr", toml_bad_value},
      // Output paths.
      {"output_exists", "run -o {out}", "use --force", existing_output},
      {"output_exists_grid", "grid --grid-res 8 -o {out}", "use --force", existing_output},
      {"output_exists_descend", "descend --starts 4 -o {out}", "use --force", existing_output},
      {"output_exists_basins", "basins --basin-res 8 -o {out}", "use --force", existing_output},
      {"output_exists_critical", "critical --starts 8 -o {out}", "use --force", existing_output},
      {"output_exists_sweep", "sweep --vary lr=0.01:0.1:2 --starts 4 -o {out}", "use --force", existing_output},
      {"output_is_a_directory", "run -o {dir}/out.h5", "is a directory", subdirectory},
      {"output_directory_missing", "run -o {dir}/missing/out.h5", "does not exist"},
      {"output_directory_is_a_file", "run -o {dir}/file/out.h5", "not a directory", plain_file},
      {"output_directory_not_writable", "run -o {ro}/out.h5", "not writable"},
      {"output_empty", "run -o ''", "empty"},
      // Sweeps.
      {"vary_missing", "sweep -o {out}", "--vary"},
      {"vary_unknown_parameter", "sweep --vary foo=1:2:3 -o {out}", "cannot vary 'foo'"},
      {"vary_one_value", "sweep --vary lr=0.1:0.2:1 -o {out}", "--vary"},
      {"vary_lo_above_hi", "sweep --vary lr=0.2:0.1:3 -o {out}", "must be below"},
      {"vary_log_from_zero", "sweep --vary lr=0:0.1:3:log -o {out}", "log spacing"},
      {"vary_malformed", "sweep --vary lr=0.1 -o {out}", "--vary"},
      {"vary_same_setting_twice", "sweep --vary lr=0.1:0.2:2 --vary lr=0.3:0.4:2 -o {out}", "varied twice"},
      {"vary_three_settings", "sweep --vary lr=0.1:0.2:2 --vary noise=0:1:2 --vary eps=0.1:0.2:2 -o {out}",
       "given 3 times"},
      {"vary_too_many_pairs", "sweep --vary lr=0.1:0.2:400 --vary noise=0:1:400 -o {out}", "at most 100000"},
      {"vary_unused_by_optimizer", "sweep --vary beta1=0.1:0.5:3 -o {out}", "does not use beta1"},
      {"vary_reaches_invalid_value", "sweep --optimizer momentum --vary momentum=0.5:1:3 -o {out}", "momentum"},
      {"sweep_with_trace", "sweep --vary lr=0.01:0.1:4 --trace 1 -o {out}", "--trace"},
      // Resources.
      {"threads_negative", "run --threads -1 -o {out}", "--threads"},
      {"chunk_zero", "descend --chunk 0 -o {out}", "--chunk"},
      {"tile_zero", "grid --tile 0 -o {out}", "--tile"},
      {"compression_ten", "grid --compression 10 -o {out}", "--compression"},
      // Numbers as typed (docs/errors.md, "Numeric options").
      {"seed_negative", "descend --seed -1 -o {out}", "--seed"},
      {"seed_beyond_64_bits", "descend --seed 18446744073709551616 -o {out}", "--seed"},
      {"threads_not_whole", "run --threads 1e12 -o {out}", "--threads"},
      {"threads_absurd", "run --threads 100000 -o {out}", "--threads"},
      {"starts_beyond_64_bits", "descend --starts 99999999999999999999 -o {out}", "--starts"},
      {"steps_absurd", "run --steps 2000000000000 -o {out}", "--steps"},
      {"steps_hexadecimal", "run --steps 0x10 -o {out}", "--steps"},
      {"dim_zero", "run -l rastrigin --dim 0 -o {out}", "--dim"},
      {"dim_beyond_int", "run -l rastrigin --dim 3000000000 -o {out}", "--dim"},
      {"compression_negative", "grid --compression -1 -o {out}", "--compression"},
      {"chunk_absurd", "descend --chunk 2000000000000 -o {out}", "--chunk"},
      {"tile_fraction", "grid --tile 2.5 -o {out}", "--tile"},
      {"sample_negative", "descend --records sample --sample -4 -o {out}", "--sample"},
      {"trace_negative", "descend --starts 4 --trace -1 -o {out}", "--trace"},
      {"trace_every_absurd", "descend --trace 0 --trace-every 2000000000000 -o {out}", "--trace-every"},
      {"entropy_box_absurd", "basins --entropy-box 1000000 -o {out}", "--entropy-box"},
      {"grid_res_fraction", "grid --grid-res 64.5 -o {out}", "--grid-res"},
      {"tol_underflow", "run --tol 1e-400 -o {out}", "--tol"},
      {"lr_overflow", "run --lr 1e999 -o {out}", "--lr"},
      {"noise_not_a_number", "run --noise lots -o {out}", "--noise"},
      {"merge_tol_overflow", "run --merge-tol 1e400 -o {out}", "--merge-tol"},
      {"config_seed_negative", "run --config {dir}/run.toml -o {out}", "--seed", toml_negative_seed},
      {"render_width_not_whole", "render {dir}/r.h5 -o {dir}/out.png --width 1e3", "--width", result},
      {"bench_threads_absurd", "bench --threads 100000", "--threads"},
      {"bench_steps_negative", "bench --steps -1", "--steps"},
      // Options that would do nothing (docs/errors.md, "Options that would do nothing").
      {"momentum_with_gd", "run --momentum 0.9 -o {out}", "optimizer gd does not use it"},
      {"beta1_with_momentum", "run --optimizer momentum --beta1 0.8 -o {out}", "--beta1"},
      {"eps_with_gd", "descend --eps 1e-6 -o {out}", "--eps"},
      {"rho_with_adam", "descend --optimizer adam --rho 0.9 -o {out}", "--rho"},
      {"vary_and_fixed_lr", "sweep --vary lr=0.01:0.1:3 --lr 0.05 -o {out}", "--lr"},
      {"sample_without_records_sample", "descend --sample 100 -o {out}", "--records sample"},
      {"trace_every_without_trace", "descend --trace-every 5 -o {out}", "--trace"},
      {"starts_beside_explicit_starts", "descend --starts 10 --start 0,0 -o {out}", "--starts"},
      {"landscape_beside_formula", "run -l himmelblau --expr 'x^2' --box -1:1 -o {out}", "--landscape"},
      {"param_of_a_builtin", "run -l himmelblau --param a=1 -o {out}", "--param"},
      // Mistyped words get the nearest name.
      {"option_misspelt", "run --grid-ress 8 -o {out}", "did you mean '--grid-res'"},
      {"subcommand_misspelt", "rnu -o {out}", "did you mean 'run'"},
      {"formula_ln", "run --expr 'ln(x)' --box 1:2 -o {out}", "log"},
      // Reading result files: info.
      {"info_missing_file", "info {dir}/nowhere.h5", "{dir}/nowhere.h5"},
      {"info_directory", "info {dir}", "{dir}"},
      {"info_text_file", "info {dir}/notes.h5", "not an HDF5 file", text_file},
      {"info_foreign_hdf5", "info {dir}/foreign.h5", "not a trilobite result file", foreign_hdf5},
      {"info_future_format_version", "info {dir}/r.h5", "format_version 99", future_version},
      {"info_truncated", "info {dir}/r.h5", "{dir}/r.h5", truncated},
      {"info_corrupted_header", "info {dir}/r.h5", "{dir}/r.h5", corrupted_header},
      {"info_corrupted_heap", "info {dir}/r.h5", "{dir}/r.h5", corrupted_heap},
      {"info_config_of_text_file", "info --config {dir}/notes.h5", "not an HDF5 file", text_file},
      // Reading result files: render.
      {"render_missing_file", "render {dir}/nowhere.h5 -o {dir}/out.png", "{dir}/nowhere.h5"},
      {"render_text_file", "render {dir}/notes.h5 -o {dir}/out.png", "not an HDF5 file", text_file},
      {"render_foreign_hdf5", "render {dir}/foreign.h5 -o {dir}/out.png", "not a trilobite result file", foreign_hdf5},
      {"render_truncated", "render {dir}/r.h5 -o {dir}/out.png", "{dir}/r.h5", truncated},
      {"render_corrupted_header", "render {dir}/r.h5 -o {dir}/out.png", "{dir}/r.h5", corrupted_header},
      {"render_corrupted_heap", "render {dir}/r.h5 -o {dir}/out.png", "{dir}/r.h5", corrupted_heap},
      {"render_network_file_without_pictures", "render {dir}/t.h5 -o {dir}/out.png", "network file (descend --model)", network_file},
      {"render_network_sweep", "render {dir}/s.h5 -o {dir}/out.png", "network sweep (sweep --model)", network_sweep_file},
      {"render_unknown_panel", "render {dir}/r.h5 -o {dir}/out.png --panel everything", "--panel", result},
      {"render_panel_not_in_file", "render {dir}/r.h5 -o {dir}/out.png --panel basins", "basin", result},
      {"render_unknown_scale", "render {dir}/r.h5 -o {dir}/out.png --scale cubic", "--scale", result},
      {"render_bad_size", "render {dir}/r.h5 -o {dir}/out.png --size 12by4", "--size", result},
      {"render_width_absurd", "render {dir}/r.h5 -o {dir}/out.png --width 100000", "--width", result},
      {"render_negative_contour_levels", "render {dir}/r.h5 -o {dir}/out.png --contour-levels -1", "--contour-levels", result},
      {"render_font_missing", "render {dir}/r.h5 -o {dir}/out.png --font {dir}/nowhere.ttf", "nowhere.ttf", result},
      {"render_output_is_input", "render {dir}/r.h5 -o {dir}/r.h5", "input", result},
      {"render_output_exists", "render {dir}/r.h5 -o {dir}/out.png", "use --force", existing_png},
      {"render_output_directory_missing", "render {dir}/r.h5 -o {dir}/missing/out.png", "does not exist", result},
      // Checkpoints, --resume and --records (docs/format.md, "Checkpoint files").
      {"resume_without_checkpoint", "descend --resume {dir}/none.h5", "no checkpoint"},
      {"resume_text_file", "descend --resume {dir}/t.h5", "not an HDF5 file", text_checkpoint},
      {"resume_result_file", "descend --resume {dir}/r2.h5", "not a trilobite checkpoint", result_as_checkpoint},
      {"resume_other_setting", "descend -l himmelblau --starts 3000 --chunk 500 --lr 0.02 --resume {dir}/k.h5", "lr = 0.02", killed_descend},
      {"resume_other_job", "basins -l himmelblau --resume {dir}/k.h5", "not of `trilobite basins`", killed_descend},
      {"fresh_run_onto_checkpoint", "descend -l himmelblau --starts 3000 -o {dir}/k.h5", "--resume", killed_descend},
      {"records_unknown", "descend --records some -o {out}", "--records"},
      {"sample_zero", "descend --records sample --sample 0 -o {out}", "--sample"},
      // bench writes no file, but its options are input too.
      {"bench_unknown_case", "bench --cases nosuch-2d", "--cases"},
      {"bench_repeats_zero", "bench --repeats 0", "--repeats"},
      {"bench_pipeline_steps", "bench --pipeline --steps 50", "--steps"},
      {"bench_pipeline_records_unknown", "bench --pipeline --records some", "--records"},
      {"bench_records_without_pipeline", "bench --records none", "--records"},
      {"bench_zero_cost_alone", "bench --backend zero-cost", "zero-cost"},
      {"bench_chunk_without_pipeline", "bench --chunk 1000", "--chunk"},
      {"bench_network_case_beside_networks", "bench --networks --cases mlp2-moons-b32", "--networks"},
      // Networks and their data (docs/networks.md).
      {"network_without_data", "descend --model mlp:2-3-1 --loss bce -o {out}", "--data"},
      {"network_model_malformed", "descend --model mlp:2--1 --data xor -o {out}", "--model"},
      {"network_activation_unknown", "descend --model mlp:2-3-2 --activation swish --data xor -o {out}", "--activation"},
      {"network_loss_unknown", "descend --model mlp:2-3-2 --loss hinge --data xor -o {out}", "--loss"},
      {"network_inputs_differ_from_features", "descend --model mlp:5-3-2 --data xor -o {out}", "takes 5 inputs"},
      {"network_csv_ragged", "descend --model mlp:2-3-2 --data {dir}/d.csv -o {out}", "line 3", csv_ragged},
      {"network_csv_not_a_number", "descend --model mlp:2-3-2 --data {dir}/d.csv -o {out}", "'x' is not a number", csv_text},
      {"network_csv_nan", "descend --model mlp:2-3-2 --data {dir}/d.csv -o {out}", "'nan'", csv_nan},
      {"network_bce_labels_not_binary", "descend --model mlp:2-3-1 --loss bce --data {dir}/d.csv -o {out}", "data file '{dir}/d.csv', line 4, column 3: the label is 2", csv_three_classes},
      {"network_classes_exceed_outputs", "descend --model mlp:2-3-2 --data {dir}/d.csv -o {out}", "data file '{dir}/d.csv', line 4, column 3", csv_three_classes},
      {"network_test_label_out_of_range", "descend --model mlp:2-3-1 --loss bce --data {dir}/d.csv --test-data {dir}/t.csv -o {out}", "test data file '{dir}/t.csv', line 3, column 3", csv_test_label_two},
      {"network_idx_label_out_of_range", "descend --model mlp:2-3-1 --loss bce --data {dir}/i.idx,{dir}/l.idx -o {out}", "data file '{dir}/l.idx': label 2 is 2", idx_three_classes},
      {"network_hdf5_label_out_of_range", "descend --model mlp:2-3-1 --loss bce --data {dir}/d.h5:/X,/y -o {out}", "data file '{dir}/d.h5:/X,/y': /y[2] is 2", hdf5_three_classes},
      {"network_idx_not_idx", "descend --model mlp:1-3-2 --data {dir}/i.idx,{dir}/l.idx -o {out}", "not an IDX file", idx_not_idx},
      {"network_batch_exceeds_rows", "descend --model mlp:2-3-2 --data xor --data-size 8 --batch-size 9 -o {out}", "--batch-size"},
      {"network_steps_with_batches", "descend --model mlp:2-3-2 --data xor --batch-size 4 --steps 10 -o {out}", "--steps"},
      {"network_option_without_model", "descend --batch-size 4 -o {out}", "give --model"},
      {"network_analytic_option", "descend --model mlp:2-3-2 --data xor --box -1:1 -o {out}", "--box"},
      {"network_trace_on_cuda", "descend --model mlp:2-3-2 --data xor --backend cuda --trace 0 -o {out}", "--trace"},
      {"network_records_sample", "descend --model mlp:2-3-2 --data xor --records sample -o {out}", "--records"},
      {"network_density_without_model", "descend --density 4 -o {out}", "give --model"},
      {"network_density_steps_without_density", "descend --model mlp:2-3-2 --data xor --density-steps 10 -o {out}", "--density-steps"},
      {"network_density_sigma_negative", "descend --model mlp:2-3-2 --data xor --density 2 --density-sigma -1 -o {out}", "--density-sigma"},
      {"network_density_without_examined_minima", "descend --model mlp:2-3-2 --data xor --density 2 --hessian-minima 0 -o {out}", "--hessian-minima"},
      {"network_lanczos_steps_without_top_eigenvalues", "descend --model mlp:2-3-2 --data xor --hessian-top 0 --lanczos-steps 30 -o {out}", "--hessian-top 0"},
      {"network_hessian_top_without_examined_minima", "descend --model mlp:2-3-2 --data xor --hessian-top 2 --hessian-minima 0 -o {out}", "--hessian-top"},
      {"network_lanczos_steps_without_examined_minima", "descend --model mlp:2-3-2 --data xor --lanczos-steps 30 --hessian-minima 0 -o {out}", "--lanczos-steps"},
      {"network_hutchinson_without_examined_minima", "descend --model mlp:2-3-2 --data xor --hutchinson 4 --hessian-minima 0 -o {out}", "--hutchinson"},
      {"network_barrier_minima_out_of_range", "descend --model mlp:2-3-2 --data xor --barrier-minima 300 -o {out}", "--barrier-minima"},
      {"network_barrier_minima_one", "descend --model mlp:2-3-2 --data xor --barrier-minima 1 -o {out}", "two minima"},
      {"network_barrier_points_without_barriers", "descend --model mlp:2-3-2 --data xor --barrier-minima 0 --barrier-points 9 -o {out}", "--barrier-points"},
      {"network_bezier_without_model", "descend --bezier-steps 50 -o {out}", "give --model"},
      // Sweeps of a network's trainings (sweep --model).
      {"network_sweep_vary_noise", "sweep --model mlp:2-3-2 --data xor --vary noise=0:0.1:2 -o {out}", "--vary noise"},
      {"network_sweep_vary_weight_decay", "sweep --model mlp:2-3-2 --data xor --vary weight-decay=0:0.1:2 -o {out}", "--vary weight-decay"},
      {"network_sweep_trace_weights", "sweep --model mlp:2-3-2 --data xor --vary lr=0.1:0.2:2 --trace-weights -o {out}", "sweep traces no trainings"},
      {"network_basins_trace_weights", "basins --model mlp:2-3-2 --data xor --basin-res 2 --trace-weights -o {out}", "basins traces no trainings"},
      {"network_sweep_trace", "sweep --model mlp:2-3-2 --data xor --vary lr=0.1:0.2:2 --trace 0 -o {out}", "--trace"},
      {"network_sweep_lr_min_above_swept_lr", "sweep --model mlp:2-3-2 --data xor --lr-schedule cosine --lr-min 0.15 --vary lr=0.1:0.2:2 -o {out}", "--lr-min"},
      {"sweep_records_without_model", "sweep --vary lr=0.01:0.1:2 --records none -o {out}", "--records"},
      // Planes through a network's weight space (grid --model).
      {"network_plane_center_missing", "grid --model mlp:2-3-1 --loss bce --data xor --center {dir}/none.h5:0 -o {out}", "cannot open"},
      {"network_plane_center_text_missing", "grid --model mlp:2-3-1 --loss bce --data xor --center {dir}/none.h5:best -o {out}", "cannot open"},
      {"network_plane_run_out_of_range", "grid --model mlp:2-3-1 --loss bce --data xor --center {dir}/t.h5:9 -o {out}", "run 9", network_file},
      {"network_plane_weight_count_mismatch", "grid --model mlp:2-3-1 --loss bce --data xor --center {dir}/w.csv -o {out}", "holds 3 numbers", network_file},
      {"network_plane_other_model", "grid --model mlp:2-4-1 --loss bce --data xor --center {dir}/t.h5:0 -o {out}", "mlp:2-3-1", network_file},
      {"network_plane_through_one_point", "grid --model mlp:2-3-1 --loss bce --data xor --directions through --through {dir}/t.h5:0 -o {out}", "--through", network_file},
      {"network_plane_pca_without_trajectory", "grid --model mlp:2-3-1 --loss bce --data xor --directions pca -o {out}", "--trajectory"},
      {"network_plane_pca_trajectory_without_weights", "grid --model mlp:2-3-1 --loss bce --data xor --directions pca --trajectory {dir}/t.h5 -o {out}", "--trace-weights", network_file},
      {"network_plane_without_center", "grid --model mlp:2-3-1 --loss bce --data xor -o {out}", "--center"},
      {"network_plane_directions_unknown", "grid --model mlp:2-3-1 --loss bce --data xor --directions sideways -o {out}", "--directions"},
      {"network_plane_training_option", "grid --model mlp:2-3-1 --loss bce --data xor --center {dir}/t.h5:0 --batch-size 4 -o {out}", "unknown option", network_file},
      {"network_plane_option_without_model", "grid --center {dir}/t.h5:0 -o {out}", "give --model"},
      // A network run: trainings and a plane (run --model).
      {"network_run_basin_res", "run --model mlp:2-3-1 --loss bce --data xor --basin-res 8 -o {out}", "--basin-res"},
      {"network_run_tile", "run --model mlp:2-3-1 --loss bce --data xor --tile 64 -o {out}", "--tile"},
      {"network_run_through_missing", "run --model mlp:2-3-1 --loss bce --data xor --directions through --through {dir}/none.h5:0,{dir}/none.h5:1 -o {out}", "cannot open"},
      {"network_run_plane_option_without_model", "run --directions random -o {out}", "give --model"},
  };
  return cases;
}

// Expands a case's arguments in `dir` after running its setup; sets `skip`
// when the case cannot be staged here.
inline std::string prepare_case(const BadInputCase& c, const std::string& dir, std::string* skip) {
  std::string ro = dir + "/ro";
  if (std::string(c.args).find("{ro}") != std::string::npos) {
    if (::geteuid() == 0) {
      ro = "/sys";  // root writes through chmod 0555; sysfs refuses new files even to root
      const std::string probe = ro + "/trilobite-probe";
      if (std::FILE* f = std::fopen(probe.c_str(), "w")) {
        std::fclose(f);
        std::remove(probe.c_str());
        *skip = "no directory here is read-only to root";
      }
    } else {
      ::mkdir(ro.c_str(), 0555);
      ::chmod(ro.c_str(), 0555);
    }
  }
  if (c.setup) c.setup(dir);
  return expand(c.args, dir, ro);
}

// Undoes what prepare_case did that would stop the next run from removing `dir`.
inline void finish_case(const std::string& dir) { ::chmod((dir + "/ro").c_str(), 0755); }

}  // namespace trilo::test
