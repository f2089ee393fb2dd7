#include "interrupt.h"

#include <csignal>

namespace rgbdsod::cli {
namespace {

core::CancelToken* g_token = nullptr;

extern "C" void onInterrupt(int signal_number) {
  if (g_token) g_token->cancel();  // an atomic store: async-signal-safe
  std::signal(signal_number, SIG_DFL);  // a second Ctrl-C kills at once
}

}  // namespace

core::CancelToken interruptToken() {
  static core::CancelToken token = [] {
    core::CancelToken t;
    static core::CancelToken keep = t;
    g_token = &keep;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return t;
  }();
  return token;
}

}  // namespace rgbdsod::cli
