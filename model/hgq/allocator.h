/*
 * hgq plans (internal, not installed): parsing "16x8,4x6", expansion into the
 * levels of a D-dimensional hierarchy, the exact bit count, and the greedy
 * marginal bit allocator.
 *
 * A plan lists (L, B) per level, level 1 first; the last entry repeats for
 * every further level until a level has a single block (M == 1). Level 1 uses
 * the isotropic table (L, B), level 2 the hinge table, later levels the
 * upper-hinge table (hgq_level_role).
 */
#ifndef HGQ_ALLOCATOR_H
#define HGQ_ALLOCATOR_H

#include "codebook.h"
#include "hgq.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* L >= 2 at least halves the block count per level: 2^31 needs 32 levels. */
#define HGQ_MAX_EXPANDED_LEVELS 40u

typedef struct hgq_plan_entry {
  uint32_t block_length; /* L, HGQ_CODEBOOK_MIN_L..HGQ_CODEBOOK_MAX_L */
  uint32_t bits;         /* B, 1..HGQ_CODEBOOK_MAX_B */
} hgq_plan_entry;

typedef struct hgq_plan {
  uint32_t count; /* 1..HGQ_MAX_LEVELS */
  hgq_plan_entry entries[HGQ_MAX_LEVELS];
} hgq_plan;

/* One level of an expanded hierarchy. */
typedef struct hgq_level {
  uint32_t block_length; /* L_l */
  uint32_t bits;         /* B_l */
  uint64_t input_length; /* n_l: D at level 1, M_{l-1} after */
  uint64_t blocks;       /* M_l = ceil(n_l / L_l) */
} hgq_level;

/**
 * Parses "LxB[,LxB...]" (decimal, no spaces, 1..HGQ_MAX_LEVELS entries, L and
 * B within the codebook bounds). HGQ_ERROR_BAD_PLAN if malformed.
 */
int hgq_plan_parse(const char *text, hgq_plan *plan);

/** Writes "16x8,4x6"; HGQ_ERROR_DST_TOO_SMALL if it does not fit. */
int hgq_plan_format(const hgq_plan *plan, char *buf, size_t capacity);

/**
 * Expands a plan for dimension D >= 1 into levels[0..*count) (capacity
 * HGQ_MAX_EXPANDED_LEVELS); the last level has M == 1. Entries beyond the
 * last needed level are ignored (hgq_plan_trim drops them). top_block T >= 2
 * (0 or 1: off): as soon as a hinge level's input has n <= T values, that
 * level uses block length T (one block, M == 1) with its entry's B: the
 * whole top hinge goes through one codebook plus the sign bit, i.e. a
 * signed codebook of 2^(B+1) vectors.
 */
int hgq_plan_expand(const hgq_plan *plan, uint64_t dimension,
                    uint32_t top_block, hgq_level *levels, uint32_t *count);

/** Drops entries the expansion for D does not use and trailing repeats. */
void hgq_plan_trim(hgq_plan *plan, uint64_t dimension, uint32_t top_block);

/** The table role of level `level` (0-based): isotropic at level 1, hinge
 * at level 2, upper hinge above. */
hgq_codebook_role hgq_level_role(uint32_t level);

/** Norm field bits: 32 (raw float) or B_rho + 1 (index and clip flag). */
uint64_t hgq_norm_field_bits(uint32_t norm_bits);

/**
 * Payload bits after the wire header: norm field + sum_l M_l B_l + 1 (the
 * sign bit of the top scalar). Shared by the encoder, the decoder and the
 * allocator so that they cannot drift.
 */
uint64_t hgq_plan_payload_bits(const hgq_level *levels, uint32_t count,
                               uint32_t norm_bits);

/** Bytes of the hgq parameter block in the wire header for this plan. */
size_t hgq_plan_param_bytes(const hgq_plan *plan);

/** Predicted shape distortion 1 - prod_l (1 - D_l) from the tables' measured
 * distortions; HGQ_ERROR_CODEBOOK_UNAVAILABLE if a table is missing. */
int hgq_plan_predicted_distortion(const hgq_codebook_set *set,
                                  const hgq_level *levels, uint32_t count,
                                  double *distortion);

/**
 * Greedy marginal allocation: over every structure (isotropic L_1 in
 * {8, 12, 16, 24, 32}, the block lengths whose hinge sources the hinge tables
 * were trained on; one hinge L for all later levels), start each level at
 * its smallest available B and repeatedly give more bits to the level with
 * the largest drop of -log(1 - D_l) per bit spent that still fits; keep the
 * structure with the lowest predicted distortion. Levels that share a plan
 * entry (past HGQ_MAX_LEVELS) share B. Constraint, in whole bits:
 * 8 ceil((header + payload) / 8) <= budget_bits, with the wire header of
 * this method's parameter block. A pure function of its inputs.
 * HGQ_ERROR_BAD_PLAN if no plan fits the budget.
 */
int hgq_allocate(const hgq_codebook_set *set, uint64_t dimension,
                 uint64_t budget_bits, uint32_t norm_bits, uint32_t top_block,
                 hgq_plan *plan, double *predicted_distortion);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_ALLOCATOR_H */
