/*
 * Internal hooks of the hgq method (not installed), for tests and the
 * benchmark: what the last encode measured at every level.
 */
#ifndef HGQ_METHOD_H
#define HGQ_METHOD_H

#include "hgq.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ||a_l|| (the hinge norm, = cos of the angle level l introduced when its
 * input has no padding) for every level of the last encode of an hgq
 * quantizer. norms has room for `capacity`; *count gets the level count.
 * HGQ_ERROR_STATE before the first encode, HGQ_ERROR_METHOD_MISMATCH for
 * another method, HGQ_ERROR_DST_TOO_SMALL if capacity is short.
 */
int hgq_hgq_last_hinge_norms(const hgq_quantizer *q, double *norms,
                             uint32_t capacity, uint32_t *count);

/** Predicted shape distortion 1 - prod (1 - D_l) of the resolved plan. */
int hgq_hgq_predicted_distortion(const hgq_quantizer *q, double *distortion);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_METHOD_H */
