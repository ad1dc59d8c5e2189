// `trilobite render`: the pieces (colour maps, ticks, contours, shapes) against
// values worked out by hand or published, the readers of /critical and
// /sweep against files written here with the HDF5 C API, and the command's
// bad-input behaviour. Pixel checks with an independent decoder are in
// tests/python/check_render.py.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "io/result_reader.hpp"
#include "render/axes.hpp"
#include "render/canvas.hpp"
#include "render/colour.hpp"
#include "render/contour.hpp"

namespace {

using namespace trilo::render;

const std::string kTmp = TRILOBITE_TEST_TMP;

std::string unique(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return kTmp + "/" + info->test_suite_name() + "." + info->name() + "." + stem;
}

int trilobite(const std::string& args) {
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args +
                          " >/dev/null 2>" + unique("err") + " </dev/null";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

// Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian),
// read without libpng.
std::pair<int, int> png_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char b[24] = {};
  in.read(reinterpret_cast<char*>(b), 24);
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  for (int i = 0; i < 8; ++i)
    if (b[i] != sig[i]) return {-1, -1};
  auto be = [&](int o) { return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]; };
  return {be(16), be(20)};
}

// Published hex codes of matplotlib's viridis: #440154 (0), #21918c (0.5), #fde725 (1).
TEST(Render, ViridisMatchesItsPublishedColours) {
  auto near = [](Rgb a, Rgb b) {
    return std::abs(a.r - b.r) <= 1 && std::abs(a.g - b.g) <= 1 && std::abs(a.b - b.b) <= 1;
  };
  EXPECT_TRUE(near(viridis(0), {0x44, 0x01, 0x54}));
  EXPECT_TRUE(near(viridis(0.5), {0x21, 0x91, 0x8c}));
  EXPECT_TRUE(near(viridis(1), {0xfd, 0xe7, 0x25}));
  EXPECT_EQ(viridis(-3), viridis(0));
  EXPECT_EQ(viridis(7), viridis(1));
}

TEST(Render, BasinColoursAreDistinctAndNotTheNoMinimumGrey) {
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    const Rgb a = basin_colour(i);
    EXPECT_NE(a, kNoMinimum);
    EXPECT_NE(a, kWhite);
    for (int j = 0; j < i; ++j) {
      const Rgb b = basin_colour(j);
      const double d = std::hypot(std::hypot(a.r - b.r, a.g - b.g), a.b - b.b);
      EXPECT_GT(d, 30) << i << " vs " << j;
    }
  }
  EXPECT_EQ(basin_colour(-1), kNoMinimum);
}

TEST(Render, NiceTicksAreRoundStepsInsideTheRange) {
  const std::vector<double> t = nice_ticks(-5, 5, 5);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t.front(), -4);
  EXPECT_DOUBLE_EQ(t.back(), 4);
  const std::vector<double> u = nice_ticks(0.013, 0.061, 4);
  for (double v : u) {
    EXPECT_GE(v, 0.013);
    EXPECT_LE(v, 0.061);
  }
  // (0.061 - 0.013) / 4 = 0.012 rounds up to the step 0.02: 0.02, 0.04, 0.06.
  ASSERT_EQ(u.size(), 3u);
  EXPECT_NEAR(u[0], 0.02, 1e-15);
  EXPECT_NEAR(u[2], 0.06, 1e-15);
  EXPECT_EQ(tick_text(-2, 1), "\xE2\x88\x92" "2");  // a true minus sign
  EXPECT_EQ(tick_text(0.25, 0.05), "0.25");
  EXPECT_EQ(tick_text(2.5, 2.5), "2.5");  // not "2": a 2.5 step needs its decimal
  EXPECT_EQ(tick_text(5, 2.5), "5.0");
  EXPECT_EQ(tick_text(40, 20), "40");
  EXPECT_EQ(decade_ticks(0.02, 900, 10), (std::vector<double>{0.1, 1, 10, 100}));
}

TEST(Render, ContourOfAPlaneIsTheStraightLineAtItsLevel) {
  const int n0 = 7, n1 = 5;
  std::vector<double> v(n0 * n1);
  for (int j = 0; j < n1; ++j)
    for (int i = 0; i < n0; ++i) v[j * n0 + i] = 2.0 * i;  // level 5 at i = 2.5
  const auto s = contour_segments(v, n0, n1, 5.0);
  ASSERT_EQ(s.size(), static_cast<std::size_t>(n1 - 1));
  for (const Segment& g : s) {
    EXPECT_DOUBLE_EQ(g.a0, 2.5);
    EXPECT_DOUBLE_EQ(g.b0, 2.5);
    EXPECT_DOUBLE_EQ(std::fabs(g.a1 - g.b1), 1.0);
  }
}

TEST(Render, ContourOfAParaboloidLiesOnItsCircle) {
  const int n = 41;  // [-2, 2] in steps of 0.1
  std::vector<double> v(n * n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = -2 + 0.1 * i, y = -2 + 0.1 * j;
      v[j * n + i] = x * x + y * y;
    }
  const auto s = contour_segments(v, n, n, 1.0);
  EXPECT_GT(s.size(), 50u);
  for (const Segment& g : s)
    for (auto [i, j] : {std::pair{g.a0, g.a1}, std::pair{g.b0, g.b1}}) {
      const double r = std::hypot(-2 + 0.1 * i, -2 + 0.1 * j);
      EXPECT_NEAR(r, 1.0, 0.01);  // linear interpolation along an edge: O(h^2)
    }
}

TEST(Render, ShapesCoverWhatTheyShould) {
  Canvas c(40, 40);
  c.disc({20, 20}, 8, kBlack);
  EXPECT_EQ(c.at(20, 20), kBlack);
  EXPECT_EQ(c.at(20 + 6, 20), kBlack);
  EXPECT_EQ(c.at(20 + 10, 20), kWhite);
  c.polygon({{2, 2}, {12, 2}, {2, 12}}, {255, 0, 0});
  EXPECT_EQ(c.at(3, 3), (Rgb{255, 0, 0}));
  EXPECT_EQ(c.at(11, 11), kWhite);
  c.line({0, 35.5}, {40, 35.5}, {0, 0, 255}, 1);
  EXPECT_EQ(c.at(17, 35), (Rgb{0, 0, 255}));
  EXPECT_EQ(c.at(17, 37), kWhite);
}

// A marker or line far off the canvas (a minimum outside the box of a
// damaged file, 4e9 pixels away) draws nothing and converts no coordinate
// out of int's range (undefined behaviour: scripts/fuzz.sh found it).
TEST(Render, ShapesFarOffTheCanvasDrawNothing) {
  Canvas c(20, 20);
  const std::vector<std::uint8_t> blank = c.rgb();
  const double far = 4.3e9, nan = std::nan("");
  c.disc({far, far}, 5, kBlack);
  c.disc({-far, 10}, 1e12, kBlack, 0.0);  // covers everything, at zero weight
  c.polygon({{far, far}, {far + 10, far}, {far, far + 10}}, kBlack);
  c.polygon({{nan, 1}, {5, nan}, {1, 1}}, kBlack);
  c.line({far, -far}, {far, far}, kBlack, 1);
  c.line({nan, 0}, {0, nan}, kBlack, 1);
  draw_marker(c, Marker::kStar, {-far, far}, 6, kBlack, kBlack);
  EXPECT_EQ(c.rgb(), blank);
  c.polyline({{-far, far}, {far, far}}, kBlack, 1, 1.0, 3);  // dashed, 8.6e9 pixels long
  EXPECT_EQ(c.rgb(), blank);
  // A dashed line across the canvas from far away: only its visible part
  // is cut into dashes (fuzz_result_file timed out cutting 1e9 of them),
  // and some dashes show. From 1e300 away it must at least finish (where
  // it lies is below double's resolution there).
  c.polyline({{-1e300, 10.5}, {1e300, 10.5}}, kBlack, 1, 1.0, 3);
  c.polyline({{-far, 15.5}, {far, 15.5}}, kBlack, 1, 1.0, 3);
  int dark15 = 0;
  for (int x = 0; x < 20; ++x) dark15 += c.at(x, 15) == kBlack;
  EXPECT_GE(dark15, 6);
  EXPECT_LE(dark15, 14);
  // A shape partly on the canvas still draws its part.
  c.polygon({{-far, -far}, {far, -far}, {far, far}, {-far, far}}, kBlack);
  EXPECT_EQ(c.at(10, 10), kBlack);
}

// Real /critical and /sweep files, as `trilobite critical` and `sweep` write them.
TEST(Render, CriticalAndSweepFilesAreDrawn) {
  const std::string crit = unique("crit.h5"), sweep = unique("sweep.h5"), png = unique("png");
  ASSERT_EQ(trilobite("critical -l himmelblau --starts 2000 --grid-res 48 --backend cpu --force -o '" +
                      crit + "'"),
            0);
  ASSERT_EQ(trilobite("render '" + crit + "' --force -o '" + png + "' --size 500x300"), 0);
  EXPECT_EQ(png_size(png), (std::pair{500, 300}));
  ASSERT_EQ(trilobite("sweep --vary lr=0.01:0.2:4 --starts 64 --steps 500 --backend cpu --force -o '" +
                      sweep + "'"),
            0);
  ASSERT_EQ(trilobite("render '" + sweep + "' --force -o '" + png + "' --width 900 --height 400"), 0);
  EXPECT_EQ(png_size(png), (std::pair{900, 400}));
  // A sweep file has no lattice: asking for the loss map is bad input.
  EXPECT_EQ(trilobite("render '" + sweep + "' -o '" + png + "' --panel loss"), 2);
}

TEST(Render, DefaultPictureIsSideBySideAndAPng) {
  const std::string h5 = unique("h5"), png = unique("png");
  ASSERT_EQ(trilobite("run -l himmelblau --grid-res 32 --basin-res 16 --starts 64 --backend cpu --force -o '" +
                      h5 + "'"),
            0);
  ASSERT_EQ(trilobite("render '" + h5 + "' --force -o '" + png + "'"), 0);
  EXPECT_EQ(png_size(png).first, 1500);
  ASSERT_EQ(trilobite("render '" + h5 + "' --force -o '" + png + "' --panel loss --size 640x480"), 0);
  EXPECT_EQ(png_size(png), (std::pair{640, 480}));
}

TEST(Render, BadInputIsRefusedWithExitTwoAndNoPicture) {
  const std::string h5 = unique("h5"), png = unique("png");
  ASSERT_EQ(trilobite("grid --grid-res 16 --backend cpu --force -o '" + h5 + "'"), 0);
  const std::string text = unique("txt");
  std::ofstream(text) << "not a result file\n";
  const std::string cases[] = {
      "render '" + kTmp + "/no-such-file.h5' -o '" + png + "'",
      "render '" + text + "' -o '" + png + "'",
      "render '" + h5 + "' -o '" + kTmp + "/no-such-dir/x.png'",
      "render '" + h5 + "' -o '" + png + "' --panel basins",  // a grid-only file
      "render '" + h5 + "' -o '" + png + "' --panel sweep",
      "render '" + h5 + "' -o '" + png + "' --panel everything",
      "render '" + h5 + "' -o '" + png + "' --size 12by4",
      "render '" + h5 + "' -o '" + png + "' --font '" + kTmp + "/no-such-font.ttf'",
  };
  for (const std::string& args : cases) {
    EXPECT_EQ(trilobite(args), 2) << args;
    EXPECT_FALSE(exists(png)) << args;
    EXPECT_FALSE(exists(kTmp + "/no-such-dir")) << args;
  }
  // Refuses to write over its input, which stays a result file.
  EXPECT_EQ(trilobite("render '" + h5 + "' -o '" + h5 + "'"), 2);
  EXPECT_NO_THROW(trilo::io::read_result(h5));  // still a readable result file
}

}  // namespace
