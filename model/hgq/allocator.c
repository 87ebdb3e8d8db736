/*
 * Plans and the greedy marginal bit allocator of hgq.
 *
 * Problem (HGQ.md, "Bit allocation"): choose {(L_l, B_l)} minimising the
 * shape distortion 1 - prod_l (1 - D_l(B_l)), i.e. maximising
 * sum_l log(1 - D_l), subject to the payload B_rho + sum_l M_l B_l + 1 (plus
 * the wire header, rounded up to whole bytes) fitting the budget. Level l
 * costs M_l bits per extra bit of resolution, so higher levels, where M_l is
 * small, are run at far lower distortion than level 1 (in the
 * high-resolution regime the optimum has D_l proportional to M_l (L_l - 1)).
 * The greedy step gives the next available B to the level with the largest
 * gain log(1 - D(B')) - log(1 - D(B)) per bit spent, using the measured
 * distortion of each table, not a formula. Budgets are whole bits (integers)
 * so that encoder and decoder reach the same plan.
 */
#include "allocator.h"

#include "hgq-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- parsing */

static int parse_number(const char **p, uint32_t *value) {
  const char *s = *p;
  uint64_t v = 0;
  int digits = 0;
  while (*s >= '0' && *s <= '9') {
    v = v * 10 + (uint64_t)(*s - '0');
    if (v > 1000000)
      return HGQ_ERROR_BAD_PLAN;
    ++s;
    ++digits;
  }
  RETURN_IF(digits == 0, HGQ_ERROR_BAD_PLAN);
  *value = (uint32_t)v;
  *p = s;
  return HGQ_OK;
}

int hgq_plan_parse(const char *text, hgq_plan *plan) {
  RETURN_IF(text == NULL || plan == NULL, HGQ_ERROR_NULL_ARGUMENT);
  memset(plan, 0, sizeof *plan);
  const char *p = text;
  RETURN_IF(*p == '\0', HGQ_ERROR_BAD_PLAN);
  for (;;) {
    RETURN_IF(plan->count >= HGQ_MAX_LEVELS, HGQ_ERROR_BAD_PLAN);
    uint32_t l, b;
    FORWARD_IF_ERROR(parse_number(&p, &l));
    RETURN_IF(*p != 'x', HGQ_ERROR_BAD_PLAN);
    ++p;
    FORWARD_IF_ERROR(parse_number(&p, &b));
    RETURN_IF(l < HGQ_CODEBOOK_MIN_L || l > HGQ_CODEBOOK_MAX_L || b < 1 ||
                  b > HGQ_CODEBOOK_MAX_B,
              HGQ_ERROR_BAD_PLAN);
    plan->entries[plan->count].block_length = l;
    plan->entries[plan->count].bits = b;
    plan->count++;
    if (*p == '\0')
      return HGQ_OK;
    RETURN_IF(*p != ',', HGQ_ERROR_BAD_PLAN);
    ++p;
  }
}

int hgq_plan_format(const hgq_plan *plan, char *buf, size_t capacity) {
  RETURN_IF(plan == NULL || buf == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(capacity == 0, HGQ_ERROR_DST_TOO_SMALL);
  size_t pos = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < plan->count; ++i) {
    int n = snprintf(buf + pos, capacity - pos, "%s%ux%u", i ? "," : "",
                     plan->entries[i].block_length, plan->entries[i].bits);
    RETURN_IF(n < 0 || (size_t)n >= capacity - pos, HGQ_ERROR_DST_TOO_SMALL);
    pos += (size_t)n;
  }
  return HGQ_OK;
}

/* ----------------------------------------------------------- expansion */

int hgq_plan_expand(const hgq_plan *plan, uint64_t dimension,
                    uint32_t top_block, hgq_level *levels, uint32_t *count) {
  RETURN_IF(plan == NULL || levels == NULL || count == NULL,
            HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(plan->count == 0 || plan->count > HGQ_MAX_LEVELS,
            HGQ_ERROR_BAD_PLAN);
  RETURN_IF(dimension == 0, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  uint64_t n = dimension;
  uint32_t j = 0;
  for (;;) {
    RETURN_IF(j >= HGQ_MAX_EXPANDED_LEVELS, HGQ_ERROR_BAD_PLAN);
    const hgq_plan_entry *e =
        &plan->entries[j < plan->count ? j : plan->count - 1];
    RETURN_IF(e->block_length < HGQ_CODEBOOK_MIN_L ||
                  e->block_length > HGQ_CODEBOOK_MAX_L || e->bits < 1 ||
                  e->bits > HGQ_CODEBOOK_MAX_B,
              HGQ_ERROR_BAD_PLAN);
    /* top_block: a hinge of at most T values is quantized whole, by one
     * codebook of length T and the sign bit (a signed codebook). */
    uint32_t l = e->block_length;
    if (top_block >= 2 && j > 0 && n <= top_block)
      l = top_block;
    levels[j].block_length = l;
    levels[j].bits = e->bits;
    levels[j].input_length = n;
    levels[j].blocks = (n + l - 1) / l;
    n = levels[j].blocks;
    ++j;
    if (n == 1)
      break;
  }
  *count = j;
  return HGQ_OK;
}

void hgq_plan_trim(hgq_plan *plan, uint64_t dimension, uint32_t top_block) {
  hgq_level levels[HGQ_MAX_EXPANDED_LEVELS];
  uint32_t count;
  if (plan == NULL ||
      hgq_plan_expand(plan, dimension, top_block, levels, &count) != 0)
    return;
  if (plan->count > count)
    plan->count = count;
  while (plan->count > 1 &&
         plan->entries[plan->count - 1].block_length ==
             plan->entries[plan->count - 2].block_length &&
         plan->entries[plan->count - 1].bits ==
             plan->entries[plan->count - 2].bits)
    plan->count--;
}

uint64_t hgq_norm_field_bits(uint32_t norm_bits) {
  return norm_bits >= 32 ? 32u : (uint64_t)norm_bits + 1u;
}

uint64_t hgq_plan_payload_bits(const hgq_level *levels, uint32_t count,
                               uint32_t norm_bits) {
  uint64_t bits = hgq_norm_field_bits(norm_bits) + 1u;
  for (uint32_t j = 0; j < count; ++j)
    bits += levels[j].blocks * levels[j].bits;
  return bits;
}

size_t hgq_plan_param_bytes(const hgq_plan *plan) {
  /* norm_bits, norm_max (f32), top_block (u16), entry count, then (L, B)
   * bytes. */
  return 8u + 2u * (size_t)plan->count;
}

hgq_codebook_role hgq_level_role(uint32_t level) {
  return level == 0   ? HGQ_CODEBOOK_ISOTROPIC
         : level == 1 ? HGQ_CODEBOOK_HINGE
                      : HGQ_CODEBOOK_HINGE_UPPER;
}

static const hgq_codebook *level_codebook(const hgq_codebook_set *set,
                                          uint32_t level, uint32_t l,
                                          uint32_t b) {
  return hgq_codebook_set_find(set, hgq_level_role(level), l, b);
}

int hgq_plan_predicted_distortion(const hgq_codebook_set *set,
                                  const hgq_level *levels, uint32_t count,
                                  double *distortion) {
  RETURN_IF(set == NULL || levels == NULL || distortion == NULL,
            HGQ_ERROR_NULL_ARGUMENT);
  double keep = 1.0;
  for (uint32_t j = 0; j < count; ++j) {
    const hgq_codebook *cb =
        level_codebook(set, j, levels[j].block_length, levels[j].bits);
    RETURN_IF(cb == NULL, HGQ_ERROR_CODEBOOK_UNAVAILABLE);
    keep *= 1.0 - cb->distortion;
  }
  *distortion = 1.0 - keep;
  return HGQ_OK;
}

/* ----------------------------------------------------------- allocator */

/* A group is one plan entry: a level, or for the last entry every level
 * from there up (they share B). Its levels may differ in L (the top level
 * under top_block), so tables are looked up per level. */
typedef struct group {
  uint32_t first, last; /* expanded levels [first, last] */
  uint64_t blocks;      /* sum of M_l over its levels: bits per unit of B */
  uint32_t bits;
  double log_keep; /* sum over its levels of log(1 - D_l(bits)) */
} group;

/* sum_l log(1 - D_l(bits)) over the group's levels; NAN if a table is
 * missing. */
static double group_log_keep(const hgq_codebook_set *set,
                             const hgq_level *levels, const group *g,
                             uint32_t bits) {
  double sum = 0.0;
  for (uint32_t j = g->first; j <= g->last; ++j) {
    const hgq_codebook *cb =
        level_codebook(set, j, levels[j].block_length, bits);
    if (cb == NULL)
      return NAN;
    sum += log1p(-cb->distortion);
  }
  return sum;
}

static uint64_t total_bits(const group *groups, uint32_t count,
                           uint32_t norm_bits, uint64_t header_bits) {
  uint64_t bits = header_bits + hgq_norm_field_bits(norm_bits) + 1u;
  for (uint32_t g = 0; g < count; ++g)
    bits += groups[g].blocks * groups[g].bits;
  return (bits + 7u) / 8u * 8u; /* whole bytes on the wire */
}

/* Greedy for one structure; returns the objective sum log(1 - D) (higher is
 * better) or -INFINITY when infeasible. */
static double allocate_structure(const hgq_codebook_set *set,
                                 uint64_t dimension, uint64_t budget_bits,
                                 uint32_t norm_bits, uint32_t top_block,
                                 uint32_t l1, uint32_t lh, hgq_plan *plan) {
  hgq_plan shape;
  memset(&shape, 0, sizeof shape);
  shape.count = 2;
  shape.entries[0].block_length = l1;
  shape.entries[0].bits = 1;
  shape.entries[1].block_length = lh;
  shape.entries[1].bits = 1;
  hgq_level levels[HGQ_MAX_EXPANDED_LEVELS];
  uint32_t level_count;
  if (hgq_plan_expand(&shape, dimension, top_block, levels, &level_count) !=
      HGQ_OK)
    return -INFINITY;

  group groups[HGQ_MAX_LEVELS];
  uint32_t group_count =
      level_count < HGQ_MAX_LEVELS ? level_count : HGQ_MAX_LEVELS;
  memset(groups, 0, sizeof groups);
  for (uint32_t j = 0; j < level_count; ++j) {
    uint32_t g = j < group_count ? j : group_count - 1;
    if (groups[g].blocks == 0)
      groups[g].first = j;
    groups[g].last = j;
    groups[g].blocks += levels[j].blocks;
  }
  /* Start every group at its smallest available B. */
  for (uint32_t g = 0; g < group_count; ++g) {
    uint32_t b = 1;
    while (b <= HGQ_CODEBOOK_MAX_B &&
           isnan(group_log_keep(set, levels, &groups[g], b)))
      ++b;
    if (b > HGQ_CODEBOOK_MAX_B)
      return -INFINITY;
    groups[g].bits = b;
    groups[g].log_keep = group_log_keep(set, levels, &groups[g], b);
  }
  hgq_plan result;
  memset(&result, 0, sizeof result);
  result.count = group_count;
  uint64_t header_bits =
      8u * (HGQ_WIRE_FIXED_HEADER_BYTES + hgq_plan_param_bytes(&result));
  if (total_bits(groups, group_count, norm_bits, header_bits) > budget_bits)
    return -INFINITY;

  for (;;) {
    int best = -1;
    double best_rate = 0.0, best_keep = 0.0;
    uint32_t best_bits = 0;
    for (uint32_t g = 0; g < group_count; ++g) {
      /* The next B with every table present that lowers the distortion. */
      uint32_t b = groups[g].bits + 1;
      double keep = NAN;
      for (; b <= HGQ_CODEBOOK_MAX_B; ++b) {
        keep = group_log_keep(set, levels, &groups[g], b);
        if (!isnan(keep) && keep > groups[g].log_keep)
          break;
      }
      if (b > HGQ_CODEBOOK_MAX_B)
        continue;
      uint32_t old_bits = groups[g].bits;
      groups[g].bits = b;
      uint64_t cost = total_bits(groups, group_count, norm_bits, header_bits);
      groups[g].bits = old_bits;
      if (cost > budget_bits)
        continue;
      double rate = (keep - groups[g].log_keep) /
                    (double)(groups[g].blocks * (uint64_t)(b - old_bits));
      if (best < 0 || rate > best_rate) {
        best = (int)g;
        best_rate = rate;
        best_keep = keep;
        best_bits = b;
      }
    }
    if (best < 0)
      break;
    groups[best].bits = best_bits;
    groups[best].log_keep = best_keep;
  }

  double objective = 0.0;
  for (uint32_t g = 0; g < group_count; ++g) {
    objective += groups[g].log_keep;
    result.entries[g].block_length = g == 0 ? l1 : lh;
    result.entries[g].bits = groups[g].bits;
  }
  *plan = result;
  return objective;
}

int hgq_allocate(const hgq_codebook_set *set, uint64_t dimension,
                 uint64_t budget_bits, uint32_t norm_bits, uint32_t top_block,
                 hgq_plan *plan, double *predicted_distortion) {
  RETURN_IF(set == NULL || plan == NULL, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension == 0, HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  static const uint32_t level1_lengths[] = {8, 12, 16, 24, 32};
  double best = -INFINITY;
  hgq_plan best_plan;
  memset(&best_plan, 0, sizeof best_plan);
  for (size_t a = 0; a < sizeof level1_lengths / sizeof level1_lengths[0];
       ++a) {
    for (uint32_t lh = HGQ_CODEBOOK_MIN_L; lh <= HGQ_CODEBOOK_MAX_L; ++lh) {
      int any = 0;
      for (uint32_t b = 1; b <= HGQ_CODEBOOK_MAX_B && !any; ++b)
        any = hgq_codebook_set_find(set, HGQ_CODEBOOK_HINGE, lh, b) != NULL;
      if (!any)
        continue;
      hgq_plan candidate;
      double objective =
          allocate_structure(set, dimension, budget_bits, norm_bits, top_block,
                             level1_lengths[a], lh, &candidate);
      if (objective > best) {
        best = objective;
        best_plan = candidate;
      }
    }
  }
  RETURN_IF(best == -INFINITY, HGQ_ERROR_BAD_PLAN);
  /* Trimming trailing repeats only shortens the header: still fits. */
  hgq_plan_trim(&best_plan, dimension, top_block);
  *plan = best_plan;
  if (predicted_distortion != NULL)
    *predicted_distortion = -expm1(best);
  return HGQ_OK;
}
