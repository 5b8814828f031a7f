#pragma once
// BufferedStderrSink: an spdlog sink that writes formatted lines into the process's stderr
// stream without flushing each one (spdlog's own stderr sink flushes every line, a system call
// per request for the access log). Flushing happens when spdlog flushes the logger: on
// flush_on's level, on flush_every's period, and explicitly. Thread-safe through base_sink's
// mutex.

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

namespace latchkey::app {

class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace latchkey::app
