/*
 * GradientQuantizer: maps ns-3 attributes onto hgq_config and forwards to the
 * hgq core. The algorithms and their mathematics live in model/hgq/ (Du, Yang,
 * Huang, IEEE TSP 68 (2020), and the baselines of HGQ.md); this file only
 * translates: attribute ranges come from hgq_param_bounds() so they are
 * written once, and C status codes become NS_FATAL_ERROR messages that name
 * the attribute to fix.
 */
#include "gradient-quantizer.h"

#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("GradientQuantizer");

NS_OBJECT_ENSURE_REGISTERED(GradientQuantizer);

namespace {

/** Bounds of one hgq parameter; the C core is the only place they are written. */
hgq_bounds
Bounds(hgq_param param)
{
    hgq_bounds b{0, 0, 0};
    int status = hgq_param_bounds(param, &b);
    NS_ABORT_MSG_IF(status != HGQ_OK,
                    "hgq_param_bounds(" << param << "): " << hgq_strerror(status));
    return b;
}

Ptr<const AttributeChecker>
UintChecker(hgq_param param)
{
    hgq_bounds b = Bounds(param);
    return MakeUintegerChecker<uint32_t>(static_cast<uint64_t>(b.min),
                                         static_cast<uint64_t>(b.max));
}

Ptr<const AttributeChecker>
DoubleChecker(hgq_param param)
{
    hgq_bounds b = Bounds(param);
    return MakeDoubleChecker<double>(b.min, b.max);
}

UintegerValue
UintDefault(hgq_param param)
{
    return UintegerValue(static_cast<uint64_t>(Bounds(param).default_value));
}

DoubleValue
DoubleDefault(hgq_param param)
{
    return DoubleValue(Bounds(param).default_value);
}

/** "fp32", "signsgd", ... as the accepted values of "Method". */
Ptr<const AttributeChecker>
MethodChecker()
{
    Ptr<EnumChecker> checker = Create<EnumChecker>();
    for (int m = 0; m < HGQ_METHOD_COUNT; ++m)
    {
        const char* name = hgq_method_name(static_cast<hgq_method>(m));
        NS_ABORT_MSG_IF(name == nullptr, "hgq_method_name(" << m << ") is NULL");
        if (m == HGQ_METHOD_HGQ)
        {
            checker->AddDefault(m, name);
        }
        else
        {
            checker->Add(m, name);
        }
    }
    return checker;
}

/** The attribute a config refused by the C core most likely concerns. */
std::string
AttributeForStatus(int status, const hgq_config& cfg)
{
    switch (status)
    {
        case HGQ_ERROR_UNKNOWN_METHOD:
            return "Method";
        case HGQ_ERROR_BAD_PLAN:
            return cfg.plan != nullptr ? "Plan" : "BitsPerCoefficient";
        case HGQ_ERROR_CODEBOOK_UNAVAILABLE:
        case HGQ_ERROR_CHECKSUM:
        case HGQ_ERROR_IO:
            return cfg.method == HGQ_METHOD_HSQ ? "HsqBlockLength/HsqBlockBits/CodebookDirectory"
                                                : "Plan/CodebookDirectory";
        case HGQ_ERROR_PARAMETER_OUT_OF_RANGE:
        case HGQ_ERROR_DIMENSION_MISMATCH:
        {
            if (cfg.method == HGQ_METHOD_TOPK && cfg.topk_k > cfg.dimension)
            {
                return "TopkK (larger than the dimension)";
            }
            // Find the field outside its bounds (checkers hold each attribute in
            // range, so this catches the dimension and combined constraints).
            struct Field
            {
                hgq_param param;
                double value;
                const char* attribute;
            };

            const Field fields[] = {
                {HGQ_PARAM_DIMENSION, static_cast<double>(cfg.dimension), "dimension (model)"},
                {HGQ_PARAM_BITS_PER_COEF, cfg.bits_per_coef, "BitsPerCoefficient"},
                {HGQ_PARAM_NORM_BITS, static_cast<double>(cfg.norm_bits), "NormBits"},
                {HGQ_PARAM_NORM_MAX, cfg.norm_max, "NormMax"},
                {HGQ_PARAM_TOP_BLOCK, static_cast<double>(cfg.top_block), "TopBlock"},
                {HGQ_PARAM_QSGD_LEVELS, static_cast<double>(cfg.qsgd_levels), "QsgdLevels"},
                {HGQ_PARAM_TOPK_K, static_cast<double>(cfg.topk_k), "TopkK"},
                {HGQ_PARAM_TOPK_FRACTION, cfg.topk_fraction, "TopkFraction"},
                {HGQ_PARAM_HSQ_BLOCK_LENGTH, static_cast<double>(cfg.hsq_block_length),
                 "HsqBlockLength"},
                {HGQ_PARAM_HSQ_BLOCK_BITS, static_cast<double>(cfg.hsq_block_bits), "HsqBlockBits"},
                {HGQ_PARAM_HSQ_HINGE_BITS, static_cast<double>(cfg.hsq_hinge_bits), "HsqHingeBits"},
            };
            for (const Field& f : fields)
            {
                hgq_bounds b{0, 0, 0};
                if (hgq_param_bounds(f.param, &b) == HGQ_OK && (f.value < b.min || f.value > b.max))
                {
                    return f.attribute;
                }
            }
            return "one of the method's parameters (e.g. TopkK larger than the dimension)";
        }
        default:
            return "Method";
    }
}

} // namespace

TypeId
GradientQuantizer::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::GradientQuantizer")
              .SetParent<Object>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<GradientQuantizer>()
              .AddAttribute("Method",
                            "Quantizer method: fp32, signsgd, signsgd-mv, ef-signsgd, qsgd, "
                            "terngrad, topk, hsq or hgq.",
                            EnumValue(HGQ_METHOD_HGQ),
                            MakeEnumAccessor(&GradientQuantizer::m_method), MethodChecker())
              .AddAttribute("Plan",
                            "hgq plan 'LxB,LxB,...' (level 1 first); empty: derived from "
                            "BitsPerCoefficient by the greedy bit allocator.",
                            StringValue(""), MakeStringAccessor(&GradientQuantizer::m_plan),
                            MakeStringChecker())
              .AddAttribute("BitsPerCoefficient",
                            "hgq bit budget in bits per coefficient (every bit counted), used "
                            "when Plan is empty.",
                            DoubleDefault(HGQ_PARAM_BITS_PER_COEF),
                            MakeDoubleAccessor(&GradientQuantizer::m_bitsPerCoef),
                            DoubleChecker(HGQ_PARAM_BITS_PER_COEF))
              .AddAttribute("NormBits",
                            "Bits of the uniform norm quantizer (hgq); 32 sends the raw float.",
                            UintDefault(HGQ_PARAM_NORM_BITS),
                            MakeUintegerAccessor(&GradientQuantizer::m_normBits),
                            UintChecker(HGQ_PARAM_NORM_BITS))
              .AddAttribute("NormMax",
                            "Upper end of the uniform norm quantizer (hgq, NormBits < 32).",
                            DoubleDefault(HGQ_PARAM_NORM_MAX),
                            MakeDoubleAccessor(&GradientQuantizer::m_normMax),
                            DoubleChecker(HGQ_PARAM_NORM_MAX))
              .AddAttribute("TopBlock",
                            "hgq stop rule: 0 stops at one scalar plus a sign bit; else stop "
                            "when a level has at most this many blocks.",
                            UintDefault(HGQ_PARAM_TOP_BLOCK),
                            MakeUintegerAccessor(&GradientQuantizer::m_topBlock),
                            UintChecker(HGQ_PARAM_TOP_BLOCK))
              .AddAttribute("QsgdLevels", "QSGD levels s (qsgd).",
                            UintDefault(HGQ_PARAM_QSGD_LEVELS),
                            MakeUintegerAccessor(&GradientQuantizer::m_qsgdLevels),
                            UintChecker(HGQ_PARAM_QSGD_LEVELS))
              .AddAttribute("TopkK", "Coefficients kept by topk; 0: use TopkFraction.",
                            UintDefault(HGQ_PARAM_TOPK_K),
                            MakeUintegerAccessor(&GradientQuantizer::m_topkK),
                            UintChecker(HGQ_PARAM_TOPK_K))
              .AddAttribute("TopkFraction",
                            "Fraction of coefficients kept by topk when TopkK is 0.",
                            DoubleDefault(HGQ_PARAM_TOPK_FRACTION),
                            MakeDoubleAccessor(&GradientQuantizer::m_topkFraction),
                            DoubleChecker(HGQ_PARAM_TOPK_FRACTION))
              .AddAttribute("HsqBlockLength", "Block length L of hsq's level-1 codebook.",
                            UintDefault(HGQ_PARAM_HSQ_BLOCK_LENGTH),
                            MakeUintegerAccessor(&GradientQuantizer::m_hsqBlockLength),
                            UintChecker(HGQ_PARAM_HSQ_BLOCK_LENGTH))
              .AddAttribute("HsqBlockBits", "Bits B per block of hsq's level-1 codebook.",
                            UintDefault(HGQ_PARAM_HSQ_BLOCK_BITS),
                            MakeUintegerAccessor(&GradientQuantizer::m_hsqBlockBits),
                            UintChecker(HGQ_PARAM_HSQ_BLOCK_BITS))
              .AddAttribute("HsqHingeBits", "Stochastic bits per hinge scalar (hsq).",
                            UintDefault(HGQ_PARAM_HSQ_HINGE_BITS),
                            MakeUintegerAccessor(&GradientQuantizer::m_hsqHingeBits),
                            UintChecker(HGQ_PARAM_HSQ_HINGE_BITS))
              .AddAttribute("ErrorFeedback",
                            "Error feedback e <- g + e - Q(g + e): default (the method's: on for "
                            "ef-signsgd and topk), off or on.",
                            EnumValue(-1), MakeEnumAccessor(&GradientQuantizer::m_errorFeedback),
                            MakeEnumChecker(-1, "default", 0, "off", 1, "on"))
              .AddAttribute("CodebookDirectory",
                            "Folder of .hgqcb codebook files; empty: the tables built into hgq.",
                            StringValue(""), MakeStringAccessor(&GradientQuantizer::m_codebookDir),
                            MakeStringChecker())
              .AddAttribute("Seed",
                            "Seed of the stochastic rounding (qsgd, terngrad, hsq). Devices "
                            "overwrite it with a draw from their own ns-3 random stream.",
                            UintegerValue(1), MakeUintegerAccessor(&GradientQuantizer::m_seed),
                            MakeUintegerChecker<uint64_t>());
    return tid;
}

GradientQuantizer::GradientQuantizer()
    : m_method(HGQ_METHOD_HGQ)
    , m_seed(1)
    , m_errorFeedback(-1)
    , m_bitsPerCoef(0)
    , m_normBits(32)
    , m_normMax(0)
    , m_topBlock(0)
    , m_qsgdLevels(1)
    , m_topkK(0)
    , m_topkFraction(0)
    , m_hsqBlockLength(0)
    , m_hsqBlockBits(0)
    , m_hsqHingeBits(0)
    , m_quantizer(nullptr)
    , m_dimension(0)
{
    NS_LOG_FUNCTION(this);
}

GradientQuantizer::~GradientQuantizer()
{
    Destroy();
}

void
GradientQuantizer::DoDispose()
{
    Destroy();
    Object::DoDispose();
}

void
GradientQuantizer::Destroy()
{
    hgq_quantizer_destroy(m_quantizer);
    m_quantizer = nullptr;
    m_dimension = 0;
}

hgq_config
GradientQuantizer::GetConfig(uint32_t dimension) const
{
    hgq_config cfg;
    hgq_config_default(&cfg, static_cast<hgq_method>(m_method));
    cfg.method = static_cast<hgq_method>(m_method);
    cfg.dimension = dimension;
    cfg.seed = m_seed;
    cfg.error_feedback = m_errorFeedback;
    cfg.plan = m_plan.empty() ? nullptr : m_plan.c_str();
    cfg.bits_per_coef = m_bitsPerCoef;
    cfg.norm_bits = m_normBits;
    cfg.norm_max = static_cast<float>(m_normMax);
    cfg.top_block = m_topBlock;
    cfg.qsgd_levels = m_qsgdLevels;
    cfg.topk_k = m_topkK;
    cfg.topk_fraction = m_topkFraction;
    cfg.hsq_block_length = m_hsqBlockLength;
    cfg.hsq_block_bits = m_hsqBlockBits;
    cfg.hsq_hinge_bits = m_hsqHingeBits;
    cfg.codebook_dir = m_codebookDir.empty() ? nullptr : m_codebookDir.c_str();
    return cfg;
}

namespace {

/** Builds a quantizer from cfg, or returns the refusal naming the attribute. */
hgq_quantizer*
TryCreate(const hgq_config& cfg, const std::string& methodName, std::string* message)
{
    int status = hgq_config_validate(&cfg);
    hgq_quantizer* q = nullptr;
    if (status == HGQ_OK)
    {
        q = hgq_quantizer_create(&cfg, &status);
        if (q == nullptr && status == HGQ_OK)
        {
            status = HGQ_ERROR_GENERIC;
        }
    }
    if (status != HGQ_OK)
    {
        std::ostringstream os;
        os << "GradientQuantizer: method " << methodName << " (D=" << cfg.dimension
           << ") refused; check attribute " << AttributeForStatus(status, cfg) << ": "
           << hgq_strerror(status);
        *message = os.str();
        hgq_quantizer_destroy(q);
        return nullptr;
    }
    message->clear();
    return q;
}

} // namespace

std::string
GradientQuantizer::CheckConfig(uint32_t dimension) const
{
    std::string message;
    hgq_quantizer_destroy(TryCreate(GetConfig(dimension), GetMethodName(), &message));
    return message;
}

void
GradientQuantizer::Setup(uint32_t dimension)
{
    std::string message;
    if (!TrySetup(dimension, &message))
    {
        NS_FATAL_ERROR(message);
    }
}

bool
GradientQuantizer::TrySetup(uint32_t dimension, std::string* error)
{
    NS_LOG_FUNCTION(this << dimension);
    Destroy();
    std::string message;
    m_quantizer = TryCreate(GetConfig(dimension), GetMethodName(), &message);
    if (m_quantizer == nullptr)
    {
        if (error != nullptr)
        {
            *error = message;
        }
        return false;
    }
    m_dimension = dimension;
    NS_LOG_INFO("quantizer ready: " << Describe());
    return true;
}

bool
GradientQuantizer::IsSetUp() const
{
    return m_quantizer != nullptr;
}

hgq_method
GradientQuantizer::GetMethod() const
{
    return static_cast<hgq_method>(m_method);
}

std::string
GradientQuantizer::GetMethodName() const
{
    const char* name = hgq_method_name(GetMethod());
    return name != nullptr ? name : "unknown";
}

hgq_aggregation
GradientQuantizer::GetAggregation() const
{
    return hgq_method_aggregation(GetMethod());
}

std::string
GradientQuantizer::GetPlan() const
{
    NS_ABORT_MSG_IF(m_quantizer == nullptr, "GradientQuantizer::GetPlan before Setup");
    char buf[512];
    int status = hgq_quantizer_plan(m_quantizer, buf, sizeof(buf));
    NS_ABORT_MSG_IF(status != HGQ_OK && status != HGQ_ERROR_DST_TOO_SMALL,
                    "hgq_quantizer_plan: " << hgq_strerror(status));
    return buf;
}

std::string
GradientQuantizer::Describe() const
{
    NS_ABORT_MSG_IF(m_quantizer == nullptr, "GradientQuantizer::Describe before Setup");
    char buf[512];
    int status = hgq_quantizer_print(m_quantizer, buf, sizeof(buf));
    NS_ABORT_MSG_IF(status != HGQ_OK && status != HGQ_ERROR_DST_TOO_SMALL,
                    "hgq_quantizer_print: " << hgq_strerror(status));
    return buf;
}

uint32_t
GradientQuantizer::GetDimension() const
{
    return m_dimension;
}

size_t
GradientQuantizer::GetMaxEncodedBytes() const
{
    NS_ABORT_MSG_IF(m_quantizer == nullptr, "GradientQuantizer::GetMaxEncodedBytes before Setup");
    return hgq_quantizer_max_encoded_bytes(m_quantizer);
}

size_t
GradientQuantizer::Encode(const float* g, uint8_t* out, size_t capacity, float* gHat)
{
    NS_ABORT_MSG_IF(m_quantizer == nullptr, "GradientQuantizer::Encode before Setup");
    size_t written = 0;
    int status = hgq_quantizer_encode(m_quantizer, g, m_dimension, out, capacity, &written, gHat);
    if (status != HGQ_OK)
    {
        NS_FATAL_ERROR("GradientQuantizer (" << GetMethodName()
                                             << "): encode failed: " << hgq_strerror(status));
    }
    return written;
}

hgq_encode_stats
GradientQuantizer::GetLastStats() const
{
    hgq_encode_stats stats{0, 0, 0};
    if (m_quantizer != nullptr)
    {
        hgq_quantizer_last_stats(m_quantizer, &stats);
    }
    return stats;
}

int
GradientQuantizer::Decode(const uint8_t* in, size_t length, float* gHat)
{
    if (m_quantizer == nullptr)
    {
        return HGQ_ERROR_STATE;
    }
    return hgq_quantizer_decode(m_quantizer, in, length, gHat, m_dimension);
}

void
GradientQuantizer::Reset()
{
    if (m_quantizer != nullptr)
    {
        hgq_quantizer_reset(m_quantizer);
    }
}

} // namespace ns3
