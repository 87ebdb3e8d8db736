/*
 * EdgeServerApplication: the server side of the round protocol documented in
 * edge-server-application.h. Federated SGD (McMahan et al. 2017, FedSGD):
 * w <- w - lr * v, v = momentum * v + mean_i Q^-1(Q(g_i)) over the devices
 * whose upload arrived in time; with signsgd-mv the mean is replaced by the
 * majority vote sign(sum_i sign(g_i)) (Bernstein et al. 2018). The decoding
 * and aggregation mathematics live in model/hgq/.
 */
#include "edge-server-application.h"

#include "gradient-upload-header.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/hgq.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/mobility-model.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeServerApplication");

NS_OBJECT_ENSURE_REGISTERED(EdgeServerApplication);

namespace {

constexpr int DOWNLINK_IDEAL = 0;
constexpr int DOWNLINK_MODEL = 1;
constexpr int WEIGHTING_UNIFORM = 0;
constexpr int WEIGHTING_SAMPLES = 1;

double
SecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TypeId
EdgeServerApplication::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeServerApplication")
              .SetParent<Application>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<EdgeServerApplication>()
              .AddAttribute(
                  "Rounds", "Number of training rounds; the simulation stops after the last.",
                  UintegerValue(20), MakeUintegerAccessor(&EdgeServerApplication::m_rounds),
                  MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("RoundDeadline",
                            "Longest a round lasts; uploads not complete by then are stragglers.",
                            TimeValue(Seconds(10)),
                            MakeTimeAccessor(&EdgeServerApplication::m_roundDeadline),
                            MakeTimeChecker(MicroSeconds(1)))
              .AddAttribute("LearningRate", "SGD step size applied to the aggregated gradient.",
                            DoubleValue(0.05),
                            MakeDoubleAccessor(&EdgeServerApplication::m_learningRate),
                            MakeDoubleChecker<double>(0.0))
              .AddAttribute("Momentum", "Heavy-ball momentum of the server's SGD (0: plain SGD).",
                            DoubleValue(0.0),
                            MakeDoubleAccessor(&EdgeServerApplication::m_momentum),
                            MakeDoubleChecker<double>(0.0, 0.999999))
              .AddAttribute("EvalEvery",
                            "Test accuracy is measured every this many rounds and after the last.",
                            UintegerValue(1),
                            MakeUintegerAccessor(&EdgeServerApplication::m_evalEvery),
                            MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("Downlink",
                            "How devices get the global weights: ideal (read directly, no "
                            "traffic) or model (the server sends the D floats over each "
                            "device's TCP connection).",
                            EnumValue(DOWNLINK_IDEAL),
                            MakeEnumAccessor(&EdgeServerApplication::m_downlink),
                            MakeEnumChecker(DOWNLINK_IDEAL, "ideal", DOWNLINK_MODEL, "model"))
              .AddAttribute(
                  "Weighting",
                  "Weight of each decoded gradient in the mean: uniform (FedSGD over "
                  "the delivered devices) or samples (by the device's partition size, "
                  "as FedAvg). Ignored by majority vote.",
                  EnumValue(WEIGHTING_UNIFORM),
                  MakeEnumAccessor(&EdgeServerApplication::m_weighting),
                  MakeEnumChecker(WEIGHTING_UNIFORM, "uniform", WEIGHTING_SAMPLES, "samples"))
              .AddAttribute("Port", "TCP port the server listens on.", UintegerValue(9000),
                            MakeUintegerAccessor(&EdgeServerApplication::m_port),
                            MakeUintegerChecker<uint16_t>(1))
              .AddAttribute("ReferencePosition",
                            "Position of the access point / eNB, in m, for devices.distance_m.",
                            VectorValue(Vector(0, 0, 0)),
                            MakeVectorAccessor(&EdgeServerApplication::m_referencePosition),
                            MakeVectorChecker())
              .AddTraceSource("UploadEnd",
                              "A device's upload of the current round arrived complete.",
                              MakeTraceSourceAccessor(&EdgeServerApplication::m_uploadEndTrace),
                              "ns3::EdgeServerApplication::UploadEndCallback")
              .AddTraceSource("RoundEnd", "A round ended (its record, as written to the database).",
                              MakeTraceSourceAccessor(&EdgeServerApplication::m_roundEndTrace),
                              "ns3::EdgeServerApplication::RoundEndCallback")
              .AddTraceSource("Accuracy", "Test accuracy and loss after a round's update.",
                              MakeTraceSourceAccessor(&EdgeServerApplication::m_accuracyTrace),
                              "ns3::EdgeServerApplication::AccuracyCallback");
    return tid;
}

EdgeServerApplication::EdgeServerApplication()
    : m_rounds(20)
    , m_learningRate(0.05)
    , m_momentum(0)
    , m_evalEvery(1)
    , m_downlink(DOWNLINK_IDEAL)
    , m_weighting(WEIGHTING_UNIFORM)
    , m_port(9000)
    , m_runId(-1)
    , m_aggregator(nullptr)
    , m_round(0)
    , m_roundOpen(false)
    , m_nDelivered(0)
    , m_started(false)
    , m_finished(false)
{
    NS_LOG_FUNCTION(this);
}

EdgeServerApplication::~EdgeServerApplication()
{
    hgq_aggregator_destroy(m_aggregator);
    m_aggregator = nullptr;
}

void
EdgeServerApplication::DoDispose()
{
    NS_LOG_FUNCTION(this);
    Simulator::Cancel(m_deadlineEvent);
    if (m_started && !m_finished && m_db && m_db->IsOpen())
    {
        // The simulation ended before the last round (a Stop guard, or a
        // crash-free early exit): say so in the runs row.
        Finish("incomplete");
    }
    CloseAll();
    hgq_aggregator_destroy(m_aggregator);
    m_aggregator = nullptr;
    m_devices.clear();
    m_task = nullptr;
    m_decoder = nullptr;
    m_db = nullptr;
    Application::DoDispose();
}

void
EdgeServerApplication::SetLearningTask(Ptr<LearningTask> task)
{
    m_task = task;
}

Ptr<LearningTask>
EdgeServerApplication::GetLearningTask() const
{
    return m_task;
}

void
EdgeServerApplication::SetQuantizer(Ptr<GradientQuantizer> quantizer)
{
    m_decoder = quantizer;
}

Ptr<GradientQuantizer>
EdgeServerApplication::GetQuantizer() const
{
    return m_decoder;
}

void
EdgeServerApplication::SetResultsDatabase(Ptr<ResultsDatabase> db, const RunRecord& run)
{
    m_db = db;
    m_run = run;
}

void
EdgeServerApplication::AddDevice(Ptr<EdgeDeviceApplication> device)
{
    NS_ABORT_MSG_IF(device->GetDeviceId() != m_devices.size(),
                    "EdgeServerApplication::AddDevice: device id "
                        << device->GetDeviceId() << " registered as index " << m_devices.size());
    m_devices.push_back(device);
}

uint32_t
EdgeServerApplication::GetNDevices() const
{
    return m_devices.size();
}

bool
EdgeServerApplication::IsFinished() const
{
    return m_finished;
}

int64_t
EdgeServerApplication::GetRunId() const
{
    return m_runId;
}

RunRecord
EdgeServerApplication::GetRunRecord() const
{
    return m_run;
}

const std::vector<RoundRecord>&
EdgeServerApplication::GetRoundRecords() const
{
    return m_roundRecords;
}

const std::vector<UploadRecord>&
EdgeServerApplication::GetUploadRecords() const
{
    return m_uploadRecords;
}

const std::vector<float>&
EdgeServerApplication::GetWeights() const
{
    return m_weights;
}

void
EdgeServerApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_IF(!m_task, "EdgeServerApplication: no LearningTask");
    NS_ABORT_MSG_IF(!m_decoder, "EdgeServerApplication: no quantizer");
    NS_ABORT_MSG_IF(m_devices.empty(), "EdgeServerApplication: no devices registered");
    const uint32_t n = m_devices.size();
    m_task->Setup(n);
    const uint32_t d = m_task->GetDimension();
    m_decoder->Setup(d);

    int status = HGQ_OK;
    hgq_aggregator_destroy(m_aggregator);
    m_aggregator = hgq_aggregator_create(m_decoder->GetAggregation(), d, &status);
    if (m_aggregator == nullptr)
    {
        NS_FATAL_ERROR("EdgeServerApplication: aggregator: " << hgq_strerror(status));
    }
    m_weights = m_task->GetInitialWeights();
    m_velocity.assign(m_momentum > 0 ? d : 0, 0.0F);
    m_decoded.assign(d, 0.0F);
    m_aggregate.assign(d, 0.0F);
    m_delivered.assign(n, false);
    m_decodeOk.assign(n, false);
    m_deliveredAt.assign(n, Time());
    m_deliveredBytes.assign(n, 0);
    m_deviceSocket.assign(n, nullptr);
    m_roundRecords.clear();
    m_uploadRecords.clear();
    m_round = 0;
    m_finished = false;
    m_started = true;

    m_listen = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    if (m_listen->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_port)) != 0)
    {
        NS_FATAL_ERROR("EdgeServerApplication: cannot bind TCP port " << m_port
                                                                      << " (attribute Port)");
    }
    m_listen->Listen();
    m_listen->SetAcceptCallback(MakeCallback(&EdgeServerApplication::HandleConnectionRequest, this),
                                MakeCallback(&EdgeServerApplication::HandleAccept, this));

    // The runs row: what the caller gave, completed from the objects.
    if (m_run.quantizer.empty())
    {
        m_run.quantizer = m_decoder->GetMethodName();
    }
    if (m_run.plan.empty())
    {
        m_run.plan = m_decoder->GetPlan();
    }
    if (m_run.nDevices == 0)
    {
        m_run.nDevices = n;
    }
    if (m_run.dimension == 0)
    {
        m_run.dimension = d;
    }
    if (m_run.model.empty())
    {
        m_run.model = m_task->GetModelName();
    }
    if (m_run.seed == 0)
    {
        m_run.seed = RngSeedManager::GetRun();
    }
    if (m_db)
    {
        m_runId = m_db->BeginRun(m_run);
        WriteDevices();
    }
    NS_LOG_INFO("server: " << n << " devices, D=" << d << ", " << m_decoder->Describe());
    Simulator::ScheduleNow(&EdgeServerApplication::StartRound, this);
}

void
EdgeServerApplication::StopApplication()
{
    NS_LOG_FUNCTION(this);
    Simulator::Cancel(m_deadlineEvent);
    if (m_started && !m_finished)
    {
        Finish("incomplete");
    }
    CloseAll();
}

void
EdgeServerApplication::CloseAll()
{
    if (m_listen)
    {
        m_listen->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeNullCallback<void, Ptr<Socket>, const Address&>());
        m_listen->Close();
        m_listen = nullptr;
    }
    for (auto& entry : m_connections)
    {
        Ptr<Socket> socket = entry.first;
        socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
        socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                  MakeNullCallback<void, Ptr<Socket>>());
        socket->Close();
    }
    m_connections.clear();
    std::fill(m_deviceSocket.begin(), m_deviceSocket.end(), nullptr);
}

void
EdgeServerApplication::WriteDevices()
{
    std::vector<DeviceRecord> rows;
    rows.reserve(m_devices.size());
    for (uint32_t i = 0; i < m_devices.size(); ++i)
    {
        DeviceRecord row;
        row.device = i;
        Ptr<MobilityModel> mobility = m_devices[i]->GetNode()->GetObject<MobilityModel>();
        if (mobility)
        {
            Vector p = mobility->GetPosition();
            row.xM = p.x;
            row.yM = p.y;
            row.distanceM = CalculateDistance(p, m_referencePosition);
        }
        size_t count = 0;
        m_task->GetDeviceIndices(i, &count);
        row.nSamples = count;
        row.labelHistogram = m_task->GetLabelHistogram(i);
        rows.push_back(row);
    }
    m_db->WriteDevices(m_runId, rows);
}

bool
EdgeServerApplication::HandleConnectionRequest(Ptr<Socket> /* socket */, const Address& /* from */)
{
    return true;
}

void
EdgeServerApplication::HandleAccept(Ptr<Socket> socket, const Address& from)
{
    NS_LOG_FUNCTION(this << socket << from);
    socket->SetRecvCallback(MakeCallback(&EdgeServerApplication::HandleRead, this));
    socket->SetSendCallback(MakeCallback(&EdgeServerApplication::HandleSend, this));
    socket->SetCloseCallbacks(MakeCallback(&EdgeServerApplication::HandleClose, this),
                              MakeCallback(&EdgeServerApplication::HandleClose, this));
    m_connections[socket] = Connection();
}

void
EdgeServerApplication::HandleClose(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
    {
        return;
    }
    if (!it->second.buffer.empty())
    {
        NS_LOG_INFO("server: connection of device " << it->second.device << " closed with "
                                                    << it->second.buffer.size()
                                                    << " B of an unfinished message, dropped");
    }
    if (it->second.device >= 0 && m_deviceSocket[it->second.device] == socket)
    {
        m_deviceSocket[it->second.device] = nullptr;
    }
    m_connections.erase(it);
    socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
    socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                              MakeNullCallback<void, Ptr<Socket>>());
    socket->Close();
}

void
EdgeServerApplication::HandleRead(Ptr<Socket> socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
    {
        return;
    }
    Connection& c = it->second;
    Ptr<Packet> packet;
    Address from;
    while ((packet = socket->RecvFrom(from)))
    {
        if (packet->GetSize() == 0)
        {
            break;
        }
        size_t old = c.buffer.size();
        c.buffer.resize(old + packet->GetSize());
        packet->CopyData(c.buffer.data() + old, packet->GetSize());
    }
    ParseMessages(socket);
}

void
EdgeServerApplication::ParseMessages(Ptr<Socket> socket)
{
    const size_t h = GradientUploadHeader::SERIALIZED_SIZE;
    size_t pos = 0;
    while (true)
    {
        auto it = m_connections.find(socket);
        if (it == m_connections.end())
        {
            return; // closed while delivering
        }
        Connection& c = it->second;
        if (c.buffer.size() - pos < h)
        {
            break;
        }
        Buffer buffer;
        buffer.AddAtStart(h);
        buffer.Begin().Write(c.buffer.data() + pos, h);
        GradientUploadHeader header;
        header.Deserialize(buffer.Begin());
        // A length no quantizer of this run can produce would make the server
        // wait (and buffer) for bytes that never form a message.
        const bool lengthOk = header.GetKind() == GradientUploadHeader::HELLO
                                  ? header.GetPayloadLength() == 0
                                  : header.GetPayloadLength() <= m_decoder->GetMaxEncodedBytes();
        if (!header.IsValid() || header.GetDevice() >= m_devices.size()
            || header.GetKind() == GradientUploadHeader::MODEL || !lengthOk
            || (c.device >= 0 && header.GetDevice() != static_cast<uint32_t>(c.device)))
        {
            // A stream that lost its framing cannot be trusted again.
            NS_LOG_WARN("server: bad message on a connection (" << header << "), closing it");
            HandleClose(socket);
            return;
        }
        const uint32_t length = header.GetPayloadLength();
        if (c.buffer.size() - pos - h < length)
        {
            break;
        }
        const uint32_t device = header.GetDevice();
        if (c.device < 0)
        {
            c.device = device;
        }
        const uint8_t* payload = c.buffer.data() + pos + h;
        pos += h + length;
        if (header.GetKind() == GradientUploadHeader::HELLO)
        {
            NS_LOG_INFO("server: hello from device " << device);
            Ptr<Socket> previous = m_deviceSocket[device];
            m_deviceSocket[device] = socket;
            if (previous && previous != socket)
            {
                HandleClose(previous); // the device gave that one up
            }
            // HELLO carries the round the device last began: a device that
            // reconnected after beginning this round has its model already.
            if (m_downlink == DOWNLINK_MODEL && m_roundOpen && header.GetRound() != m_round)
            {
                SendModel(device);
            }
            continue;
        }
        Deliver(header.GetRound(), device, payload, length);
    }
    auto it = m_connections.find(socket);
    if (it != m_connections.end())
    {
        it->second.buffer.erase(it->second.buffer.begin(), it->second.buffer.begin() + pos);
    }
}

void
EdgeServerApplication::Deliver(uint32_t round, uint32_t device, const uint8_t* payload,
                               uint32_t length)
{
    if (!m_roundOpen || round != m_round)
    {
        NS_LOG_INFO("server: upload of device " << device << " for round " << round
                                                << " arrived in round " << m_round
                                                << ", discarded");
        return;
    }
    if (m_delivered[device])
    {
        NS_LOG_INFO("server: duplicate upload of device " << device << ", ignored");
        return;
    }
    auto start = std::chrono::steady_clock::now();
    int status = m_decoder->Decode(payload, length, m_decoded.data());
    if (status == HGQ_OK)
    {
        double weight = 1.0;
        if (m_weighting == WEIGHTING_SAMPLES)
        {
            size_t count = 0;
            m_task->GetDeviceIndices(device, &count);
            weight = static_cast<double>(count);
        }
        status = hgq_aggregator_add(m_aggregator, m_decoded.data(), m_decoded.size(), weight);
    }
    EdgeLearningWallClock& clock = m_task->GetWallClock();
    clock.decodeS += SecondsSince(start);
    clock.decodes++;
    m_delivered[device] = true;
    m_decodeOk[device] = (status == HGQ_OK);
    m_deliveredAt[device] = Simulator::Now();
    m_deliveredBytes[device] = GradientUploadHeader::SERIALIZED_SIZE + length;
    m_nDelivered++;
    if (status != HGQ_OK)
    {
        NS_LOG_WARN("server: upload of device " << device << " round " << round
                                                << " not decodable: " << hgq_strerror(status)
                                                << "; recorded as a straggler");
    }
    else
    {
        DeviceUploadInfo info = m_devices[device]->GetUploadInfo(round);
        Time latency = Simulator::Now() - (info.started ? info.tStart : m_roundStart);
        m_uploadEndTrace(round, device, m_deliveredBytes[device], latency);
    }
    if (m_nDelivered == m_devices.size())
    {
        // End outside the socket callback that delivered the last upload.
        Simulator::Cancel(m_deadlineEvent);
        m_deadlineEvent = Simulator::ScheduleNow(&EdgeServerApplication::EndRound, this);
    }
}

void
EdgeServerApplication::StartRound()
{
    m_round++;
    m_roundStart = Simulator::Now();
    m_roundOpen = true;
    m_nDelivered = 0;
    std::fill(m_delivered.begin(), m_delivered.end(), false);
    std::fill(m_decodeOk.begin(), m_decodeOk.end(), false);
    std::fill(m_deliveredBytes.begin(), m_deliveredBytes.end(), 0);
    int status = hgq_aggregator_reset(m_aggregator);
    NS_ABORT_MSG_IF(status != HGQ_OK, "hgq_aggregator_reset: " << hgq_strerror(status));
    NS_LOG_INFO("server: round " << m_round << " starts at " << m_roundStart.As(Time::S));
    m_deadlineEvent = Simulator::Schedule(m_roundDeadline, &EdgeServerApplication::EndRound, this);
    if (m_downlink == DOWNLINK_IDEAL)
    {
        for (auto& device : m_devices)
        {
            device->BeginRound(m_round, m_weights.data());
        }
    }
    else
    {
        for (uint32_t i = 0; i < m_devices.size(); ++i)
        {
            SendModel(i);
        }
    }
}

void
EdgeServerApplication::SendModel(uint32_t device)
{
    Ptr<Socket> socket = m_deviceSocket[device];
    if (!socket)
    {
        return; // sent when the device's HELLO arrives
    }
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
    {
        return;
    }
    Connection& c = it->second;
    if (c.modelRound != 0 && c.modelPos < c.modelTotal())
    {
        // The last round's model is half sent: the stream cannot carry a new
        // message until it ends, and it is stale. Close; the device reconnects
        // and says HELLO, which brings it the current model.
        NS_LOG_INFO("server: model of round " << c.modelRound << " to device " << device
                                              << " unfinished, closing the connection");
        HandleClose(socket);
        return;
    }
    GradientUploadHeader header;
    header.SetKind(GradientUploadHeader::MODEL);
    header.SetRound(m_round);
    header.SetDevice(device);
    header.SetPayloadLength(m_weights.size() * sizeof(float));
    Buffer buffer;
    buffer.AddAtStart(GradientUploadHeader::SERIALIZED_SIZE);
    header.Serialize(buffer.Begin());
    buffer.CopyData(c.modelHeader, GradientUploadHeader::SERIALIZED_SIZE);
    c.modelRound = m_round;
    c.modelPos = 0;
    c.modelBytes = m_weights.size() * sizeof(float);
    SendModelBytes(socket, c);
}

void
EdgeServerApplication::HandleSend(Ptr<Socket> socket, uint32_t /* available */)
{
    auto it = m_connections.find(socket);
    if (it != m_connections.end())
    {
        SendModelBytes(socket, it->second);
    }
}

void
EdgeServerApplication::SendModelBytes(Ptr<Socket> socket, Connection& c)
{
    // Streams straight from m_weights: they change only at EndRound, and a
    // model still in flight then is abandoned (SendModel closes).
    const size_t h = GradientUploadHeader::SERIALIZED_SIZE;
    const uint8_t* weights = reinterpret_cast<const uint8_t*>(m_weights.data());
    while (c.modelRound == m_round && c.modelPos < c.modelTotal())
    {
        uint32_t room = socket->GetTxAvailable();
        if (room == 0)
        {
            return;
        }
        const uint8_t* src
            = c.modelPos < h ? c.modelHeader + c.modelPos : weights + (c.modelPos - h);
        size_t left = c.modelPos < h ? h - c.modelPos : c.modelTotal() - c.modelPos;
        size_t n = std::min<size_t>({room, left, 65536});
        int sent = socket->Send(Create<Packet>(src, n));
        if (sent <= 0)
        {
            return;
        }
        c.modelPos += sent;
    }
}

void
EdgeServerApplication::EndRound()
{
    if (!m_roundOpen)
    {
        return;
    }
    Simulator::Cancel(m_deadlineEvent);
    m_roundOpen = false;
    const Time now = Simulator::Now();
    const uint32_t n = m_devices.size();

    uint32_t done = 0;
    for (uint32_t i = 0; i < n; ++i)
    {
        done += m_decodeOk[i] ? 1 : 0;
    }
    if (done > 0)
    {
        auto start = std::chrono::steady_clock::now();
        int status = hgq_aggregator_result(m_aggregator, m_aggregate.data(), m_aggregate.size());
        NS_ABORT_MSG_IF(status != HGQ_OK, "hgq_aggregator_result: " << hgq_strerror(status));
        status = learn_apply(m_weights.data(), m_aggregate.data(), m_weights.size(),
                             static_cast<float>(m_learningRate), static_cast<float>(m_momentum),
                             m_momentum > 0 ? m_velocity.data() : nullptr);
        NS_ABORT_MSG_IF(status != LEARN_OK, "learn_apply: " << learn_strerror(status));
        m_task->GetWallClock().updateS += SecondsSince(start);
    }

    RoundRecord round;
    round.round = m_round;
    round.tStartS = m_roundStart.GetSeconds();
    round.tEndS = now.GetSeconds();
    round.devicesDone = done;
    if (m_round % m_evalEvery == 0 || m_round >= m_rounds)
    {
        double accuracy = 0;
        double loss = 0;
        m_task->Evaluate(m_weights.data(), &accuracy, &loss);
        round.accuracy = accuracy;
        round.loss = loss;
        NS_LOG_INFO("server: round " << m_round << " accuracy " << accuracy << " loss " << loss);
        m_accuracyTrace(m_round, accuracy, loss);
    }

    std::vector<UploadRecord> uploads;
    uploads.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
    {
        DeviceUploadInfo info = m_devices[i]->GetUploadInfo(m_round);
        UploadRecord u;
        u.round = m_round;
        u.device = i;
        u.payloadBits = info.payloadBits;
        u.wireBytes = m_delivered[i] ? m_deliveredBytes[i] : info.wireBytes;
        // A device that never started (still computing, or no model yet)
        // is dated at its due time, or at the round start.
        u.tStartS = info.computed ? info.tStart.GetSeconds() : round.tStartS;
        u.completed = m_decodeOk[i];
        if (m_delivered[i])
        {
            u.tEndS = m_deliveredAt[i].GetSeconds();
        }
        if (info.computed)
        {
            u.cosSimilarity = info.cosSimilarity;
        }
        if (u.completed)
        {
            round.uplinkBits += u.payloadBits;
            round.uplinkBytes += u.wireBytes;
        }
        uploads.push_back(u);
    }
    if (m_db)
    {
        m_db->WriteRound(m_runId, round, uploads);
    }
    m_roundRecords.push_back(round);
    m_uploadRecords.insert(m_uploadRecords.end(), uploads.begin(), uploads.end());
    NS_LOG_INFO("server: round " << m_round << " ends at " << now.As(Time::S) << ": " << done << "/"
                                 << n << " uploads, " << round.uplinkBits << " bits");
    m_roundEndTrace(round);

    if (m_round >= m_rounds)
    {
        Finish("complete");
        Simulator::Stop();
        return;
    }
    StartRound();
}

void
EdgeServerApplication::Finish(const std::string& status)
{
    if (m_finished)
    {
        return;
    }
    m_finished = true;
    if (m_db && m_runId >= 0)
    {
        m_db->FinishRun(m_runId, status);
    }
    NS_LOG_INFO("server: run " << m_runId << " " << status << " after " << m_roundRecords.size()
                               << " rounds");
}

} // namespace ns3
