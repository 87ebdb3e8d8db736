/*
 * GradientUploadHeader: 20-byte framing of the device-server messages.
 * Layout and kinds are documented in gradient-upload-header.h.
 */
#include "gradient-upload-header.h"

#include "ns3/log.h"

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("GradientUploadHeader");

NS_OBJECT_ENSURE_REGISTERED(GradientUploadHeader);

TypeId
GradientUploadHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::GradientUploadHeader")
                            .SetParent<Header>()
                            .SetGroupName("EdgeLearning")
                            .AddConstructor<GradientUploadHeader>();
    return tid;
}

TypeId
GradientUploadHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

GradientUploadHeader::GradientUploadHeader()
    : m_magic(MAGIC)
    , m_version(VERSION)
    , m_kind(UPLOAD)
    , m_round(0)
    , m_device(0)
    , m_payloadLength(0)
{}

void
GradientUploadHeader::SetKind(Kind kind)
{
    m_kind = kind;
}

GradientUploadHeader::Kind
GradientUploadHeader::GetKind() const
{
    return static_cast<Kind>(m_kind);
}

void
GradientUploadHeader::SetRound(uint32_t round)
{
    m_round = round;
}

uint32_t
GradientUploadHeader::GetRound() const
{
    return m_round;
}

void
GradientUploadHeader::SetDevice(uint32_t device)
{
    m_device = device;
}

uint32_t
GradientUploadHeader::GetDevice() const
{
    return m_device;
}

void
GradientUploadHeader::SetPayloadLength(uint32_t bytes)
{
    m_payloadLength = bytes;
}

uint32_t
GradientUploadHeader::GetPayloadLength() const
{
    return m_payloadLength;
}

bool
GradientUploadHeader::IsValid() const
{
    return m_magic == MAGIC && m_version == VERSION && m_kind >= UPLOAD && m_kind <= MODEL;
}

uint32_t
GradientUploadHeader::GetSerializedSize() const
{
    return SERIALIZED_SIZE;
}

void
GradientUploadHeader::Serialize(Buffer::Iterator start) const
{
    start.WriteHtonU32(m_magic);
    start.WriteU8(m_version);
    start.WriteU8(m_kind);
    start.WriteHtonU16(0); // reserved
    start.WriteHtonU32(m_round);
    start.WriteHtonU32(m_device);
    start.WriteHtonU32(m_payloadLength);
}

uint32_t
GradientUploadHeader::Deserialize(Buffer::Iterator start)
{
    m_magic = start.ReadNtohU32();
    m_version = start.ReadU8();
    m_kind = start.ReadU8();
    start.ReadNtohU16(); // reserved
    m_round = start.ReadNtohU32();
    m_device = start.ReadNtohU32();
    m_payloadLength = start.ReadNtohU32();
    if (!IsValid())
    {
        NS_LOG_WARN("unrecognised header: magic " << std::hex << m_magic << std::dec << " version "
                                                  << +m_version << " kind " << +m_kind);
    }
    return SERIALIZED_SIZE;
}

void
GradientUploadHeader::Print(std::ostream& os) const
{
    const char* kind = m_kind == UPLOAD  ? "upload"
                       : m_kind == HELLO ? "hello"
                       : m_kind == MODEL ? "model"
                                         : "?";
    os << "kind=" << kind << " round=" << m_round << " device=" << m_device
       << " payload=" << m_payloadLength << "B" << (IsValid() ? "" : " INVALID");
}

} // namespace ns3
