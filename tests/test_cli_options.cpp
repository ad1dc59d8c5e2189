// Options as a new user meets them: numbers taken exactly as typed or
// refused, options that would do nothing refused or warned about, --help
// with defaults, "did you mean" for a mistyped word, hints for formulas,
// honest phase timings, and built-in defaults that converge.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <png.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/numeric_options.hpp"
#include "render/colour.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;
using nlohmann::json;

std::string problem(const std::string& name, const std::string& type, std::string text) {
  return trilo::cli::number_problem(name, type, text);
}

std::string plain(const std::string& name, const std::string& type, std::string text) {
  EXPECT_EQ(trilo::cli::number_problem(name, type, text), "") << text;
  return text;
}

TEST(NumbersAsTyped, AnUnsignedOptionRefusesANegativeNumberInsteadOfWrappingIt) {
  EXPECT_NE(problem("--seed", "UINT", "-1"), "");
  EXPECT_EQ(plain("--seed", "UINT", "18446744073709551615"), "18446744073709551615");
  EXPECT_NE(problem("--seed", "UINT", "18446744073709551616"), "");
}

TEST(NumbersAsTyped, AWholeNumberBeyondSixtyFourBitsIsRefusedNotSaturated) {
  EXPECT_NE(problem("--starts", "INT", "99999999999999999999"), "");
  EXPECT_NE(problem("--steps", "INT", "-99999999999999999999"), "");
  EXPECT_NE(problem("--trace", "INT", "9223372036854775808"), "");
}

TEST(NumbersAsTyped, AWholeNumberIsPlainDecimalInsideItsRange) {
  EXPECT_NE(problem("--threads", "INT", "1e12"), "");
  EXPECT_NE(problem("--threads", "INT", "0x10"), "");
  EXPECT_NE(problem("--threads", "INT", "4097"), "");
  EXPECT_NE(problem("--starts", "INT", "0"), "");
  EXPECT_NE(problem("--compression", "INT", "-1"), "");
  EXPECT_EQ(plain("--grid-res", "INT", "010"), "10");  // decimal, not octal 8
  EXPECT_EQ(plain("--steps", "INT", "+7"), "7");
  EXPECT_EQ(plain("--threads", "INT", "4096"), "4096");
}

TEST(NumbersAsTyped, ARealNumberMustSurviveTheConversionToDouble) {
  EXPECT_NE(problem("--tol", "FLOAT", "1e-400"), "");    // would be 0
  EXPECT_NE(problem("--tol", "FLOAT", "1e-310"), "");    // would lose digits
  EXPECT_NE(problem("--lr", "FLOAT", "1e999"), "");      // would be infinite
  EXPECT_NE(problem("--lr", "FLOAT", "0.1.2"), "");
  EXPECT_EQ(plain("--lr", "FLOAT", "nan"), "nan");       // validation names the range
  EXPECT_EQ(plain("--lr", "FLOAT", " 0.25 "), "0.25");
  EXPECT_EQ(plain("--noise", "FLOAT", "0"), "0");
}

TEST(NumbersAsTyped, AResolutionWithALeadingZeroIsReadInDecimal) {
  const Outcome o = trilobite("grid --grid-res 010 --backend cpu -q --force -o " + unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("grid: 100 points"), std::string::npos) << o.out;
}

TEST(UnusedOptions, AnOptimizerSettingTheOptimizerIgnoresIsRefused) {
  const std::string out = unique("h5");
  std::remove(out.c_str());
  const Outcome o = trilobite("descend --momentum 0.9 --starts 4 -o " + out);
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("--momentum: the optimizer gd does not use it (used by momentum, nesterov"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(out));
  EXPECT_EQ(trilobite("descend --optimizer momentum --momentum 0.8 --starts 4 --backend cpu -q --force -o " + out)
                .status,
            0);
}

TEST(UnusedOptions, ASeedThatDrawsNothingIsAWarningLine) {
  const Outcome o = trilobite("grid --grid-res 8 --seed 5 --backend cpu --force -o " + unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.err.find("trilobite: warning: --seed: this run draws no random numbers"), std::string::npos)
      << o.err;
  const Outcome quiet = trilobite("grid --grid-res 8 --seed 5 --backend cpu -q --force -o " + unique("h5"));
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
}

TEST(UnusedOptions, TheStoredConfigurationHoldsOnlyWhatTheRunUsesAndReplays) {
  const std::string h5 = unique("h5"), toml = unique("toml");
  ASSERT_EQ(trilobite("descend -l himmelblau --starts 8 --backend cpu -q --force -o " + h5).status, 0);
  const Outcome info = trilobite("info --config " + h5);
  ASSERT_EQ(info.status, 0) << info.err;
  for (const char* unused : {"\nmomentum =", "\nbeta1 =", "\nbeta2 =", "\nrho =", "\neps =", "\nsample ="})
    EXPECT_EQ(info.out.find(unused), std::string::npos) << unused << "\n" << info.out;
  EXPECT_NE(info.out.find("\nlr = 0.003\n"), std::string::npos) << info.out;  // himmelblau's default
  { std::ofstream(toml) << info.out; }
  const Outcome replay = trilobite("descend --config " + toml + " -q --force -o " + unique("again.h5"));
  EXPECT_EQ(replay.status, 0) << replay.err;
  ASSERT_EQ(trilobite("descend --optimizer nesterov --starts 8 --backend cpu -q --force -o " + h5).status, 0);
  EXPECT_NE(trilobite("info --config " + h5).out.find("\nmomentum = 0.9\n"), std::string::npos);
}

TEST(Help, ShowsEachOptionsDefault) {
  const Outcome o = trilobite("run --help");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("--grid-res INT=256"))) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("--optimizer TEXT=gd"))) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("--seed UINT=1"))) << o.out;
}

// Options whose stored value only means "not given" (-1, 0) show no default:
// their descriptions name the real one.
TEST(Help, ShowsNoPlaceholderDefaults) {
  for (const char* sub : {"run", "descend", "basins", "sweep", "grid"}) {
    const Outcome o = trilobite(std::string(sub) + " --help");
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_FALSE(std::regex_search(o.out, std::regex("=-1 "))) << sub << "\n" << o.out;
    for (const char* name : {"--data-size", "--data-classes", "--data-noise", "--quench-steps"})
      EXPECT_FALSE(std::regex_search(o.out, std::regex(std::string(name) + " (INT|FLOAT)="))) << sub << " " << name;
  }
}

// docs/errors.md, "Numeric options", lists every option --help types as a
// number, in every subcommand.
TEST(Help, EveryNumericOptionHasItsRangeInTheErrorsPage) {
  const std::string doc = slurp(std::string(TRILOBITE_SOURCE_DIR) + "/docs/errors.md");
  const auto at = doc.find("## Numeric options");
  ASSERT_NE(at, std::string::npos);
  const std::string section = doc.substr(at, doc.find("\n## ", at + 1) - at);
  std::set<std::string> seen;
  for (const char* sub : {"run", "grid", "descend", "basins", "critical", "sweep", "bench", "render"}) {
    const Outcome o = trilobite(std::string(sub) + " --help");
    ASSERT_EQ(o.status, 0) << sub;
    const std::regex option("(--[a-z0-9-]+) (INT|UINT|FLOAT)");
    for (auto it = std::sregex_iterator(o.out.begin(), o.out.end(), option); it != std::sregex_iterator(); ++it)
      seen.insert((*it)[1]);
  }
  EXPECT_GE(seen.size(), 25u);
  for (const std::string& name : seen)
    EXPECT_NE(section.find("`" + name + "`"), std::string::npos) << name << " has no range in docs/errors.md";
}

TEST(Messages, AMistypedOptionOrSubcommandGetsTheNearestName) {
  Outcome o = trilobite("run --grid-ress 8 -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("unknown option '--grid-ress' for run (did you mean '--grid-res'?)"), std::string::npos)
      << o.err;
  // An unknown option after a known one with the same value is named,
  // not its value; a value left over alone is.
  o = trilobite("run --grid-res 8 --grid-ress 8 -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("unknown option '--grid-ress' for run (did you mean '--grid-res'?)"), std::string::npos)
      << o.err;
  o = trilobite("descend --steps 5 6 -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("unexpected argument '6'"), std::string::npos) << o.err;
  o = trilobite("rnu --starts 3");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("unknown subcommand 'rnu' (did you mean 'run'?)"), std::string::npos) << o.err;
}

TEST(Messages, FormulasGetHintsForLnAndForAParameterWithoutAValue) {
  Outcome o = trilobite("run --expr 'ln(x)' --box 1:2 -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("the natural logarithm is log"), std::string::npos) << o.err;
  o = trilobite("run --expr 'a*x^2' --box -1:1 -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--param a=VALUE"), std::string::npos) << o.err;
}

TEST(Messages, AOneDimensionalBasinMapCountsBoxesAlongItsLine) {
  const std::string f = unique("h5");
  const Outcome o = trilobite("basins -l rastrigin --dim 1 --basin-res 64 --backend cpu -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("(boxes of 5 cells:"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("5 x 5"), std::string::npos) << o.out;
  // The same words when `info` reads the file back.
  const Outcome info = trilobite("info " + f);
  ASSERT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("(boxes of 5 cells:"), std::string::npos) << info.out;
  EXPECT_EQ(info.out.find("5 x 5"), std::string::npos) << info.out;
}

json summary(const std::string& args) {
  const Outcome o = trilobite(args + " --backend cpu --json -q --force -o " + unique("h5"));
  EXPECT_EQ(o.status, 0) << args << "\n" << o.err;
  return o.status == 0 ? json::parse(o.out) : json::object();
}

TEST(Timings, EachPhaseThatRanHasItsTimeAndNoOtherPhaseHasAny) {
  const json run = summary("run -l himmelblau --grid-res 400 --basin-res 96 --starts 2000");
  ASSERT_TRUE(run.contains("timings_s")) << run.dump();
  const json& t = run["timings_s"];
  EXPECT_GT(t["grid"].get<double>(), 0) << t.dump();
  EXPECT_GT(t["descents"].get<double>(), 0) << t.dump();
  EXPECT_GT(t["basins"].get<double>(), 0) << t.dump();
  EXPECT_GT(t["minima"].get<double>(), 0) << t.dump();
  EXPECT_LE(t["grid"].get<double>() + t["descents"].get<double>() + t["basins"].get<double>(),
            t["total"].get<double>());

  const json basins = summary("basins -l himmelblau --basin-res 96");
  const json& b = basins["timings_s"];
  EXPECT_GT(b["basins"].get<double>(), 0) << b.dump();
  EXPECT_EQ(b["descents"].get<double>(), 0) << b.dump();
  EXPECT_EQ(b["grid"].get<double>(), 0) << b.dump();

  const json descend = summary("descend -l himmelblau --starts 2000");
  const json& d = descend["timings_s"];
  EXPECT_GT(d["descents"].get<double>(), 0) << d.dump();
  EXPECT_EQ(d["basins"].get<double>(), 0) << d.dump();
  EXPECT_EQ(d["grid"].get<double>(), 0) << d.dump();

  const json sweep = summary("sweep -l himmelblau --vary lr=0.001:0.003:2 --starts 200");
  EXPECT_GT(sweep["timings_s"]["descents"].get<double>(), 0) << sweep.dump();
}

// Every built-in's default run (no --lr, no --steps) converges most of its
// descents from uniform random starts in its box.
TEST(Defaults, EveryBuiltinConvergesMostDescentsWithItsOwnRateAndSteps) {
  const Outcome list = trilobite("list");
  ASSERT_EQ(list.status, 0);
  std::istringstream in(list.out);
  int n = 0;
  for (std::string name, rest; in >> name && std::getline(in, rest); ++n) {
    const json j = summary("descend -l " + name + " --starts 64");
    ASSERT_TRUE(j.contains("counts")) << name;
    const json& k = j["counts"]["descents"];
    EXPECT_GT(2 * k["converged"].get<std::int64_t>(), k["total"].get<std::int64_t>()) << name << ": " << k.dump();
  }
  EXPECT_EQ(n, 11);
}

TEST(Defaults, TheCurvatureRateIsForGradientStepsAndAGivenRateWins) {
  const std::string h5 = unique("h5");
  auto stored_lr = [&h5](const std::string& args) {
    EXPECT_EQ(trilobite("descend -l rastrigin --starts 4 --backend cpu -q --force -o " + h5 + " " + args).status, 0);
    const std::string cfg = trilobite("info --config " + h5).out;
    const auto at = cfg.find("\nlr = ");
    return at == std::string::npos ? std::string("?") : cfg.substr(at + 6, cfg.find('\n', at + 1) - at - 6);
  };
  EXPECT_EQ(stored_lr(""), "0.002");
  EXPECT_EQ(stored_lr("--optimizer nesterov"), "0.002");
  EXPECT_EQ(stored_lr("--optimizer adam"), "0.01");
  EXPECT_EQ(stored_lr("--lr 0.004"), "0.004");
}

TEST(Defaults, MostDescentsOutOfStepsPrintOneLineSayingWhatToChange) {
  Outcome o = trilobite("descend -l rastrigin --lr 0.0001 --steps 20 --starts 16 --backend cpu -q --force -o " +
                        unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("hint: 16 of 16 descents ran out of steps (--steps 20, --lr 0.0001): raise --steps"),
            std::string::npos)
      << o.out;
  o = trilobite("descend -l rastrigin --lr 0.006 --steps 50 --starts 16 --backend cpu -q --force -o " +
                unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("above this landscape's stability limit"), std::string::npos) << o.out;
  o = trilobite("descend -l himmelblau --starts 16 --backend cpu -q --force -o " + unique("h5"));
  EXPECT_EQ(o.out.find("hint:"), std::string::npos) << o.out;
}

TEST(Pictures, AMinimumReachedOutsideTheBoxIsMarkedInTheTable) {
  const Outcome o = trilobite("descend --expr '(x - 3)^2 + y^2' --box -1:1 --starts 16 --backend cpu -q --force -o " +
                              unique("h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  const auto row = o.out.find("(3.000000, 0.000000)");
  ASSERT_NE(row, std::string::npos) << o.out;
  EXPECT_NE(o.out.substr(row, o.out.find('\n', row) - row).find("(outside the box)"), std::string::npos) << o.out;
  const Outcome inside = trilobite("descend --expr '(x - 0.5)^2 + y^2' --box -1:1 --starts 16 --backend cpu -q "
                                   "--force -o " + unique("h5"));
  EXPECT_EQ(inside.out.find("outside the box"), std::string::npos) << inside.out;
}

// Pixels of exactly colour `c` in a PNG file below its top fifth (the
// title and the marker legend), by libpng's simplified reader.
std::int64_t pixels_of(const std::string& path, trilo::render::Rgb c) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return -1;
  image.format = PNG_FORMAT_RGB;
  std::vector<std::uint8_t> rgb(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) return -1;
  std::int64_t n = 0;
  for (std::size_t i = 3 * image.width * (image.height / 5); i + 2 < rgb.size(); i += 3)
    n += rgb[i] == c.r && rgb[i + 1] == c.g && rgb[i + 2] == c.b;
  return n;
}

TEST(Pictures, AMinimumOutsideTheBoxIsDrawnOnTheFramesEdge) {
  const std::string h5 = unique("h5"), png = unique("png");
  ASSERT_EQ(trilobite("run --expr '(x - 3)^2 + y^2' --box -1:1 --grid-res 32 --basin-res 16 --starts 16 "
                      "--backend cpu -q --force -o " + h5)
                .status,
            0);
  ASSERT_EQ(trilobite("render " + h5 + " --panel loss --force -o " + png).status, 0);
  // The only minimum is the global one: its star, clipped away before, now sits at the right edge.
  EXPECT_GT(pixels_of(png, trilo::render::kGlobalMinimum), 20);
}

// The global minimum's star against the basin colours and the loss scale:
// at least 120 apart in RGB (the earlier gold was 52 from basin 0's orange).
TEST(Pictures, TheGlobalMinimumStarContrastsWithEveryBasinAndLossColour) {
  using trilo::render::Rgb;
  auto dist = [](Rgb a, Rgb b) {
    const double r = a.r - b.r, g = a.g - b.g, bl = a.b - b.b;
    return std::sqrt(r * r + g * g + bl * bl);
  };
  for (int k = 0; k < 7; ++k)
    EXPECT_GE(dist(trilo::render::kGlobalMinimum, trilo::render::basin_colour(k)), 120) << k;
  for (int i = 0; i <= 20; ++i)
    EXPECT_GE(dist(trilo::render::kGlobalMinimum, trilo::render::viridis(i / 20.0)), 120) << i;
}

TEST(Pictures, RenderAcceptsQuietAndTitlesSayWhatRan) {
  const std::string grid = unique("grid.h5"), mom = unique("mom.h5"), png = unique("png");
  ASSERT_EQ(trilobite("grid --grid-res 16 --backend cpu -q --force -o " + grid).status, 0);
  Outcome o = trilobite("render " + grid + " --force -o " + png);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("): quartic-dimple (2-D)  ·  loss grid"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("gd"), std::string::npos) << o.out;  // no optimizer ran
  o = trilobite("render -q " + grid + " --force -o " + png);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(o.out.empty() && o.err.empty()) << o.out << o.err;
  ASSERT_EQ(trilobite("descend -l rastrigin --dim 3 --optimizer momentum --momentum 0.5 --starts 8 --backend cpu "
                      "-q --force -o " + mom)
                .status,
            0);
  o = trilobite("render " + mom + " --force -o " + png);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("rastrigin (3-D)  ·  momentum, lr 0.002, momentum 0.5"), std::string::npos) << o.out;
}

}  // namespace
