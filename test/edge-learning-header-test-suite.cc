/*
 * edge-learning-header: GradientUploadHeader serializes to its documented 20
 * bytes, round-trips through a Packet for every kind, and flags a stream whose
 * framing is lost.
 */
#include "ns3/gradient-upload-header.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/test.h"

#include <sstream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("EdgeLearningHeaderTestSuite");

namespace {

/** Every kind and extreme field values survive Packet::AddHeader/RemoveHeader. */
class HeaderRoundTripTestCase : public TestCase
{
  public:
    HeaderRoundTripTestCase()
        : TestCase("header round trip through a packet, every kind and extreme values")
    {}

  private:
    void DoRun() override
    {
        const GradientUploadHeader::Kind kinds[] = {
            GradientUploadHeader::UPLOAD, GradientUploadHeader::HELLO, GradientUploadHeader::MODEL};
        const uint32_t values[] = {0, 1, 0x12345678, 0xffffffff};
        for (auto kind : kinds)
        {
            for (uint32_t v : values)
            {
                const uint32_t device = v ^ 0x5a5a5a5aU;
                const uint32_t length = ~v;
                GradientUploadHeader h;
                h.SetKind(kind);
                h.SetRound(v);
                h.SetDevice(device);
                h.SetPayloadLength(length);
                const uint8_t payload[7] = {1, 2, 3, 4, 5, 6, 7};
                Ptr<Packet> p = Create<Packet>(payload, sizeof(payload));
                p->AddHeader(h);
                NS_TEST_ASSERT_MSG_EQ(p->GetSize(), 20 + sizeof(payload), "20-byte header");

                GradientUploadHeader r;
                NS_TEST_ASSERT_MSG_EQ(r.IsValid(), true, "default header is valid");
                uint32_t read = p->RemoveHeader(r);
                NS_TEST_ASSERT_MSG_EQ(read, 20u, "bytes read");
                NS_TEST_ASSERT_MSG_EQ(r.IsValid(), true, "valid after round trip");
                NS_TEST_ASSERT_MSG_EQ(r.GetKind(), kind, "kind");
                NS_TEST_ASSERT_MSG_EQ(r.GetRound(), v, "round");
                NS_TEST_ASSERT_MSG_EQ(r.GetDevice(), device, "device");
                NS_TEST_ASSERT_MSG_EQ(r.GetPayloadLength(), length, "payload length");
                uint8_t rest[7];
                p->CopyData(rest, sizeof(rest));
                NS_TEST_ASSERT_MSG_EQ(p->GetSize(), sizeof(payload), "payload left intact");
                NS_TEST_ASSERT_MSG_EQ(rest[6], 7, "payload bytes intact");
            }
        }
    }
};

/** The bytes on the wire are the documented layout, in network byte order. */
class HeaderWireLayoutTestCase : public TestCase
{
  public:
    HeaderWireLayoutTestCase()
        : TestCase("header wire layout: magic, version, kind, reserved, round, device, length")
    {}

  private:
    void DoRun() override
    {
        GradientUploadHeader h;
        h.SetKind(GradientUploadHeader::MODEL);
        h.SetRound(0x01020304);
        h.SetDevice(0x0a0b0c0d);
        h.SetPayloadLength(0x00112233);
        Ptr<Packet> p = Create<Packet>();
        p->AddHeader(h);
        uint8_t bytes[20];
        NS_TEST_ASSERT_MSG_EQ(p->CopyData(bytes, 20), 20u, "20 bytes");
        const uint8_t expected[20] = {'E', 'D', 'G',  'L',  1,    3,    0,    0,    1,    2,
                                      3,   4,   0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x11, 0x22, 0x33};
        for (int i = 0; i < 20; ++i)
        {
            NS_TEST_ASSERT_MSG_EQ(+bytes[i], +expected[i], "byte " << i);
        }
        std::ostringstream os;
        h.Print(os);
        NS_TEST_ASSERT_MSG_NE(os.str().find("kind=model"), std::string::npos, os.str());
        NS_TEST_ASSERT_MSG_NE(os.str().find("round=16909060"), std::string::npos, os.str());
    }
};

/** Garbage where a header should be is detected, not trusted. */
class HeaderInvalidTestCase : public TestCase
{
  public:
    HeaderInvalidTestCase()
        : TestCase("header: bad magic, version or kind is reported invalid")
    {}

  private:
    void DoRun() override
    {
        GradientUploadHeader good;
        good.SetKind(GradientUploadHeader::UPLOAD);
        good.SetRound(3);
        Ptr<Packet> ref = Create<Packet>();
        ref->AddHeader(good);
        uint8_t bytes[20];
        ref->CopyData(bytes, 20);

        struct Corruption
        {
            int offset;
            uint8_t value;
            const char* what;
        };

        const Corruption cases[] = {{0, 'X', "magic"},
                                    {3, 0, "magic"},
                                    {4, 2, "version"},
                                    {5, 0, "kind 0"},
                                    {5, 4, "kind 4"}};
        for (const auto& c : cases)
        {
            uint8_t bad[20];
            std::copy(bytes, bytes + 20, bad);
            bad[c.offset] = c.value;
            Ptr<Packet> p = Create<Packet>(bad, 20);
            GradientUploadHeader r;
            p->RemoveHeader(r);
            NS_TEST_ASSERT_MSG_EQ(r.IsValid(), false, "corrupt " << c.what << " accepted");
        }
        Ptr<Packet> p = Create<Packet>(bytes, 20);
        GradientUploadHeader r;
        p->RemoveHeader(r);
        NS_TEST_ASSERT_MSG_EQ(r.IsValid(), true, "the unmodified bytes are valid");
        NS_TEST_ASSERT_MSG_EQ(r.GetRound(), 3u, "round");
    }
};

class EdgeLearningHeaderTestSuite : public TestSuite
{
  public:
    EdgeLearningHeaderTestSuite()
        : TestSuite("edge-learning-header", UNIT)
    {
        AddTestCase(new HeaderRoundTripTestCase, TestCase::QUICK);
        AddTestCase(new HeaderWireLayoutTestCase, TestCase::QUICK);
        AddTestCase(new HeaderInvalidTestCase, TestCase::QUICK);
    }
};

EdgeLearningHeaderTestSuite g_edgeLearningHeaderTestSuite;

} // namespace
