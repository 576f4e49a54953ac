# Cross build for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu (preset `edge-aarch64`).
#
# Libraries come from the cross toolchain (libc, libstdc++ in /usr/aarch64-linux-gnu) and from
# build-sysroot-aarch64/ of the checkout: arm64 static libraries unpacked from Debian packages
# by scripts/aarch64-sysroot.sh (nothing is installed on the host). Only static archives are
# looked up, and executables are linked with -static, so `ragdb` runs on any aarch64 Linux (and
# under qemu-aarch64-static) without a matching libc.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

get_filename_component(_ragdb_src "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(RAGDB_AARCH64_SYSROOT "${_ragdb_src}/build-sysroot-aarch64" CACHE PATH
    "arm64 libraries unpacked by scripts/aarch64-sysroot.sh")
if(NOT EXISTS "${RAGDB_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu/libicuuc.a")
  message(FATAL_ERROR "No arm64 libraries in ${RAGDB_AARCH64_SYSROOT}: "
                      "run scripts/aarch64-sysroot.sh (scripts/install-deps.sh does) first")
endif()

set(CMAKE_FIND_ROOT_PATH "${RAGDB_AARCH64_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # host tools (python3, pkg-config)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)

# pkg-config reads the arm64 .pc files and prefixes their paths with the sysroot.
set(ENV{PKG_CONFIG_LIBDIR} "${RAGDB_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${RAGDB_AARCH64_SYSROOT}")

# Tests run through qemu (CTest and add_test use this as the launcher).
find_program(RAGDB_QEMU_AARCH64 qemu-aarch64-static)
if(RAGDB_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${RAGDB_QEMU_AARCH64}")
endif()
