/*
 * learn_gradient against central finite differences, for every model, on
 * small batches of random images (pixels 1..255: no background, so no exact
 * ReLU kinks or max-pool ties where a derivative does not exist), and for the
 * models without pooling also on real Fashion-MNIST images (whose flat black
 * background makes 2x2 max-pool windows tie: one-sided derivatives differ
 * there and no finite difference can match).
 *
 * The forward pass runs in float, so finite differences of single
 * coefficients drown in rounding for the large models. Two checks per
 * parameter tensor (weight or bias of each layer):
 *  1. directional derivative: along v = g/|g| + r/|r| (r random) over the
 *     whole tensor, (L(w + eps v) - L(w - eps v)) / (2 eps) against g.v,
 *     relative error |fd - g.v| / |g.v| <= 2e-2 (the bound) plus the
 *     float rounding of the loss over the step;
 *  2. single coordinates: the LARGEST_COORDS coefficients of largest |g| and
 *     RANDOM_COORDS random ones, |fd - g| <= 5e-2 |g| + 2e-3 max|g| +
 * rounding/step. A difference quotient whose interval straddles a ReLU or
 * max-pool kink is off by design, so each check retries with smaller steps
 * (1e-3, 3e-4, 1e-4) and passes when one agrees; a wrong gradient disagrees at
 * every step. Biases are set to random non-zero values first: with zero biases
 * every background pixel sits exactly on a ReLU kink and the quotients are
 * meaningless there.
 * Plus: a batch's gradient is the mean of its samples' gradients (the batched
 * im2col mixes no samples), and two calls give identical bits.
 */
#include "learn-test-util.h"

#include <math.h>

#define LARGEST_COORDS    4
#define RANDOM_COORDS     4
#define DIRECTIONAL_BOUND 2e-2
/* Steps tried in turn: small enough that few ReLU/max-pool kinks are
 * crossed, large enough that float rounding of the loss (ROUNDING, a few
 * ulps of a loss near 2.5) stays small next to the quotient. */
#define FD_TRIES          3
static const double fd_steps[FD_TRIES] = {1e-3, 3e-4, 1e-4};
#define ROUNDING 3e-7

static uint64_t rng_state;

static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double next_normal(void) {
  double u1 = ((double)(next_u64() >> 11) + 0.5) * 0x1.0p-53;
  double u2 = (double)(next_u64() >> 11) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double loss_at(learn_model *m, const float *w, const learn_batch *b,
                      float *scratch) {
  float loss = 0.0f;
  int status = learn_gradient(m, w, b, scratch, &loss);
  CHECK(status == LEARN_OK, "learn_gradient: %s", learn_strerror(status));
  return loss;
}

static void check_model(learn_model_kind kind, const learn_dataset *data,
                        const char *data_name, size_t batch_size) {
  const char *name = learn_model_kind_name(kind);
  int error = 0;
  learn_model *m = learn_model_create(kind, 28, 28, 10, batch_size, &error);
  CHECK(m != NULL, "%s: create: %s", name, learn_strerror(error));
  if (!m)
    return;
  size_t dim = learn_model_dimension(m);
  float *w = malloc(dim * sizeof(float));
  float *g = malloc(dim * sizeof(float));
  float *g2 = malloc(dim * sizeof(float));
  float *scratch = malloc(dim * sizeof(float));
  float *wp = malloc(dim * sizeof(float));
  double *v = malloc(dim * sizeof(double));
  if (!w || !g || !g2 || !scratch || !wp || !v) {
    CHECK(0, "out of memory");
    goto done;
  }
  learn_model_init(m, w, test_seed);
  /* Non-zero biases so that the bias gradients pass through every path. */
  for (size_t l = 0; l < learn_model_layer_count(m); l++) {
    learn_layer_info info;
    learn_model_layer(m, l, &info);
    if (strstr(info.name, "bias"))
      for (size_t j = 0; j < info.length; j++)
        w[info.offset + j] = (float)(0.1 * next_normal());
  }
  uint32_t idx[16];
  for (size_t i = 0; i < batch_size; i++)
    idx[i] = (uint32_t)(next_u64() % learn_dataset_size(data));
  learn_batch batch = {data, idx, batch_size};
  float loss = 0.0f;
  CHECK(learn_gradient(m, w, &batch, g, &loss) == LEARN_OK, "%s", name);
  CHECK(isfinite(loss) && loss > 0.0f, "%s: loss %g", name, loss);
  CHECK(learn_gradient(m, w, &batch, g2, NULL) == LEARN_OK, "%s", name);
  CHECK(memcmp(g, g2, dim * sizeof(float)) == 0,
        "%s: two calls gave different gradients", name);

  /* Mean over samples: sum_i grad(sample i) / n == grad(batch). */
  memset(wp, 0, dim * sizeof(float));
  for (size_t i = 0; i < batch_size; i++) {
    learn_batch one = {data, idx + i, 1};
    CHECK(learn_gradient(m, w, &one, g2, NULL) == LEARN_OK, "%s", name);
    for (size_t j = 0; j < dim; j++)
      wp[j] += g2[j] / (float)batch_size;
  }
  double diff = 0.0, norm = 0.0;
  for (size_t j = 0; j < dim; j++) {
    diff += ((double)wp[j] - g[j]) * ((double)wp[j] - g[j]);
    norm += (double)g[j] * g[j];
  }
  CHECK(sqrt(diff) <= 1e-4 * sqrt(norm),
        "%s: batch gradient differs from the mean of per-sample gradients "
        "(relative %g)",
        name, sqrt(diff / norm));

  double worst_directional = 0.0;
  for (size_t l = 0; l < learn_model_layer_count(m); l++) {
    learn_layer_info info;
    learn_model_layer(m, l, &info);
    const float *gl = g + info.offset;
    /* 1. Directional derivative along v = g/|g| + r/|r|, r random: the g
     * part gives a signal far above float rounding, the r part tests the
     * directions orthogonal to g. */
    double rnorm = 0.0, gnorm = 0.0, gv = 0.0, gmax = 0.0;
    for (size_t j = 0; j < info.length; j++) {
      v[j] = next_normal();
      rnorm += v[j] * v[j];
      gnorm += (double)gl[j] * gl[j];
      if (fabs(gl[j]) > gmax)
        gmax = fabs(gl[j]);
    }
    rnorm = sqrt(rnorm);
    gnorm = sqrt(gnorm);
    CHECK(gnorm > 0.0, "%s %s: gradient identically zero", name, info.name);
    if (gnorm == 0.0)
      continue;
    for (size_t j = 0; j < info.length; j++) {
      v[j] = gl[j] / gnorm + v[j] / rnorm;
      gv += v[j] * gl[j];
    }
    /* A quotient whose interval straddles a ReLU or max-pool kink is off
     * by design: retry with smaller steps; a wrong gradient disagrees at
     * every step. */
    double rel = 0.0, fd = 0.0;
    int agreed = 0;
    for (int t = 0; t < FD_TRIES && !agreed; t++) {
      double eps = fd_steps[t];
      memcpy(wp, w, dim * sizeof(float));
      for (size_t j = 0; j < info.length; j++)
        wp[info.offset + j] = (float)(w[info.offset + j] + eps * v[j]);
      double up = loss_at(m, wp, &batch, scratch);
      for (size_t j = 0; j < info.length; j++)
        wp[info.offset + j] = (float)(w[info.offset + j] - eps * v[j]);
      double down = loss_at(m, wp, &batch, scratch);
      fd = (up - down) / (2.0 * eps);
      rel = fabs(fd - gv) / fabs(gv);
      agreed = rel <= DIRECTIONAL_BOUND + ROUNDING / (eps * fabs(gv));
    }
    if (rel > worst_directional)
      worst_directional = rel;
    CHECK(agreed,
          "%s %s: directional derivative %.6g, finite difference %.6g "
          "(relative error %.3g > %g at every step)",
          name, info.name, gv, fd, rel, DIRECTIONAL_BOUND);

    /* 2. Single coordinates: the largest |g| and a few random ones. */
    size_t coords[LARGEST_COORDS + RANDOM_COORDS];
    size_t ncoords = 0;
    for (int t = 0; t < LARGEST_COORDS && (size_t)t < info.length; t++) {
      size_t best = SIZE_MAX;
      for (size_t j = 0; j < info.length; j++) {
        int taken = 0;
        for (size_t q = 0; q < ncoords; q++)
          taken |= coords[q] == j;
        if (!taken && (best == SIZE_MAX || fabsf(gl[j]) > fabsf(gl[best])))
          best = j;
      }
      coords[ncoords++] = best;
    }
    for (int t = 0; t < RANDOM_COORDS; t++)
      coords[ncoords++] = (size_t)(next_u64() % info.length);
    memcpy(wp, w, dim * sizeof(float));
    for (size_t q = 0; q < ncoords; q++) {
      size_t j = info.offset + coords[q];
      double fdc = 0.0, tol = 0.0;
      int agreed = 0;
      for (int t = 0; t < FD_TRIES && !agreed; t++) {
        double h = fd_steps[t];
        wp[j] = (float)(w[j] + h);
        double lp = loss_at(m, wp, &batch, scratch);
        wp[j] = (float)(w[j] - h);
        double lm = loss_at(m, wp, &batch, scratch);
        wp[j] = w[j];
        fdc = (lp - lm) / (2.0 * h);
        tol = 5e-2 * fabs(g[j]) + 2e-3 * gmax + ROUNDING / h;
        agreed = fabs(fdc - g[j]) <= tol;
      }
      CHECK(agreed,
            "%s %s[%zu]: gradient %.6g, finite difference %.6g (tolerance "
            "%.3g at the smallest step)",
            name, info.name, coords[q], g[j], fdc, tol);
    }
  }
  printf("%-9s %-7s D = %zu, batch %zu, loss %.4f, worst directional "
         "relative error %.2e (bound %g)\n",
         name, data_name, dim, batch_size, loss, worst_directional,
         DIRECTIONAL_BOUND);
done:
  free(w);
  free(g);
  free(g2);
  free(scratch);
  free(wp);
  free(v);
  learn_model_destroy(m);
}

int main(int argc, char **argv) {
  test_parse_seed(argc, argv, 42);
  rng_state = test_seed;
  char dir[256];
  CHECK(test_temp_dir(dir, sizeof(dir)) == 0, "cannot make a temp dir");
  learn_dataset *random = test_random_dataset(dir, 64, 28, 28, 10, test_seed);
  CHECK(random != NULL, "the random data set must load");
  if (random) {
    check_model(LEARN_MODEL_SOFTMAX, random, "random", 5);
    check_model(LEARN_MODEL_MLP, random, "random", 4);
    check_model(LEARN_MODEL_CNN_SMALL, random, "random", 4);
    check_model(LEARN_MODEL_CNN, random, "random", 2);
  }
  learn_dataset_destroy(random);
  learn_dataset *train = test_load_fashion(1);
  CHECK(train != NULL, "the training set must load");
  if (train) {
    check_model(LEARN_MODEL_SOFTMAX, train, "fashion", 5);
    check_model(LEARN_MODEL_MLP, train, "fashion", 4);
  }
  learn_dataset_destroy(train);
  char path[512];
  snprintf(path, sizeof(path), "%s/random-images-idx3-ubyte", dir);
  remove(path);
  snprintf(path, sizeof(path), "%s/random-labels-idx1-ubyte", dir);
  remove(path);
  remove(dir);
  return test_finish("test-gradient");
}
