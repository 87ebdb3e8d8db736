/*
 * A short centralised training run on the real data: softmax regression, 500
 * SGD steps of 32 samples (lr 0.1, no momentum; 0.27 of an epoch), must reach
 * test accuracy >= 0.75 (measured 0.77-0.80 over eight seeds; chance is 0.10)
 * and cut the test loss by 30%. The same seed twice must give the same
 * weights bit for bit. The MLP with heavy-ball momentum (200 steps, lr 0.01,
 * momentum 0.9) must reach >= 0.70 (measured 0.74-0.80).
 */
#include "learn-test-util.h"

#define SOFTMAX_STEPS  500
#define SOFTMAX_TARGET 0.75
#define MLP_STEPS      200
#define MLP_TARGET     0.70
#define BATCH          32

static double train(learn_model_kind kind, const learn_dataset *train_set,
                    const learn_dataset *test_set, size_t steps, float lr,
                    float momentum, float **weights_out, double *initial_loss,
                    double *final_loss) {
  int error;
  learn_model *m = learn_model_create(kind, 28, 28, 10, BATCH, &error);
  learn_sampler *s = NULL;
  size_t dim = m ? learn_model_dimension(m) : 0;
  float *w = m ? malloc(dim * sizeof(float)) : NULL;
  float *g = m ? malloc(dim * sizeof(float)) : NULL;
  float *v = m ? calloc(dim, sizeof(float)) : NULL;
  uint32_t *all = malloc(60000 * sizeof(uint32_t));
  double accuracy = -1.0;
  if (!m || !w || !g || !v || !all) {
    CHECK(0, "setup failed");
    goto done;
  }
  for (uint32_t i = 0; i < 60000; i++)
    all[i] = i;
  s = learn_sampler_create(all, 60000, test_seed, &error);
  learn_model_init(m, w, test_seed);
  learn_evaluate(m, w, test_set, NULL, 0, NULL, initial_loss);
  uint32_t idx[BATCH];
  learn_batch batch = {train_set, idx, BATCH};
  for (size_t step = 0; step < steps; step++) {
    learn_sampler_next(s, idx, BATCH);
    float loss;
    CHECK(learn_gradient(m, w, &batch, g, &loss) == LEARN_OK, "gradient");
    CHECK(learn_apply(w, g, dim, lr, momentum, v) == LEARN_OK, "apply");
  }
  CHECK(learn_evaluate(m, w, test_set, NULL, 0, &accuracy, final_loss) ==
            LEARN_OK,
        "evaluate");
done:
  learn_sampler_destroy(s);
  learn_model_destroy(m);
  free(g);
  free(v);
  free(all);
  if (weights_out)
    *weights_out = w;
  else
    free(w);
  return accuracy;
}

int main(int argc, char **argv) {
  test_parse_seed(argc, argv, 11);
  learn_dataset *train_set = test_load_fashion(1);
  learn_dataset *test_set = test_load_fashion(0);
  CHECK(train_set && test_set, "Fashion-MNIST must load");
  if (!train_set || !test_set)
    return test_finish("test-train");
  float *w1 = NULL, *w2 = NULL;
  double l0, l1;
  double acc = train(LEARN_MODEL_SOFTMAX, train_set, test_set, SOFTMAX_STEPS,
                     0.1f, 0.0f, &w1, &l0, &l1);
  printf("  softmax: %d steps of %d, test accuracy %.4f (target >= %.2f), "
         "loss %.3f -> %.3f\n",
         SOFTMAX_STEPS, BATCH, acc, SOFTMAX_TARGET, l0, l1);
  CHECK(acc >= SOFTMAX_TARGET, "softmax accuracy %.4f < %.2f", acc,
        SOFTMAX_TARGET);
  CHECK(l1 < 0.7 * l0, "test loss %.3f -> %.3f", l0, l1);
  double again = train(LEARN_MODEL_SOFTMAX, train_set, test_set, SOFTMAX_STEPS,
                       0.1f, 0.0f, &w2, &l0, &l1);
  CHECK(again == acc && w1 && w2 && memcmp(w1, w2, 7850 * sizeof(float)) == 0,
        "the same seed gave different weights");
  free(w1);
  free(w2);
  acc = train(LEARN_MODEL_MLP, train_set, test_set, MLP_STEPS, 0.01f, 0.9f,
              NULL, &l0, &l1);
  printf("  mlp: %d steps of %d with momentum 0.9, test accuracy %.4f "
         "(target >= %.2f), loss %.3f -> %.3f\n",
         MLP_STEPS, BATCH, acc, MLP_TARGET, l0, l1);
  CHECK(acc >= MLP_TARGET, "mlp accuracy %.4f < %.2f", acc, MLP_TARGET);
  learn_dataset_destroy(train_set);
  learn_dataset_destroy(test_set);
  return test_finish("test-train");
}
