/*
 * GradientUploadHeader: the framing in front of every message on a device's
 * TCP connection.
 */
#ifndef EDGE_LEARNING_GRADIENT_UPLOAD_HEADER_H
#define EDGE_LEARNING_GRADIENT_UPLOAD_HEADER_H

#include "ns3/header.h"

#include <cstdint>

namespace ns3 {

/**
 * \ingroup edge-learning
 * \brief 20-byte header framing a message of the device-server protocol.
 *
 * Wire layout (network byte order):
 *   magic (4, "EDGL" = 0x4544474c) | version (1) | kind (1) | reserved (2, 0)
 *   | round (4) | device (4) | payload length in bytes (4)
 * followed by exactly `payload length` bytes.
 *
 * Kinds: UPLOAD (device -> server: the encoded gradient of `round`), HELLO
 * (device -> server, payload 0: names the device on a new connection, so that
 * a modelled downlink knows where to send; `round` is the last round the
 * device began, 0 before the first), MODEL (server -> device: D IEEE floats
 * in the host's byte order, the global weights of `round`).
 *
 * Deserialize never fails; IsValid() says whether magic, version and kind were
 * recognised (a desynchronised stream is detected, not trusted).
 */
class GradientUploadHeader : public Header
{
  public:
    static constexpr uint32_t MAGIC = 0x4544474c;
    static constexpr uint8_t VERSION = 1;
    static constexpr uint32_t SERIALIZED_SIZE = 20;

    enum Kind : uint8_t
    {
        UPLOAD = 1,
        HELLO = 2,
        MODEL = 3
    };

    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    GradientUploadHeader();

    void SetKind(Kind kind);
    Kind GetKind() const;
    void SetRound(uint32_t round);
    uint32_t GetRound() const;
    void SetDevice(uint32_t device);
    uint32_t GetDevice() const;
    void SetPayloadLength(uint32_t bytes);
    uint32_t GetPayloadLength() const;
    /** Magic, version and kind recognised by the last Deserialize. */
    bool IsValid() const;

    uint32_t GetSerializedSize() const override;
    void Serialize(Buffer::Iterator start) const override;
    uint32_t Deserialize(Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

  private:
    uint32_t m_magic;
    uint8_t m_version;
    uint8_t m_kind;
    uint32_t m_round;
    uint32_t m_device;
    uint32_t m_payloadLength;
};

} // namespace ns3

#endif /* EDGE_LEARNING_GRADIENT_UPLOAD_HEADER_H */
