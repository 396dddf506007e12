"""Re-exports Bazel's native C++ rules under @rules_cc//cc:defs.bzl.

Bazel 4.2.3's built-in C++ toolchain loads cc_library, cc_toolchain and
cc_toolchain_suite from here. Debian's rules_cc is written for newer Bazel
(it needs use_cpp_toolchain), so this repository stands in for it.
"""

def cc_binary(**kwargs):
    native.cc_binary(**kwargs)

def cc_library(**kwargs):
    native.cc_library(**kwargs)

def cc_test(**kwargs):
    native.cc_test(**kwargs)

def cc_import(**kwargs):
    native.cc_import(**kwargs)

def cc_toolchain(**kwargs):
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    native.cc_toolchain_suite(**kwargs)

def objc_library(**kwargs):
    native.objc_library(**kwargs)
