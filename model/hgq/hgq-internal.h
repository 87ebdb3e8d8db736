/*
 * Internal contract between the quantizer core (quantizer.c: config, wire
 * header, dispatch, error feedback) and the method implementations
 * (baselines.c, hgq-method.c, hsq.c). Not installed.
 *
 * Wire format (all multi-byte fields little-endian, version HGQ_WIRE_VERSION):
 *   offset size field
 *   0      2    magic "HQ" (0x48 0x51)
 *   2      1    wire version
 *   3      1    method id (hgq_method)
 *   4      4    dimension D
 *   8      1    flags (bit 0: zero gradient, nothing follows the header)
 *   9      4    codebook id (CRC-32 of the codebook set, 0 if none)
 *   13     1    n = length of the method parameter block
 *   14     n    method parameter block (plan, s, k, ...), written by the method
 *   14+n   ...  packed payload bits (bit writer, LSB-first within each byte)
 * The decoder refuses a payload whose parameter block differs from the one
 * its own quantizer would write (HGQ_ERROR_METHOD_MISMATCH) or whose
 * codebook id differs (HGQ_ERROR_CODEBOOK_MISMATCH).
 */
#ifndef HGQ_INTERNAL_H
#define HGQ_INTERNAL_H

#include "hgq.h"

#include <stdbool.h>

#define HGQ_WIRE_MAGIC0             0x48u
#define HGQ_WIRE_MAGIC1             0x51u
#define HGQ_WIRE_FIXED_HEADER_BYTES 14u
#define HGQ_WIRE_MAX_PARAM_BYTES    255u
#define HGQ_WIRE_FLAG_ZERO          0x01u

/* zstd-style internal error plumbing. */
#define RETURN_IF(cond, code) \
  do {                        \
    if (cond)                 \
      return (code);          \
  } while (0)
#define FORWARD_IF_ERROR(expr)        \
  do {                                \
    int hgq_forward_status_ = (expr); \
    if (hgq_forward_status_ < 0)      \
      return hgq_forward_status_;     \
  } while (0)

/* ------------------------------------------------------------ bit writer */

/* Never writes past capacity: a write that would overflow sets `overflow`
 * and is dropped; callers check hgq_bit_writer_status() once at the end. */
typedef struct hgq_bit_writer {
  uint8_t *data;
  size_t capacity;  /* bytes */
  uint64_t bit_pos; /* bits written so far */
  uint64_t acc;     /* pending bits */
  unsigned acc_bits;
  bool overflow;
} hgq_bit_writer;

void hgq_bit_writer_init(hgq_bit_writer *w, uint8_t *data, size_t capacity);
/* Appends the low `nbits` (0..32) bits of value. */
void hgq_bit_writer_put(hgq_bit_writer *w, uint32_t value, unsigned nbits);
/* Flushes pending bits (zero-padding the last byte); returns HGQ_OK or
 * HGQ_ERROR_DST_TOO_SMALL. */
int hgq_bit_writer_finish(hgq_bit_writer *w);
uint64_t hgq_bit_writer_bits(const hgq_bit_writer *w);
/* Appends `nbytes` whole bytes for the caller to fill through the returned
 * pointer (a bulk path for byte-aligned payloads). Only when no bits are
 * pending (the stream so far is a whole number of flushed bytes) and the
 * bytes fit; otherwise returns NULL and changes nothing, and the caller
 * falls back to hgq_bit_writer_put. */
uint8_t *hgq_bit_writer_reserve(hgq_bit_writer *w, size_t nbytes);

/* ------------------------------------------------------------ bit reader */

/* Never reads past length: reading beyond the end returns zeros and sets
 * `overrun`; callers check it before trusting anything decoded. */
typedef struct hgq_bit_reader {
  const uint8_t *data;
  size_t length; /* bytes */
  uint64_t bit_pos;
  bool overrun;
} hgq_bit_reader;

void hgq_bit_reader_init(hgq_bit_reader *r, const uint8_t *data, size_t length);
uint32_t hgq_bit_reader_get(hgq_bit_reader *r, unsigned nbits); /* 0..32 */
uint64_t hgq_bit_reader_remaining(const hgq_bit_reader *r);     /* bits */

/* --------------------------------------------------------------- RNG */

/* xoshiro256** seeded by splitmix64(seed): fast, reproducible everywhere. */
typedef struct hgq_rng {
  uint64_t s[4];
} hgq_rng;

void hgq_rng_seed(hgq_rng *rng, uint64_t seed);
uint64_t hgq_rng_next(hgq_rng *rng);
/* Uniform in [0, 1) with 24 random bits (exact in float). */
float hgq_rng_uniform(hgq_rng *rng);
/* Standard normal (Box-Muller, double). */
double hgq_rng_normal(hgq_rng *rng);

/* ----------------------------------------------------- method interface */

typedef struct hgq_method_ops hgq_method_ops;

struct hgq_quantizer {
  hgq_config cfg; /* copy; string fields point at the copies below */
  char plan_copy[256];
  char codebook_dir_copy[4096];
  const hgq_method_ops *ops;
  void *state; /* method state, owned via ops->destroy */
  bool error_feedback;
  float *ef_memory; /* D floats when error feedback is on */
  float *ef_input;  /* D floats: g + memory, scratch */
  float *ef_output; /* D floats: reconstruction, scratch */
  hgq_rng rng;
  uint8_t params[HGQ_WIRE_MAX_PARAM_BYTES];
  size_t params_length; /* method parameter block, fixed at create */
  uint32_t codebook_id;
  hgq_encode_stats last_stats;
  bool has_stats;
};

struct hgq_method_ops {
  hgq_method method;
  /* Resolve parameters, allocate q->state, fill q->params/params_length and
   * q->codebook_id. All allocation happens here. */
  int (*create)(hgq_quantizer *q);
  void (*destroy)(void *state);
  /* Upper bound on payload bits after the header. */
  uint64_t (*max_payload_bits)(const hgq_quantizer *q);
  /* g is finite and non-zero (the core handles the zero gradient). Writes
   * the payload; if g_hat != NULL fills the reconstruction. */
  int (*encode)(hgq_quantizer *q, const float *g, hgq_bit_writer *w,
                float *g_hat);
  /* Reads the payload and writes g_hat; must validate every index and leave
   * no bits unread beyond the final byte's padding. */
  int (*decode)(hgq_quantizer *q, hgq_bit_reader *r, float *g_hat);
  /* Optional (NULL allowed): restart method-internal state. */
  void (*reset)(hgq_quantizer *q);
  /* One-line parameter description, e.g. "plan=16x8,4x6" or "s=4". */
  int (*describe)(const hgq_quantizer *q, char *buf, size_t capacity);
};

/* Defined by the method files; the dispatch table in quantizer.c uses them. */
extern const hgq_method_ops hgq_fp32_ops;
extern const hgq_method_ops hgq_signsgd_ops;
extern const hgq_method_ops hgq_signsgd_mv_ops;
extern const hgq_method_ops hgq_ef_signsgd_ops;
extern const hgq_method_ops hgq_qsgd_ops;
extern const hgq_method_ops hgq_terngrad_ops;
extern const hgq_method_ops hgq_topk_ops;
extern const hgq_method_ops hgq_hsq_ops;
extern const hgq_method_ops hgq_hgq_ops;

#endif /* HGQ_INTERNAL_H */
