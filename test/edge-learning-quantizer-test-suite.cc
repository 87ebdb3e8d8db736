/*
 * edge-learning-quantizer: the wiring of GradientQuantizer. Attributes map to
 * hgq_config field by field for every method; the attribute ranges are the C
 * core's (hgq_param_bounds) and out-of-range values are refused without
 * aborting; refusals of the C core name the attribute to fix; encode/decode go
 * through to the core. The quantizers' mathematics is tested in test/hgq/.
 */
#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/gradient-quantizer.h"
#include "ns3/log.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("EdgeLearningQuantizerTestSuite");

namespace {

std::vector<std::string>
MethodNames()
{
    std::vector<std::string> names;
    for (int m = 0; m < HGQ_METHOD_COUNT; ++m)
    {
        names.emplace_back(hgq_method_name(static_cast<hgq_method>(m)));
    }
    return names;
}

hgq_bounds
Bounds(hgq_param p)
{
    hgq_bounds b{0, 0, 0};
    hgq_param_bounds(p, &b);
    return b;
}

/** Every attribute lands in its hgq_config field, for every method. */
class QuantizerMappingTestCase : public TestCase
{
  public:
    QuantizerMappingTestCase()
        : TestCase("attributes map to hgq_config field by field, every method")
    {}

  private:
    void DoRun() override
    {
        for (const std::string& name : MethodNames())
        {
            hgq_method method;
            NS_TEST_ASSERT_MSG_EQ(hgq_method_from_name(name.c_str(), &method), HGQ_OK, name);

            // Untouched attributes: exactly the core's defaults of the method.
            Ptr<GradientQuantizer> q = CreateObject<GradientQuantizer>();
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe("Method", StringValue(name)), true,
                                  "method name " << name << " refused");
            NS_TEST_ASSERT_MSG_EQ(q->GetMethod(), method, name);
            NS_TEST_ASSERT_MSG_EQ(q->GetMethodName(), name, name);
            hgq_config def;
            hgq_config_default(&def, method);
            hgq_config got = q->GetConfig(1000);
            NS_TEST_ASSERT_MSG_EQ(got.method, method, name);
            NS_TEST_ASSERT_MSG_EQ(got.dimension, 1000u, name);
            NS_TEST_ASSERT_MSG_EQ(got.error_feedback, def.error_feedback, name);
            NS_TEST_ASSERT_MSG_EQ((got.plan == nullptr), true, name << ": empty Plan means NULL");
            NS_TEST_ASSERT_MSG_EQ(got.bits_per_coef, def.bits_per_coef, name);
            NS_TEST_ASSERT_MSG_EQ(got.norm_bits, def.norm_bits, name);
            NS_TEST_ASSERT_MSG_EQ(got.norm_max, def.norm_max, name);
            NS_TEST_ASSERT_MSG_EQ(got.top_block, def.top_block, name);
            NS_TEST_ASSERT_MSG_EQ(got.qsgd_levels, def.qsgd_levels, name);
            NS_TEST_ASSERT_MSG_EQ(got.topk_k, def.topk_k, name);
            NS_TEST_ASSERT_MSG_EQ(got.topk_fraction, def.topk_fraction, name);
            NS_TEST_ASSERT_MSG_EQ(got.hsq_block_length, def.hsq_block_length, name);
            NS_TEST_ASSERT_MSG_EQ(got.hsq_block_bits, def.hsq_block_bits, name);
            NS_TEST_ASSERT_MSG_EQ(got.hsq_hinge_bits, def.hsq_hinge_bits, name);
            NS_TEST_ASSERT_MSG_EQ((got.codebook_dir == nullptr), true, name);

            // Every attribute set to a non-default value in range.
            Ptr<GradientQuantizer> s = CreateObject<GradientQuantizer>();
            s->SetAttribute("Method", StringValue(name));
            s->SetAttribute("Plan", StringValue("8x6,4x6"));
            s->SetAttribute("BitsPerCoefficient", DoubleValue(1.25));
            s->SetAttribute("NormBits", UintegerValue(16));
            s->SetAttribute("NormMax", DoubleValue(50.0));
            s->SetAttribute("TopBlock", UintegerValue(4));
            s->SetAttribute("QsgdLevels", UintegerValue(15));
            s->SetAttribute("TopkK", UintegerValue(17));
            s->SetAttribute("TopkFraction", DoubleValue(0.05));
            s->SetAttribute("HsqBlockLength", UintegerValue(4));
            s->SetAttribute("HsqBlockBits", UintegerValue(6));
            s->SetAttribute("HsqHingeBits", UintegerValue(3));
            s->SetAttribute("ErrorFeedback", StringValue("on"));
            s->SetAttribute("CodebookDirectory", StringValue("/tmp/codebooks"));
            s->SetAttribute("Seed", UintegerValue(0x123456789abcULL));
            hgq_config c = s->GetConfig(4096);
            NS_TEST_ASSERT_MSG_EQ(c.method, method, name);
            NS_TEST_ASSERT_MSG_EQ(c.dimension, 4096u, name);
            NS_TEST_ASSERT_MSG_EQ(c.seed, 0x123456789abcULL, name);
            NS_TEST_ASSERT_MSG_EQ(c.error_feedback, 1, name);
            NS_TEST_ASSERT_MSG_EQ(std::string(c.plan ? c.plan : "(null)"), "8x6,4x6", name);
            NS_TEST_ASSERT_MSG_EQ(c.bits_per_coef, 1.25, name);
            NS_TEST_ASSERT_MSG_EQ(c.norm_bits, 16u, name);
            NS_TEST_ASSERT_MSG_EQ(c.norm_max, 50.0F, name);
            NS_TEST_ASSERT_MSG_EQ(c.top_block, 4u, name);
            NS_TEST_ASSERT_MSG_EQ(c.qsgd_levels, 15u, name);
            NS_TEST_ASSERT_MSG_EQ(c.topk_k, 17u, name);
            NS_TEST_ASSERT_MSG_EQ(c.topk_fraction, 0.05, name);
            NS_TEST_ASSERT_MSG_EQ(c.hsq_block_length, 4u, name);
            NS_TEST_ASSERT_MSG_EQ(c.hsq_block_bits, 6u, name);
            NS_TEST_ASSERT_MSG_EQ(c.hsq_hinge_bits, 3u, name);
            NS_TEST_ASSERT_MSG_EQ(std::string(c.codebook_dir ? c.codebook_dir : "(null)"),
                                  "/tmp/codebooks", name);
            s->SetAttribute("ErrorFeedback", StringValue("off"));
            NS_TEST_ASSERT_MSG_EQ(s->GetConfig(4096).error_feedback, 0, name);
            s->SetAttribute("ErrorFeedback", StringValue("default"));
            NS_TEST_ASSERT_MSG_EQ(s->GetConfig(4096).error_feedback, -1, name);
        }
    }
};

/** Attribute ranges are hgq_param_bounds(); outside values are refused. */
class QuantizerBoundsTestCase : public TestCase
{
  public:
    QuantizerBoundsTestCase()
        : TestCase("attribute checkers come from hgq_param_bounds and refuse bad values")
    {}

  private:
    void DoRun() override
    {
        struct UintAttr
        {
            const char* name;
            hgq_param param;
        };

        const UintAttr uints[] = {{"NormBits", HGQ_PARAM_NORM_BITS},
                                  {"TopBlock", HGQ_PARAM_TOP_BLOCK},
                                  {"QsgdLevels", HGQ_PARAM_QSGD_LEVELS},
                                  {"TopkK", HGQ_PARAM_TOPK_K},
                                  {"HsqBlockLength", HGQ_PARAM_HSQ_BLOCK_LENGTH},
                                  {"HsqBlockBits", HGQ_PARAM_HSQ_BLOCK_BITS},
                                  {"HsqHingeBits", HGQ_PARAM_HSQ_HINGE_BITS}};
        Ptr<GradientQuantizer> q = CreateObject<GradientQuantizer>();
        for (const auto& a : uints)
        {
            hgq_bounds b = Bounds(a.param);
            auto lo = static_cast<uint64_t>(b.min);
            auto hi = static_cast<uint64_t>(b.max);
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, UintegerValue(lo)), true,
                                  a.name << " minimum refused");
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, UintegerValue(hi)), true,
                                  a.name << " maximum refused");
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, UintegerValue(hi + 1)), false,
                                  a.name << " above its maximum accepted");
            if (lo > 0)
            {
                NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, UintegerValue(lo - 1)), false,
                                      a.name << " below its minimum accepted");
            }
            // The refused value left the last good one in place.
            UintegerValue now;
            q->GetAttribute(a.name, now);
            NS_TEST_ASSERT_MSG_EQ(now.Get(), hi, a.name << " changed by a refused value");
        }

        struct DoubleAttr
        {
            const char* name;
            hgq_param param;
        };

        const DoubleAttr doubles[] = {{"BitsPerCoefficient", HGQ_PARAM_BITS_PER_COEF},
                                      {"NormMax", HGQ_PARAM_NORM_MAX},
                                      {"TopkFraction", HGQ_PARAM_TOPK_FRACTION}};
        for (const auto& a : doubles)
        {
            hgq_bounds b = Bounds(a.param);
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, DoubleValue(b.min)), true,
                                  a.name);
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, DoubleValue(b.max)), true,
                                  a.name);
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, DoubleValue(b.min * 0.5 - 1)),
                                  false, a.name << " below its minimum accepted");
            NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe(a.name, DoubleValue(b.max * 2 + 1)),
                                  false, a.name << " above its maximum accepted");
        }

        // Names: an unknown method or error-feedback mode is refused, by the
        // object and by Config::SetDefault.
        NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe("Method", StringValue("sgd-magic")), false,
                              "unknown method accepted");
        NS_TEST_ASSERT_MSG_EQ(q->SetAttributeFailSafe("ErrorFeedback", StringValue("maybe")), false,
                              "unknown error-feedback mode accepted");
        NS_TEST_ASSERT_MSG_EQ(
            Config::SetDefaultFailSafe("ns3::GradientQuantizer::Method", StringValue("sgd-magic")),
            false, "Config::SetDefault accepted an unknown method");
        NS_TEST_ASSERT_MSG_EQ(
            Config::SetDefaultFailSafe("ns3::GradientQuantizer::QsgdLevels", UintegerValue(0)),
            false, "Config::SetDefault accepted QsgdLevels 0");
        // A good default does take effect on new objects, and is put back.
        NS_TEST_ASSERT_MSG_EQ(
            Config::SetDefaultFailSafe("ns3::GradientQuantizer::Method", StringValue("qsgd")), true,
            "Config::SetDefault refused qsgd");
        NS_TEST_ASSERT_MSG_EQ(CreateObject<GradientQuantizer>()->GetMethodName(), "qsgd",
                              "default not applied");
        Config::SetDefault("ns3::GradientQuantizer::Method", StringValue("hgq"));
        NS_TEST_ASSERT_MSG_EQ(CreateObject<GradientQuantizer>()->GetMethodName(), "hgq",
                              "the built-in default is hgq");
    }
};

/** Refusals of the C core come back naming the attribute to fix. */
class QuantizerRefusalMessageTestCase : public TestCase
{
  public:
    QuantizerRefusalMessageTestCase()
        : TestCase("a config the core refuses yields a message naming the attribute")
    {}

  private:
    void DoRun() override
    {
        Ptr<GradientQuantizer> q = CreateObject<GradientQuantizer>();
        q->SetAttribute("Method", StringValue("topk"));
        q->SetAttribute("TopkK", UintegerValue(2000));
        std::string m = q->CheckConfig(1000);
        NS_TEST_ASSERT_MSG_NE(m.find("TopkK"), std::string::npos, "message: " << m);
        NS_TEST_ASSERT_MSG_NE(m.find(hgq_strerror(HGQ_ERROR_PARAMETER_OUT_OF_RANGE)),
                              std::string::npos, "message lacks hgq_strerror text: " << m);
        q->SetAttribute("TopkK", UintegerValue(10));
        NS_TEST_ASSERT_MSG_EQ(q->CheckConfig(1000), "", "k = 10 of 1000 is fine");

        // Dimension 0 (no model) is named too.
        m = q->CheckConfig(0);
        NS_TEST_ASSERT_MSG_NE(m.find("dimension"), std::string::npos, "message: " << m);

        // A malformed plan names Plan.
        Ptr<GradientQuantizer> h = CreateObject<GradientQuantizer>();
        h->SetAttribute("Method", StringValue("hgq"));
        h->SetAttribute("Plan", StringValue("not-a-plan"));
        m = h->CheckConfig(4096);
        NS_TEST_ASSERT_MSG_NE(m, "", "a malformed plan was accepted");
        NS_TEST_ASSERT_MSG_NE(m.find("Plan"), std::string::npos, "message: " << m);
        NS_TEST_ASSERT_MSG_EQ(h->IsSetUp(), false, "CheckConfig must not set up");
    }
};

/** Setup/Encode/Decode reach the core: every method, two independent objects. */
class QuantizerCodecTestCase : public TestCase
{
  public:
    QuantizerCodecTestCase()
        : TestCase("encode on one object, decode on another, every method")
    {}

  private:
    void DoRun() override
    {
        const uint32_t d = 1000;
        std::mt19937 rng(20261204);
        std::normal_distribution<float> normal(0.0F, 1.0F);
        std::vector<float> g(d);
        for (auto& x : g)
        {
            x = normal(rng);
        }
        for (const std::string& name : MethodNames())
        {
            Ptr<GradientQuantizer> enc = CreateObject<GradientQuantizer>();
            Ptr<GradientQuantizer> dec = CreateObject<GradientQuantizer>();
            for (auto q : {enc, dec})
            {
                q->SetAttribute("Method", StringValue(name));
                q->SetAttribute("BitsPerCoefficient", DoubleValue(1.0));
            }
            std::string why = enc->CheckConfig(d);
            NS_TEST_ASSERT_MSG_EQ(why, "", name << ": default config refused");
            why.clear();
            const bool encReady = enc->TrySetup(d, &why);
            NS_TEST_ASSERT_MSG_EQ(encReady, true, name << ": " << why);
            const bool decReady = dec->TrySetup(d, &why);
            NS_TEST_ASSERT_MSG_EQ(decReady, true, name << ": " << why);
            if (!encReady || !decReady)
            {
                continue; // ns-3 test macros continue after a failure
            }
            NS_TEST_ASSERT_MSG_EQ(enc->IsSetUp(), true, name);
            NS_TEST_ASSERT_MSG_EQ(enc->GetDimension(), d, name);
            NS_TEST_ASSERT_MSG_NE(enc->GetPlan(), "", name);
            NS_TEST_ASSERT_MSG_NE(enc->Describe().find(name), std::string::npos, name);
            NS_TEST_ASSERT_MSG_EQ(
                enc->GetAggregation(),
                (name == "signsgd-mv" ? HGQ_AGGREGATION_MAJORITY_VOTE : HGQ_AGGREGATION_MEAN),
                name);

            std::vector<uint8_t> bytes(enc->GetMaxEncodedBytes());
            std::vector<float> gHat(d);
            std::vector<float> decoded(d);
            size_t n = enc->Encode(g.data(), bytes.data(), bytes.size(), gHat.data());
            NS_TEST_ASSERT_MSG_GT(n, 0u, name);
            hgq_encode_stats stats = enc->GetLastStats();
            NS_TEST_ASSERT_MSG_EQ(stats.total_bytes, n, name << ": stats and bytes disagree");
            NS_TEST_ASSERT_MSG_EQ((stats.header_bits + stats.payload_bits + 7) / 8, n,
                                  name << ": bit count is not the byte count");
            NS_TEST_ASSERT_MSG_EQ(dec->Decode(bytes.data(), n, decoded.data()), HGQ_OK, name);
            NS_TEST_ASSERT_MSG_EQ(std::memcmp(decoded.data(), gHat.data(), d * sizeof(float)), 0,
                                  name << ": decoder differs from the encoder's reconstruction");
            if (name == "fp32")
            {
                NS_TEST_ASSERT_MSG_EQ(std::memcmp(decoded.data(), g.data(), d * sizeof(float)), 0,
                                      "fp32 must be lossless");
            }
            // Truncated payloads are an error code, not an abort.
            NS_TEST_ASSERT_MSG_NE(dec->Decode(bytes.data(), n / 2, decoded.data()), HGQ_OK,
                                  name << ": truncated payload decoded");
        }
        // Decode before Setup is a status, not a crash.
        Ptr<GradientQuantizer> bare = CreateObject<GradientQuantizer>();
        uint8_t b[4] = {0, 0, 0, 0};
        float out[1];
        NS_TEST_ASSERT_MSG_EQ(bare->Decode(b, 4, out), HGQ_ERROR_STATE, "decode before Setup");
    }
};

class EdgeLearningQuantizerTestSuite : public TestSuite
{
  public:
    EdgeLearningQuantizerTestSuite()
        : TestSuite("edge-learning-quantizer", UNIT)
    {
        AddTestCase(new QuantizerMappingTestCase, TestCase::QUICK);
        AddTestCase(new QuantizerBoundsTestCase, TestCase::QUICK);
        AddTestCase(new QuantizerRefusalMessageTestCase, TestCase::QUICK);
        AddTestCase(new QuantizerCodecTestCase, TestCase::QUICK);
    }
};

EdgeLearningQuantizerTestSuite g_edgeLearningQuantizerTestSuite;

} // namespace
