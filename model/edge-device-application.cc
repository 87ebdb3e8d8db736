/*
 * EdgeDeviceApplication: one device of the round protocol documented in
 * edge-device-application.h. Real work (gradient, encoding) happens at one
 * instant of simulated time; the time it would take on the device is modelled
 * as step FLOPs / ComputeFlopsPerSecond, never measured.
 */
#include "edge-device-application.h"

#include "gradient-upload-header.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-address.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeDeviceApplication");

NS_OBJECT_ENSURE_REGISTERED(EdgeDeviceApplication);

namespace {

/** Serializes a header into its 20 wire bytes at out. */
void
WriteHeader(const GradientUploadHeader& header, uint8_t* out)
{
    Buffer buffer;
    buffer.AddAtStart(GradientUploadHeader::SERIALIZED_SIZE);
    header.Serialize(buffer.Begin());
    buffer.CopyData(out, GradientUploadHeader::SERIALIZED_SIZE);
}

/** cos(a, b), accumulated in double; 0 when either is the zero vector. */
double
Cosine(const float* a, const float* b, size_t n)
{
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (size_t i = 0; i < n; ++i)
    {
        ab += static_cast<double>(a[i]) * b[i];
        aa += static_cast<double>(a[i]) * a[i];
        bb += static_cast<double>(b[i]) * b[i];
    }
    return (aa > 0 && bb > 0) ? ab / std::sqrt(aa * bb) : 0.0;
}

} // namespace

TypeId
EdgeDeviceApplication::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeDeviceApplication")
              .SetParent<Application>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<EdgeDeviceApplication>()
              .AddAttribute(
                  "DeviceId", "Index of this device (0..N-1): its partition and its rows.",
                  UintegerValue(0), MakeUintegerAccessor(&EdgeDeviceApplication::m_deviceId),
                  MakeUintegerChecker<uint32_t>())
              .AddAttribute("ServerAddress", "IPv4 address of the edge server.", Ipv4AddressValue(),
                            MakeIpv4AddressAccessor(&EdgeDeviceApplication::m_serverAddress),
                            MakeIpv4AddressChecker())
              .AddAttribute("ServerPort", "TCP port of the edge server.", UintegerValue(9000),
                            MakeUintegerAccessor(&EdgeDeviceApplication::m_serverPort),
                            MakeUintegerChecker<uint16_t>(1))
              .AddAttribute("ComputeFlopsPerSecond",
                            "Device compute rate in FLOP/s: a step takes step FLOPs / this.",
                            DoubleValue(1e10),
                            MakeDoubleAccessor(&EdgeDeviceApplication::m_flopsPerSecond),
                            MakeDoubleChecker<double>(1.0))
              .AddAttribute("StartJitter",
                            "Largest uniform random delay before connecting and before each "
                            "upload (spreads TCP starts apart).",
                            TimeValue(MilliSeconds(10)),
                            MakeTimeAccessor(&EdgeDeviceApplication::m_startJitter),
                            MakeTimeChecker(Seconds(0)))
              .AddAttribute("ReconnectBackoff",
                            "First wait before reconnecting after a failed or closed connection; "
                            "doubled per consecutive failure (plus as much uniform jitter).",
                            TimeValue(MilliSeconds(100)),
                            MakeTimeAccessor(&EdgeDeviceApplication::m_reconnectBackoff),
                            MakeTimeChecker(MicroSeconds(1)))
              .AddAttribute("MaxReconnectBackoff", "Cap of the doubled reconnect wait.",
                            TimeValue(Seconds(5)),
                            MakeTimeAccessor(&EdgeDeviceApplication::m_maxReconnectBackoff),
                            MakeTimeChecker(MicroSeconds(1)))
              .AddAttribute("SendSize", "Largest piece, in bytes, handed to the socket at once.",
                            UintegerValue(65536),
                            MakeUintegerAccessor(&EdgeDeviceApplication::m_sendSize),
                            MakeUintegerChecker<uint32_t>(1))
              .AddTraceSource("UploadStart",
                              "The first byte of a round's upload was handed to the socket.",
                              MakeTraceSourceAccessor(&EdgeDeviceApplication::m_uploadStartTrace),
                              "ns3::EdgeDeviceApplication::UploadStartCallback");
    return tid;
}

EdgeDeviceApplication::EdgeDeviceApplication()
    : m_deviceId(0)
    , m_serverPort(9000)
    , m_flopsPerSecond(1e10)
    , m_sendSize(65536)
    , m_sampler(nullptr)
    , m_connected(false)
    , m_started(false)
    , m_stopped(false)
    , m_initialised(false)
    , m_failures(0)
    , m_helloPos(GradientUploadHeader::SERIALIZED_SIZE)
    , m_msgOnSocket(false)
    , m_msgPos(0)
    , m_uploadQueued(false)
    , m_modelRound(0)
{
    NS_LOG_FUNCTION(this);
    m_jitter = CreateObject<UniformRandomVariable>();
    m_seedStream = CreateObject<UniformRandomVariable>();
}

EdgeDeviceApplication::~EdgeDeviceApplication()
{
    learn_sampler_destroy(m_sampler);
    m_sampler = nullptr;
}

void
EdgeDeviceApplication::DoDispose()
{
    NS_LOG_FUNCTION(this);
    Simulator::Cancel(m_connectEvent);
    Simulator::Cancel(m_uploadEvent);
    if (m_socket)
    {
        m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
        m_socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                    MakeNullCallback<void, Ptr<Socket>>());
        m_socket = nullptr;
    }
    learn_sampler_destroy(m_sampler);
    m_sampler = nullptr;
    m_task = nullptr;
    m_quantizer = nullptr;
    m_jitter = nullptr;
    m_seedStream = nullptr;
    Application::DoDispose();
}

void
EdgeDeviceApplication::SetLearningTask(Ptr<LearningTask> task)
{
    m_task = task;
}

void
EdgeDeviceApplication::SetQuantizer(Ptr<GradientQuantizer> quantizer)
{
    m_quantizer = quantizer;
}

Ptr<GradientQuantizer>
EdgeDeviceApplication::GetQuantizer() const
{
    return m_quantizer;
}

uint32_t
EdgeDeviceApplication::GetDeviceId() const
{
    return m_deviceId;
}

int64_t
EdgeDeviceApplication::AssignStreams(int64_t stream)
{
    m_jitter->SetStream(stream);
    m_seedStream->SetStream(stream + 1);
    return 2;
}

DeviceUploadInfo
EdgeDeviceApplication::GetUploadInfo(uint32_t round) const
{
    if (m_current.round == round)
    {
        return m_current;
    }
    DeviceUploadInfo none;
    none.round = round;
    return none;
}

uint64_t
EdgeDeviceApplication::DrawSeed()
{
    // Two 32-bit draws of this device's own stream: RngRun and AssignStreams
    // decide them, independently of every other device.
    uint64_t hi = m_seedStream->GetInteger(0, 0xffffffffU);
    uint64_t lo = m_seedStream->GetInteger(0, 0xffffffffU);
    return (hi << 32) | lo;
}

void
EdgeDeviceApplication::Initialise()
{
    if (m_initialised)
    {
        return;
    }
    NS_ABORT_MSG_IF(!m_task, "EdgeDeviceApplication " << m_deviceId << ": no LearningTask");
    NS_ABORT_MSG_IF(!m_quantizer, "EdgeDeviceApplication " << m_deviceId << ": no quantizer");
    NS_ABORT_MSG_IF(!m_task->IsSetUp(), "EdgeDeviceApplication "
                                            << m_deviceId
                                            << ": LearningTask not set up (the server does it)");
    size_t count = 0;
    const uint32_t* indices = m_task->GetDeviceIndices(m_deviceId, &count);
    int status = LEARN_OK;
    m_sampler = learn_sampler_create(indices, count, DrawSeed(), &status);
    if (m_sampler == nullptr)
    {
        NS_FATAL_ERROR("EdgeDeviceApplication " << m_deviceId << ": sampler over " << count
                                                << " samples: " << learn_strerror(status));
    }
    m_quantizer->SetAttribute("Seed", UintegerValue(DrawSeed()));
    m_quantizer->Setup(m_task->GetDimension());
    // Sized once: encoding writes into this buffer without allocating.
    m_message.reserve(GradientUploadHeader::SERIALIZED_SIZE + m_quantizer->GetMaxEncodedBytes());
    m_initialised = true;
}

void
EdgeDeviceApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    m_started = true;
    m_stopped = false;
    m_connectEvent = Simulator::Schedule(Seconds(m_jitter->GetValue(0, m_startJitter.GetSeconds())),
                                         &EdgeDeviceApplication::Connect, this);
}

void
EdgeDeviceApplication::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_stopped = true;
    Simulator::Cancel(m_connectEvent);
    Simulator::Cancel(m_uploadEvent);
    DropSocket();
}

void
EdgeDeviceApplication::Connect()
{
    NS_LOG_FUNCTION(this);
    if (m_stopped || m_socket)
    {
        return;
    }
    m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    if (m_socket->Bind() != 0)
    {
        NS_FATAL_ERROR("EdgeDeviceApplication " << m_deviceId << ": cannot bind a TCP socket");
    }
    m_socket->SetConnectCallback(MakeCallback(&EdgeDeviceApplication::ConnectionSucceeded, this),
                                 MakeCallback(&EdgeDeviceApplication::ConnectionFailed, this));
    m_socket->SetCloseCallbacks(MakeCallback(&EdgeDeviceApplication::ConnectionClosed, this),
                                MakeCallback(&EdgeDeviceApplication::ConnectionClosed, this));
    m_socket->SetSendCallback(MakeCallback(&EdgeDeviceApplication::DataSent, this));
    m_socket->SetRecvCallback(MakeCallback(&EdgeDeviceApplication::HandleRead, this));
    if (m_socket->Connect(InetSocketAddress(m_serverAddress, m_serverPort)) != 0)
    {
        // Refused at once (no route yet, e.g. before association): retry.
        NS_LOG_INFO("device " << m_deviceId << " cannot connect now; retrying");
        DropSocket();
        ScheduleReconnect();
    }
}

void
EdgeDeviceApplication::ConnectionSucceeded(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (socket != m_socket)
    {
        return;
    }
    NS_LOG_INFO("device " << m_deviceId << " connected at " << Simulator::Now().As(Time::S));
    m_connected = true;
    m_failures = 0;
    m_rx.clear();
    // A new connection starts with HELLO, then (again) the current round's
    // upload if it is not known to be through: the server ignores a duplicate
    // and discards an old round, so resending is always safe.
    GradientUploadHeader hello;
    hello.SetKind(GradientUploadHeader::HELLO);
    hello.SetRound(m_current.round);
    hello.SetDevice(m_deviceId);
    hello.SetPayloadLength(0);
    WriteHeader(hello, m_hello);
    m_helloPos = 0;
    m_msgOnSocket = m_uploadQueued;
    m_msgPos = 0;
    SendPending();
}

void
EdgeDeviceApplication::ConnectionFailed(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (socket != m_socket)
    {
        return;
    }
    NS_LOG_INFO("device " << m_deviceId << " connection failed at "
                          << Simulator::Now().As(Time::S));
    DropSocket();
    ScheduleReconnect();
}

void
EdgeDeviceApplication::ConnectionClosed(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (socket != m_socket)
    {
        return;
    }
    NS_LOG_INFO("device " << m_deviceId << " connection closed at "
                          << Simulator::Now().As(Time::S));
    DropSocket();
    ScheduleReconnect();
}

void
EdgeDeviceApplication::ScheduleReconnect()
{
    if (m_stopped || m_connectEvent.IsRunning())
    {
        return;
    }
    // Exponential backoff with as much uniform jitter, so that devices that
    // failed together do not retry together.
    double wait
        = m_reconnectBackoff.GetSeconds() * std::pow(2.0, std::min<uint32_t>(m_failures, 30));
    wait = std::min(wait, m_maxReconnectBackoff.GetSeconds());
    wait += m_jitter->GetValue(0, wait);
    m_failures++;
    m_connectEvent = Simulator::Schedule(Seconds(wait), &EdgeDeviceApplication::Connect, this);
}

void
EdgeDeviceApplication::DropSocket()
{
    if (!m_socket)
    {
        return;
    }
    Ptr<Socket> socket = m_socket;
    m_socket = nullptr;
    m_connected = false;
    socket->SetConnectCallback(MakeNullCallback<void, Ptr<Socket>>(),
                               MakeNullCallback<void, Ptr<Socket>>());
    socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
    socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                              MakeNullCallback<void, Ptr<Socket>>());
    socket->Close();
    m_helloPos = GradientUploadHeader::SERIALIZED_SIZE;
    m_msgOnSocket = false;
    m_msgPos = 0;
}

void
EdgeDeviceApplication::BeginRound(uint32_t round, const float* weights)
{
    NS_LOG_FUNCTION(this << round);
    if (m_stopped)
    {
        return;
    }
    Initialise();
    Simulator::Cancel(m_uploadEvent);
    if (m_msgOnSocket && m_msgPos > 0 && m_msgPos < m_message.size())
    {
        // The previous round's message is half handed to the socket: the rest
        // is worthless and the stream cannot be resynchronised without a new
        // connection (the server drops the unfinished message on close).
        NS_LOG_INFO("device " << m_deviceId << " abandons round " << m_current.round
                              << " upload mid-way");
        DropSocket();
        Connect();
    }
    // Not started or fully handed over: nothing of it is left to send.
    m_msgOnSocket = false;
    m_msgPos = 0;
    m_uploadQueued = false;
    ComputeAndEncode(round, weights);
}

void
EdgeDeviceApplication::ComputeAndEncode(uint32_t round, const float* weights)
{
    size_t batch = m_task->GetBatchSize();
    uint32_t* indices = m_task->GetBatchBuffer();
    int status = learn_sampler_next(m_sampler, indices, batch);
    NS_ABORT_MSG_IF(status != LEARN_OK,
                    "device " << m_deviceId << ": sampler: " << learn_strerror(status));
    double loss = m_task->ComputeGradient(weights, indices, batch);
    const float* g = m_task->GetGradientBuffer();
    float* gHat = m_task->GetReconstructionBuffer();

    auto start = std::chrono::steady_clock::now();
    const size_t h = GradientUploadHeader::SERIALIZED_SIZE;
    size_t capacity = m_message.capacity() - h;
    m_message.resize(m_message.capacity());
    size_t written = m_quantizer->Encode(g, m_message.data() + h, capacity, gHat);
    m_message.resize(h + written);
    EdgeLearningWallClock& clock = m_task->GetWallClock();
    clock.quantizeS
        += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    clock.encodes++;

    GradientUploadHeader header;
    header.SetKind(GradientUploadHeader::UPLOAD);
    header.SetRound(round);
    header.SetDevice(m_deviceId);
    header.SetPayloadLength(static_cast<uint32_t>(written));
    WriteHeader(header, m_message.data());

    hgq_encode_stats stats = m_quantizer->GetLastStats();
    Time delay = Seconds(m_task->GetStepFlops() / m_flopsPerSecond
                         + m_jitter->GetValue(0, m_startJitter.GetSeconds()));
    m_current = DeviceUploadInfo();
    m_current.round = round;
    m_current.computed = true;
    m_current.started = false;
    m_current.tStart = Simulator::Now() + delay;
    m_current.payloadBits = stats.header_bits + stats.payload_bits;
    m_current.wireBytes = m_message.size();
    m_current.cosSimilarity = Cosine(g, gHat, m_quantizer->GetDimension());
    m_current.loss = loss;
    NS_LOG_INFO("device " << m_deviceId << " round " << round << " loss " << loss << " encoded "
                          << written << " B, cos " << m_current.cosSimilarity << ", upload in "
                          << delay.As(Time::MS));
    m_uploadEvent = Simulator::Schedule(delay, &EdgeDeviceApplication::StartUpload, this);
}

void
EdgeDeviceApplication::StartUpload()
{
    NS_LOG_FUNCTION(this);
    m_uploadQueued = true;
    if (m_connected)
    {
        m_msgOnSocket = true;
        m_msgPos = 0;
        SendPending();
    }
    else if (!m_socket && !m_connectEvent.IsRunning() && m_started)
    {
        Connect();
    }
}

void
EdgeDeviceApplication::DataSent(Ptr<Socket> socket, uint32_t /* available */)
{
    if (socket == m_socket && m_connected)
    {
        SendPending();
    }
}

void
EdgeDeviceApplication::SendPending()
{
    const size_t h = GradientUploadHeader::SERIALIZED_SIZE;
    while (m_socket && m_connected)
    {
        // HELLO first, then the upload, straight from their buffers (the
        // packet copies the bytes it carries).
        const bool hello = m_helloPos < h;
        const uint8_t* src;
        size_t left;
        if (hello)
        {
            src = m_hello + m_helloPos;
            left = h - m_helloPos;
        }
        else if (m_msgOnSocket && m_msgPos < m_message.size())
        {
            src = m_message.data() + m_msgPos;
            left = m_message.size() - m_msgPos;
        }
        else
        {
            return;
        }
        uint32_t room = m_socket->GetTxAvailable();
        if (room == 0)
        {
            return; // DataSent resumes
        }
        size_t n = std::min<size_t>({room, left, m_sendSize});
        int sent = m_socket->Send(Create<Packet>(src, n));
        if (sent <= 0)
        {
            return;
        }
        if (hello)
        {
            m_helloPos += sent;
            continue;
        }
        if (m_msgPos == 0 && !m_current.started)
        {
            m_current.started = true;
            m_current.tStart = Simulator::Now();
            m_uploadStartTrace(m_current.round, m_deviceId, m_current.wireBytes);
        }
        m_msgPos += sent;
        if (m_msgPos >= m_message.size())
        {
            // Handed over completely; TCP delivers it or the connection fails
            // (then it is sent again on the next connection, if still due).
            m_uploadQueued = false;
        }
    }
}

void
EdgeDeviceApplication::HandleRead(Ptr<Socket> socket)
{
    if (socket != m_socket)
    {
        return;
    }
    Ptr<Packet> packet;
    Address from;
    while ((packet = socket->RecvFrom(from)))
    {
        if (packet->GetSize() == 0)
        {
            break;
        }
        size_t old = m_rx.size();
        m_rx.resize(old + packet->GetSize());
        packet->CopyData(m_rx.data() + old, packet->GetSize());
    }
    // Only MODEL messages travel server -> device (Downlink "model").
    const size_t h = GradientUploadHeader::SERIALIZED_SIZE;
    size_t pos = 0;
    while (m_rx.size() - pos >= h)
    {
        Buffer buffer;
        buffer.AddAtStart(h);
        buffer.Begin().Write(m_rx.data() + pos, h);
        GradientUploadHeader header;
        header.Deserialize(buffer.Begin());
        if (!header.IsValid() || header.GetKind() != GradientUploadHeader::MODEL)
        {
            NS_LOG_WARN("device " << m_deviceId << ": unexpected message from the server: "
                                  << header << "; reconnecting");
            DropSocket();
            ScheduleReconnect();
            return;
        }
        size_t length = header.GetPayloadLength();
        if (m_rx.size() - pos - h < length)
        {
            break;
        }
        uint32_t round = header.GetRound();
        size_t d = m_task ? m_task->GetDimension() : 0;
        if (length != d * sizeof(float))
        {
            NS_LOG_WARN("device " << m_deviceId << ": model of " << length << " B, expected "
                                  << d * sizeof(float));
        }
        else if (round > m_modelRound)
        {
            m_modelRound = round;
            m_weights.resize(d); // once: D floats of received weights
            std::memcpy(m_weights.data(), m_rx.data() + pos + h, length);
            pos += h + length;
            BeginRound(round, m_weights.data());
            continue;
        }
        pos += h + length;
    }
    m_rx.erase(m_rx.begin(), m_rx.begin() + pos);
}

} // namespace ns3
