/*
 * The IDX reader: the real Fashion-MNIST files load with the right shapes,
 * pixel range and 6,000 training samples per class; broken files written to
 * a temp dir (missing, wrong magic, truncated header, truncated data, a cut
 * gzip stream, trailing bytes, a zero size, image/label count mismatch) give
 * the documented status and a message naming the path; a missing default
 * directory's message also names the Debian package to install.
 */
#include "learn-test-util.h"

#include "learn-internal.h"

#include <zlib.h>

static char dir[256];

static void path_in_dir(char *out, size_t capacity, const char *name) {
  snprintf(out, capacity, "%s/%s", dir, name);
}

/* Expects loading to fail with `status` and a message naming `path`. */
static void expect_failure(const char *what, const char *images,
                           const char *labels, int status, const char *path,
                           const char *word) {
  int error = 12345;
  char message[1024] = "untouched";
  learn_dataset *d =
      learn_dataset_load_idx(images, labels, &error, message, sizeof(message));
  CHECK(d == NULL, "%s: loaded although broken", what);
  learn_dataset_destroy(d);
  CHECK(error == status, "%s: status %d (%s), expected %d (%s)", what, error,
        learn_strerror(error), status, learn_strerror(status));
  CHECK(strstr(message, path) != NULL, "%s: message does not name '%s': %s",
        what, path, message);
  CHECK(!word || strstr(message, word) != NULL,
        "%s: message does not say '%s': %s", what, word, message);
  /* A NULL message buffer must be fine too. */
  d = learn_dataset_load_idx(images, labels, &error, NULL, 0);
  CHECK(d == NULL && error == status, "%s: without a message buffer", what);
  printf("  %-28s -> %s\n", what, message);
}

static void check_real(void) {
  learn_dataset *train = test_load_fashion(1);
  learn_dataset *test = test_load_fashion(0);
  CHECK(train && test, "the real Fashion-MNIST files must load");
  if (train) {
    CHECK(learn_dataset_size(train) == 60000, "train size %zu",
          learn_dataset_size(train));
    CHECK(learn_dataset_rows(train) == 28 && learn_dataset_cols(train) == 28,
          "train shape %zu x %zu", learn_dataset_rows(train),
          learn_dataset_cols(train));
    CHECK(learn_dataset_classes(train) == 10, "classes %zu",
          learn_dataset_classes(train));
    size_t hist[10] = {0};
    const uint8_t *labels = learn_dataset_labels(train);
    for (size_t i = 0; i < 60000; i++)
      if (labels[i] < 10)
        hist[labels[i]]++;
    for (int c = 0; c < 10; c++)
      CHECK(hist[c] == 6000, "class %d has %zu training samples", c, hist[c]);
    const float *x = learn_dataset_images(train);
    float lo = 1.0f, hi = 0.0f;
    double mean = 0.0;
    for (size_t i = 0; i < 60000u * 784u; i++) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
      mean += x[i];
    }
    mean /= 60000.0 * 784.0;
    CHECK(lo == 0.0f && hi == 1.0f, "pixels in [%g, %g], expected [0, 1]", lo,
          hi);
    /* Fashion-MNIST's published mean pixel is 0.2860. */
    CHECK(fabs(mean - 0.2860) < 1e-3, "mean pixel %.4f", mean);
    printf("  train: %zu x %zu x %zu, 6000 per class, mean pixel %.4f\n",
           learn_dataset_size(train), learn_dataset_rows(train),
           learn_dataset_cols(train), mean);
  }
  if (test) {
    CHECK(learn_dataset_size(test) == 10000, "test size %zu",
          learn_dataset_size(test));
    CHECK(learn_dataset_classes(test) == 10, "test classes %zu",
          learn_dataset_classes(test));
  }
  learn_dataset_destroy(train);
  learn_dataset_destroy(test);
}

/* Copies the first `bytes` bytes of src to dst (bytes 0: all). */
static int copy_prefix(const char *src, const char *dst, long bytes) {
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  int ok = in && out;
  long copied = 0;
  char buffer[4096];
  while (ok && (bytes == 0 || copied < bytes)) {
    size_t want = sizeof(buffer);
    if (bytes && (long)want > bytes - copied)
      want = (size_t)(bytes - copied);
    size_t got = fread(buffer, 1, want, in);
    if (got == 0)
      break;
    fwrite(buffer, 1, got, out);
    copied += (long)got;
  }
  if (in)
    fclose(in);
  if (out && fclose(out) != 0)
    ok = 0;
  return ok ? 0 : -1;
}

static void check_broken(void) {
  char images[512], labels[512], bad[512], other[512];
  path_in_dir(images, sizeof(images), "good-images");
  path_in_dir(labels, sizeof(labels), "good-labels");
  uint8_t pixels[3 * 4 * 5], lab[3] = {0, 2, 1};
  for (size_t i = 0; i < sizeof(pixels); i++)
    pixels[i] = (uint8_t)(i * 17);
  uint32_t idims[3] = {3, 4, 5}, ldims[1] = {3};
  CHECK(test_write_idx(images, 0x803, idims, 3, pixels, sizeof(pixels)) == 0 &&
            test_write_idx(labels, 0x801, ldims, 1, lab, 3) == 0,
        "cannot write test files");

  /* The good pair loads (raw IDX), scaled to [0, 1]. */
  int error = -99;
  char message[1024];
  learn_dataset *d =
      learn_dataset_load_idx(images, labels, &error, message, sizeof(message));
  CHECK(d && error == LEARN_OK, "good raw files: %s", message);
  if (d) {
    CHECK(learn_dataset_size(d) == 3 && learn_dataset_rows(d) == 4 &&
              learn_dataset_cols(d) == 5 && learn_dataset_classes(d) == 3,
          "shape %zu %zu %zu classes %zu", learn_dataset_size(d),
          learn_dataset_rows(d), learn_dataset_cols(d),
          learn_dataset_classes(d));
    const float *x = learn_dataset_images(d);
    int exact = 1;
    for (size_t i = 0; i < sizeof(pixels); i++)
      exact &= x[i] == (float)pixels[i] * (1.0f / 255.0f);
    CHECK(exact, "pixels not scaled by 1/255");
    CHECK(learn_dataset_labels(d)[1] == 2, "labels not kept");
  }
  learn_dataset_destroy(d);

  /* The same content gzip-compressed loads identically. */
  path_in_dir(bad, sizeof(bad), "good-images.gz");
  {
    gzFile gz = gzopen(bad, "wb");
    FILE *raw = fopen(images, "rb");
    char buffer[256];
    size_t got = raw ? fread(buffer, 1, sizeof(buffer), raw) : 0;
    if (gz)
      gzwrite(gz, buffer, (unsigned)got);
    if (gz)
      gzclose(gz);
    if (raw)
      fclose(raw);
    d = learn_dataset_load_idx(bad, labels, &error, message, sizeof(message));
    CHECK(d && learn_dataset_size(d) == 3, "gzip file: %s", message);
    learn_dataset_destroy(d);
  }

  path_in_dir(bad, sizeof(bad), "does-not-exist");
  expect_failure("missing image file", bad, labels, LEARN_ERROR_FILE_NOT_FOUND,
                 bad, "cannot open");
  expect_failure("missing label file", images, bad, LEARN_ERROR_FILE_NOT_FOUND,
                 bad, "cannot open");

  path_in_dir(bad, sizeof(bad), "wrong-magic");
  test_write_idx(bad, 0x801, idims, 3, pixels, sizeof(pixels));
  expect_failure("labels given as images", bad, labels, LEARN_ERROR_BAD_MAGIC,
                 bad, "magic");
  expect_failure("images given as labels", images, images,
                 LEARN_ERROR_BAD_MAGIC, images, "magic");
  path_in_dir(bad, sizeof(bad), "not-idx.txt");
  {
    FILE *f = fopen(bad, "wb");
    if (f) {
      fputs("hello, this is not an IDX file\n", f);
      fclose(f);
    }
  }
  expect_failure("text file", bad, labels, LEARN_ERROR_BAD_MAGIC, bad, "magic");
  path_in_dir(bad, sizeof(bad), "empty");
  {
    FILE *f = fopen(bad, "wb"); /* zero bytes */
    if (f)
      fclose(f);
  }
  expect_failure("empty file", bad, labels, LEARN_ERROR_BAD_MAGIC, bad, NULL);

  path_in_dir(bad, sizeof(bad), "short-header");
  copy_prefix(images, bad, 10);
  expect_failure("truncated header", bad, labels, LEARN_ERROR_TRUNCATED, bad,
                 "truncated");
  path_in_dir(bad, sizeof(bad), "short-data");
  copy_prefix(images, bad, 16 + 45);
  expect_failure("truncated pixels", bad, labels, LEARN_ERROR_TRUNCATED, bad,
                 "truncated");
  path_in_dir(bad, sizeof(bad), "short-labels");
  copy_prefix(labels, bad, 8 + 2);
  expect_failure("truncated labels", images, bad, LEARN_ERROR_TRUNCATED, bad,
                 "truncated");

  /* A cut gzip stream of the real file. */
  char real[512];
  snprintf(real, sizeof(real), "%s/t10k-labels-idx1-ubyte.gz",
           LEARN_FASHION_MNIST_DEFAULT_DIR);
  path_in_dir(bad, sizeof(bad), "cut-labels.gz");
  copy_prefix(real, bad, 2000);
  path_in_dir(other, sizeof(other), "t10k-images-copy.gz");
  snprintf(real, sizeof(real), "%s/t10k-images-idx3-ubyte.gz",
           LEARN_FASHION_MNIST_DEFAULT_DIR);
  copy_prefix(real, other, 0);
  expect_failure("truncated gzip stream", other, bad, LEARN_ERROR_TRUNCATED,
                 bad, "truncated");

  path_in_dir(bad, sizeof(bad), "trailing");
  {
    uint8_t more[sizeof(pixels) + 7] = {0};
    test_write_idx(bad, 0x803, idims, 3, more, sizeof(more));
  }
  expect_failure("trailing bytes", bad, labels, LEARN_ERROR_FORMAT, bad,
                 "extra bytes");
  path_in_dir(bad, sizeof(bad), "zero-rows");
  {
    uint32_t zero[3] = {3, 0, 5};
    test_write_idx(bad, 0x803, zero, 3, NULL, 0);
  }
  expect_failure("zero size", bad, labels, LEARN_ERROR_FORMAT, bad, "size");
  path_in_dir(bad, sizeof(bad), "four-labels");
  {
    uint32_t four[1] = {4};
    uint8_t l4[4] = {0, 1, 2, 3};
    test_write_idx(bad, 0x801, four, 1, l4, 4);
  }
  expect_failure("count mismatch", images, bad, LEARN_ERROR_DIMENSION_MISMATCH,
                 bad, "labels");

  /* A directory given to the Fashion-MNIST loader names the file it lacks,
   * and only the default directory names the Debian package. */
  d = learn_dataset_load_fashion_mnist(dir, 1, &error, message,
                                       sizeof(message));
  CHECK(d == NULL && error == LEARN_ERROR_FILE_NOT_FOUND,
        "empty dir: status %d", error);
  CHECK(strstr(message, "train-images-idx3-ubyte.gz") && strstr(message, dir),
        "empty dir message: %s", message);
  CHECK(!strstr(message, "apt-get"), "non-default dir names the package: %s",
        message);
  printf("  %-28s -> %s\n", "fashion loader, empty dir", message);

  /* NULL arguments. */
  d = learn_dataset_load_idx(NULL, labels, &error, message, sizeof(message));
  CHECK(d == NULL && error == LEARN_ERROR_NULL_ARGUMENT, "NULL images path");
  d = learn_dataset_load_idx(images, NULL, &error, NULL, 0);
  CHECK(d == NULL && error == LEARN_ERROR_NULL_ARGUMENT, "NULL labels path");
  CHECK(learn_dataset_size(NULL) == 0 && learn_dataset_images(NULL) == NULL,
        "NULL accessors");
  learn_dataset_destroy(NULL);
}

/* The hint naming the Debian package appears only for the default
 * directory; the internal loader lets the test ask for it on an empty
 * directory, as if the package were missing. */
static void check_default_hint(void) {
  int error = 0;
  char message[1024];
  learn_dataset *d = learn_dataset_load_fashion_mnist_from(
      dir, 0, 1, &error, message, sizeof(message));
  CHECK(d == NULL && error == LEARN_ERROR_FILE_NOT_FOUND, "status %d", error);
  CHECK(strstr(message, "install it with: apt-get install "
                        "dataset-fashion-mnist") != NULL &&
            strstr(message, "t10k-images-idx3-ubyte.gz") != NULL,
        "default-dir message lacks the package or the path: %s", message);
  printf("  %-28s -> %s\n", "default dir missing", message);
  learn_dataset_destroy(d);
}

int main(int argc, char **argv) {
  test_parse_seed(argc, argv, 1);
  if (test_temp_dir(dir, sizeof(dir)) != 0) {
    fprintf(stderr, "cannot create a temp dir\n");
    return 1;
  }
  check_real();
  check_broken();
  check_default_hint();
  char command[600];
  snprintf(command, sizeof(command), "rm -rf '%s'", dir);
  if (system(command) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return test_finish("test-dataset");
}
