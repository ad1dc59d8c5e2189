// Text in pictures, rasterised by FreeType from a TrueType font (Debian's
// fonts-dejavu-core by default).
#pragma once

#include <memory>
#include <string>

#include "render/canvas.hpp"

namespace trilo::render {

// The default font file, and the environment variable that overrides it.
inline constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
inline constexpr const char* kFontEnv = "TRILOBITE_FONT";

// Where the anchor point lies on the text's box.
enum class Align { kStart, kCentre, kEnd };

class Font {
 public:
  // `path` empty: $TRILOBITE_FONT, else kDefaultFont. A font the user named
  // that cannot be loaded throws config::BadInput; a missing default font
  // throws std::runtime_error saying which package provides it.
  explicit Font(const std::string& path);
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  // Width of `text` (UTF-8) at `px` pixels a line (the em size).
  double width(const std::string& text, int px) const;

  // Draws `text` with its box anchored at (x, y): horizontally by `h`,
  // vertically by `v` (kStart: top, kCentre: middle of the capitals, kEnd:
  // baseline). `vertical` turns it 90 degrees anticlockwise (reads upwards);
  // the alignment then applies to the turned box.
  void draw(Canvas& c, const std::string& text, double x, double y, int px, Rgb colour,
            Align h = Align::kStart, Align v = Align::kEnd, bool vertical = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trilo::render
