#include "render/png_writer.hpp"

#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "config/run_config.hpp"
#include "io/output_path.hpp"

namespace trilo::render {

namespace {

// libpng reports errors by longjmp; turn them into an exception afterwards.
struct PngError {
  char message[256] = "";
};

void on_error(png_structp png, png_const_charp msg) {
  auto* e = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(e->message, sizeof e->message, "%s", msg);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

// Returns an empty string on success, else libpng's message. Separate from
// anything with destructors: longjmp must not skip them.
std::string encode(const Canvas& c, std::FILE* f, const std::string& comment) {
  PngError err;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  if (!png) return "cannot create a PNG writer";
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return "cannot create a PNG writer";
  }
  std::vector<png_bytep> rows(static_cast<std::size_t>(c.height()));
  png_text text[2] = {};
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return err.message[0] ? err.message : "PNG encoding failed";
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(c.width()),
               static_cast<png_uint_32>(c.height()), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  text[0].compression = text[1].compression = PNG_TEXT_COMPRESSION_NONE;
  text[0].key = const_cast<char*>("Software");
  text[0].text = const_cast<char*>("trilobite " TRILOBITE_VERSION);
  text[1].key = const_cast<char*>("Comment");
  text[1].text = const_cast<char*>(comment.c_str());
  png_set_text(png, info, text, comment.empty() ? 1 : 2);
  png_write_info(png, info);
  const auto* base = c.rgb().data();
  for (int y = 0; y < c.height(); ++y)
    rows[static_cast<std::size_t>(y)] =
        const_cast<png_bytep>(base + static_cast<std::size_t>(y) * c.width() * 3);
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return "";
}

}  // namespace

void write_png(const Canvas& c, const std::string& path, bool replace,
               const std::string& comment) {
  if (path.empty()) throw config::BadInput("empty output path");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw config::BadInput("cannot write '" + path + "': " + std::strerror(errno));
  std::string failure = encode(c, f, comment);
  if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)
    if (failure.empty()) failure = std::strerror(errno);
  if (std::fclose(f) != 0 && failure.empty()) failure = std::strerror(errno);
  if (failure.empty()) {
    const int e = io::publish_file(tmp, path, replace);
    if (e == 0) return;
    std::remove(tmp.c_str());  // a picture is cheap to draw again
    if (e == EEXIST && !replace)
      throw std::runtime_error("'" + path +
                               "' appeared while drawing and was left alone (use --force to replace it)");
    throw config::BadInput("cannot write '" + path + "': " + std::strerror(e));
  }
  std::remove(tmp.c_str());
  throw std::runtime_error("cannot write '" + path + "': " + failure);
}

}  // namespace trilo::render
