/*
 * edge-learning-protocol: D1's end-to-end smoke check of the round protocol on
 * a hand-built point-to-point star (no scenario helper): devices compute real
 * gradients, upload real encoded bytes over TCP, the server decodes,
 * aggregates, evaluates and records. Checks the wiring (rows, bits, traces,
 * stragglers, the modelled downlink, the database), not the learning.
 */
#include "ns3/config.h"
#include "ns3/constant-position-mobility-model.h"
#include "ns3/double.h"
#include "ns3/edge-learning-helper.h"
#include "ns3/enum.h"
#include "ns3/gradient-upload-header.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-global-routing-helper.h"
#include "ns3/log.h"
#include "ns3/mobility-model.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/results-database.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/test.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <unistd.h>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("EdgeLearningProtocolTestSuite");

namespace {

/** What one run of the smoke scenario produced. */
struct Outcome
{
    std::vector<RoundRecord> rounds;
    std::vector<UploadRecord> uploads;
    uint32_t uploadStarts{0};
    uint32_t uploadEnds{0};
    uint32_t roundEnds{0};
    uint32_t accuracies{0};
    bool finished{false};
    double simEndS{0};
    std::vector<float> initialWeights;
    double initialAccuracy{0}; //!< of the initial weights, same evaluation subset
    double initialLoss{0};
    std::vector<float> finalWeights;
    int64_t runId{-1};
};

struct Options
{
    std::string method{"qsgd"};
    std::string downlink{"ideal"};
    uint32_t rounds{3};
    uint32_t evalEvery{2};
    std::string slowRate; //!< data rate of device 1's link ("" : same as the others)
    Time deadline{Seconds(5)};
    Ptr<ResultsDatabase> db;
    /** Bytes a rogue client on device 1's node sends to the server port. */
    std::vector<uint8_t> rogue;
    std::string partition{"iid"};
    std::string weighting{"uniform"};
};

/** A raw TCP client that sends fixed bytes once connected. */
void
StartRogue(Ptr<Node> node, Ipv4Address server, std::vector<uint8_t> bytes)
{
    Ptr<Socket> socket = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
    socket->Bind();
    socket->SetConnectCallback(MakeBoundCallback(
                                   +[](std::vector<uint8_t> b, Ptr<Socket> s)
                                   {
                                       s->Send(Create<Packet>(b.data(), b.size()));
                                   },
                                   bytes),
                               MakeNullCallback<void, Ptr<Socket>>());
    socket->Connect(InetSocketAddress(server, EdgeLearningHelper::DEFAULT_PORT));
}

Outcome
RunStar(const Options& o)
{
    Outcome out;
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(7);

    NodeContainer server;
    server.Create(1);
    NodeContainer devices;
    devices.Create(2);
    InternetStackHelper internet;
    internet.Install(server);
    internet.Install(devices);

    Ipv4AddressHelper address;
    Ipv4Address serverAddress;
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate",
                               StringValue(i == 1 && !o.slowRate.empty() ? o.slowRate : "10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("2ms"));
        NetDeviceContainer link = p2p.Install(server.Get(0), devices.Get(i));
        std::string base = "10.1." + std::to_string(i + 1) + ".0";
        address.SetBase(base.c_str(), "255.255.255.0");
        Ipv4InterfaceContainer ifaces = address.Assign(link);
        if (i == 0)
        {
            serverAddress = ifaces.GetAddress(0);
        }
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    // Positions: device i at (3(i+1), 4(i+1)) -> distance 5(i+1) from the origin.
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        Ptr<ConstantPositionMobilityModel> m = CreateObject<ConstantPositionMobilityModel>();
        m->SetPosition(Vector(3.0 * (i + 1), 4.0 * (i + 1), 0));
        devices.Get(i)->AggregateObject(m);
    }

    Ptr<LearningTask> task = CreateObject<LearningTask>();
    task->SetAttribute("Model", StringValue("softmax"));
    task->SetAttribute("BatchSize", UintegerValue(32));
    task->SetAttribute("EvalSubsetSize", UintegerValue(500));
    task->SetAttribute("Partition", StringValue(o.partition));
    task->SetAttribute("DirichletAlpha", DoubleValue(0.1));

    EdgeLearningHelper helper;
    helper.SetLearningTask(task);
    helper.SetQuantizerAttribute("Method", StringValue(o.method));
    helper.SetServerAttribute("Rounds", UintegerValue(o.rounds));
    helper.SetServerAttribute("EvalEvery", UintegerValue(o.evalEvery));
    helper.SetServerAttribute("LearningRate", DoubleValue(0.1));
    helper.SetServerAttribute("RoundDeadline", TimeValue(o.deadline));
    helper.SetServerAttribute("Downlink", StringValue(o.downlink));
    helper.SetServerAttribute("Weighting", StringValue(o.weighting));
    helper.SetDeviceAttribute("ComputeFlopsPerSecond", DoubleValue(1e9));
    if (o.db)
    {
        RunRecord run;
        run.scenario = "p2p-smoke";
        helper.SetResultsDatabase(o.db, run);
    }
    ApplicationContainer serverApp = helper.InstallServer(server.Get(0));
    ApplicationContainer deviceApps = helper.InstallDevices(devices, serverAddress);
    helper.AssignStreams(100);
    // The server listens first: a SYN to a closed port costs ns-3's 3 s SYN
    // timeout (its RST is dropped in SYN_SENT).
    serverApp.Start(Seconds(0.5));
    deviceApps.Start(Seconds(0.5));

    Ptr<EdgeServerApplication> s = helper.GetServer();
    s->TraceConnectWithoutContext("UploadEnd",
                                  MakeBoundCallback(
                                      +[](uint32_t* n, uint32_t, uint32_t, uint64_t, Time)
                                      {
                                          ++*n;
                                      },
                                      &out.uploadEnds));
    s->TraceConnectWithoutContext("RoundEnd", MakeBoundCallback(
                                                  +[](uint32_t* n, const RoundRecord&)
                                                  {
                                                      ++*n;
                                                  },
                                                  &out.roundEnds));
    s->TraceConnectWithoutContext("Accuracy", MakeBoundCallback(
                                                  +[](uint32_t* n, uint32_t, double, double)
                                                  {
                                                      ++*n;
                                                  },
                                                  &out.accuracies));
    for (uint32_t i = 0; i < deviceApps.GetN(); ++i)
    {
        deviceApps.Get(i)->TraceConnectWithoutContext(
            "UploadStart", MakeBoundCallback(
                               +[](uint32_t* n, uint32_t, uint32_t, uint64_t)
                               {
                                   ++*n;
                               },
                               &out.uploadStarts));
    }
    // A safety net far beyond the expected end: the server stops the run.
    if (!o.rogue.empty())
    {
        Simulator::Schedule(Seconds(0.5005), &StartRogue, devices.Get(1), serverAddress, o.rogue);
    }
    Simulator::Stop(Seconds(1000));
    Simulator::Schedule(Seconds(0.6),
                        [&out, s]()
                        {
                            out.initialWeights = s->GetWeights();
                        });
    Simulator::Run();
    out.simEndS = Simulator::Now().GetSeconds();
    out.rounds = s->GetRoundRecords();
    out.uploads = s->GetUploadRecords();
    out.finished = s->IsFinished();
    out.finalWeights = s->GetWeights();
    out.initialWeights = task->GetInitialWeights();
    task->Evaluate(out.initialWeights.data(), &out.initialAccuracy, &out.initialLoss);
    out.runId = s->GetRunId();
    Simulator::Destroy();
    return out;
}

/** Ideal downlink: every upload completes, bits and rows add up, traces fire. */
class IdealDownlinkTestCase : public TestCase
{
  public:
    IdealDownlinkTestCase()
        : TestCase("2 devices over p2p, ideal downlink: rows, bits, traces, database")
    {}

  private:
    void DoRun() override
    {
        std::string path = "edge-learning-protocol-test-" + std::to_string(getpid()) + ".db";
        std::remove(path.c_str());
        Options o;
        o.db = CreateObject<ResultsDatabase>();
        o.db->Open(path);
        Outcome r = RunStar(o);

        NS_TEST_ASSERT_MSG_EQ(r.finished, true, "the run did not finish");
        NS_TEST_ASSERT_MSG_LT(r.simEndS, 100.0, "the server did not stop the simulation");
        NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), 3u, "rounds");
        NS_TEST_ASSERT_MSG_EQ(r.uploads.size(), 6u, "one upload row per device per round");
        NS_TEST_ASSERT_MSG_EQ(r.uploadStarts, 6u, "UploadStart");
        NS_TEST_ASSERT_MSG_EQ(r.uploadEnds, 6u, "UploadEnd");
        NS_TEST_ASSERT_MSG_EQ(r.roundEnds, 3u, "RoundEnd");
        NS_TEST_ASSERT_MSG_EQ(r.accuracies, 2u, "Accuracy: rounds 2 and 3 (EvalEvery 2, last)");
        if (r.rounds.size() != 3 || r.uploads.size() != 6)
        {
            return; // ns-3 test macros continue after a failure; nothing to index
        }

        double previousEnd = 0.5;
        for (const auto& round : r.rounds)
        {
            NS_TEST_ASSERT_MSG_EQ(round.devicesDone, 2u, "round " << round.round);
            NS_TEST_ASSERT_MSG_GT_OR_EQ(round.tStartS, previousEnd - 1e-12, "rounds in order");
            NS_TEST_ASSERT_MSG_GT(round.tEndS, round.tStartS, "round takes time");
            previousEnd = round.tEndS;
            uint64_t bits = 0;
            uint64_t bytes = 0;
            for (const auto& u : r.uploads)
            {
                if (u.round == round.round)
                {
                    bits += u.payloadBits;
                    bytes += u.wireBytes;
                    NS_TEST_ASSERT_MSG_EQ(u.completed, true, "upload completed");
                    NS_TEST_ASSERT_MSG_EQ(u.tEndS.has_value(), true, "end time set");
                    NS_TEST_ASSERT_MSG_GT(u.tEndS.value_or(-1), u.tStartS, "upload takes time");
                    NS_TEST_ASSERT_MSG_GT_OR_EQ(u.tStartS, round.tStartS, "starts in its round");
                    NS_TEST_ASSERT_MSG_LT_OR_EQ(u.tEndS.value_or(1e9), round.tEndS,
                                                "ends in its round");
                    // wire = 20-byte upload header + the encoded bytes, whose
                    // count is ceil(bits / 8).
                    NS_TEST_ASSERT_MSG_EQ(u.wireBytes, 20 + (u.payloadBits + 7) / 8, "wire bytes");
                    NS_TEST_ASSERT_MSG_EQ(u.cosSimilarity.has_value(), true, "cos recorded");
                    NS_TEST_ASSERT_MSG_GT(u.cosSimilarity.value_or(-1), 0.3,
                                          "qsgd keeps the direction");
                    NS_TEST_ASSERT_MSG_LT_OR_EQ(u.cosSimilarity.value_or(9), 1.0 + 1e-9,
                                                "cos <= 1");
                }
            }
            NS_TEST_ASSERT_MSG_EQ(round.uplinkBits, bits, "uplink bits = sum of payload bits");
            NS_TEST_ASSERT_MSG_EQ(round.uplinkBytes, bytes, "uplink bytes = sum of wire bytes");
            const bool evaluated = round.round != 1;
            NS_TEST_ASSERT_MSG_EQ(round.accuracy.has_value(), evaluated, "evaluated rounds");
        }
        // softmax, 7850 coefficients, qsgd s = 7: 4 bits per coefficient plus headers.
        NS_TEST_ASSERT_MSG_GT(r.uploads[0].payloadBits, 4u * 7850u, "qsgd bit count");
        NS_TEST_ASSERT_MSG_LT(r.uploads[0].payloadBits, 4u * 7850u + 1024u, "qsgd bit count");
        NS_TEST_ASSERT_MSG_EQ(r.initialWeights.size(), 7850u, "softmax D");
        const bool moved = r.initialWeights != r.finalWeights;
        NS_TEST_ASSERT_MSG_EQ(moved, true, "SGD moved the model");
        // Three SGD steps on real gradients must improve the model on the
        // (fixed) evaluation subset.
        NS_TEST_ASSERT_MSG_LT(r.rounds.back().loss.value_or(1e9), r.initialLoss,
                              "training lowered the loss");
        NS_TEST_ASSERT_MSG_GT(r.rounds.back().accuracy.value_or(-1), r.initialAccuracy,
                              "training raised the accuracy");

        // The database holds the same run.
        NS_TEST_ASSERT_MSG_GT_OR_EQ(r.runId, 0, "run id");
        auto run = o.db->ReadRun(r.runId);
        NS_TEST_ASSERT_MSG_EQ(run.has_value(), true, "runs row");
        if (!run)
        {
            return;
        }
        NS_TEST_ASSERT_MSG_EQ(run->status, "complete", "status");
        NS_TEST_ASSERT_MSG_EQ(run->record.quantizer, "qsgd", "quantizer filled in");
        NS_TEST_ASSERT_MSG_EQ(run->record.model, "softmax", "model filled in");
        NS_TEST_ASSERT_MSG_EQ(run->record.nDevices, 2u, "devices filled in");
        NS_TEST_ASSERT_MSG_EQ(run->record.dimension, 7850u, "dimension filled in");
        NS_TEST_ASSERT_MSG_EQ(run->record.scenario, "p2p-smoke", "caller's scenario kept");
        auto devs = o.db->ReadDevices(r.runId);
        NS_TEST_ASSERT_MSG_EQ(devs.size(), 2u, "devices rows");
        uint64_t samples = 0;
        for (const auto& d : devs)
        {
            NS_TEST_ASSERT_MSG_EQ_TOL(d.distanceM, 5.0 * (d.device + 1), 1e-9, "distance");
            NS_TEST_ASSERT_MSG_EQ(d.labelHistogram.size(), 10u, "histogram classes");
            uint64_t sum
                = std::accumulate(d.labelHistogram.begin(), d.labelHistogram.end(), uint64_t{0});
            NS_TEST_ASSERT_MSG_EQ(sum, d.nSamples, "histogram sums to the sample count");
            samples += d.nSamples;
        }
        NS_TEST_ASSERT_MSG_EQ(samples, 60000u, "the partition covers the training set");
        NS_TEST_ASSERT_MSG_EQ(o.db->ReadRounds(r.runId).size(), 3u, "rounds rows");
        NS_TEST_ASSERT_MSG_EQ(o.db->ReadUploads(r.runId).size(), 6u, "uploads rows");
        o.db->Close();
        std::remove(path.c_str());
        std::remove((path + "-wal").c_str());
        std::remove((path + "-shm").c_str());

        // Same RngRun, same run: the records are reproducible.
        Options again;
        Outcome r2 = RunStar(again);
        NS_TEST_ASSERT_MSG_EQ(r2.uploads.size(), r.uploads.size(), "same rows");
        for (size_t i = 0; i < std::min(r.uploads.size(), r2.uploads.size()); ++i)
        {
            NS_TEST_ASSERT_MSG_EQ(r2.uploads[i].payloadBits, r.uploads[i].payloadBits, "bits");
            NS_TEST_ASSERT_MSG_EQ(r2.uploads[i].tEndS.value_or(-1), r.uploads[i].tEndS.value_or(-1),
                                  "times");
        }
        const bool same = r2.finalWeights == r.finalWeights;
        NS_TEST_ASSERT_MSG_EQ(same, true, "same final model");
    }
};

/** Downlink "model": the weights travel first, so rounds last longer. */
class ModelDownlinkTestCase : public TestCase
{
  public:
    ModelDownlinkTestCase()
        : TestCase("modelled downlink: weights are sent over TCP before devices compute")
    {}

  private:
    void DoRun() override
    {
        Options ideal;
        ideal.method = "fp32";
        ideal.rounds = 2;
        Outcome a = RunStar(ideal);
        Options model = ideal;
        model.downlink = "model";
        Outcome b = RunStar(model);
        NS_TEST_ASSERT_MSG_EQ(b.finished, true, "finished");
        NS_TEST_ASSERT_MSG_EQ(b.rounds.size(), 2u, "rounds");
        NS_TEST_ASSERT_MSG_EQ(a.rounds.size(), 2u, "rounds");
        if (a.rounds.size() != 2 || b.rounds.size() != 2)
        {
            return;
        }
        for (size_t i = 0; i < b.rounds.size(); ++i)
        {
            NS_TEST_ASSERT_MSG_EQ(b.rounds[i].devicesDone, 2u, "all delivered");
            double da = a.rounds[i].tEndS - a.rounds[i].tStartS;
            double db = b.rounds[i].tEndS - b.rounds[i].tStartS;
            // 7850 floats = 31.4 kB at 10 Mb/s: at least 25 ms more per round.
            NS_TEST_ASSERT_MSG_GT(db, da + 0.02, "round " << i + 1 << " " << da << " vs " << db);
        }
        // fp32 is lossless and the received weights are the server's, so
        // both downlinks train the same model.
        const bool same = a.finalWeights == b.finalWeights;
        NS_TEST_ASSERT_MSG_EQ(same, true, "same model either way");
    }
};

/** A device behind a slow link misses the deadline: a straggler, not a hang. */
class StragglerTestCase : public TestCase
{
  public:
    StragglerTestCase()
        : TestCase("a device on a slow link is recorded as a straggler every round")
    {}

  private:
    void DoRun() override
    {
        Options o;
        o.method = "fp32";     // 31.4 kB
        o.slowRate = "20kbps"; // ~12.6 s per upload
        o.deadline = Seconds(1);
        o.rounds = 3;
        Outcome r = RunStar(o);
        NS_TEST_ASSERT_MSG_EQ(r.finished, true, "finished");
        NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), 3u, "rounds");
        for (const auto& round : r.rounds)
        {
            NS_TEST_ASSERT_MSG_EQ(round.devicesDone, 1u, "only the fast device");
            NS_TEST_ASSERT_MSG_EQ_TOL(round.tEndS - round.tStartS, 1.0, 1e-9, "ended at deadline");
        }
        for (const auto& u : r.uploads)
        {
            const bool fast = u.device == 0;
            NS_TEST_ASSERT_MSG_EQ(u.completed, fast, "device " << u.device);
            NS_TEST_ASSERT_MSG_EQ(u.tEndS.has_value(), fast, "end only if delivered");
        }
        NS_TEST_ASSERT_MSG_EQ(r.uploadEnds, 3u, "UploadEnd only for delivered uploads");
        if (r.uploads.empty() || r.rounds.empty())
        {
            return;
        }
        uint64_t fpBits = r.uploads[0].payloadBits;
        NS_TEST_ASSERT_MSG_EQ(r.rounds[0].uplinkBits, fpBits, "stragglers' bits not counted");
    }
};

/**
 * Stale uploads and models are abandoned mid-way: with a small TCP send
 * buffer the slow device's message is only partly handed over when the next
 * round starts (the device reconnects, the server drops the partial message);
 * with the modelled downlink the server closes a connection whose model is
 * still in flight. Neither disturbs the fast device or the round count.
 */
class AbandonTestCase : public TestCase
{
  public:
    AbandonTestCase()
        : TestCase("half-sent stale uploads and models are abandoned on a new connection")
    {}

  private:
    void DoRun() override
    {
        Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(8192));
        Options o;
        o.method = "fp32";
        o.slowRate = "20kbps";
        o.deadline = Seconds(1);
        o.rounds = 3;
        Outcome r = RunStar(o);
        Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(131072));
        Check(r, "small send buffer");

        Options m = o;
        m.downlink = "model";
        Outcome rm = RunStar(m);
        Check(rm, "modelled downlink");
    }

    void Check(const Outcome& r, const std::string& what)
    {
        NS_TEST_ASSERT_MSG_EQ(r.finished, true, what);
        NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), 3u, what);
        for (const auto& round : r.rounds)
        {
            NS_TEST_ASSERT_MSG_EQ(round.devicesDone, 1u, what << ": round " << round.round);
        }
        for (const auto& u : r.uploads)
        {
            const bool fast = u.device == 0;
            NS_TEST_ASSERT_MSG_EQ(u.completed, fast, what << ": device " << u.device);
        }
    }
};

/**
 * signsgd-mv makes the server take the majority vote: with lr 0.1 every weight
 * moves by exactly 0 (a tie of the two devices) or 0.1, unlike a mean.
 */
class MajorityVoteTestCase : public TestCase
{
  public:
    MajorityVoteTestCase()
        : TestCase("signsgd-mv: the server steps by lr * sign(sum of signs)")
    {}

  private:
    void DoRun() override
    {
        Options o;
        o.method = "signsgd-mv";
        o.rounds = 1;
        o.evalEvery = 1;
        Outcome r = RunStar(o);
        NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), 1u, "rounds");
        NS_TEST_ASSERT_MSG_EQ(r.rounds[0].devicesDone, 2u, "both delivered");
        size_t moved = 0;
        size_t ties = 0;
        for (size_t i = 0; i < r.finalWeights.size(); ++i)
        {
            double step = std::fabs(double(r.initialWeights[i]) - r.finalWeights[i]);
            if (step < 1e-6)
            {
                ++ties;
            }
            else
            {
                NS_TEST_ASSERT_MSG_EQ_TOL(step, 0.1, 1e-5, "weight " << i);
                ++moved;
            }
        }
        NS_TEST_ASSERT_MSG_GT(moved, 1000u, "most weights move");
        NS_TEST_ASSERT_MSG_GT(ties, 0u, "two devices disagree somewhere");
    }
};

/** Garbage on the server port is refused without disturbing the devices. */
class RogueClientTestCase : public TestCase
{
  public:
    RogueClientTestCase()
        : TestCase("a client sending garbage or an impossible length is cut off")
    {}

  private:
    void DoRun() override
    {
        // 1: bad magic. 2: a valid UPLOAD header announcing 1 GB.
        std::vector<uint8_t> garbage(100, 0xab);
        GradientUploadHeader huge;
        huge.SetKind(GradientUploadHeader::UPLOAD);
        huge.SetRound(1);
        huge.SetDevice(1);
        huge.SetPayloadLength(1u << 30);
        Ptr<Packet> p = Create<Packet>(64);
        p->AddHeader(huge);
        std::vector<uint8_t> hugeBytes(p->GetSize());
        p->CopyData(hugeBytes.data(), hugeBytes.size());
        for (const auto& bytes : {garbage, hugeBytes})
        {
            Options o;
            o.rounds = 2;
            o.rogue = bytes;
            Outcome r = RunStar(o);
            NS_TEST_ASSERT_MSG_EQ(r.finished, true, "finished");
            NS_TEST_ASSERT_MSG_EQ(r.rounds.size(), 2u, "rounds");
            for (const auto& round : r.rounds)
            {
                NS_TEST_ASSERT_MSG_EQ(round.devicesDone, 2u, "both devices delivered");
            }
        }
    }
};

/**
 * Weighting "samples" weighs each gradient by its device's partition size:
 * with equal iid partitions it changes nothing (bit for bit), with skewed
 * Dirichlet partitions it changes the model.
 */
class WeightingTestCase : public TestCase
{
  public:
    WeightingTestCase()
        : TestCase("weighting by samples: same as uniform on equal partitions, not on skewed")
    {}

  private:
    void DoRun() override
    {
        for (const std::string partition : {"iid", "dirichlet"})
        {
            Options o;
            o.method = "fp32";
            o.rounds = 1;
            o.evalEvery = 1;
            o.partition = partition;
            Outcome uniform = RunStar(o);
            o.weighting = "samples";
            Outcome samples = RunStar(o);
            NS_TEST_ASSERT_MSG_EQ(samples.finished, true, partition);
            NS_TEST_ASSERT_MSG_EQ(samples.finalWeights.size(), uniform.finalWeights.size(),
                                  partition);
            double maxDiff = 0;
            for (size_t i = 0;
                 i < std::min(uniform.finalWeights.size(), samples.finalWeights.size()); ++i)
            {
                maxDiff = std::max(
                    maxDiff, std::fabs(double(uniform.finalWeights[i]) - samples.finalWeights[i]));
            }
            if (partition == "iid")
            {
                // 30,000 samples each: the same mean up to rounding.
                NS_TEST_ASSERT_MSG_LT(maxDiff, 1e-6, partition);
            }
            else
            {
                NS_TEST_ASSERT_MSG_GT(maxDiff, 1e-4, partition);
            }
        }
    }
};

/** LearningTask: partitions cover the data; changed attributes take effect. */
class LearningTaskTestCase : public TestCase
{
  public:
    LearningTaskTestCase()
        : TestCase("learning task: partition covers the data, attribute changes reload")
    {}

  private:
    void DoRun() override
    {
        Ptr<LearningTask> task = CreateObject<LearningTask>();
        task->SetAttribute("Model", StringValue("softmax"));
        task->SetAttribute("EvalSubsetSize", UintegerValue(300));
        task->Setup(3);
        NS_TEST_ASSERT_MSG_EQ(task->GetDimension(), 7850u, "softmax D");
        NS_TEST_ASSERT_MSG_EQ(task->GetNDevices(), 3u, "devices");
        size_t total = 0;
        for (uint32_t i = 0; i < 3; ++i)
        {
            size_t count = 0;
            task->GetDeviceIndices(i, &count);
            auto hist = task->GetLabelHistogram(i);
            NS_TEST_ASSERT_MSG_EQ(std::accumulate(hist.begin(), hist.end(), uint64_t{0}), count,
                                  "histogram of device " << i);
            total += count;
        }
        NS_TEST_ASSERT_MSG_EQ(total, 60000u, "iid partition covers the training set");
        double flops32 = task->GetStepFlops();
        NS_TEST_ASSERT_MSG_GT(flops32, 0.0, "step FLOPs");
        std::vector<float> w = task->GetInitialWeights();
        double acc = -1;
        double loss = -1;
        task->Evaluate(w.data(), &acc, &loss);
        NS_TEST_ASSERT_MSG_GT_OR_EQ(acc, 0.0, "accuracy");
        NS_TEST_ASSERT_MSG_LT_OR_EQ(acc, 1.0, "accuracy");
        NS_TEST_ASSERT_MSG_GT(loss, 0.0, "loss");
        NS_TEST_ASSERT_MSG_EQ(task->GetWallClock().evaluations, 1u, "evaluation counted");

        // A larger batch after loading: buffers and FLOPs follow, no overflow.
        task->SetAttribute("BatchSize", UintegerValue(300));
        task->Setup(3);
        NS_TEST_ASSERT_MSG_EQ(task->GetBatchSize(), 300u, "batch");
        NS_TEST_ASSERT_MSG_GT(task->GetStepFlops(), 5 * flops32, "FLOPs grow with the batch");
        size_t count = 0;
        const uint32_t* idx = task->GetDeviceIndices(0, &count);
        std::copy(idx, idx + 300, task->GetBatchBuffer());
        double l = task->ComputeGradient(w.data(), task->GetBatchBuffer(), 300);
        NS_TEST_ASSERT_MSG_GT(l, 0.0, "gradient on 300 samples");

        // Another model and a different device count.
        task->SetAttribute("Model", StringValue("mlp"));
        task->Setup(5);
        NS_TEST_ASSERT_MSG_EQ(task->GetDimension(), 199210u, "mlp D");
        NS_TEST_ASSERT_MSG_EQ(task->GetNDevices(), 5u, "devices");
        NS_TEST_ASSERT_MSG_EQ(task->GetInitialWeights().size(), 199210u, "weights");

        // Names come from the learning core; unknown ones are refused.
        NS_TEST_ASSERT_MSG_EQ(task->SetAttributeFailSafe("Model", StringValue("resnet")), false,
                              "unknown model accepted");
        NS_TEST_ASSERT_MSG_EQ(task->SetAttributeFailSafe("Partition", StringValue("dirichlet")),
                              true, "dirichlet refused");
        NS_TEST_ASSERT_MSG_EQ(task->SetAttributeFailSafe("Partition", StringValue("random")), false,
                              "unknown partition accepted");
    }
};

class EdgeLearningProtocolTestSuite : public TestSuite
{
  public:
    EdgeLearningProtocolTestSuite()
        : TestSuite("edge-learning-protocol", SYSTEM)
    {
        AddTestCase(new IdealDownlinkTestCase, TestCase::QUICK);
        AddTestCase(new ModelDownlinkTestCase, TestCase::QUICK);
        AddTestCase(new StragglerTestCase, TestCase::QUICK);
        AddTestCase(new AbandonTestCase, TestCase::QUICK);
        AddTestCase(new MajorityVoteTestCase, TestCase::QUICK);
        AddTestCase(new RogueClientTestCase, TestCase::QUICK);
        AddTestCase(new WeightingTestCase, TestCase::QUICK);
        AddTestCase(new LearningTaskTestCase, TestCase::QUICK);
    }
};

EdgeLearningProtocolTestSuite g_edgeLearningProtocolTestSuite;

} // namespace
