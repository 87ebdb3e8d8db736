/*
 * Splitting a data set across K devices, deterministically from a seed.
 *
 *  - iid: one seeded shuffle of all indices, dealt in K contiguous runs whose
 *    sizes differ by at most one.
 *  - shards (McMahan et al., "Communication-efficient learning of deep
 *    networks from decentralized data", AISTATS 2017): indices sorted by label
 *    (a seeded shuffle first, so the samples within a label are in random
 *    order), cut into 2K contiguous shards of equal size (the remainder spread
 *    one by one), and each device receives two shards chosen by a seeded
 *    permutation. A shard straddles a label boundary only when the
 *    per-label counts are not multiples of the shard size n / (2K): with
 *    Fashion-MNIST (6,000 per label) and K = 10 or 100 every shard is one
 *    label and every device holds at most two; with K = 7 up to four.
 *  - dirichlet (Hsu, Qi and Brown, "Measuring the effects of non-identical
 *    data distribution for federated visual classification", 2019): for each
 *    class c, proportions q ~ Dirichlet(alpha, ..., alpha) over the K devices
 *    (K Gamma(alpha, 1) draws, normalised), and the class's shuffled samples
 *    cut at floor(n_c * cumsum(q)). Small alpha: few classes per device;
 *    large alpha: close to balanced. A draw that leaves a device empty is
 *    redrawn (the generator continues, so the result is still a function of
 *    the seed); after LEARN_DIRICHLET_ATTEMPTS failures LEARN_ERROR_EMPTY.
 *
 * Every device's indices are stored sorted (ascending), so a partition's
 * content does not depend on the order samples were dealt.
 */
#include "learn-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEARN_DIRICHLET_ATTEMPTS 1000
/* Accepted concentrations: below 1e-3 nearly every Gamma draw underflows
 * (a class lands on one device); above 1e6 the split is iid in all but name. */
#define LEARN_ALPHA_MIN          1e-3
#define LEARN_ALPHA_MAX          1e6

struct learn_partition {
  size_t devices;
  size_t classes;
  uint32_t *indices;  /* all devices' indices, device after device */
  size_t *offsets;    /* devices + 1 entries into indices */
  size_t *histograms; /* devices x classes */
};

static const char *const partition_names[] = {"iid", "shards", "dirichlet"};

const char *learn_partition_kind_name(learn_partition_kind kind) {
  if ((unsigned)kind > LEARN_PARTITION_DIRICHLET)
    return NULL;
  return partition_names[kind];
}

int learn_partition_kind_from_name(const char *name,
                                   learn_partition_kind *kind) {
  RETURN_IF(!name || !kind, LEARN_ERROR_NULL_ARGUMENT);
  for (unsigned i = 0; i <= LEARN_PARTITION_DIRICHLET; i++) {
    if (strcmp(name, partition_names[i]) == 0) {
      *kind = (learn_partition_kind)i;
      return LEARN_OK;
    }
  }
  return LEARN_ERROR_UNKNOWN_PARTITION;
}

static int compare_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Counting sort by label: stable, so a prior shuffle survives within labels. */
static int sort_by_label(uint32_t *order, size_t n, const uint8_t *labels,
                         size_t classes) {
  uint32_t *tmp = malloc(n * sizeof(*tmp));
  size_t *start = calloc(classes + 1, sizeof(*start));
  if (!tmp || !start) {
    free(tmp);
    free(start);
    return LEARN_ERROR_ALLOCATION;
  }
  for (size_t i = 0; i < n; i++)
    start[labels[order[i]] + 1]++;
  for (size_t c = 0; c < classes; c++)
    start[c + 1] += start[c];
  for (size_t i = 0; i < n; i++)
    tmp[start[labels[order[i]]]++] = order[i];
  memcpy(order, tmp, n * sizeof(*tmp));
  free(tmp);
  free(start);
  return LEARN_OK;
}

static int split_iid(learn_partition *p, uint32_t *order, size_t n,
                     learn_rng *rng) {
  learn_rng_shuffle_u32(rng, order, n);
  size_t k = p->devices;
  for (size_t dev = 0; dev <= k; dev++)
    p->offsets[dev] = dev * (n / k) + (dev < n % k ? dev : n % k);
  memcpy(p->indices, order, n * sizeof(*order));
  return LEARN_OK;
}

static int split_shards(learn_partition *p, uint32_t *order, size_t n,
                        const uint8_t *labels, learn_rng *rng) {
  learn_rng_shuffle_u32(rng, order, n);
  FORWARD_IF_ERROR(sort_by_label(order, n, labels, p->classes));
  size_t k = p->devices, shards = 2 * k;
  uint32_t *shard_order = malloc(shards * sizeof(*shard_order));
  RETURN_IF(!shard_order, LEARN_ERROR_ALLOCATION);
  for (size_t s = 0; s < shards; s++)
    shard_order[s] = (uint32_t)s;
  learn_rng_shuffle_u32(rng, shard_order, shards);
  size_t out = 0;
  for (size_t dev = 0; dev < k; dev++) {
    p->offsets[dev] = out;
    for (size_t j = 0; j < 2; j++) {
      size_t s = shard_order[2 * dev + j];
      size_t begin = s * (n / shards) + (s < n % shards ? s : n % shards);
      size_t end =
          (s + 1) * (n / shards) + (s + 1 < n % shards ? s + 1 : n % shards);
      memcpy(p->indices + out, order + begin, (end - begin) * sizeof(*order));
      out += end - begin;
    }
  }
  p->offsets[k] = out;
  free(shard_order);
  return LEARN_OK;
}

static int split_dirichlet(learn_partition *p, uint32_t *order, size_t n,
                           const uint8_t *labels, double alpha,
                           learn_rng *rng) {
  size_t k = p->devices, classes = p->classes;
  learn_rng_shuffle_u32(rng, order, n);
  FORWARD_IF_ERROR(sort_by_label(order, n, labels, classes));
  size_t *class_start = calloc(classes + 1, sizeof(*class_start));
  size_t *counts = malloc(k * classes * sizeof(*counts)); /* [class][device] */
  size_t *device_total = malloc(k * sizeof(*device_total));
  double *q = malloc(k * sizeof(*q));
  if (!class_start || !counts || !device_total || !q) {
    free(class_start);
    free(counts);
    free(device_total);
    free(q);
    return LEARN_ERROR_ALLOCATION;
  }
  for (size_t i = 0; i < n; i++)
    class_start[labels[order[i]] + 1]++;
  for (size_t c = 0; c < classes; c++)
    class_start[c + 1] += class_start[c];

  int status = LEARN_ERROR_EMPTY;
  for (int attempt = 0; attempt < LEARN_DIRICHLET_ATTEMPTS; attempt++) {
    memset(device_total, 0, k * sizeof(*device_total));
    for (size_t c = 0; c < classes; c++) {
      size_t nc = class_start[c + 1] - class_start[c];
      double sum = 0.0;
      for (size_t dev = 0; dev < k; dev++) {
        q[dev] = learn_rng_gamma(rng, alpha);
        sum += q[dev];
      }
      /* All-zero draws (tiny alpha underflow): give the class to one device. */
      if (!(sum > 0.0)) {
        memset(q, 0, k * sizeof(*q));
        q[learn_rng_below(rng, k)] = 1.0;
        sum = 1.0;
      }
      double cumulative = 0.0;
      size_t previous_cut = 0;
      for (size_t dev = 0; dev < k; dev++) {
        cumulative += q[dev];
        size_t cut = dev + 1 == k ? nc : (size_t)floor(nc * (cumulative / sum));
        if (cut > nc)
          cut = nc;
        if (cut < previous_cut)
          cut = previous_cut;
        counts[c * k + dev] = cut - previous_cut;
        device_total[dev] += cut - previous_cut;
        previous_cut = cut;
      }
    }
    int any_empty = 0;
    for (size_t dev = 0; dev < k; dev++)
      any_empty |= device_total[dev] == 0;
    if (!any_empty) {
      status = LEARN_OK;
      break;
    }
  }
  if (status == LEARN_OK) {
    size_t out = 0;
    for (size_t dev = 0; dev < k; dev++) {
      p->offsets[dev] = out;
      for (size_t c = 0; c < classes; c++) {
        /* Device dev takes the run after devices 0..dev-1 within class c. */
        size_t begin = class_start[c];
        for (size_t j = 0; j < dev; j++)
          begin += counts[c * k + j];
        memcpy(p->indices + out, order + begin,
               counts[c * k + dev] * sizeof(*order));
        out += counts[c * k + dev];
      }
    }
    p->offsets[k] = out;
  }
  free(class_start);
  free(counts);
  free(device_total);
  free(q);
  return status;
}

learn_partition *learn_partition_create(const learn_dataset *d,
                                        learn_partition_kind kind,
                                        size_t devices, double alpha,
                                        uint64_t seed, int *error) {
  if (!d) {
    learn_set_error(error, LEARN_ERROR_NULL_ARGUMENT);
    return NULL;
  }
  if ((unsigned)kind > LEARN_PARTITION_DIRICHLET) {
    learn_set_error(error, LEARN_ERROR_UNKNOWN_PARTITION);
    return NULL;
  }
  size_t n = learn_dataset_size(d);
  const uint8_t *labels = learn_dataset_labels(d);
  if (n == 0 || !labels) {
    learn_set_error(error, LEARN_ERROR_EMPTY);
    return NULL;
  }
  /* Every device needs at least one sample (two shards: two). */
  size_t min_per_device = kind == LEARN_PARTITION_SHARDS ? 2 : 1;
  if (devices == 0 || devices > n / min_per_device || n > UINT32_MAX ||
      (kind == LEARN_PARTITION_DIRICHLET &&
       !(alpha >= LEARN_ALPHA_MIN && alpha <= LEARN_ALPHA_MAX))) {
    learn_set_error(error, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
    return NULL;
  }
  learn_partition *p = calloc(1, sizeof(*p));
  uint32_t *order = malloc(n * sizeof(*order));
  if (p) {
    p->devices = devices;
    p->classes = learn_dataset_classes(d);
    p->indices = malloc(n * sizeof(*p->indices));
    p->offsets = calloc(devices + 1, sizeof(*p->offsets));
    p->histograms = calloc(devices * p->classes, sizeof(*p->histograms));
  }
  if (!p || !order || !p->indices || !p->offsets || !p->histograms) {
    free(order);
    learn_partition_destroy(p);
    learn_set_error(error, LEARN_ERROR_ALLOCATION);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    order[i] = (uint32_t)i;
  learn_rng rng;
  learn_rng_seed(&rng, seed);
  int status;
  switch (kind) {
  case LEARN_PARTITION_IID:
    status = split_iid(p, order, n, &rng);
    break;
  case LEARN_PARTITION_SHARDS:
    status = split_shards(p, order, n, labels, &rng);
    break;
  default:
    status = split_dirichlet(p, order, n, labels, alpha, &rng);
    break;
  }
  free(order);
  if (status != LEARN_OK) {
    learn_partition_destroy(p);
    learn_set_error(error, status);
    return NULL;
  }
  for (size_t dev = 0; dev < devices; dev++) {
    uint32_t *idx = p->indices + p->offsets[dev];
    size_t count = p->offsets[dev + 1] - p->offsets[dev];
    qsort(idx, count, sizeof(*idx), compare_u32);
    for (size_t i = 0; i < count; i++)
      p->histograms[dev * p->classes + labels[idx[i]]]++;
  }
  learn_set_error(error, LEARN_OK);
  return p;
}

void learn_partition_destroy(learn_partition *p) {
  if (!p)
    return;
  free(p->indices);
  free(p->offsets);
  free(p->histograms);
  free(p);
}

size_t learn_partition_devices(const learn_partition *p) {
  return p ? p->devices : 0;
}

const uint32_t *learn_partition_indices(const learn_partition *p, size_t device,
                                        size_t *count) {
  if (!p || device >= p->devices) {
    if (count)
      *count = 0;
    return NULL;
  }
  if (count)
    *count = p->offsets[device + 1] - p->offsets[device];
  return p->indices + p->offsets[device];
}

int learn_partition_label_histogram(const learn_partition *p, size_t device,
                                    size_t *hist, size_t classes) {
  RETURN_IF(!p || !hist, LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(device >= p->devices, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  RETURN_IF(classes < p->classes, LEARN_ERROR_DIMENSION_MISMATCH);
  memcpy(hist, p->histograms + device * p->classes, p->classes * sizeof(*hist));
  for (size_t c = p->classes; c < classes; c++)
    hist[c] = 0;
  return LEARN_OK;
}
