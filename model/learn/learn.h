/*
 * learn: real data, real models, one flat gradient per step. A C11 library
 * (libc, libm, zlib, CBLAS/OpenBLAS) that knows nothing of ns-3 or of
 * quantizers. Every model keeps all its parameters in one contiguous float
 * vector of D coefficients; its gradient has the same layout, and that is
 * the vector a quantizer sees.
 *
 * Conventions: functions that can fail return LEARN_OK (0) or a negative
 * learn_status; constructors return NULL and set *error. The library never
 * aborts, exits or prints; file errors also fill a caller's message buffer
 * naming the path and what was wrong. Ownership: "borrows" (must outlive the
 * call or the object, as stated), "copies", "returns owned".
 * Every random choice flows from an explicit seed.
 */
#ifndef LEARN_H
#define LEARN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where Debian's dataset-fashion-mnist package puts the files. */
#define LEARN_FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

typedef enum learn_status {
  LEARN_OK = 0,
  LEARN_ERROR_GENERIC = -1,
  LEARN_ERROR_NULL_ARGUMENT = -2,
  LEARN_ERROR_PARAMETER_OUT_OF_RANGE = -3,
  LEARN_ERROR_ALLOCATION = -4,
  LEARN_ERROR_FILE_NOT_FOUND = -5, /* cannot open a data file */
  LEARN_ERROR_BAD_MAGIC = -6,      /* not an IDX file of the expected type */
  LEARN_ERROR_TRUNCATED = -7,      /* IDX file shorter than its header says */
  LEARN_ERROR_FORMAT = -8, /* other malformed content (label range, shapes) */
  LEARN_ERROR_DIMENSION_MISMATCH = -9,
  LEARN_ERROR_UNKNOWN_MODEL = -10,
  LEARN_ERROR_UNKNOWN_PARTITION = -11,
  LEARN_ERROR_EMPTY = -12 /* e.g. a device partition with no samples */
} learn_status;

const char *learn_strerror(int status);

/* ---------------------------------------------------------------- threads */

/** OpenBLAS threads used inside learn's calls (default 1: bit-reproducible). */
int learn_set_threads(int threads);
int learn_get_threads(void);

/* ---------------------------------------------------------------- dataset */

typedef struct learn_dataset learn_dataset;

/**
 * Loads an IDX image file and its IDX label file (gzip or raw, detected by
 * content). Pixels are scaled to [0, 1] once at load. On failure returns NULL,
 * sets *error and writes a one-line message naming the path into message
 * (may be NULL).
 */
learn_dataset *learn_dataset_load_idx(const char *images_path,
                                      const char *labels_path, int *error,
                                      char *message, size_t message_capacity);

/**
 * Loads Fashion-MNIST (or MNIST: same file names) from dir
 * (NULL: LEARN_FASHION_MNIST_DEFAULT_DIR). train != 0: the 60,000-sample
 * training set, else the 10,000-sample test set. The message for a missing
 * default directory names the Debian package to install.
 */
learn_dataset *learn_dataset_load_fashion_mnist(const char *dir, int train,
                                                int *error, char *message,
                                                size_t message_capacity);

void learn_dataset_destroy(learn_dataset *d);
size_t learn_dataset_size(const learn_dataset *d);
size_t learn_dataset_rows(const learn_dataset *d);
size_t learn_dataset_cols(const learn_dataset *d);
size_t learn_dataset_classes(const learn_dataset *d); /* max label + 1 */
/** Borrowed views, valid while d lives: size x rows*cols floats; size labels.
 */
const float *learn_dataset_images(const learn_dataset *d);
const uint8_t *learn_dataset_labels(const learn_dataset *d);

/* -------------------------------------------------------------- partition */

typedef enum learn_partition_kind {
  LEARN_PARTITION_IID = 0, /* shuffle, deal equally */
  LEARN_PARTITION_SHARDS =
      1, /* sort by label, 2 shards per device (McMahan 2017) */
  LEARN_PARTITION_DIRICHLET = 2 /* per-class Dirichlet(alpha) proportions */
} learn_partition_kind;

/** "iid", "shards", "dirichlet". */
const char *learn_partition_kind_name(learn_partition_kind kind);
int learn_partition_kind_from_name(const char *name,
                                   learn_partition_kind *kind);

typedef struct learn_partition learn_partition;

/** Borrows d during the call. Returns owned, or NULL with *error set. */
learn_partition *learn_partition_create(const learn_dataset *d,
                                        learn_partition_kind kind,
                                        size_t devices, double alpha,
                                        uint64_t seed, int *error);
void learn_partition_destroy(learn_partition *p);
size_t learn_partition_devices(const learn_partition *p);
/** Sample indices of one device (borrowed view) and their count. */
const uint32_t *learn_partition_indices(const learn_partition *p, size_t device,
                                        size_t *count);
/** hist[0..classes) = how many samples of each label the device holds. */
int learn_partition_label_histogram(const learn_partition *p, size_t device,
                                    size_t *hist, size_t classes);

/* ---------------------------------------------------------------- sampler */

/** Seeded mini-batch sampler over a set of indices (shuffled epochs). */
typedef struct learn_sampler learn_sampler;

/** Copies indices. Returns owned, or NULL with *error set. */
learn_sampler *learn_sampler_create(const uint32_t *indices, size_t count,
                                    uint64_t seed, int *error);
void learn_sampler_destroy(learn_sampler *s);
/** Fills out[0..batch) with the next indices, reshuffling at epoch ends. */
int learn_sampler_next(learn_sampler *s, uint32_t *out, size_t batch);

/* ------------------------------------------------------------------ model */

typedef enum learn_model_kind {
  LEARN_MODEL_SOFTMAX = 0,   /* "softmax": D = 7,850 */
  LEARN_MODEL_MLP = 1,       /* "mlp": 784-200-200-10 ReLU, D = 199,210 */
  LEARN_MODEL_CNN_SMALL = 2, /* "cnn-small": D = 21,840 */
  LEARN_MODEL_CNN = 3        /* "cnn": McMahan's CNN, D = 1,663,370 */
} learn_model_kind;

const char *learn_model_kind_name(learn_model_kind kind);
int learn_model_kind_from_name(const char *name, learn_model_kind *kind);

typedef struct learn_layer_info {
  const char *name; /* "conv1.weight", "fc2.bias", ... (static) */
  size_t offset;    /* into the flat parameter vector */
  size_t length;
} learn_layer_info;

typedef struct learn_model learn_model;

/**
 * A model for rows x cols single-channel images and `classes` labels, with
 * scratch space for mini-batches of up to max_batch samples (sized here; the
 * steps never allocate). Not thread-safe: one step at a time per model.
 * Returns owned, or NULL with *error set.
 */
learn_model *learn_model_create(learn_model_kind kind, size_t rows, size_t cols,
                                size_t classes, size_t max_batch, int *error);
void learn_model_destroy(learn_model *m);
learn_model_kind learn_model_kind_of(const learn_model *m);
/** D, the number of parameters. */
size_t learn_model_dimension(const learn_model *m);
size_t learn_model_max_batch(const learn_model *m);
size_t learn_model_layer_count(const learn_model *m);
int learn_model_layer(const learn_model *m, size_t index,
                      learn_layer_info *info);
/** Deterministic He (ReLU layers) / Glorot (output) initialisation. */
int learn_model_init(const learn_model *m, float *weights, uint64_t seed);
/** FLOPs of one forward + backward step on `batch` samples. */
double learn_model_step_flops(const learn_model *m, size_t batch);
/** FLOPs of a forward pass on `batch` samples (evaluation). */
double learn_model_forward_flops(const learn_model *m, size_t batch);

/* ------------------------------------------------------------------ steps */

typedef struct learn_batch {
  const learn_dataset *data; /* borrowed */
  const uint32_t *indices;   /* borrowed, size entries */
  size_t size;               /* 1..max_batch */
} learn_batch;

/**
 * grad[0..D) = gradient of the mean cross-entropy over the batch at weights;
 * *loss (may be NULL) = that mean loss. Borrows everything; no allocation.
 */
int learn_gradient(learn_model *m, const float *weights,
                   const learn_batch *batch, float *grad, float *loss);

/**
 * SGD with optional heavy-ball momentum on D coefficients:
 * v = momentum * v + update; w -= lr * v. velocity may be NULL when
 * momentum == 0.
 */
int learn_apply(float *weights, const float *update, size_t dimension, float lr,
                float momentum, float *velocity);

/**
 * Accuracy in [0, 1] and mean loss of the model on samples indices[0..count)
 * of d (indices NULL: the whole set), in batches of max_batch.
 */
int learn_evaluate(learn_model *m, const float *weights, const learn_dataset *d,
                   const uint32_t *indices, size_t count, double *accuracy,
                   double *loss);

#ifdef __cplusplus
}
#endif

#endif /* LEARN_H */
