// Documented minima (the catalog's, or [[minima]] in a landscape file) are
// checked against what a run finds, reported, and recorded in the file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/known_minima.hpp"
#include "io/result_reader.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;

// Himmelblau's four minima (Himmelblau 1972; decimals as in Jamil & Yang 2013).
const char* kHimmelblauFile = R"(formula = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
box = "-5:5,-5:5"

[[minima]]
x = [3.0, 2.0]
value = 0.0
global = true

[[minima]]
x = [-2.805118, 3.131312]
value = 0.0

[[minima]]
x = [-3.779310, -3.283186]

[[minima]]
x = [3.584428, -1.848126]
)";

TEST(DocumentedMinima, EveryMinimumOfALandscapeFileIsFoundAndRecorded) {
  const std::string toml = unique("toml"), h5 = unique("h5");
  std::ofstream(toml) << kHimmelblauFile;
  Outcome o = trilobite("descend --landscape-file " + toml + " --starts 400 --lr 0.01 --force -o " + h5);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("known minima: 4 of 4 found"), std::string::npos) << o.out;

  trilo::io::ResultData r = trilo::io::read_result(h5);
  ASSERT_TRUE(r.has_known_minima);
  ASSERT_EQ(r.known_minima.known.size(), 4u);
  EXPECT_TRUE(r.known_minima.known[0].global);
  EXPECT_TRUE(std::isnan(r.known_minima.known[2].value));
  for (std::size_t k = 0; k < 4; ++k) {
    const std::int64_t row = r.known_minima.match.row[k];
    ASSERT_GE(row, 0) << k;
    // The documented decimals are rounded to 1e-6; the polished minimum is exact.
    for (int i = 0; i < 2; ++i)
      EXPECT_NEAR(r.minima.position[row * 2 + i], r.known_minima.known[k].x[i], 2e-6) << k;
    EXPECT_LT(r.known_minima.match.distance[k], 3e-6) << k;
  }
  EXPECT_NE(trilobite("info " + h5).out.find("known minima: 4 of 4 found"), std::string::npos);
}

TEST(DocumentedMinima, AMinimumThatIsNotThereIsReportedMissing) {
  const std::string toml = unique("toml");
  std::ofstream(toml) << "formula = \"x^2 + y^2\"\nbox = \"-1:1\"\n[[minima]]\nx = [0.5, 0.5]\n";
  Outcome o = trilobite("descend --landscape-file " + toml + " --starts 16 --force -o " + unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("known minima: 0 of 1 found"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("not found: (0.5, 0.5)"), std::string::npos) << o.out;
}

TEST(DocumentedMinima, BuiltinsAreCheckedAgainstTheCatalog) {
  Outcome o = trilobite("descend -l six-hump-camel --starts 600 --lr 0.01 --force -o " + unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("known minima: 6 of 6 found"), std::string::npos) << o.out;
}

TEST(DocumentedMinima, APointOutsideTheBoxIsSaidToBe) {
  trilo::analysis::MinimaTable t;
  t.dim = 1;
  std::vector<trilo::KnownMinimum> known = {{{3.0}, 0.0, true}};
  auto m = trilo::analysis::match_known_minima(t, known, {-1.0}, {1.0}, 0.1);
  ASSERT_EQ(m.row.size(), 1u);
  EXPECT_EQ(m.row[0], -1);
  EXPECT_EQ(m.in_box[0], 0);
  EXPECT_NE(trilo::analysis::format_known_minima(known, m).find("outside the box"), std::string::npos);
}

struct BadFile {
  const char* body;
  const char* must_mention;
};

class BadKnownMinima : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadKnownMinima, AreRefusedWithExitTwoAndNoFile) {
  const std::string toml = unique("toml"), h5 = unique("h5");
  std::ofstream(toml) << "formula = \"x^2 + y^2\"\nbox = \"-1:1,-1:1\"\n" << GetParam().body;
  Outcome o = trilobite("descend --landscape-file " + toml + " -o " + h5);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find(GetParam().must_mention), std::string::npos) << o.err;
  EXPECT_FALSE(exists(h5));
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, BadKnownMinima,
    ::testing::Values(BadFile{"[[minima]]\nx = [1.0, 2.0, 3.0]\n", "3 coordinates"},
                      BadFile{"[[minima]]\nvalue = 1.0\n", "x = [numbers]"},
                      BadFile{"[[minima]]\nx = [\"a\", \"b\"]\n", "x = [numbers]"},
                      BadFile{"[[minima]]\nx = [0.0, 0.0]\nvalue = \"low\"\n", "value"},
                      BadFile{"[[minima]]\nx = [0.0, 0.0]\nglobal = 1\n", "global"},
                      BadFile{"[[minima]]\nx = [0.0, 0.0]\ndepth = 1.0\n", "unknown key 'depth'"},
                      BadFile{"minima = 3\n", "array of tables"}));

}  // namespace
