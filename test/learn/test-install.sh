#!/bin/bash
# ctest learn-install: `cmake --install` of the learn component into a
# temporary prefix, then a C program built with nothing but
# `pkg-config --cflags --static --libs learn` builds every model and checks
# its parameter count, so a federated-learning system outside ns-3 can link
# the learning core on its own (the quantizer core has hgq-install).
#
# usage: test-install.sh <cmake> <build-dir> <c-compiler> [sanitize-list]
set -eu
cmake_cmd=$1 build=$2 cc=$3 sanitize=${4:-}

prefix=$(mktemp -d "${TMPDIR:-/tmp}/learn-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
"$cmake_cmd" --install "$build" --prefix "$prefix" --component learn >/dev/null

pc=$(find "$prefix" -name learn.pc -print -quit)
[ -n "$pc" ] || { echo "FAIL: learn.pc not installed under $prefix"; exit 1; }
[ -f "$prefix/include/learn.h" ] || { echo "FAIL: learn.h not installed"; exit 1; }
if find "$prefix" -name 'learn-internal.h' -o -name 'learn-model.h' | grep -q .; then
  echo "FAIL: an internal header was installed"; exit 1
fi

export PKG_CONFIG_PATH=$(dirname "$pc")
args=(--define-variable=prefix="$prefix")
cflags=$("${PKG_CONFIG:-pkg-config}" "${args[@]}" --cflags learn)
libs=$("${PKG_CONFIG:-pkg-config}" "${args[@]}" --static --libs learn)
echo "learn: cflags [$cflags] libs [$libs]"

cat >"$prefix/use-learn.c" <<'C'
#include <learn.h>
#include <stdio.h>

int main(void) {
  /* D of each model, as documented in learn.h. */
  const size_t expected[] = {7850, 199210, 21840, 1663370};
  for (int k = 0; k < 4; k++) {
    int err = 0;
    learn_model *m = learn_model_create((learn_model_kind)k, 28, 28, 10, 4, &err);
    if (!m || learn_model_dimension(m) != expected[k]) {
      printf("model %d: %s\n", k, m ? "wrong dimension" : learn_strerror(err));
      return 1;
    }
    learn_model_destroy(m);
  }
  printf("every model built through the installed learn\n");
  return 0;
}
C
san=()
[ -z "$sanitize" ] || san=(-fsanitize="$sanitize")
# shellcheck disable=SC2086
"$cc" -std=c11 "${san[@]}" $cflags "$prefix/use-learn.c" -o "$prefix/use-learn" $libs
LD_LIBRARY_PATH="$prefix/lib:${LD_LIBRARY_PATH:-}" "$prefix/use-learn"
