#include "render/font.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "config/run_config.hpp"

namespace trilo::render {

namespace {

// UTF-8 to code points; a malformed byte becomes U+FFFD.
std::vector<char32_t> decode(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int extra = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= s.size() + (extra == 0)) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = extra == 0 ? b : b & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = ok && (c >> 6) == 2;
      cp = (cp << 6) | (c & 0x3F);
    }
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? extra + 1 : 1;
  }
  return out;
}

// One line of text as coverage values, baseline at row `ascent`.
struct Mask {
  int w = 0, h = 0, ascent = 0;
  std::vector<std::uint8_t> a;
};

}  // namespace

struct Font::Impl {
  FT_Library lib = nullptr;
  FT_Face face = nullptr;

  void size(int px) const {
    if (FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(px)))
      throw std::runtime_error("the font cannot be scaled to " + std::to_string(px) + " px");
  }

  // Calls f(glyph slot, pen x) for each character; returns the advance.
  template <class F>
  double layout(const std::string& text, F&& f) const {
    double pen = 0;
    FT_UInt prev = 0;
    for (char32_t cp : decode(text)) {
      const FT_UInt g = FT_Get_Char_Index(face, cp);
      if (prev && g && FT_HAS_KERNING(face)) {
        FT_Vector k{};
        FT_Get_Kerning(face, prev, g, FT_KERNING_DEFAULT, &k);
        pen += k.x / 64.0;
      }
      if (FT_Load_Glyph(face, g, FT_LOAD_RENDER)) continue;
      f(face->glyph, pen);
      pen += face->glyph->advance.x / 64.0;
      prev = g;
    }
    return pen;
  }

  Mask rasterise(const std::string& text, int px) const {
    size(px);
    Mask m;
    m.ascent = static_cast<int>(std::ceil(face->size->metrics.ascender / 64.0));
    const int descent = static_cast<int>(std::ceil(-face->size->metrics.descender / 64.0));
    m.h = m.ascent + descent;
    m.w = static_cast<int>(std::ceil(layout(text, [](FT_GlyphSlot, double) {}))) + 2;
    m.a.assign(static_cast<std::size_t>(m.w) * m.h, 0);
    layout(text, [&](FT_GlyphSlot slot, double pen) {
      const FT_Bitmap& bm = slot->bitmap;
      const int ox = static_cast<int>(std::lround(pen)) + slot->bitmap_left;
      const int oy = m.ascent - slot->bitmap_top;
      for (unsigned r = 0; r < bm.rows; ++r)
        for (unsigned c = 0; c < bm.width; ++c) {
          const int x = ox + static_cast<int>(c), y = oy + static_cast<int>(r);
          if (x < 0 || y < 0 || x >= m.w || y >= m.h) continue;
          std::uint8_t& dst = m.a[static_cast<std::size_t>(y) * m.w + x];
          const std::uint8_t v = bm.buffer[r * bm.pitch + c];
          dst = v > dst ? v : dst;
        }
    });
    return m;
  }
};

Font::Font(const std::string& path) : impl_(std::make_unique<Impl>()) {
  std::string file = path;
  bool named = !file.empty();
  if (!named) {
    const char* env = std::getenv(kFontEnv);
    named = env && *env;
    file = named ? env : kDefaultFont;
  }
  if (!std::ifstream(file)) {
    if (named) throw config::BadInput("cannot open font '" + file + "'");
    throw std::runtime_error("font '" + file +
                             "' not found: install fonts-dejavu-core, or name a .ttf with --font or $" +
                             kFontEnv);
  }
  if (FT_Init_FreeType(&impl_->lib)) throw std::runtime_error("cannot initialise FreeType");
  if (FT_New_Face(impl_->lib, file.c_str(), 0, &impl_->face)) {
    FT_Done_FreeType(impl_->lib);
    throw config::BadInput("'" + file + "' is not a font FreeType can read");
  }
}

Font::~Font() {
  FT_Done_Face(impl_->face);
  FT_Done_FreeType(impl_->lib);
}

double Font::width(const std::string& text, int px) const {
  impl_->size(px);
  return impl_->layout(text, [](FT_GlyphSlot, double) {});
}

void Font::draw(Canvas& c, const std::string& text, double x, double y, int px, Rgb colour,
                Align h, Align v, bool vertical) const {
  const Mask m = impl_->rasterise(text, px);
  const double cap = 0.73 * px;  // DejaVu Sans capital height is 0.729 em
  const double text_w = m.w - 2;
  auto frac = [](Align a) { return a == Align::kStart ? 0.0 : a == Align::kCentre ? 0.5 : 1.0; };
  if (!vertical) {
    const int left = static_cast<int>(std::lround(x - frac(h) * text_w));
    const double base = v == Align::kStart ? y + m.ascent : v == Align::kCentre ? y + cap / 2 : y;
    const int top = static_cast<int>(std::lround(base)) - m.ascent;
    for (int r = 0; r < m.h; ++r)
      for (int k = 0; k < m.w; ++k)
        c.blend(left + k, top + r, colour, m.a[static_cast<std::size_t>(r) * m.w + k] / 255.0);
    return;
  }
  // Turned: mask column k runs up the canvas, mask row r runs to the right.
  // h aligns the capitals band across (x), v the text length along (y).
  const int left = static_cast<int>(std::lround(x - (m.ascent - cap) - frac(h) * cap));
  const int bottom = static_cast<int>(std::lround(y + (1 - frac(v)) * text_w));
  for (int r = 0; r < m.h; ++r)
    for (int k = 0; k < m.w; ++k)
      c.blend(left + r, bottom - k, colour, m.a[static_cast<std::size_t>(r) * m.w + k] / 255.0);
}

}  // namespace trilo::render
