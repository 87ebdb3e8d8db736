/*
 * edge-learning-ideal: the whole driver on the point-to-point star, where
 * every number has a closed form. 3 devices, 2 rounds: exactly the expected
 * rows; the uplink bits are the quantizer's own bit count; an upload takes
 * its wire bits over the link rate plus the link delay, within the TCP/IP
 * overhead stated below.
 */
#include "edge-learning-test-utils.h"
#include "ns3/attribute-json.h"
#include "ns3/config.h"
#include "ns3/edge-learning-experiment.h"
#include "ns3/gradient-quantizer.h"
#include "ns3/gradient-upload-header.h"
#include "ns3/results-database.h"
#include "ns3/string.h"
#include "ns3/test.h"

#include <cstdio>
#include <sqlite3.h>
#include <sstream>
#include <unistd.h>
#include <vector>

using namespace ns3;

namespace {

/** Payload bits (hgq header + payload) and bytes of one encode of a D-vector. */
void
QuantizerBitCount(const std::string& method, uint32_t dimension, uint64_t* bits, uint64_t* bytes)
{
    Ptr<GradientQuantizer> q = CreateObject<GradientQuantizer>();
    q->SetAttribute("Method", StringValue(method));
    q->Setup(dimension);
    std::vector<float> g(dimension);
    for (uint32_t i = 0; i < dimension; ++i)
    {
        g[i] = 0.001f * static_cast<float>((i * 7919u) % 2001u) - 1.0f;
    }
    std::vector<uint8_t> out(q->GetMaxEncodedBytes());
    *bytes = q->Encode(g.data(), out.data(), out.size(), nullptr);
    const hgq_encode_stats stats = q->GetLastStats();
    *bits = stats.header_bits + stats.payload_bits;
    q->Dispose();
}

} // namespace

/**
 * \ingroup edge-learning-tests
 * Rows, bits and latencies of a 3-device, 2-round run over ideal links.
 */
class EdgeLearningIdealRunTestCase : public TestCase
{
  public:
    EdgeLearningIdealRunTestCase(std::string quantizer)
        : TestCase("ideal star, 3 devices, 2 rounds, " + quantizer)
        , m_quantizer(quantizer)
    {}

  private:
    void DoRun() override;
    std::string m_quantizer;
};

void
EdgeLearningIdealRunTestCase::DoRun()
{
    const uint32_t nDevices = 3;
    const uint32_t nRounds = 2;
    const double rateBps = 10e6;
    const double delayS = 0.005;
    const std::string dbPath = "/tmp/edge-learning-ideal-test-" + std::to_string(getpid()) + ".db";
    std::remove(dbPath.c_str());

    EdgeLearningExperiment experiment("ideal");
    EdgeExperimentConfig& c = experiment.GetConfig();
    ConfigureSmallRun(c, nDevices, nRounds, 3);
    c.quantizers = m_quantizer;
    c.db = dbPath;
    c.scenarioAttributes = {{"DataRate", "10Mbps"}, {"Delay", "5ms"}};
    std::ostringstream log;
    NS_TEST_ASSERT_MSG_EQ(experiment.Run(log), 0, "the run was refused: " << log.str());

    const auto& results = experiment.GetResults();
    NS_TEST_ASSERT_MSG_EQ(results.size(), 1, "one quantizer, one run");
    const EdgeExperimentRunResult& r = results[0];
    NS_TEST_ASSERT_MSG_EQ(r.finished, true, "the run did not finish:\n" << log.str());
    NS_TEST_ASSERT_MSG_EQ(r.run.quantizer, m_quantizer, "runs.quantizer");
    NS_TEST_ASSERT_MSG_EQ(r.run.scenario, "ideal", "runs.scenario");
    NS_TEST_ASSERT_MSG_EQ(r.run.nDevices, nDevices, "runs.n_devices");

    // Exactly the expected rows, in the file as in memory.
    Ptr<ResultsDatabase> db = CreateObject<ResultsDatabase>();
    std::string error;
    NS_TEST_ASSERT_MSG_EQ(db->TryOpenReadOnly(dbPath, &error), true, error);
    NS_TEST_ASSERT_MSG_EQ(db->GetRunIds().size(), 1, "one runs row");
    const std::vector<RoundRecord> rounds = db->ReadRounds(r.runId);
    const std::vector<UploadRecord> uploads = db->ReadUploads(r.runId);
    const std::vector<DeviceRecord> devices = db->ReadDevices(r.runId);
    NS_TEST_ASSERT_MSG_EQ(rounds.size(), nRounds, "rounds rows");
    NS_TEST_ASSERT_MSG_EQ(uploads.size(), nRounds * nDevices, "uploads rows");
    NS_TEST_ASSERT_MSG_EQ(devices.size(), nDevices, "devices rows");
    NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), nRounds, "round records in memory");
    NS_TEST_ASSERT_MSG_EQ(r.uploads.size(), nRounds * nDevices, "upload records in memory");

    uint64_t expectedBits = 0;
    uint64_t encodedBytes = 0;
    QuantizerBitCount(m_quantizer, static_cast<uint32_t>(r.run.dimension), &expectedBits,
                      &encodedBytes);
    const uint64_t expectedWire = GradientUploadHeader::SERIALIZED_SIZE + encodedBytes;

    // TCP/IP over PPP: every 1448-byte segment carries 52 bytes of TCP (with
    // timestamps) and IPv4 headers and 2 bytes of PPP: 54/1448 = 3.7 %. The
    // stated tolerance: latency within [b/R + delay, 1.06 b/R + delay + 4 ms]
    // (4 ms: ACK clocking and serialization of the last segment).
    for (uint32_t i = 0; i < rounds.size(); ++i)
    {
        const RoundRecord& round = rounds[i];
        NS_TEST_ASSERT_MSG_EQ(round.round, i + 1, "rounds are numbered from 1");
        NS_TEST_ASSERT_MSG_EQ(round.devicesDone, nDevices, "every device delivered");
        NS_TEST_ASSERT_MSG_EQ(round.uplinkBits, nDevices * expectedBits, "round uplink bits");
        NS_TEST_ASSERT_MSG_EQ(round.uplinkBytes, nDevices * expectedWire, "round uplink bytes");
        NS_TEST_ASSERT_MSG_EQ(round.accuracy.has_value(), true, "evaluated every round");
        NS_TEST_ASSERT_MSG_GT(round.tEndS, round.tStartS, "round end after start");
    }
    for (const UploadRecord& u : uploads)
    {
        NS_TEST_ASSERT_MSG_EQ(u.completed, true, "upload of device " << u.device);
        NS_TEST_ASSERT_MSG_EQ(u.payloadBits, expectedBits, "uploads.payload_bits");
        NS_TEST_ASSERT_MSG_EQ(u.wireBytes, expectedWire, "uploads.wire_bytes");
        NS_TEST_ASSERT_MSG_EQ(u.tEndS.has_value(), true, "completed upload has t_end");
        const double latency = *u.tEndS - u.tStartS;
        const double ideal = u.wireBytes * 8.0 / rateBps + delayS;
        NS_TEST_ASSERT_MSG_GT_OR_EQ(latency, ideal,
                                    "round " << u.round << " device " << u.device
                                             << ": faster than the link allows");
        NS_TEST_ASSERT_MSG_LT_OR_EQ(latency, 1.06 * u.wireBytes * 8.0 / rateBps + delayS + 0.004,
                                    "round " << u.round << " device " << u.device << ": latency "
                                             << latency << " s vs b/R + delay = " << ideal << " s");
    }
    db->Close();
    std::remove(dbPath.c_str());
    std::remove((dbPath + "-wal").c_str());
    std::remove((dbPath + "-shm").c_str());
}

/**
 * \ingroup edge-learning-tests
 * A configuration the driver must refuse with a message naming the knob.
 */
class EdgeLearningIdealRefusalTestCase : public TestCase
{
  public:
    EdgeLearningIdealRefusalTestCase()
        : TestCase("bad knobs are refused with a message naming them")
    {}

  private:
    void DoRun() override
    {
        EdgeLearningExperiment experiment("ideal");
        EdgeExperimentConfig& c = experiment.GetConfig();
        c.quantizers = "fp32,nosuchquantizer";
        NS_TEST_EXPECT_MSG_NE(experiment.Validate().find("nosuchquantizer"), std::string::npos,
                              "unknown quantizer named");
        c.quantizers = "fp32";
        c.model = "resnet";
        NS_TEST_EXPECT_MSG_NE(experiment.Validate().find("--model"), std::string::npos,
                              "unknown model named");
        c.model = "softmax";
        c.devices = 0;
        NS_TEST_EXPECT_MSG_NE(experiment.Validate().find("--devices"), std::string::npos,
                              "zero devices refused");
        c.devices = 2;
        NS_TEST_EXPECT_MSG_EQ(experiment.Validate(), "", "a good configuration passes");
        std::ostringstream log;
        c.lr = -1;
        NS_TEST_EXPECT_MSG_EQ(experiment.Run(log), 1, "Run refuses what Validate refuses");
        NS_TEST_EXPECT_MSG_NE(log.str().find("--lr"), std::string::npos, "message names --lr");
    }
};

/**
 * \ingroup edge-learning-tests
 * Every knob that becomes an attribute is checked against that attribute's
 * own checker, and every quantizer of the list is built for the model's D,
 * before any run: the static Validate refuses each bad value with one line
 * naming the option (never an abort inside SetAttribute or a late refusal
 * after the earlier runs), and Run returns 1 without running anything.
 */
class EdgeLearningIdealAttributeRangeTestCase : public TestCase
{
  public:
    EdgeLearningIdealAttributeRangeTestCase()
        : TestCase("knobs outside their attribute's range are refused before any run")
    {}

  private:
    static EdgeExperimentConfig Good()
    {
        EdgeExperimentConfig c;
        c.scenario = "ideal";
        c.devices = 2;
        c.rounds = 2;
        c.model = "softmax";
        c.quantizers = "fp32,signsgd,hgq";
        c.db = "none";
        return c;
    }

    /** Validate refuses c with a message holding every one of `expected`. */
    void ExpectRefused(const EdgeExperimentConfig& c, const std::vector<std::string>& expected,
                       const std::string& what)
    {
        std::string error;
        NS_TEST_EXPECT_MSG_EQ(EdgeLearningExperiment::Validate(c, &error), false, what);
        for (const std::string& text : expected)
        {
            NS_TEST_EXPECT_MSG_NE(error.find(text), std::string::npos,
                                  what << ": \"" << error << "\" names " << text);
        }
        NS_TEST_EXPECT_MSG_EQ(error.find('\n'), std::string::npos, what << ": one line");
    }

    void DoRun() override
    {
        std::string error = "untouched";
        NS_TEST_EXPECT_MSG_EQ(EdgeLearningExperiment::Validate(Good(), &error), true,
                              "a good configuration passes: " << error);
        NS_TEST_EXPECT_MSG_EQ(EdgeLearningExperiment::Validate(Good(), nullptr), true,
                              "error may be nullptr");

        EdgeExperimentConfig c = Good();
        c.alpha = 0;
        ExpectRefused(c, {"--alpha=0", "DirichletAlpha", "[0.001, "}, "alpha 0");
        c.alpha = 1e9;
        ExpectRefused(c, {"--alpha=1000000000", "DirichletAlpha"}, "alpha 1e9");
        c = Good();
        c.batch = 5000;
        ExpectRefused(c, {"--batch=5000", "BatchSize", "[1, 4096]"}, "batch 5000");
        c = Good();
        c.momentum = 0.9999995;
        ExpectRefused(c, {"--momentum=0.9999995", "Momentum"}, "momentum past the checker");
        c = Good();
        c.evalEvery = 0;
        ExpectRefused(c, {"--evalEvery=0", "EvalEvery"}, "evalEvery 0");
        c = Good();
        c.rounds = 0;
        ExpectRefused(c, {"--rounds=0", "Rounds"}, "rounds 0");
        c = Good();
        c.deadlineS = 1e-9;
        ExpectRefused(c, {"--deadline=1e-09", "RoundDeadline"}, "deadline under 1 us");
        c = Good();
        c.downlink = "carrier-pigeon";
        ExpectRefused(c, {"--downlink=carrier-pigeon", "Downlink", "ideal|model"}, "downlink");
        c = Good();
        c.scenarioAttributes = {{"DataRate", "fast"}};
        ExpectRefused(c, {"DataRate=fast"}, "scenario setting refused by its checker");
        c.scenarioAttributes = {{"NoSuchSetting", "1"}};
        ExpectRefused(c, {"NoSuchSetting"}, "unknown scenario setting");
        c = Good();
        c.dataDir = "/nonexistent/fashion-mnist";
        ExpectRefused(c, {"--dataDir=/nonexistent/fashion-mnist"}, "missing data folder");

        // Budgets: below the attribute's range, and in range but infeasible
        // for hgq at softmax's D (only found by building the quantizer).
        c = Good();
        c.bitsPerCoef = 0.01;
        ExpectRefused(c, {"--bitsPerCoef=0.01", "BitsPerCoefficient"}, "budget below range");
        c.bitsPerCoef = 0.2;
        ExpectRefused(c, {"--bitsPerCoef=0.2", "hgq", "D = 7850"}, "infeasible hgq budget");
        c.quantizers = "fp32,signsgd";
        NS_TEST_EXPECT_MSG_EQ(EdgeLearningExperiment::Validate(c, &error), true,
                              "the budget only matters to hgq: " << error);
        c = Good();
        c.plan = "8x40";
        ExpectRefused(c, {"--plan=8x40", "hgq", "Plan"}, "infeasible plan");

        // Run refuses before anything runs: no results, exit code 1.
        EdgeLearningExperiment experiment("ideal");
        experiment.GetConfig() = Good();
        experiment.GetConfig().quantizers = "fp32,hgq";
        experiment.GetConfig().bitsPerCoef = 0.2;
        std::ostringstream log;
        NS_TEST_EXPECT_MSG_EQ(experiment.Run(log), 1, "Run refuses the infeasible budget");
        NS_TEST_EXPECT_MSG_EQ(experiment.GetResults().size(), 0u, "before the fp32 run");
        NS_TEST_EXPECT_MSG_NE(log.str().find("--bitsPerCoef=0.2"), std::string::npos,
                              "message names --bitsPerCoef: " << log.str());
    }
};

/**
 * \ingroup edge-learning-tests
 * runs.params records the attributes set outside the driver's knobs
 * (Config::SetDefault, as --ns3::... does), the command line and the ns-3
 * version, next to the knobs it always held.
 */
class EdgeLearningIdealParamsTestCase : public TestCase
{
  public:
    EdgeLearningIdealParamsTestCase()
        : TestCase("runs.params holds every attribute of the run's objects")
    {}

  private:
    /** json_extract(params, path) of the only runs row, or "<error: ...>". */
    static std::string Extract(const std::string& dbPath, const std::string& path)
    {
        std::string result = "<no row>";
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(dbPath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK)
        {
            sqlite3_stmt* s = nullptr;
            if (sqlite3_prepare_v2(db, "SELECT json_extract(params, ?1) FROM runs", -1, &s, nullptr)
                == SQLITE_OK)
            {
                sqlite3_bind_text(s, 1, path.c_str(), -1, SQLITE_TRANSIENT);
                if (sqlite3_step(s) == SQLITE_ROW)
                {
                    const unsigned char* text = sqlite3_column_text(s, 0);
                    result = text ? reinterpret_cast<const char*>(text) : "<null>";
                }
            }
            else
            {
                result = std::string("<error: ") + sqlite3_errmsg(db) + ">";
            }
            sqlite3_finalize(s);
        }
        sqlite3_close(db);
        return result;
    }

    /** The current default of a "ns3::Type::Attribute", to restore it. */
    static std::string Default(const std::string& type, const std::string& attribute)
    {
        TypeId::AttributeInformation info;
        NS_ABORT_UNLESS(TypeId::LookupByName(type).LookupAttributeByName(attribute, &info));
        return info.initialValue->SerializeToString(info.checker);
    }

    void DoRun() override
    {
        NS_TEST_ASSERT_MSG_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"",
                              "JSON string escaping");
        NS_TEST_ASSERT_MSG_EQ(JsonStringArray({"x", "--y=\"z\""}), "[\"x\", \"--y=\\\"z\\\"\"]",
                              "JSON string array");

        const std::string dbPath
            = "/tmp/edge-learning-ideal-params-test-" + std::to_string(getpid()) + ".db";
        std::remove(dbPath.c_str());
        const std::string weighting = Default("ns3::EdgeServerApplication", "Weighting");
        const std::string errorFeedback = Default("ns3::GradientQuantizer", "ErrorFeedback");
        const std::string flops = Default("ns3::EdgeDeviceApplication", "ComputeFlopsPerSecond");
        NS_TEST_ASSERT_MSG_NE(weighting, "samples", "the test needs a non-default value");
        NS_TEST_ASSERT_MSG_NE(errorFeedback, "on", "the test needs a non-default value");
        Config::SetDefault("ns3::EdgeServerApplication::Weighting", StringValue("samples"));
        Config::SetDefault("ns3::GradientQuantizer::ErrorFeedback", StringValue("on"));
        Config::SetDefault("ns3::EdgeDeviceApplication::ComputeFlopsPerSecond",
                           StringValue("2.5e9"));

        EdgeLearningExperiment experiment("ideal");
        EdgeExperimentConfig& c = experiment.GetConfig();
        ConfigureSmallRun(c, 2, 1, 4);
        c.quantizers = "qsgd";
        c.db = dbPath;
        c.scenarioAttributes = {{"Delay", "7ms"}};
        std::ostringstream log;
        const int status = experiment.Run(log);
        Config::SetDefault("ns3::EdgeServerApplication::Weighting", StringValue(weighting));
        Config::SetDefault("ns3::GradientQuantizer::ErrorFeedback", StringValue(errorFeedback));
        Config::SetDefault("ns3::EdgeDeviceApplication::ComputeFlopsPerSecond", StringValue(flops));
        NS_TEST_ASSERT_MSG_EQ(status, 0, "the run was refused: " << log.str());

        // The keys the documentation's queries use are unchanged.
        NS_TEST_EXPECT_MSG_EQ(Extract(dbPath, "$.devices"), "2", "params.devices");
        NS_TEST_EXPECT_MSG_EQ(Extract(dbPath, "$.quantizer"), "qsgd", "params.quantizer");
        // Keys holding "::" must be quoted in a JSON path.
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath, "$.attributes.server.\"ns3::EdgeServerApplication::Weighting\""),
            "samples", "Config::SetDefault of the server recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath,
                    "$.attributes.server_quantizer.\"ns3::GradientQuantizer::ErrorFeedback\""),
            "on", "Config::SetDefault of the server's quantizer recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath,
                    "$.attributes.device_quantizer.\"ns3::GradientQuantizer::ErrorFeedback\""),
            "on", "Config::SetDefault of a device's quantizer recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath, "$.attributes.device_quantizer.\"ns3::GradientQuantizer::Method\""),
            "qsgd", "the helper's quantizer setting recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath,
                    "$.attributes.device.\"ns3::EdgeDeviceApplication::ComputeFlopsPerSecond\""),
            "2.5e+09", "Config::SetDefault of a device recorded");
        // Parent TypeIds are walked: Application's attributes are there too.
        NS_TEST_EXPECT_MSG_EQ(Extract(dbPath, "$.attributes.device.\"ns3::Application::StopTime\""),
                              "+0ns", "parent TypeId attribute recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath, "$.attributes.learning_task.\"ns3::LearningTask::BatchSize\""), "16",
            "learning task recorded");
        NS_TEST_EXPECT_MSG_EQ(
            Extract(dbPath, "$.attributes.scenario.\"ns3::EdgeIdealScenarioHelper::Delay\""),
            "+7e+06ns", "scenario helper recorded");
        // Not through RunMain: no argv to record.
        NS_TEST_EXPECT_MSG_EQ(Extract(dbPath, "$.command_line"), "[]", "empty command line");
        NS_TEST_EXPECT_MSG_EQ(Extract(dbPath, "$.ns3_version").rfind("3.", 0), 0,
                              "ns-3 version recorded");
        std::remove(dbPath.c_str());
        std::remove((dbPath + "-wal").c_str());
        std::remove((dbPath + "-shm").c_str());
    }
};

/**
 * \ingroup edge-learning-tests
 * The ideal-star suite.
 */
class EdgeLearningIdealTestSuite : public TestSuite
{
  public:
    EdgeLearningIdealTestSuite()
        : TestSuite("edge-learning-ideal", UNIT)
    {
        AddTestCase(new EdgeLearningIdealRefusalTestCase(), TestCase::QUICK);
        AddTestCase(new EdgeLearningIdealAttributeRangeTestCase(), TestCase::QUICK);
        AddTestCase(new EdgeLearningIdealRunTestCase("fp32"), TestCase::QUICK);
        AddTestCase(new EdgeLearningIdealRunTestCase("signsgd"), TestCase::QUICK);
        AddTestCase(new EdgeLearningIdealParamsTestCase(), TestCase::QUICK);
    }
};

static EdgeLearningIdealTestSuite g_edgeLearningIdealTestSuite;
