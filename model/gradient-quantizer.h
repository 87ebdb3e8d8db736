/*
 * GradientQuantizer: an ns-3 Object around one hgq quantizer handle.
 */
#ifndef EDGE_LEARNING_GRADIENT_QUANTIZER_H
#define EDGE_LEARNING_GRADIENT_QUANTIZER_H

#include "ns3/hgq.h"
#include "ns3/object.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ns3 {

/**
 * \ingroup edge-learning
 * \brief One gradient quantizer (encoder and decoder) of the hgq core.
 *
 * Attributes select the method and its parameters; they map one to one to the
 * fields of hgq_config (see GetConfig). Every numeric attribute's checker is
 * built from hgq_param_bounds(), so a range is written once, in the C core;
 * a value outside it is refused by the attribute system (Config::SetDefault
 * and SetAttribute abort, SetAttributeFailSafe returns false). "Method" takes
 * a method name ("fp32", "signsgd", "signsgd-mv", "ef-signsgd", "qsgd",
 * "terngrad", "topk", "hsq", "hgq"); it is an EnumValue, so StringValue("hgq")
 * and "--ns3::GradientQuantizer::Method=hgq" work.
 *
 * Life cycle: set attributes, then Setup(D) builds the handle (a C status
 * becomes NS_FATAL_ERROR naming the attribute concerned and hgq_strerror's
 * text). Attributes changed after Setup take effect at the next Setup.
 * Each EdgeDeviceApplication owns one instance (own seed, own error-feedback
 * memory); the server owns one more as its decoder.
 */
class GradientQuantizer : public Object
{
  public:
    static TypeId GetTypeId();
    GradientQuantizer();
    ~GradientQuantizer() override;

    /**
     * The hgq_config these attributes describe, for a gradient of `dimension`
     * coefficients. Its `plan` and `codebook_dir` point into this object
     * (borrowed: valid while this object lives and its attributes are not
     * changed). Does not validate: hgq_config_validate does.
     */
    hgq_config GetConfig(uint32_t dimension) const;

    /**
     * Validates the config and builds the quantizer for `dimension`
     * coefficients (destroying any previous one). NS_FATAL_ERROR on failure,
     * naming the attribute and the hgq_strerror text.
     */
    void Setup(uint32_t dimension);
    /**
     * Setup without ending the program: returns false and sets *error (may be
     * nullptr) to the message Setup would abort with.
     */
    bool TrySetup(uint32_t dimension, std::string* error);
    /**
     * What Setup would say: "" if the config for `dimension` is valid and a
     * quantizer can be built, else the message naming the attribute to fix and
     * the hgq_strerror text. Builds and frees a trial quantizer.
     */
    std::string CheckConfig(uint32_t dimension) const;
    /** True once Setup succeeded. */
    bool IsSetUp() const;

    /** The method of the current attributes. */
    hgq_method GetMethod() const;
    /** Its name, e.g. "hgq". */
    std::string GetMethodName() const;
    /** Mean or majority vote, as the server must combine this method. */
    hgq_aggregation GetAggregation() const;
    /** Resolved plan or method parameters (hgq_quantizer_plan); needs Setup. */
    std::string GetPlan() const;
    /** One-line description (hgq_quantizer_print); needs Setup. */
    std::string Describe() const;
    uint32_t GetDimension() const;
    /** Upper bound of the bytes one Encode writes; needs Setup. */
    size_t GetMaxEncodedBytes() const;

    /**
     * Encodes g[0..D) into out[0..capacity); returns the bytes written
     * (header included). gHat (may be nullptr) receives the reconstruction the
     * decoder will produce. Borrows all pointers. NS_FATAL_ERROR on a C error
     * (a device cannot upload garbage). Does not allocate.
     */
    size_t Encode(const float* g, uint8_t* out, size_t capacity, float* gHat);

    /** Exact bit counts of the last Encode. */
    hgq_encode_stats GetLastStats() const;

    /**
     * Decodes a payload of `length` bytes into gHat[0..D). Returns HGQ_OK or
     * the negative hgq_status (a malformed or truncated payload is the
     * caller's to record, not a reason to abort). Does not allocate.
     */
    int Decode(const uint8_t* in, size_t length, float* gHat);

    /** Clears error-feedback memory and restarts the RNG from "Seed". */
    void Reset();

  protected:
    void DoDispose() override;

  private:
    void Destroy();

    int m_method;          //!< hgq_method (EnumValue)
    uint64_t m_seed;       //!< hgq_config.seed
    int m_errorFeedback;   //!< -1 method default, 0 off, 1 on
    std::string m_plan;    //!< "" : derive from m_bitsPerCoef
    double m_bitsPerCoef;  //!< allocator budget, bits per coefficient
    uint32_t m_normBits;   //!< B_rho
    double m_normMax;      //!< rho_max
    uint32_t m_topBlock;   //!< stop rule of the hierarchy
    uint32_t m_qsgdLevels; //!< s
    uint32_t m_topkK;      //!< k (0: use m_topkFraction)
    double m_topkFraction; //!< k / D
    uint32_t m_hsqBlockLength;
    uint32_t m_hsqBlockBits;
    uint32_t m_hsqHingeBits;
    std::string m_codebookDir; //!< "" : built-in tables

    hgq_quantizer* m_quantizer; //!< owned
    uint32_t m_dimension;
};

} // namespace ns3

#endif /* EDGE_LEARNING_GRADIENT_QUANTIZER_H */
