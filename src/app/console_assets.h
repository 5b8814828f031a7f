#pragma once
// The web console's built files (web/ → Vite → dist), embedded into the binary by the build
// (cmake/embed_console.cmake writes console_assets.cc). When the build had no Node.js or was
// configured with -DLATCHKEY_CONSOLE=OFF, a single index.html says how to get the console.

#include <span>

#include "http/console.h"

namespace latchkey::app {

std::span<const http::StaticFile> ConsoleAssets();

}  // namespace latchkey::app
