#!/bin/bash
# ctest hgq-install: `cmake --install` of the hgq component into a temporary
# prefix, then a tiny C program compiled and linked with nothing but
# `pkg-config --cflags --libs hgq` (PKG_CONFIG_PATH into that prefix) must
# build, run, and round-trip a gradient. The library is static by default,
# so the link uses --static (Libs.private, Requires.private: libm, openblas).
#
# usage: test-install.sh <cmake> <build-dir> <c-compiler> [sanitize-list]
set -eu
cmake_cmd=$1
build=$2
cc=$3
sanitize=${4:-}

prefix=$(mktemp -d "${TMPDIR:-/tmp}/hgq-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT

"$cmake_cmd" --install "$build" --prefix "$prefix" --component hgq >/dev/null

pc=$(find "$prefix" -name hgq.pc -print -quit)
[ -n "$pc" ] || { echo "FAIL: hgq.pc not installed under $prefix"; exit 1; }
[ -f "$prefix/include/hgq.h" ] || { echo "FAIL: hgq.h not installed"; exit 1; }
if find "$prefix" -name 'hgq-internal.h' | grep -q .; then
  echo "FAIL: the internal header was installed"; exit 1
fi

export PKG_CONFIG_PATH=$(dirname "$pc")
# hgq.pc records the configured prefix; point it at the temporary one.
pkgconf_args=(--define-variable=prefix="$prefix")
cflags=$("${PKG_CONFIG:-pkg-config}" "${pkgconf_args[@]}" --cflags hgq)
libs=$("${PKG_CONFIG:-pkg-config}" "${pkgconf_args[@]}" --static --libs hgq)
version=$("${PKG_CONFIG:-pkg-config}" --modversion hgq)
echo "hgq $version: cflags [$cflags] libs [$libs]"

cat >"$prefix/use-hgq.c" <<'C'
#include <hgq.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  enum { D = 100 };
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_QSGD);
  cfg.dimension = D;
  int err = 0;
  hgq_quantizer *enc = hgq_quantizer_create(&cfg, &err);
  hgq_quantizer *dec = hgq_quantizer_create(&cfg, &err);
  if (!enc || !dec) {
    printf("create: %s\n", hgq_strerror(err));
    return 1;
  }
  float g[D], g_hat[D], out[D];
  for (int i = 0; i < D; i++)
    g[i] = (float)(i % 7) - 3.0f;
  unsigned char buf[1024];
  size_t n = 0;
  if (hgq_quantizer_max_encoded_bytes(enc) > sizeof buf ||
      hgq_quantizer_encode(enc, g, D, buf, sizeof buf, &n, g_hat) != HGQ_OK ||
      hgq_quantizer_decode(dec, buf, n, out, D) != HGQ_OK ||
      memcmp(out, g_hat, sizeof out) != 0) {
    printf("round trip failed\n");
    return 1;
  }
  char line[256];
  hgq_quantizer_print(enc, line, sizeof line);
  printf("installed libhgq %d.%d.%d: %s, %zu bytes\n", HGQ_VERSION_MAJOR,
         HGQ_VERSION_MINOR, HGQ_VERSION_PATCH, line, n);
  hgq_quantizer_destroy(enc);
  hgq_quantizer_destroy(dec);
  return 0;
}
C

extra=()
if [ -n "$sanitize" ]; then
  extra=(-fsanitize="$sanitize")
fi
# shellcheck disable=SC2086 # pkg-config output is a word list
"$cc" -std=c11 -Wall -Werror "${extra[@]}" $cflags "$prefix/use-hgq.c" \
  -o "$prefix/use-hgq" $libs
libdir=$("${PKG_CONFIG:-pkg-config}" "${pkgconf_args[@]}" --variable=libdir hgq)
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$prefix/use-hgq"
echo "hgq-install: passed"
