/*
 * IDX data sets (LeCun's MNIST format, also used by Fashion-MNIST).
 *
 * An IDX file is a big-endian header - two zero bytes, a type byte (0x08:
 * unsigned byte), the number of dimensions - then one 32-bit big-endian size
 * per dimension and the data in row-major order. Images are type 0x08 with 3
 * dimensions (magic 0x00000803), labels type 0x08 with 1 (0x00000801).
 * zlib's gzopen/gzread read gzip-compressed and raw files alike, so the
 * format is detected by content, not by name.
 *
 * Pixels are scaled once at load to [0, 1] (x / 255). They are not
 * standardised (no mean/variance shift): the models' He initialisation is
 * sized for inputs in [0, 1], and an unshifted zero keeps the sparsity of the
 * background.
 *
 * Every failure returns one status and writes one line naming the path and
 * what was wrong; a missing default directory also names the Debian package.
 */
#include "learn-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES            0x00000803u
#define IDX_MAGIC_LABELS            0x00000801u
/* Guards against absurd headers before anything is allocated. */
#define IDX_MAX_ITEMS               100000000u
#define IDX_MAX_SIDE                65536u
#define IDX_CHUNK_BYTES             (1u << 20)

#define LEARN_FASHION_MNIST_PACKAGE "dataset-fashion-mnist"

struct learn_dataset {
  size_t size;
  size_t rows;
  size_t cols;
  size_t classes;
  float *images;   /* size x rows*cols, row-major, in [0, 1] */
  uint8_t *labels; /* size */
};

static void write_message(char *message, size_t capacity, const char *format,
                          ...) {
  if (!message || capacity == 0)
    return;
  va_list args;
  va_start(args, format);
  vsnprintf(message, capacity, format, args);
  va_end(args);
}

static uint32_t read_be32(const unsigned char *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
         ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* Reads exactly n bytes; returns LEARN_OK, LEARN_ERROR_TRUNCATED (clean end
 * of data too early) or LEARN_ERROR_FORMAT (corrupt compressed stream). */
static int read_exact(gzFile f, void *buffer, size_t n) {
  unsigned char *out = buffer;
  while (n > 0) {
    unsigned chunk = n > IDX_CHUNK_BYTES ? IDX_CHUNK_BYTES : (unsigned)n;
    int got = gzread(f, out, chunk);
    if (got < 0) {
      int zerr = 0;
      gzerror(f, &zerr);
      /* zlib reports a cut-off gzip member as a buffer error. */
      return zerr == Z_BUF_ERROR ? LEARN_ERROR_TRUNCATED : LEARN_ERROR_FORMAT;
    }
    if (got == 0) {
      int zerr = 0;
      gzerror(f, &zerr);
      return zerr == Z_DATA_ERROR ? LEARN_ERROR_FORMAT : LEARN_ERROR_TRUNCATED;
    }
    out += got;
    n -= (size_t)got;
  }
  return LEARN_OK;
}

static gzFile open_idx(const char *path, int *status, char *message,
                       size_t capacity, const char *hint) {
  errno = 0;
  gzFile f = gzopen(path, "rb");
  if (!f) {
    int e = errno;
    *status = LEARN_ERROR_FILE_NOT_FOUND;
    write_message(message, capacity, "learn: cannot open '%s': %s%s", path,
                  e ? strerror(e) : "out of memory", hint ? hint : "");
    return NULL;
  }
  return f;
}

/* Reads an IDX header of the expected magic and dimension count into dims. */
static int read_header(gzFile f, const char *path, uint32_t magic,
                       uint32_t *dims, unsigned ndims, char *message,
                       size_t capacity) {
  unsigned char header[16];
  size_t header_bytes = 4 + 4 * (size_t)ndims;
  int status = read_exact(f, header, 4);
  if (status != LEARN_OK) {
    write_message(message, capacity,
                  "learn: '%s' is not an IDX file: shorter than its 4-byte "
                  "magic number",
                  path);
    return status == LEARN_ERROR_TRUNCATED ? LEARN_ERROR_BAD_MAGIC : status;
  }
  uint32_t got = read_be32(header);
  if (got != magic) {
    write_message(message, capacity,
                  "learn: '%s' is not an IDX %s file: magic number 0x%08x, "
                  "expected 0x%08x",
                  path, magic == IDX_MAGIC_IMAGES ? "image" : "label",
                  (unsigned)got, (unsigned)magic);
    return LEARN_ERROR_BAD_MAGIC;
  }
  status = read_exact(f, header + 4, header_bytes - 4);
  if (status != LEARN_OK) {
    write_message(message, capacity,
                  "learn: '%s' is truncated: the header ends early", path);
    return status;
  }
  for (unsigned i = 0; i < ndims; i++) {
    dims[i] = read_be32(header + 4 + 4 * i);
    uint32_t limit = i == 0 ? IDX_MAX_ITEMS : IDX_MAX_SIDE;
    if (dims[i] == 0 || dims[i] > limit) {
      write_message(message, capacity,
                    "learn: '%s' has an invalid size %u in dimension %u "
                    "(allowed 1..%u)",
                    path, (unsigned)dims[i], i, (unsigned)limit);
      return LEARN_ERROR_FORMAT;
    }
  }
  return LEARN_OK;
}

/* After the declared data: trailing bytes mean the header lies. */
static int check_end(gzFile f, const char *path, char *message,
                     size_t capacity) {
  unsigned char extra;
  int got = gzread(f, &extra, 1);
  if (got != 0) {
    write_message(message, capacity,
                  "learn: '%s' is malformed: %s after the data its header "
                  "declares",
                  path, got > 0 ? "extra bytes" : "a corrupt stream");
    return LEARN_ERROR_FORMAT;
  }
  return LEARN_OK;
}

static int load_labels(const char *path, uint8_t **labels_out, size_t *count,
                       char *message, size_t capacity, const char *hint) {
  int status;
  gzFile f = open_idx(path, &status, message, capacity, hint);
  if (!f)
    return status;
  uint32_t dims[1];
  status = read_header(f, path, IDX_MAGIC_LABELS, dims, 1, message, capacity);
  uint8_t *labels = NULL;
  if (status == LEARN_OK) {
    labels = malloc(dims[0]);
    if (!labels) {
      status = LEARN_ERROR_ALLOCATION;
      write_message(message, capacity,
                    "learn: out of memory reading the %u labels of '%s'",
                    (unsigned)dims[0], path);
    }
  }
  if (status == LEARN_OK) {
    status = read_exact(f, labels, dims[0]);
    if (status != LEARN_OK)
      write_message(message, capacity,
                    "learn: '%s' is %s: its header declares %u labels", path,
                    status == LEARN_ERROR_TRUNCATED ? "truncated"
                                                    : "corrupt (bad gzip data)",
                    (unsigned)dims[0]);
  }
  if (status == LEARN_OK)
    status = check_end(f, path, message, capacity);
  gzclose(f);
  if (status != LEARN_OK) {
    free(labels);
    return status;
  }
  *labels_out = labels;
  *count = dims[0];
  return LEARN_OK;
}

static int load_images(const char *path, float **images_out, size_t *count,
                       size_t *rows, size_t *cols, char *message,
                       size_t capacity, const char *hint) {
  int status;
  gzFile f = open_idx(path, &status, message, capacity, hint);
  if (!f)
    return status;
  uint32_t dims[3];
  status = read_header(f, path, IDX_MAGIC_IMAGES, dims, 3, message, capacity);
  float *images = NULL;
  unsigned char *raw = NULL;
  size_t pixels = 0, total = 0;
  if (status == LEARN_OK) {
    int overflow = 0;
    pixels = learn_mul_size(dims[1], dims[2], &overflow);
    total = learn_mul_size(pixels, dims[0], &overflow);
    size_t float_bytes = learn_mul_size(total, sizeof(float), &overflow);
    if (!overflow) {
      images = malloc(float_bytes);
      raw = malloc(pixels);
    }
    if (overflow || !images || !raw) {
      status = LEARN_ERROR_ALLOCATION;
      write_message(message, capacity,
                    "learn: out of memory reading the %u x %u x %u images of "
                    "'%s'",
                    (unsigned)dims[0], (unsigned)dims[1], (unsigned)dims[2],
                    path);
    }
  }
  /* One image at a time: the raw bytes never need a second full copy. */
  for (size_t i = 0; status == LEARN_OK && i < dims[0]; i++) {
    status = read_exact(f, raw, pixels);
    if (status != LEARN_OK) {
      write_message(message, capacity,
                    "learn: '%s' is %s: its header declares %u images of %u x "
                    "%u, the data ends in image %zu",
                    path,
                    status == LEARN_ERROR_TRUNCATED ? "truncated"
                                                    : "corrupt (bad gzip data)",
                    (unsigned)dims[0], (unsigned)dims[1], (unsigned)dims[2], i);
      break;
    }
    float *row = images + i * pixels;
    for (size_t j = 0; j < pixels; j++)
      row[j] = (float)raw[j] * (1.0f / 255.0f);
  }
  if (status == LEARN_OK)
    status = check_end(f, path, message, capacity);
  gzclose(f);
  free(raw);
  if (status != LEARN_OK) {
    free(images);
    return status;
  }
  *images_out = images;
  *count = dims[0];
  *rows = dims[1];
  *cols = dims[2];
  return LEARN_OK;
}

static learn_dataset *load_idx(const char *images_path, const char *labels_path,
                               int *error, char *message, size_t capacity,
                               const char *hint) {
  if (message && capacity > 0)
    message[0] = '\0';
  if (!images_path || !labels_path) {
    learn_set_error(error, LEARN_ERROR_NULL_ARGUMENT);
    write_message(message, capacity, "learn: no %s path given",
                  images_path ? "label" : "image");
    return NULL;
  }
  learn_dataset *d = calloc(1, sizeof(*d));
  if (!d) {
    learn_set_error(error, LEARN_ERROR_ALLOCATION);
    write_message(message, capacity, "learn: out of memory loading '%s'",
                  images_path);
    return NULL;
  }
  size_t image_count = 0, label_count = 0;
  int status = load_images(images_path, &d->images, &image_count, &d->rows,
                           &d->cols, message, capacity, hint);
  if (status == LEARN_OK)
    status = load_labels(labels_path, &d->labels, &label_count, message,
                         capacity, hint);
  if (status == LEARN_OK && image_count != label_count) {
    status = LEARN_ERROR_DIMENSION_MISMATCH;
    write_message(message, capacity,
                  "learn: '%s' holds %zu images but '%s' holds %zu labels",
                  images_path, image_count, labels_path, label_count);
  }
  if (status != LEARN_OK) {
    learn_dataset_destroy(d);
    learn_set_error(error, status);
    return NULL;
  }
  d->size = image_count;
  uint8_t max_label = 0;
  for (size_t i = 0; i < d->size; i++)
    if (d->labels[i] > max_label)
      max_label = d->labels[i];
  d->classes = (size_t)max_label + 1;
  learn_set_error(error, LEARN_OK);
  return d;
}

learn_dataset *learn_dataset_load_idx(const char *images_path,
                                      const char *labels_path, int *error,
                                      char *message, size_t message_capacity) {
  return load_idx(images_path, labels_path, error, message, message_capacity,
                  NULL);
}

learn_dataset *learn_dataset_load_fashion_mnist(const char *dir, int train,
                                                int *error, char *message,
                                                size_t message_capacity) {
  int is_default = !dir || strcmp(dir, LEARN_FASHION_MNIST_DEFAULT_DIR) == 0;
  return learn_dataset_load_fashion_mnist_from(
      dir ? dir : LEARN_FASHION_MNIST_DEFAULT_DIR, train, is_default, error,
      message, message_capacity);
}

learn_dataset *learn_dataset_load_fashion_mnist_from(const char *dir, int train,
                                                     int is_default, int *error,
                                                     char *message,
                                                     size_t message_capacity) {
  const char *prefix = train ? "train" : "t10k";
  char images_path[4096], labels_path[4096];
  int n1 = snprintf(images_path, sizeof(images_path),
                    "%s/%s-images-idx3-ubyte.gz", dir, prefix);
  int n2 = snprintf(labels_path, sizeof(labels_path),
                    "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(images_path) ||
      (size_t)n2 >= sizeof(labels_path)) {
    learn_set_error(error, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
    write_message(message, message_capacity,
                  "learn: data directory path too long: '%s'", dir);
    return NULL;
  }
  const char *hint = is_default
                         ? " (Fashion-MNIST is not installed; install it with: "
                           "apt-get install " LEARN_FASHION_MNIST_PACKAGE ")"
                         : NULL;
  return load_idx(images_path, labels_path, error, message, message_capacity,
                  hint);
}

void learn_dataset_destroy(learn_dataset *d) {
  if (!d)
    return;
  free(d->images);
  free(d->labels);
  free(d);
}

size_t learn_dataset_size(const learn_dataset *d) {
  return d ? d->size : 0;
}

size_t learn_dataset_rows(const learn_dataset *d) {
  return d ? d->rows : 0;
}

size_t learn_dataset_cols(const learn_dataset *d) {
  return d ? d->cols : 0;
}

size_t learn_dataset_classes(const learn_dataset *d) {
  return d ? d->classes : 0;
}

const float *learn_dataset_images(const learn_dataset *d) {
  return d ? d->images : NULL;
}

const uint8_t *learn_dataset_labels(const learn_dataset *d) {
  return d ? d->labels : NULL;
}
