/*
 * Model construction and the plain steps: exact D and layer tables of the
 * four models, contiguous layer boundaries, deterministic He/Glorot
 * initialisation with the right spread, FLOP counts against hand counts,
 * learn_apply (SGD and heavy-ball momentum) against a scalar reference,
 * bit-identical gradients across model instances and thread settings of 1,
 * and bad arguments to every constructor and step (NULL + the documented
 * code).
 */
#include "learn-test-util.h"

typedef struct expected_layer {
  const char *name;
  size_t length;
} expected_layer;

static void check_layers(learn_model_kind kind, size_t dim,
                         const expected_layer *layers, size_t count) {
  const char *name = learn_model_kind_name(kind);
  int error = -99;
  learn_model *m = learn_model_create(kind, 28, 28, 10, 8, &error);
  CHECK(m && error == LEARN_OK, "%s: create: %s", name, learn_strerror(error));
  if (!m)
    return;
  CHECK(learn_model_dimension(m) == dim, "%s: D = %zu, expected %zu", name,
        learn_model_dimension(m), dim);
  CHECK(learn_model_kind_of(m) == kind, "%s: kind", name);
  CHECK(learn_model_max_batch(m) == 8, "%s: max batch", name);
  CHECK(learn_model_layer_count(m) == count, "%s: %zu layers, expected %zu",
        name, learn_model_layer_count(m), count);
  size_t offset = 0;
  for (size_t l = 0; l < count && l < learn_model_layer_count(m); l++) {
    learn_layer_info info;
    CHECK(learn_model_layer(m, l, &info) == LEARN_OK, "%s: layer %zu", name, l);
    CHECK(strcmp(info.name, layers[l].name) == 0 &&
              info.length == layers[l].length && info.offset == offset,
          "%s: layer %zu is %s at %zu length %zu, expected %s at %zu length "
          "%zu",
          name, l, info.name, info.offset, info.length, layers[l].name, offset,
          layers[l].length);
    offset += layers[l].length;
  }
  CHECK(offset == dim, "%s: layers cover %zu of %zu", name, offset, dim);
  learn_layer_info info;
  CHECK(learn_model_layer(m, count, &info) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "%s: layer past the end", name);
  CHECK(learn_model_layer(m, 0, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "%s: layer into NULL", name);

  /* Initialisation: deterministic, seed-dependent, biases zero, spread. */
  float *a = malloc(dim * sizeof(float)), *b = malloc(dim * sizeof(float));
  if (a && b) {
    CHECK(learn_model_init(m, a, 7) == LEARN_OK, "%s: init", name);
    learn_model_init(m, b, 7);
    CHECK(memcmp(a, b, dim * sizeof(float)) == 0, "%s: init not deterministic",
          name);
    learn_model_init(m, b, 8);
    CHECK(memcmp(a, b, dim * sizeof(float)) != 0, "%s: init ignores the seed",
          name);
    for (size_t l = 0; l < count; l++) {
      learn_model_layer(m, l, &info);
      double sum = 0.0, sq = 0.0;
      for (size_t j = 0; j < info.length; j++) {
        sum += a[info.offset + j];
        sq += (double)a[info.offset + j] * a[info.offset + j];
      }
      if (strstr(info.name, "bias")) {
        CHECK(sq == 0.0, "%s %s: biases not zero", name, info.name);
        continue;
      }
      /* Expected variance: He 2/fan_in; Glorot uniform 2/(fan_in+fan_out). */
      size_t bias_len = layers[l + 1].length;
      size_t fan_in = info.length / bias_len;
      int output = l + 2 == count;
      double expected =
          output ? 2.0 / (double)(fan_in + 10) : 2.0 / (double)fan_in;
      double var = sq / (double)info.length;
      double mean = sum / (double)info.length;
      /* Sampling error of a variance from >= 2,000 draws: well under 15%. */
      double tolerance = info.length >= 2000 ? 0.15 : 0.4;
      CHECK(fabs(var / expected - 1.0) < tolerance,
            "%s %s: variance %.3g, expected %.3g", name, info.name, var,
            expected);
      CHECK(fabs(mean) < 4.0 * sqrt(expected / (double)info.length),
            "%s %s: mean %.3g", name, info.name, mean);
    }
  }
  free(a);
  free(b);
  CHECK(learn_model_init(m, NULL, 1) == LEARN_ERROR_NULL_ARGUMENT,
        "%s: init NULL", name);
  learn_model_destroy(m);
}

static void check_tables(void) {
  static const expected_layer softmax[] = {{"fc1.weight", 7840},
                                           {"fc1.bias", 10}};
  static const expected_layer mlp[] = {
      {"fc1.weight", 156800}, {"fc1.bias", 200},    {"fc2.weight", 40000},
      {"fc2.bias", 200},      {"fc3.weight", 2000}, {"fc3.bias", 10}};
  static const expected_layer cnn_small[] = {
      {"conv1.weight", 250}, {"conv1.bias", 10},    {"conv2.weight", 5000},
      {"conv2.bias", 20},    {"fc1.weight", 16000}, {"fc1.bias", 50},
      {"fc2.weight", 500},   {"fc2.bias", 10}};
  static const expected_layer cnn[] = {
      {"conv1.weight", 800}, {"conv1.bias", 32},      {"conv2.weight", 51200},
      {"conv2.bias", 64},    {"fc1.weight", 1605632}, {"fc1.bias", 512},
      {"fc2.weight", 5120},  {"fc2.bias", 10}};
  check_layers(LEARN_MODEL_SOFTMAX, 7850, softmax, 2);
  check_layers(LEARN_MODEL_MLP, 199210, mlp, 6);
  check_layers(LEARN_MODEL_CNN_SMALL, 21840, cnn_small, 8);
  check_layers(LEARN_MODEL_CNN, 1663370, cnn, 8);
}

static void check_flops(void) {
  int error;
  learn_model *m =
      learn_model_create(LEARN_MODEL_SOFTMAX, 28, 28, 10, 4, &error);
  /* softmax forward: 2*784*10 multiply-adds + 10 bias + 50 softmax per
   * sample; backward adds 2*784*10 (weight grad) + 10 (bias grad). */
  double fwd = 2.0 * 784 * 10 + 10 + 50, step = fwd + 2.0 * 784 * 10 + 10;
  CHECK(m && learn_model_forward_flops(m, 3) == 3 * fwd,
        "softmax forward flops %.0f, expected %.0f",
        learn_model_forward_flops(m, 3), 3 * fwd);
  CHECK(m && learn_model_step_flops(m, 3) == 3 * step,
        "softmax step flops %.0f, expected %.0f", learn_model_step_flops(m, 3),
        3 * step);
  learn_model_destroy(m);
  m = learn_model_create(LEARN_MODEL_CNN, 28, 28, 10, 4, &error);
  /* McMahan's CNN, products only: conv1 2*32*25*784, conv2 2*64*800*196,
   * fc1 2*3136*512, fc2 2*512*10 per sample. */
  double products =
      2.0 * (32 * 25 * 784 + 64 * 800 * 196 + 3136 * 512 + 512 * 10);
  double f = m ? learn_model_forward_flops(m, 1) : 0.0;
  CHECK(f > products && f < 1.02 * products,
        "cnn forward flops %.4g, products %.4g", f, products);
  double s = m ? learn_model_step_flops(m, 1) : 0.0;
  double conv1 = 2.0 * 32 * 25 * 784; /* no input gradient for layer 1 */
  CHECK(s > 3 * products - conv1 && s < 1.02 * (3 * products - conv1),
        "cnn step flops %.4g, expected about %.4g", s, 3 * products - conv1);
  printf("  cnn: %.1f MFLOP forward, %.1f MFLOP step per sample\n", f / 1e6,
         s / 1e6);
  learn_model_destroy(m);
  CHECK(learn_model_step_flops(NULL, 1) == 0.0, "flops of NULL");
}

static void check_apply(void) {
  float w[5] = {1, 2, 3, 4, 5}, g[5] = {0.5f, -1, 0, 2, 1}, v[5] = {0};
  float rw[5], rv[5] = {0};
  memcpy(rw, w, sizeof(w));
  for (int step = 0; step < 3; step++) {
    CHECK(learn_apply(w, g, 5, 0.1f, 0.9f, v) == LEARN_OK, "apply");
    for (int i = 0; i < 5; i++) {
      rv[i] = 0.9f * rv[i] + g[i];
      rw[i] -= 0.1f * rv[i];
    }
  }
  for (int i = 0; i < 5; i++)
    CHECK(fabsf(w[i] - rw[i]) < 1e-6f && fabsf(v[i] - rv[i]) < 1e-6f,
          "momentum step %d: %g vs %g", i, w[i], rw[i]);
  float p[3] = {1, 1, 1}, u[3] = {1, 2, 3};
  CHECK(learn_apply(p, u, 3, 0.5f, 0.0f, NULL) == LEARN_OK, "plain SGD");
  CHECK(p[0] == 0.5f && p[1] == 0.0f && p[2] == -0.5f, "plain SGD values");
  CHECK(learn_apply(NULL, u, 3, 0.1f, 0, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL weights");
  CHECK(learn_apply(p, NULL, 3, 0.1f, 0, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL update");
  CHECK(learn_apply(p, u, 3, 0.1f, 0.9f, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "momentum without velocity");
  CHECK(learn_apply(p, u, 0, 0.1f, 0, NULL) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "dimension 0");
  CHECK(learn_apply(p, u, 3, NAN, 0, NULL) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "NaN learning rate");
  CHECK(learn_apply(p, u, 3, 0.1f, 1.0f, v) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "momentum 1");
  CHECK(learn_apply(p, u, 3, 0.1f, -0.1f, v) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "negative momentum");
}

static void check_bad_constructors(void) {
  int error = 0;
  struct {
    int kind;
    size_t rows, cols, classes, batch;
    int status;
  } cases[] = {
      {9, 28, 28, 10, 8, LEARN_ERROR_UNKNOWN_MODEL},
      {-1, 28, 28, 10, 8, LEARN_ERROR_UNKNOWN_MODEL},
      {0, 0, 28, 10, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {0, 28, 0, 10, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {0, 28, 28, 1, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {0, 28, 28, 257, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {1, 28, 28, 10, 0, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {1, 28, 28, 10, 1000000, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {0, 100000, 28, 10, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      /* cnn-small needs 5x5 valid convolutions and two poolings. */
      {2, 8, 8, 10, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
      {3, 3, 28, 10, 8, LEARN_ERROR_PARAMETER_OUT_OF_RANGE},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    error = 0;
    learn_model *m = learn_model_create(
        (learn_model_kind)cases[i].kind, cases[i].rows, cases[i].cols,
        cases[i].classes, cases[i].batch, &error);
    CHECK(m == NULL && error == cases[i].status,
          "model case %zu: got %s (%d), expected %d", i, m ? "a model" : "NULL",
          error, cases[i].status);
    learn_model_destroy(m);
  }
  /* Smallest sizes that work, and a NULL error pointer. */
  learn_model *m =
      learn_model_create(LEARN_MODEL_CNN_SMALL, 16, 16, 2, 1, NULL);
  CHECK(m != NULL, "cnn-small on 16x16 must build");
  learn_model_destroy(m);
  learn_model_destroy(NULL);

  learn_model_kind kind;
  CHECK(learn_model_kind_from_name("cnn-small", &kind) == LEARN_OK &&
            kind == LEARN_MODEL_CNN_SMALL,
        "name cnn-small");
  CHECK(learn_model_kind_from_name("resnet", &kind) ==
            LEARN_ERROR_UNKNOWN_MODEL,
        "unknown model name");
  CHECK(learn_model_kind_from_name(NULL, &kind) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL model name");
  CHECK(learn_model_kind_name((learn_model_kind)4) == NULL, "name of kind 4");
  CHECK(learn_set_threads(0) == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "0 threads");
  CHECK(learn_set_threads(-3) == LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "negative threads");
  CHECK(learn_get_threads() == 1, "default threads %d", learn_get_threads());
  for (int s = 0; s >= -12; s--)
    CHECK(learn_strerror(s) && strcmp(learn_strerror(s), "unknown status "
                                                         "code") != 0,
          "no text for status %d", s);
  CHECK(strcmp(learn_strerror(-99), "unknown status code") == 0, "text of -99");
}

/* learn_gradient and learn_evaluate on a tiny synthetic set: bad arguments,
 * bit-identical results across instances, and the threads setting. */
static void check_steps(void) {
  char dir[256];
  CHECK(test_temp_dir(dir, sizeof(dir)) == 0, "temp dir");
  learn_dataset *d = test_random_dataset(dir, 40, 28, 28, 10, test_seed);
  learn_dataset *small = test_random_dataset(dir, 10, 20, 20, 10, test_seed);
  CHECK(d && small, "synthetic data sets");
  int error;
  learn_model *m =
      learn_model_create(LEARN_MODEL_CNN_SMALL, 28, 28, 10, 8, &error);
  learn_model *m2 =
      learn_model_create(LEARN_MODEL_CNN_SMALL, 28, 28, 10, 32, &error);
  learn_model *m3 =
      learn_model_create(LEARN_MODEL_SOFTMAX, 28, 28, 3, 8, &error);
  if (!d || !small || !m || !m2 || !m3)
    goto done;
  size_t dim = learn_model_dimension(m);
  float *w = malloc(dim * sizeof(float)), *g = malloc(dim * sizeof(float));
  float *g2 = malloc(dim * sizeof(float));
  learn_model_init(m, w, 3);
  uint32_t idx[9] = {0, 5, 7, 39, 2, 3, 4, 1, 6};
  learn_batch b = {d, idx, 8};
  float loss, loss2;
  CHECK(learn_gradient(m, w, &b, g, &loss) == LEARN_OK, "gradient");
  CHECK(learn_gradient(m2, w, &b, g2, &loss2) == LEARN_OK, "gradient m2");
  CHECK(memcmp(g, g2, dim * sizeof(float)) == 0 && loss == loss2,
        "two models (max batch 8, 32) give different bits");
  CHECK(learn_set_threads(2) == LEARN_OK && learn_get_threads() == 2,
        "threads 2");
  learn_gradient(m2, w, &b, g2, &loss2);
  double diff = 0.0, norm = 0.0;
  for (size_t j = 0; j < dim; j++) {
    diff += fabs((double)g[j] - g2[j]);
    norm += fabs((double)g[j]);
  }
  CHECK(diff <= 1e-5 * norm, "two threads: relative difference %g",
        diff / norm);
  learn_set_threads(1);
  learn_gradient(m2, w, &b, g2, &loss2);
  CHECK(memcmp(g, g2, dim * sizeof(float)) == 0,
        "back at one thread, different bits");

  learn_batch bad = b;
  CHECK(learn_gradient(NULL, w, &b, g, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL model");
  CHECK(learn_gradient(m, NULL, &b, g, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL weights");
  CHECK(learn_gradient(m, w, NULL, g, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL batch");
  CHECK(learn_gradient(m, w, &b, NULL, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL grad");
  bad.indices = NULL;
  CHECK(learn_gradient(m, w, &bad, g, NULL) == LEARN_ERROR_NULL_ARGUMENT,
        "NULL indices");
  bad = b;
  bad.size = 0;
  CHECK(learn_gradient(m, w, &bad, g, NULL) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "batch 0");
  bad.size = 9;
  CHECK(learn_gradient(m, w, &bad, g, NULL) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "batch above max");
  uint32_t far[1] = {40};
  bad.indices = far;
  bad.size = 1;
  CHECK(learn_gradient(m, w, &bad, g, NULL) ==
            LEARN_ERROR_PARAMETER_OUT_OF_RANGE,
        "index past the data");
  bad.data = small;
  bad.indices = idx;
  CHECK(learn_gradient(m, w, &bad, g, NULL) == LEARN_ERROR_DIMENSION_MISMATCH,
        "20x20 data into a 28x28 model");
  /* Labels up to 9 into a 3-class model. */
  CHECK(learn_gradient(m3, w, &b, g, NULL) == LEARN_ERROR_DIMENSION_MISMATCH,
        "labels beyond the model's classes");

  double acc = -1, eval_loss = -1;
  CHECK(learn_evaluate(m, w, d, NULL, 0, &acc, &eval_loss) == LEARN_OK &&
            acc >= 0.0 && acc <= 1.0 && eval_loss > 0.0,
        "evaluate the whole set: %g %g", acc, eval_loss);
  /* The mean loss over a batch equals the gradient's loss. */
  CHECK(learn_evaluate(m, w, d, idx, 8, &acc, &eval_loss) == LEARN_OK &&
            fabs(eval_loss - loss) < 1e-5 * loss,
        "evaluate loss %g vs gradient loss %g", eval_loss, loss);
  CHECK(learn_evaluate(m, w, d, idx, 0, &acc, NULL) == LEARN_ERROR_EMPTY,
        "evaluate nothing");
  CHECK(learn_evaluate(m, NULL, d, NULL, 0, &acc, NULL) ==
            LEARN_ERROR_NULL_ARGUMENT,
        "evaluate NULL weights");
  CHECK(learn_evaluate(m, w, small, NULL, 0, &acc, NULL) ==
            LEARN_ERROR_DIMENSION_MISMATCH,
        "evaluate mismatched data");
  free(w);
  free(g);
  free(g2);
done:
  learn_model_destroy(m);
  learn_model_destroy(m2);
  learn_model_destroy(m3);
  learn_dataset_destroy(d);
  learn_dataset_destroy(small);
  char command[600];
  snprintf(command, sizeof(command), "rm -rf '%s'", dir);
  if (system(command) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv) {
  test_parse_seed(argc, argv, 5);
  check_tables();
  check_flops();
  check_apply();
  check_bad_constructors();
  check_steps();
  return test_finish("test-model");
}
