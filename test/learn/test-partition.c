/*
 * Partitions of the real Fashion-MNIST training set across K devices and the
 * mini-batch sampler: sizes add up to the data set with every sample used
 * once; iid is balanced; shards gives at most two labels per device (K = 10,
 * 100: shards align with labels) and at most four otherwise; the histograms
 * match the indices; the same seed gives the same split and another seed
 * another; dirichlet with a large alpha is close to balanced and with a small
 * one concentrated; bad arguments give NULL and the documented code.
 */
#include "learn-test-util.h"

static const learn_dataset *data;

/* Checks the invariants every partition has; returns labels-per-device max. */
static size_t check_invariants(const learn_partition *p, const char *what) {
  size_t n = learn_dataset_size(data), devices = learn_partition_devices(p);
  const uint8_t *labels = learn_dataset_labels(data);
  uint8_t *seen = calloc(n, 1);
  size_t total = 0, max_labels = 0;
  int duplicate = 0, histogram_ok = 1, sorted = 1;
  for (size_t dev = 0; dev < devices; dev++) {
    size_t count = 0;
    const uint32_t *idx = learn_partition_indices(p, dev, &count);
    CHECK(idx != NULL && count > 0, "%s: device %zu empty", what, dev);
    size_t hist[10], mine[10] = {0};
    CHECK(learn_partition_label_histogram(p, dev, hist, 10) == LEARN_OK,
          "%s: histogram", what);
    for (size_t i = 0; i < count; i++) {
      if (idx[i] >= n) {
        duplicate = 1;
        continue;
      }
      duplicate |= seen[idx[i]];
      seen[idx[i]] = 1;
      mine[labels[idx[i]]]++;
      sorted &= i == 0 || idx[i - 1] < idx[i];
    }
    size_t distinct = 0;
    for (int c = 0; c < 10; c++) {
      histogram_ok &= mine[c] == hist[c];
      distinct += hist[c] > 0;
    }
    if (distinct > max_labels)
      max_labels = distinct;
    total += count;
  }
  CHECK(total == n, "%s: device sizes add up to %zu, not %zu", what, total, n);
  CHECK(!duplicate, "%s: an index is out of range or used twice", what);
  CHECK(histogram_ok, "%s: histogram disagrees with the indices", what);
  CHECK(sorted, "%s: indices not ascending", what);
  free(seen);
  return max_labels;
}

static learn_partition *make(learn_partition_kind kind, size_t devices,
                             double alpha, uint64_t seed) {
  int error = -99;
  learn_partition *p =
      learn_partition_create(data, kind, devices, alpha, seed, &error);
  CHECK(p != NULL && error == LEARN_OK, "%s K=%zu alpha=%g: %s",
        learn_partition_kind_name(kind), devices, alpha, learn_strerror(error));
  return p;
}

static int same_split(const learn_partition *a, const learn_partition *b) {
  if (learn_partition_devices(a) != learn_partition_devices(b))
    return 0;
  for (size_t dev = 0; dev < learn_partition_devices(a); dev++) {
    size_t ca, cb;
    const uint32_t *ia = learn_partition_indices(a, dev, &ca);
    const uint32_t *ib = learn_partition_indices(b, dev, &cb);
    if (ca != cb || memcmp(ia, ib, ca * sizeof(*ia)) != 0)
      return 0;
  }
  return 1;
}

/* Largest relative deviation of a device's size from n/K. */
static double size_spread(const learn_partition *p) {
  size_t devices = learn_partition_devices(p);
  double mean = (double)learn_dataset_size(data) / (double)devices, worst = 0;
  for (size_t dev = 0; dev < devices; dev++) {
    size_t count;
    learn_partition_indices(p, dev, &count);
    double dev_rel = fabs((double)count - mean) / mean;
    worst = dev_rel > worst ? dev_rel : worst;
  }
  return worst;
}

static void check_kind(learn_partition_kind kind, size_t devices,
                       double alpha) {
  const char *name = learn_partition_kind_name(kind);
  char what[64];
  snprintf(what, sizeof(what), "%s K=%zu alpha=%g", name, devices, alpha);
  learn_partition *a = make(kind, devices, alpha, test_seed);
  learn_partition *b = make(kind, devices, alpha, test_seed);
  learn_partition *c = make(kind, devices, alpha, test_seed + 1);
  if (!a || !b || !c)
    goto done;
  size_t max_labels = check_invariants(a, what);
  check_invariants(c, what);
  CHECK(same_split(a, b), "%s: same seed, different split", what);
  /* One device holds everything, whatever the seed. */
  CHECK(devices == 1 || !same_split(a, c), "%s: different seeds, same split",
        what);
  double spread = size_spread(a);
  if (kind == LEARN_PARTITION_IID) {
    CHECK(spread * 60000.0 / devices <= 1.0, "%s: sizes differ by > 1", what);
    CHECK(max_labels == 10, "%s: a device lacks a label", what);
  }
  if (kind == LEARN_PARTITION_SHARDS) {
    /* 6,000 per label: shards of 60000/(2K) align when that divides 6000. */
    size_t shard = 60000 / (2 * devices);
    size_t bound = 6000 % shard == 0 ? 2 : 4;
    CHECK(max_labels <= bound, "%s: a device holds %zu labels (bound %zu)",
          what, max_labels, bound);
  }
  printf("  %-26s max labels/device %2zu, size spread %5.1f%%\n", what,
         max_labels, 100.0 * spread);
  if (kind == LEARN_PARTITION_DIRICHLET && alpha >= 1000.0) {
    /* Large alpha: every device's histogram close to uniform. */
    double worst = 0.0;
    for (size_t dev = 0; dev < devices; dev++) {
      size_t hist[10], count;
      learn_partition_label_histogram(a, dev, hist, 10);
      learn_partition_indices(a, dev, &count);
      for (int k = 0; k < 10; k++) {
        double share = (double)hist[k] / (double)count;
        worst = fabs(share - 0.1) > worst ? fabs(share - 0.1) : worst;
      }
    }
    CHECK(spread < 0.05, "%s: sizes spread %.3f", what, spread);
    CHECK(worst < 0.02, "%s: label share off 0.1 by %.3f", what, worst);
  }
  if (kind == LEARN_PARTITION_DIRICHLET && alpha <= 0.1) {
    /* Small alpha: the typical device is dominated by few labels. */
    size_t concentrated = 0;
    for (size_t dev = 0; dev < devices; dev++) {
      size_t hist[10], count, top = 0;
      learn_partition_label_histogram(a, dev, hist, 10);
      learn_partition_indices(a, dev, &count);
      for (int k = 0; k < 10; k++)
        top = hist[k] > top ? hist[k] : top;
      concentrated += top * 2 > count;
    }
    CHECK(concentrated * 2 > devices,
          "%s: only %zu of %zu devices have a majority label", what,
          concentrated, devices);
  }
done:
  learn_partition_destroy(a);
  learn_partition_destroy(b);
  learn_partition_destroy(c);
}

static void check_bad_arguments(void) {
  int error = 0;
  learn_partition *p;
  p = learn_partition_create(NULL, LEARN_PARTITION_IID, 10, 0, 1, &error);
  CHECK(!p && error == LEARN_ERROR_NULL_ARGUMENT, "NULL data: %d", error);
  p = learn_partition_create(data, (learn_partition_kind)7, 10, 0, 1, &error);
  CHECK(!p && error == LEARN_ERROR_UNKNOWN_PARTITION, "bad kind: %d", error);
  p = learn_partition_create(data, LEARN_PARTITION_IID, 0, 0, 1, &error);
  CHECK(!p && error == LEARN_ERROR_PARAMETER_OUT_OF_RANGE, "0 devices: %d",
        error);
  p = learn_partition_create(data, LEARN_PARTITION_IID, 60001, 0, 1, &error);
  CHECK(!p && error == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "more devices than samples: %d", error);
  p = learn_partition_create(data, LEARN_PARTITION_SHARDS, 30001, 0, 1, &error);
  CHECK(!p && error == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "more shards than samples: %d", error);
  double alphas[] = {0.0, -1.0, 1e-9, 1e9, NAN};
  for (int i = 0; i < 5; i++) {
    p = learn_partition_create(data, LEARN_PARTITION_DIRICHLET, 10, alphas[i],
                               1, &error);
    CHECK(!p && error == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
          "dirichlet alpha %g: %d", alphas[i], error);
  }
  p = learn_partition_create(data, LEARN_PARTITION_IID, 4, 0, 1, NULL);
  CHECK(p != NULL, "a NULL error pointer is allowed");
  size_t hist[10], count = 99;
  CHECK(learn_partition_label_histogram(p, 4, hist, 10) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "histogram of device 4 of 4");
  CHECK(learn_partition_label_histogram(p, 0, hist, 9) ==
            LEARN_ERROR_DIMENSION_MISMATCH,
        "histogram with too few classes");
  CHECK(learn_partition_label_histogram(p, 0, NULL, 10) ==
            LEARN_ERROR_NULL_ARGUMENT,
        "histogram into NULL");
  CHECK(learn_partition_indices(p, 4, &count) == NULL && count == 0,
        "indices of device 4 of 4");
  learn_partition_destroy(p);
  learn_partition_destroy(NULL);

  learn_partition_kind kind;
  CHECK(learn_partition_kind_from_name("shards", &kind) == LEARN_OK &&
            kind == LEARN_PARTITION_SHARDS,
        "name shards");
  CHECK(learn_partition_kind_from_name("noniid", &kind) ==
            LEARN_ERROR_UNKNOWN_PARTITION,
        "unknown name");
  CHECK(learn_partition_kind_from_name(NULL, &kind) ==
            LEARN_ERROR_NULL_ARGUMENT,
        "NULL name");
  for (int k = 0; k <= LEARN_PARTITION_DIRICHLET; k++) {
    learn_partition_kind_from_name(
        learn_partition_kind_name((learn_partition_kind)k), &kind);
    CHECK((int)kind == k, "name round trip %d", k);
  }
  CHECK(learn_partition_kind_name((learn_partition_kind)3) == NULL,
        "name of kind 3");
}

static void check_sampler(void) {
  uint32_t set[7] = {3, 9, 27, 81, 243, 729, 2187};
  int error = -99;
  learn_sampler *s = learn_sampler_create(set, 7, test_seed, &error);
  learn_sampler *t = learn_sampler_create(set, 7, test_seed, &error);
  CHECK(s && t && error == LEARN_OK, "sampler create");
  if (!s || !t)
    return;
  /* Each epoch of 7 draws is a permutation; two samplers agree. */
  uint32_t a[21], b[21];
  CHECK(learn_sampler_next(s, a, 5) == LEARN_OK &&
            learn_sampler_next(s, a + 5, 16) == LEARN_OK,
        "sampler next");
  learn_sampler_next(t, b, 21);
  CHECK(memcmp(a, b, sizeof(a)) == 0, "same seed, different batches");
  for (int epoch = 0; epoch < 3; epoch++) {
    int count[7] = {0};
    for (int i = 0; i < 7; i++)
      for (int j = 0; j < 7; j++)
        count[j] += a[epoch * 7 + i] == set[j];
    for (int j = 0; j < 7; j++)
      CHECK(count[j] == 1, "epoch %d draws %u %d times", epoch, set[j],
            count[j]);
  }
  CHECK(memcmp(a, a + 7, 7 * sizeof(uint32_t)) != 0 ||
            memcmp(a + 7, a + 14, 7 * sizeof(uint32_t)) != 0,
        "epochs are not reshuffled");
  CHECK(learn_sampler_next(s, a, 0) == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "batch 0");
  CHECK(learn_sampler_next(s, NULL, 1) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL out");
  CHECK(learn_sampler_next(NULL, a, 1) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL sampler");
  learn_sampler_destroy(s);
  learn_sampler_destroy(t);
  learn_sampler_destroy(NULL);
  s = learn_sampler_create(NULL, 7, 1, &error);
  CHECK(!s && error == LEARN_ERROR_NULL_ARGUMENT, "NULL indices: %d", error);
  s = learn_sampler_create(set, 0, 1, &error);
  CHECK(!s && error == LEARN_ERROR_EMPTY, "no indices: %d", error);
}

int main(int argc, char **argv) {
  test_parse_seed(argc, argv, 2017);
  learn_dataset *train = test_load_fashion(1);
  CHECK(train != NULL, "the training set must load");
  if (!train)
    return test_finish("test-partition");
  data = train;
  size_t ks[] = {1, 7, 10, 100};
  for (int i = 0; i < 4; i++) {
    check_kind(LEARN_PARTITION_IID, ks[i], 0.0);
    if (ks[i] > 1)
      check_kind(LEARN_PARTITION_SHARDS, ks[i], 0.0);
  }
  check_kind(LEARN_PARTITION_DIRICHLET, 10, 1e4);
  check_kind(LEARN_PARTITION_DIRICHLET, 10, 1.0);
  check_kind(LEARN_PARTITION_DIRICHLET, 100, 0.1);
  /* alpha = 0.01 gives each class to one or two of 100 devices: most stay
   * empty whatever the redraws, which is the documented LEARN_ERROR_EMPTY. */
  int error = 0;
  learn_partition *p = learn_partition_create(train, LEARN_PARTITION_DIRICHLET,
                                              100, 0.01, test_seed, &error);
  CHECK(!p && error == LEARN_ERROR_EMPTY, "dirichlet K=100 alpha=0.01: %s",
        learn_strerror(error));
  learn_partition_destroy(p);
  check_bad_arguments();
  check_sampler();
  learn_dataset_destroy(train);
  return test_finish("test-partition");
}
