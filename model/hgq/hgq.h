/*
 * hgq: hierarchical Grassmannian gradient quantization, and the standard
 * baselines, behind one object API with exact bit-packing and a validated
 * wire format.
 *
 * Reference: Du, Yang, Huang, "High-Dimensional Stochastic Gradient
 * Quantization for Communication-Efficient Edge Learning", IEEE Trans. Signal
 * Processing 68 (2020) 2128-2142. Design notes: shared/design/HGQ.md.
 *
 * Conventions (zstd / liquid-dsp style):
 *  - every function that can fail returns an int status: HGQ_OK (0) or a
 *    negative hgq_status; hgq_strerror() names it. The library never aborts,
 *    exits or prints.
 *  - ownership is written on every function: "borrows" (the caller keeps the
 *    object and it must outlive the call), "copies", "returns owned" (the
 *    caller destroys it).
 *  - encode and decode never allocate: scratch space is sized at create.
 *  - every random choice flows from hgq_config.seed; nothing calls rand().
 */
#ifndef HGQ_H
#define HGQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HGQ_VERSION_MAJOR 0
#define HGQ_VERSION_MINOR 1
#define HGQ_VERSION_PATCH 0

/** Wire format version carried in every payload header. */
#define HGQ_WIRE_VERSION  1

/** Largest gradient dimension D (the header carries D in 32 bits). */
#define HGQ_MAX_DIMENSION 0x7fffffffu

/** Most levels a hierarchical plan may have. */
#define HGQ_MAX_LEVELS    16

/* ------------------------------------------------------------------ status */

typedef enum hgq_status {
  HGQ_OK = 0,
  HGQ_ERROR_GENERIC = -1,
  HGQ_ERROR_NULL_ARGUMENT = -2,          /* a required pointer was NULL */
  HGQ_ERROR_PARAMETER_OUT_OF_RANGE = -3, /* a config field outside its bounds */
  HGQ_ERROR_UNKNOWN_METHOD = -4,         /* method id or name not known */
  HGQ_ERROR_BAD_PLAN = -5,           /* plan string malformed or infeasible */
  HGQ_ERROR_ALLOCATION = -6,         /* out of memory */
  HGQ_ERROR_DST_TOO_SMALL = -7,      /* output capacity below what is needed */
  HGQ_ERROR_DIMENSION_MISMATCH = -8, /* D differs from the quantizer's D */
  HGQ_ERROR_NONFINITE_INPUT = -9,    /* NaN or infinity in the gradient */
  HGQ_ERROR_TRUNCATED = -10,         /* payload shorter than its header says */
  HGQ_ERROR_BAD_MAGIC = -11,         /* not an hgq payload */
  HGQ_ERROR_VERSION = -12,           /* wire version not supported */
  HGQ_ERROR_METHOD_MISMATCH = -13,   /* payload of another method/params */
  HGQ_ERROR_CODEBOOK_MISMATCH = -14, /* payload made with other codebooks */
  HGQ_ERROR_CORRUPT_PAYLOAD = -15,   /* a field or index is invalid */
  HGQ_ERROR_CODEBOOK_UNAVAILABLE = -16, /* no codebook for (L, B) */
  HGQ_ERROR_CHECKSUM = -17,             /* codebook file checksum wrong */
  HGQ_ERROR_IO = -18,                   /* a file could not be read/written */
  HGQ_ERROR_TRAILING_BYTES = -19,       /* payload longer than its content */
  HGQ_ERROR_STATE = -20                 /* call not valid in this state */
} hgq_status;

/** Static, never NULL, for any int (unknown codes give a generic text). */
const char *hgq_strerror(int status);

/* ----------------------------------------------------------------- methods */

/* The names are the same in C, on the command line and in the database. */
typedef enum hgq_method {
  HGQ_METHOD_FP32 = 0,       /* "fp32": raw floats, 32 bits/coef */
  HGQ_METHOD_SIGNSGD = 1,    /* "signsgd": signs + mean |g| scale */
  HGQ_METHOD_SIGNSGD_MV = 2, /* "signsgd-mv": signs; server majority vote */
  HGQ_METHOD_EF_SIGNSGD = 3, /* "ef-signsgd": scaled signs + error memory */
  HGQ_METHOD_QSGD = 4,       /* "qsgd": norm + s-level stochastic rounding */
  HGQ_METHOD_TERNGRAD = 5,   /* "terngrad": max|g| + ternary, 5 trits/byte */
  HGQ_METHOD_TOPK = 6,       /* "topk": k values + delta-coded indices */
  HGQ_METHOD_HSQ = 7,        /* "hsq": Dai et al. scalar-hinge scheme */
  HGQ_METHOD_HGQ = 8,        /* "hgq": hierarchical Grassmannian */
  HGQ_METHOD_COUNT = 9
} hgq_method;

/** "fp32", "signsgd", ...; NULL for an unknown id. */
const char *hgq_method_name(hgq_method method);
/** Parses a method name; HGQ_ERROR_UNKNOWN_METHOD if not known. */
int hgq_method_from_name(const char *name, hgq_method *method);

/** How a server combines decoded gradients for this method. */
typedef enum hgq_aggregation {
  HGQ_AGGREGATION_MEAN = 0,         /* weighted mean of decoded gradients */
  HGQ_AGGREGATION_MAJORITY_VOTE = 1 /* sign of the sum of signs */
} hgq_aggregation;

hgq_aggregation hgq_method_aggregation(hgq_method method);

/* ------------------------------------------------------------------ config */

/*
 * One config for every method; fields a method does not use are ignored
 * (and not checked). hgq_config_default() fills the documented defaults.
 * Numeric bounds are queried with hgq_param_bounds() so that callers (the
 * ns-3 attribute checkers) never write a range a second time.
 */
typedef struct hgq_config {
  hgq_method method;
  uint32_t dimension; /* D, coefficients per gradient, 1..HGQ_MAX_DIMENSION */
  uint64_t seed;      /* seeds stochastic rounding (qsgd, terngrad, hsq) */
  int error_feedback; /* -1: method default (on for ef-signsgd, topk), 0 off, 1
                         on */

  /* hgq */
  const char *plan;     /* "16x8,4x6": L x B per level (level 1 first); borrowed
                           during create only. NULL or "": derive from
                           bits_per_coef with the greedy allocator. */
  double bits_per_coef; /* budget for the allocator, every bit counted */
  uint32_t norm_bits;   /* B_rho, 1..32; 32 sends the raw IEEE float */
  float norm_max;       /* rho_max of the uniform norm quantizer (B_rho < 32) */
  uint32_t top_block;   /* 0: stop at one scalar + sign bit; else stop when
                           M_l <= top_block (signed codebook) */

  /* qsgd */
  uint32_t qsgd_levels; /* s, 1..65535 */

  /* topk */
  uint32_t topk_k;      /* k; 0: use topk_fraction */
  double topk_fraction; /* k = ceil(fraction * D) when topk_k == 0 */

  /* hsq */
  uint32_t hsq_block_length; /* L of the level-1 codebook */
  uint32_t hsq_block_bits;   /* B of the level-1 codebook */
  uint32_t hsq_hinge_bits;   /* n stochastic bits per hinge scalar */

  /* codebooks (hgq, hsq) */
  const char *codebook_dir; /* NULL: tables built into the library; else a
                               folder of .hgqcb files; borrowed during create */
} hgq_config;

/** Fills *cfg with the defaults of `method` (dimension 0: caller must set it).
 */
void hgq_config_default(hgq_config *cfg, hgq_method method);

/** Numeric config fields, for hgq_param_bounds(). */
typedef enum hgq_param {
  HGQ_PARAM_DIMENSION = 0,
  HGQ_PARAM_BITS_PER_COEF,
  HGQ_PARAM_NORM_BITS,
  HGQ_PARAM_NORM_MAX,
  HGQ_PARAM_TOP_BLOCK,
  HGQ_PARAM_QSGD_LEVELS,
  HGQ_PARAM_TOPK_K,
  HGQ_PARAM_TOPK_FRACTION,
  HGQ_PARAM_HSQ_BLOCK_LENGTH,
  HGQ_PARAM_HSQ_BLOCK_BITS,
  HGQ_PARAM_HSQ_HINGE_BITS,
  HGQ_PARAM_COUNT
} hgq_param;

typedef struct hgq_bounds {
  double min; /* inclusive */
  double max; /* inclusive */
  double default_value;
} hgq_bounds;

/** Bounds of one parameter; HGQ_ERROR_PARAMETER_OUT_OF_RANGE for a bad id. */
int hgq_param_bounds(hgq_param param, hgq_bounds *bounds);

/** Checks every field `cfg->method` uses; HGQ_OK or the first error found. */
int hgq_config_validate(const hgq_config *cfg);

/* --------------------------------------------------------------- quantizer */

typedef struct hgq_quantizer hgq_quantizer;

/**
 * Builds a quantizer. Copies what it needs from *cfg (strings included).
 * Returns owned, or NULL with *error (may be NULL) set to the reason.
 */
hgq_quantizer *hgq_quantizer_create(const hgq_config *cfg, int *error);

/** Frees everything; NULL is allowed and does nothing. */
void hgq_quantizer_destroy(hgq_quantizer *q);

/** Upper bound on the bytes encode writes, header included. */
size_t hgq_quantizer_max_encoded_bytes(const hgq_quantizer *q);

/**
 * Encodes g[0..dimension) into out[0..capacity). Borrows g, out, g_hat.
 * *bytes_written is the byte count a network carries (header included).
 * If g_hat is not NULL it receives the reconstruction the decoder will
 * produce (what error feedback needs). With error feedback on, the memory is
 * added to g before quantization and updated after. Does not allocate.
 */
int hgq_quantizer_encode(hgq_quantizer *q, const float *g, size_t dimension,
                         uint8_t *out, size_t capacity, size_t *bytes_written,
                         float *g_hat);

/**
 * Decodes a payload made by a quantizer of the same config into
 * g_hat[0..dimension). Validates header, plan, codebook identity, lengths and
 * every index before use; a malformed payload returns an error code and
 * leaves g_hat unspecified. Does not allocate.
 */
int hgq_quantizer_decode(hgq_quantizer *q, const uint8_t *in, size_t length,
                         float *g_hat, size_t dimension);

/** Exact bit counts of the last successful encode. */
typedef struct hgq_encode_stats {
  uint64_t header_bits;  /* wire header */
  uint64_t payload_bits; /* every bit after the header, before byte padding */
  uint64_t total_bytes;  /* bytes written = ceil((header+payload)/8) */
} hgq_encode_stats;

int hgq_quantizer_last_stats(const hgq_quantizer *q, hgq_encode_stats *stats);

/** Clears error-feedback memory and restarts the RNG from the seed. */
int hgq_quantizer_reset(hgq_quantizer *q);

/**
 * One line describing the quantizer ("hgq D=7850 plan=16x8,4x6 ..."),
 * written to buf (always NUL-terminated when capacity > 0); returns
 * HGQ_ERROR_DST_TOO_SMALL if truncated.
 */
int hgq_quantizer_print(const hgq_quantizer *q, char *buf, size_t capacity);

/** The resolved plan ("16x8,4x6,..."), or the method's parameters. */
int hgq_quantizer_plan(const hgq_quantizer *q, char *buf, size_t capacity);

hgq_method hgq_quantizer_method(const hgq_quantizer *q);
uint32_t hgq_quantizer_dimension(const hgq_quantizer *q);

/* -------------------------------------------------------------- aggregator */

/*
 * Server side: combine decoded gradients. MEAN gives sum_i w_i g_i / sum_i
 * w_i; MAJORITY_VOTE gives sign(sum_i sign(g_i)) (0 on a tie), as in
 * Bernstein et al. 2018 (signSGD with majority vote).
 */
typedef struct hgq_aggregator hgq_aggregator;

/** Returns owned, or NULL with *error set. */
hgq_aggregator *hgq_aggregator_create(hgq_aggregation kind, uint32_t dimension,
                                      int *error);
void hgq_aggregator_destroy(hgq_aggregator *a);
/** Forgets everything added. */
int hgq_aggregator_reset(hgq_aggregator *a);
/** Adds one decoded gradient; borrows g. weight > 0 (ignored by majority vote).
 */
int hgq_aggregator_add(hgq_aggregator *a, const float *g, size_t dimension,
                       double weight);
/** How many gradients were added since the last reset. */
size_t hgq_aggregator_count(const hgq_aggregator *a);
/** Writes the aggregate; HGQ_ERROR_STATE if nothing was added. */
int hgq_aggregator_result(const hgq_aggregator *a, float *out,
                          size_t dimension);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_H */
