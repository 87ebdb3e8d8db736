/*
 * Status strings and the OpenBLAS thread setting of the learn core.
 *
 * Why one thread by default: OpenBLAS splits an sgemm across threads in ways
 * that change the order of floating-point sums with the thread count, so a
 * run is bit-reproducible only with a fixed count. learn pins it to 1 at the
 * start of every public step (cheap: OpenBLAS only stores the number when the
 * pool is large enough); learn_set_threads chooses more. The setting is
 * process-wide, as OpenBLAS's own is.
 */
#include "learn-internal.h"

#include <cblas.h>

const char *learn_strerror(int status) {
  switch (status) {
  case LEARN_OK:
    return "success";
  case LEARN_ERROR_GENERIC:
    return "generic error";
  case LEARN_ERROR_NULL_ARGUMENT:
    return "a required pointer argument is NULL";
  case LEARN_ERROR_PARAMETER_OUT_OF_RANGE:
    return "a parameter is out of its valid range";
  case LEARN_ERROR_ALLOCATION:
    return "memory allocation failed";
  case LEARN_ERROR_FILE_NOT_FOUND:
    return "cannot open a data file";
  case LEARN_ERROR_BAD_MAGIC:
    return "not an IDX file of the expected type (bad magic number)";
  case LEARN_ERROR_TRUNCATED:
    return "IDX file shorter than its header says";
  case LEARN_ERROR_FORMAT:
    return "malformed data file content";
  case LEARN_ERROR_DIMENSION_MISMATCH:
    return "dimensions do not match";
  case LEARN_ERROR_UNKNOWN_MODEL:
    return "unknown model kind";
  case LEARN_ERROR_UNKNOWN_PARTITION:
    return "unknown partition kind";
  case LEARN_ERROR_EMPTY:
    return "empty set (e.g. a device partition with no samples)";
  default:
    return "unknown status code";
  }
}

/* Upper bound only guards against nonsense values. */
#define LEARN_MAX_THREADS 1024

static int learn_threads = 1;

int learn_set_threads(int threads) {
  RETURN_IF(threads < 1 || threads > LEARN_MAX_THREADS,
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  learn_threads = threads;
  learn_threads_apply();
  return LEARN_OK;
}

int learn_get_threads(void) {
  return learn_threads;
}

void learn_threads_apply(void) {
  openblas_set_num_threads(learn_threads);
}
