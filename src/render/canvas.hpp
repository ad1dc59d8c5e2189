// An RGB picture in memory and the few shapes the plots need, drawn with
// anti-aliased edges (coverage from the exact distance to the shape).
#pragma once

#include <cstdint>
#include <vector>

namespace trilo::render {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb& o) const { return !(*this == o); }
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};

struct Point {
  double x = 0, y = 0;  // pixels; (0, 0) is the top-left corner of the top-left pixel
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = kWhite);

  int width() const { return w_; }
  int height() const { return h_; }
  const std::vector<std::uint8_t>& rgb() const { return pix_; }  // row-major, 3 bytes a pixel
  Rgb at(int x, int y) const;

  void set(int x, int y, Rgb c);
  // Mixes `c` into pixel (x, y) with weight alpha in [0, 1]; outside: ignored.
  void blend(int x, int y, Rgb c, double alpha);
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // [x0, x1) x [y0, y1)
  void rect_outline(int x0, int y0, int x1, int y1, Rgb c, double width = 1);

  // Only pixels inside the clip rectangle are touched by the shapes below.
  void set_clip(int x0, int y0, int x1, int y1);
  void clear_clip();

  void line(Point a, Point b, Rgb c, double width, double alpha = 1);
  // Dashed when dash > 0 (dash and gap both `dash` pixels long).
  void polyline(const std::vector<Point>& p, Rgb c, double width, double alpha = 1,
                double dash = 0);
  void disc(Point centre, double radius, Rgb c, double alpha = 1);
  // A filled simple polygon (even-odd rule), edges supersampled 4 x 4.
  void polygon(const std::vector<Point>& p, Rgb c, double alpha = 1);

 private:
  int w_, h_;
  int cx0_, cy0_, cx1_, cy1_;
  std::vector<std::uint8_t> pix_;
};

enum class Marker { kCircle, kStar, kTriangleUp, kTriangleDown, kDiamond, kSquare, kCross };

// A marker of radius `r` filled with `fill` and outlined in `edge`.
void draw_marker(Canvas& c, Marker m, Point at, double r, Rgb fill, Rgb edge);

}  // namespace trilo::render
