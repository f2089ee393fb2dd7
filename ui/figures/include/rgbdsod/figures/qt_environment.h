#pragma once
// Qt start-up without warnings where no desktop session set the environment (ssh, CI, containers,
// `rgbdsod plot` rendering offscreen). Call before the Q*Application is constructed.
namespace rgbdsod::figures {

// Qt's platform plugins ask for XDG_RUNTIME_DIR; unset, Qt prints "XDG_RUNTIME_DIR not set" and
// falls back to a shared folder under /tmp. When it is unset, this points it at a private folder
// (<temp>/rgbdsod-runtime-<uid>, mode 0700, owned by this user, created when missing) as the XDG
// spec asks for; a folder there that is not ours or not private is left alone (Qt then warns).
// Does nothing when XDG_RUNTIME_DIR is set.
void prepareQtRuntimeDir();

}  // namespace rgbdsod::figures
