/*
 * Grassmannian Lloyd algorithm (k-means on lines through the origin).
 *
 * A line is represented by a unit vector c (c and -c are the same point of
 * the Grassmannian G(1, L)); the chordal distance between the line of c and
 * the unit vector x is d^2 = 1 - (c . x)^2. Lloyd alternates:
 *  - nearest neighbour: x goes to argmax_i |c_i . x| (= argmin chordal
 *    distance);
 *  - centroid: for a cell {x}, the line minimising sum (1 - (c . x)^2) is the
 *    principal eigenvector of S = sum x x^T (maximise c^T S c, ||c|| = 1),
 *    found by power iteration.
 * Both steps never increase the mean distortion, so it converges to a local
 * optimum. For L = 2 the optimum on isotropic input is known in closed form:
 * K lines equally spaced in angle, with E[sin^2] = 1/2 - sin(pi/K)/(2 pi/K)
 * (the angular error is uniform on [-pi/2K, pi/2K]).
 * References: Du, Yang, Huang, IEEE TSP 68 (2020); Love, Heath, Strohmer,
 * "Grassmannian beamforming", IEEE Trans. IT 49 (2003) for the codebook view.
 */
#include "lloyd.h"

#include "hgq-internal.h"
#include "hgq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LLOYD_PI         3.14159265358979323846
#define POWER_ITERATIONS 50

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double uniform01(uint64_t *state) {
  return (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

static double normal(uint64_t *state) {
  double u1 = uniform01(state), u2 = uniform01(state);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * LLOYD_PI * u2);
}

uint64_t hgq_lloyd_table_seed(uint64_t base_seed, uint32_t role,
                              uint32_t block_length, uint32_t bits) {
  uint64_t state = base_seed ^ ((uint64_t)role << 48) ^
                   ((uint64_t)block_length << 24) ^ (uint64_t)bits;
  return splitmix64(&state);
}

int hgq_lloyd_isotropic_samples(uint32_t block_length, size_t n, uint64_t seed,
                                float *out) {
  RETURN_IF(out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(block_length == 0, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  uint64_t state = seed;
  double v[64];
  RETURN_IF(block_length > 64, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  for (size_t m = 0; m < n; ++m) {
    double norm2;
    do {
      norm2 = 0.0;
      for (uint32_t j = 0; j < block_length; ++j) {
        v[j] = normal(&state);
        norm2 += v[j] * v[j];
      }
    } while (norm2 < 1e-30);
    double inv = 1.0 / sqrt(norm2);
    for (uint32_t j = 0; j < block_length; ++j) {
      out[m * block_length + j] = (float)(v[j] * inv);
    }
  }
  return HGQ_OK;
}

int hgq_lloyd_closed_form_2(uint32_t bits, float *out) {
  RETURN_IF(out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(bits < 1 || bits > 16, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  uint32_t k = 1u << bits;
  for (uint32_t i = 0; i < k; ++i) {
    double angle = LLOYD_PI * (double)i / (double)k;
    out[2 * i] = (float)cos(angle);
    out[2 * i + 1] = (float)sin(angle);
  }
  return HGQ_OK;
}

double hgq_lloyd_closed_form_2_distortion(uint32_t bits) {
  double k = (double)(1u << bits);
  return 0.5 - sin(LLOYD_PI / k) / (2.0 * LLOYD_PI / k);
}

/* The codebook transposed (L x K): scores for all K codewords then come from
 * L passes of an axpy over contiguous memory, which the compiler vectorises
 * across codewords without reordering any single dot product (each score is
 * summed over j = 0..L-1 in order, in float), so results do not depend on
 * the vector width. */
static void transpose(const float *codebook, uint32_t k, uint32_t l,
                      float *transposed) {
  for (uint32_t i = 0; i < k; ++i)
    for (uint32_t j = 0; j < l; ++j)
      transposed[(size_t)j * k + i] = codebook[(size_t)i * l + j];
}

/* argmax_i |c_i . x|, ties to the lowest index; *best_dot2 = (c . x)^2. */
static uint32_t nearest(const float *transposed, uint32_t k, uint32_t l,
                        const float *x, float *scores, double *best_dot2) {
  for (uint32_t i = 0; i < k; ++i)
    scores[i] = transposed[i] * x[0];
  for (uint32_t j = 1; j < l; ++j) {
    const float *row = transposed + (size_t)j * k;
    const float xj = x[j];
    for (uint32_t i = 0; i < k; ++i)
      scores[i] += row[i] * xj;
  }
  uint32_t best = 0;
  float best_value = -1.0f;
  for (uint32_t i = 0; i < k; ++i) {
    float a = fabsf(scores[i]);
    if (a > best_value) {
      best_value = a;
      best = i;
    }
  }
  *best_dot2 = (double)best_value * best_value;
  return best;
}

double hgq_lloyd_distortion(const float *codebook, uint32_t codebook_size,
                            uint32_t block_length, const float *samples,
                            size_t n) {
  if (codebook == NULL || samples == NULL || n == 0)
    return NAN;
  float *transposed =
      malloc((size_t)codebook_size * block_length * sizeof(float));
  float *scores = malloc((size_t)codebook_size * sizeof(float));
  if (transposed == NULL || scores == NULL) {
    free(transposed);
    free(scores);
    return NAN;
  }
  transpose(codebook, codebook_size, block_length, transposed);
  double sum = 0.0;
  for (size_t m = 0; m < n; ++m) {
    double d2;
    nearest(transposed, codebook_size, block_length, samples + m * block_length,
            scores, &d2);
    sum += 1.0 - d2;
  }
  free(transposed);
  free(scores);
  return sum / (double)n;
}

int hgq_lloyd_train(uint32_t block_length, uint32_t bits, const float *samples,
                    size_t n, uint32_t iterations, uint64_t seed, float *out,
                    double *distortion) {
  RETURN_IF(samples == NULL || out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(block_length < 2 || block_length > 64 || bits < 1 || bits > 16,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  const uint32_t k = 1u << bits;
  const uint32_t l = block_length;
  RETURN_IF(n < k, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);

  size_t *order = malloc(n * sizeof *order);
  double *cell_distortion = malloc(n * sizeof *cell_distortion);
  double *scatter = calloc((size_t)k * l * l, sizeof *scatter);
  uint32_t *population = calloc(k, sizeof *population);
  float *transposed = malloc((size_t)k * l * sizeof *transposed);
  float *scores = malloc((size_t)k * sizeof *scores);
  if (!order || !cell_distortion || !scatter || !population || !transposed ||
      !scores) {
    free(order);
    free(cell_distortion);
    free(scatter);
    free(population);
    free(transposed);
    free(scores);
    return HGQ_ERROR_ALLOCATION;
  }

  /* Initial codebook: K distinct samples (partial Fisher-Yates). */
  uint64_t state = seed;
  for (size_t m = 0; m < n; ++m)
    order[m] = m;
  for (uint32_t i = 0; i < k; ++i) {
    size_t j = i + (size_t)(splitmix64(&state) % (uint64_t)(n - i));
    size_t t = order[i];
    order[i] = order[j];
    order[j] = t;
    memcpy(out + (size_t)i * l, samples + order[i] * l, l * sizeof(float));
  }

  double mean = 0.0;
  for (uint32_t it = 0; it <= iterations; ++it) {
    /* Assignment. */
    memset(scatter, 0, (size_t)k * l * l * sizeof *scatter);
    memset(population, 0, k * sizeof *population);
    transpose(out, k, l, transposed);
    double sum = 0.0;
    for (size_t m = 0; m < n; ++m) {
      const float *x = samples + m * l;
      double d2;
      uint32_t i = nearest(transposed, k, l, x, scores, &d2);
      cell_distortion[m] = 1.0 - d2;
      sum += 1.0 - d2;
      population[i]++;
      double *s = scatter + (size_t)i * l * l;
      for (uint32_t a = 0; a < l; ++a) {
        double xa = x[a];
        for (uint32_t b = 0; b < l; ++b) {
          s[a * l + b] += xa * x[b];
        }
      }
    }
    mean = sum / (double)n;
    if (it == iterations)
      break; /* the last pass only measures */

    /* Centroids: principal eigenvector of each cell's scatter matrix. */
    for (uint32_t i = 0; i < k; ++i) {
      float *c = out + (size_t)i * l;
      if (population[i] == 0) {
        /* Empty cell: take the worst-served sample (deterministic). */
        size_t worst = 0;
        double worst_value = -1.0;
        for (size_t m = 0; m < n; ++m) {
          if (cell_distortion[m] > worst_value) {
            worst_value = cell_distortion[m];
            worst = m;
          }
        }
        memcpy(c, samples + worst * l, l * sizeof(float));
        cell_distortion[worst] = -1.0;
        continue;
      }
      const double *s = scatter + (size_t)i * l * l;
      double v[64], w[64];
      for (uint32_t a = 0; a < l; ++a)
        v[a] = c[a];
      for (int p = 0; p < POWER_ITERATIONS; ++p) {
        double norm2 = 0.0;
        for (uint32_t a = 0; a < l; ++a) {
          double acc = 0.0;
          for (uint32_t b = 0; b < l; ++b)
            acc += s[a * l + b] * v[b];
          w[a] = acc;
          norm2 += acc * acc;
        }
        if (!(norm2 > 0.0))
          break; /* v orthogonal to the cell: keep it */
        double inv = 1.0 / sqrt(norm2);
        for (uint32_t a = 0; a < l; ++a)
          v[a] = w[a] * inv;
      }
      double norm2 = 0.0;
      for (uint32_t a = 0; a < l; ++a)
        norm2 += v[a] * v[a];
      double inv = 1.0 / sqrt(norm2);
      for (uint32_t a = 0; a < l; ++a)
        c[a] = (float)(v[a] * inv);
    }
  }
  free(order);
  free(cell_distortion);
  free(scatter);
  free(population);
  free(transposed);
  free(scores);
  if (distortion != NULL)
    *distortion = mean;
  return HGQ_OK;
}

int hgq_lloyd_train_isotropic(uint32_t block_length, uint32_t bits,
                              uint32_t samples, uint32_t iterations,
                              uint64_t seed, float *out, double *distortion) {
  RETURN_IF(out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  if (block_length == 2) {
    FORWARD_IF_ERROR(hgq_lloyd_closed_form_2(bits, out));
    if (distortion != NULL)
      *distortion = hgq_lloyd_closed_form_2_distortion(bits);
    return HGQ_OK;
  }
  RETURN_IF(block_length > 64, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  float *x = malloc((size_t)samples * block_length * sizeof(float));
  RETURN_IF(x == NULL, HGQ_ERROR_ALLOCATION);
  int status = hgq_lloyd_isotropic_samples(block_length, samples, seed, x);
  if (status == HGQ_OK)
    status = hgq_lloyd_train(block_length, bits, x, samples, iterations,
                             seed ^ 0x5bd1e995u, out, distortion);
  free(x);
  return status;
}
