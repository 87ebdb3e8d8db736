/*
 * LTE scenario: one eNB, N UEs uniform in a disc, the edge server behind the
 * PGW of ns-3's point-to-point EPC.
 *
 * Path loss: 3GPP TR 36.814 macro cell, L = 128.1 + 37.6 log10(d / 1 km) dB,
 * rewritten at a 1 m reference: 128.1 - 37.6 * 3 = 15.3 dB, exponent 3.76,
 * i.e. LogDistancePropagationLossModel(ReferenceLoss 15.3, Exponent 3.76).
 * Placement: uniform per unit area in the disc (EdgeScenarioHelper::PlaceInDisc).
 */
#include "edge-lte-scenario-helper.h"

#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/log.h"
#include "ns3/lte-enb-net-device.h"
#include "ns3/lte-enb-phy.h"
#include "ns3/lte-enb-rrc.h"
#include "ns3/lte-helper.h"
#include "ns3/lte-ue-net-device.h"
#include "ns3/lte-ue-phy.h"
#include "ns3/lte-ue-rrc.h"
#include "ns3/point-to-point-epc-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeLteScenarioHelper");

NS_OBJECT_ENSURE_REGISTERED(EdgeLteScenarioHelper);

TypeId
EdgeLteScenarioHelper::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeLteScenarioHelper")
              .SetParent<EdgeScenarioHelper>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<EdgeLteScenarioHelper>()
              .AddAttribute("RadiusM",
                            "Radius in metres of the disc around the eNB in which UEs are placed "
                            "uniformly.",
                            DoubleValue(500.0),
                            MakeDoubleAccessor(&EdgeLteScenarioHelper::m_radiusM),
                            MakeDoubleChecker<double>(0.0, 100000.0))
              .AddAttribute("BandwidthRb",
                            "Uplink and downlink bandwidth in resource blocks: 6, 15, 25, 50, 75 "
                            "or 100 (100 RB = 20 MHz).",
                            UintegerValue(100),
                            MakeUintegerAccessor(&EdgeLteScenarioHelper::m_bandwidthRb),
                            MakeUintegerChecker<uint16_t>(6, 100))
              .AddAttribute(
                  "UeTxPowerDbm", "UE transmit power in dBm (ns-3's default is 10; 23 is typical).",
                  DoubleValue(23.0), MakeDoubleAccessor(&EdgeLteScenarioHelper::m_ueTxPowerDbm),
                  MakeDoubleChecker<double>(-40.0, 30.0))
              .AddAttribute("EnbTxPowerDbm", "eNB transmit power in dBm.", DoubleValue(43.0),
                            MakeDoubleAccessor(&EdgeLteScenarioHelper::m_enbTxPowerDbm),
                            MakeDoubleChecker<double>(-40.0, 60.0))
              .AddAttribute("ReferenceLossDb", "Path loss in dB at 1 m (3GPP macro: 15.3).",
                            DoubleValue(15.3),
                            MakeDoubleAccessor(&EdgeLteScenarioHelper::m_referenceLossDb),
                            MakeDoubleChecker<double>(0.0, 200.0))
              .AddAttribute(
                  "PathLossExponent", "Exponent of the log-distance path loss (3GPP macro: 3.76).",
                  DoubleValue(3.76), MakeDoubleAccessor(&EdgeLteScenarioHelper::m_pathLossExponent),
                  MakeDoubleChecker<double>(1.0, 8.0))
              .AddAttribute("SrsPeriodicity",
                            "SRS periodicity in ms (2, 5, 10, 20, 40, 80, 160 or 320); 0 picks "
                            "the smallest of 40, 80, 160, 320 that serves the number of UEs.",
                            UintegerValue(0),
                            MakeUintegerAccessor(&EdgeLteScenarioHelper::m_srsPeriodicity),
                            MakeUintegerChecker<uint32_t>(0, 320))
              .AddAttribute("RlcBufferBytes",
                            "Transmission buffer of every RLC entity in bytes (ns-3's 10 KiB "
                            "default drops most of a TCP window).",
                            UintegerValue(256 * 1024),
                            MakeUintegerAccessor(&EdgeLteScenarioHelper::m_rlcBufferBytes),
                            MakeUintegerChecker<uint32_t>(1024))
              .AddAttribute("BackhaulDataRate", "Rate of the PGW - edge server link.",
                            DataRateValue(DataRate("10Gbps")),
                            MakeDataRateAccessor(&EdgeLteScenarioHelper::m_backhaulRate),
                            MakeDataRateChecker())
              .AddAttribute("BackhaulDelay", "One-way delay of the PGW - edge server link.",
                            TimeValue(MilliSeconds(1)),
                            MakeTimeAccessor(&EdgeLteScenarioHelper::m_backhaulDelay),
                            MakeTimeChecker(Seconds(0)))
              .AddAttribute("ReadyTime",
                            "Simulated time after which the experiment may start uploads: "
                            "every UE is attached by then in the measured cases.",
                            TimeValue(Seconds(1.0)),
                            MakeTimeAccessor(&EdgeLteScenarioHelper::m_readyTime),
                            MakeTimeChecker(Seconds(0)));
    return tid;
}

EdgeLteScenarioHelper::EdgeLteScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

EdgeLteScenarioHelper::~EdgeLteScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

void
EdgeLteScenarioHelper::DoDispose()
{
    m_lte = nullptr;
    m_epc = nullptr;
    m_enbDevices = NetDeviceContainer();
    m_ueDevices = NetDeviceContainer();
    EdgeScenarioHelper::DoDispose();
}

uint32_t
EdgeLteScenarioHelper::SrsPeriodicityFor(uint32_t nUes)
{
    // One SRS configuration index per UE and per period: a period of p ms
    // serves p UEs.
    for (uint32_t p : {40u, 80u, 160u, 320u})
    {
        if (nUes <= p)
        {
            return p;
        }
    }
    return 0; // more UEs than any periodicity serves
}

EdgeScenario
EdgeLteScenarioHelper::Build(uint32_t nDevices, int64_t stream)
{
    NS_LOG_FUNCTION(this << nDevices << stream);
    MarkBuilt();
    NS_ABORT_MSG_IF(nDevices == 0, "EdgeLteScenarioHelper: at least one UE is needed");
    const uint16_t rb = m_bandwidthRb;
    NS_ABORT_MSG_IF(rb != 6 && rb != 15 && rb != 25 && rb != 50 && rb != 75 && rb != 100,
                    "EdgeLteScenarioHelper attribute BandwidthRb: "
                        << rb << " is not one of 6, 15, 25, 50, 75, 100");
    m_srsUsed = m_srsPeriodicity != 0 ? m_srsPeriodicity : SrsPeriodicityFor(nDevices);
    NS_ABORT_MSG_IF(m_srsUsed == 0, "EdgeLteScenarioHelper: "
                                        << nDevices << " UEs exceed what one cell serves (320)");
    NS_ABORT_MSG_IF(m_srsUsed < nDevices, "EdgeLteScenarioHelper attribute SrsPeriodicity: "
                                              << m_srsUsed << " ms serves at most " << m_srsUsed
                                              << " UEs, not " << nDevices);

    // RLC entities are created by the RRC at attach time, so their buffer can
    // only be set through the defaults.
    Config::SetDefault("ns3::LteRlcUm::MaxTxBufferSize", UintegerValue(m_rlcBufferBytes));
    Config::SetDefault("ns3::LteRlcAm::MaxTxBufferSize", UintegerValue(m_rlcBufferBytes));

    EdgeScenario scenario;
    scenario.name = "lte";
    scenario.referencePosition = Vector(0.0, 0.0, 0.0);
    scenario.readyTime = m_readyTime;

    m_lte = CreateObject<LteHelper>();
    m_epc = CreateObject<PointToPointEpcHelper>();
    m_lte->SetEpcHelper(m_epc);
    m_lte->SetAttribute("PathlossModel", StringValue("ns3::LogDistancePropagationLossModel"));
    m_lte->SetPathlossModelAttribute("ReferenceDistance", DoubleValue(1.0));
    m_lte->SetPathlossModelAttribute("ReferenceLoss", DoubleValue(m_referenceLossDb));
    m_lte->SetPathlossModelAttribute("Exponent", DoubleValue(m_pathLossExponent));
    m_lte->SetEnbDeviceAttribute("UlBandwidth", UintegerValue(rb));
    m_lte->SetEnbDeviceAttribute("DlBandwidth", UintegerValue(rb));

    // The edge server: a remote host on a fast link to the PGW.
    Ptr<Node> pgw = m_epc->GetPgwNode();
    scenario.server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(scenario.server);
    PointToPointHelper backhaul;
    backhaul.SetDeviceAttribute("DataRate", DataRateValue(m_backhaulRate));
    backhaul.SetDeviceAttribute("Mtu", UintegerValue(1500));
    backhaul.SetChannelAttribute("Delay", TimeValue(m_backhaulDelay));
    NetDeviceContainer backhaulDevices = backhaul.Install(pgw, scenario.server);
    Ipv4AddressHelper backhaulAddresses("1.0.0.0", "255.0.0.0");
    Ipv4InterfaceContainer backhaulInterfaces = backhaulAddresses.Assign(backhaulDevices);
    scenario.serverAddress = backhaulInterfaces.GetAddress(1);
    Ipv4StaticRoutingHelper routing;
    Ptr<Ipv4StaticRouting> serverRouting
        = routing.GetStaticRouting(scenario.server->GetObject<Ipv4>());
    // UEs live in the EPC's 7.0.0.0/8; interface 1 is the backhaul link.
    serverRouting->AddNetworkRouteTo(Ipv4Address("7.0.0.0"), Ipv4Mask("255.0.0.0"), 1);

    // Radio nodes and their positions.
    NodeContainer enbNodes;
    enbNodes.Create(1);
    scenario.devices.Create(nDevices);
    int64_t used
        = PlaceInDisc(enbNodes, scenario.devices, scenario.referencePosition, m_radiusM, stream);

    m_enbDevices = m_lte->InstallEnbDevice(enbNodes);
    m_ueDevices = m_lte->InstallUeDevice(scenario.devices);
    used += m_lte->AssignStreams(m_enbDevices, stream + used);
    used += m_lte->AssignStreams(m_ueDevices, stream + used);

    Ptr<LteEnbNetDevice> enb = DynamicCast<LteEnbNetDevice>(m_enbDevices.Get(0));
    enb->GetPhy()->SetAttribute("TxPower", DoubleValue(m_enbTxPowerDbm));
    // Set before any UE attaches: the RRC hands out SRS indices at
    // connection setup.
    enb->GetRrc()->SetAttribute("SrsPeriodicity", UintegerValue(m_srsUsed));
    for (uint32_t i = 0; i < m_ueDevices.GetN(); ++i)
    {
        Ptr<LteUeNetDevice> ue = DynamicCast<LteUeNetDevice>(m_ueDevices.Get(i));
        ue->GetPhy()->SetAttribute("TxPower", DoubleValue(m_ueTxPowerDbm));
        ue->GetRrc()->TraceConnectWithoutContext(
            "ConnectionEstablished", MakeCallback(&EdgeLteScenarioHelper::NotifyConnection, this));
    }

    // IP on the UEs, default route through the EPC gateway, then attach.
    internet.Install(scenario.devices);
    m_epc->AssignUeIpv4Address(m_ueDevices);
    for (uint32_t i = 0; i < scenario.devices.GetN(); ++i)
    {
        Ptr<Ipv4StaticRouting> ueRouting
            = routing.GetStaticRouting(scenario.devices.Get(i)->GetObject<Ipv4>());
        ueRouting->SetDefaultRoute(m_epc->GetUeDefaultGatewayAddress(), 1);
    }
    m_lte->Attach(m_ueDevices, m_enbDevices.Get(0));
    // ARP, TCP and IP jitter of every node with an internet stack.
    used += internet.AssignStreams(scenario.devices, stream + used);
    NodeContainer hosts(scenario.server, pgw, m_epc->GetSgwNode());
    used += internet.AssignStreams(hosts, stream + used);

    std::ostringstream description;
    description << "{\"radius_m\": " << m_radiusM << ", \"bandwidth_rb\": " << rb
                << ", \"ue_tx_power_dbm\": " << m_ueTxPowerDbm
                << ", \"enb_tx_power_dbm\": " << m_enbTxPowerDbm
                << ", \"reference_loss_db\": " << m_referenceLossDb
                << ", \"path_loss_exponent\": " << m_pathLossExponent
                << ", \"srs_periodicity_ms\": " << m_srsUsed
                << ", \"rlc_buffer_bytes\": " << m_rlcBufferBytes << "}";
    scenario.description = description.str();
    scenario.streamsUsed = used;
    return scenario;
}

uint32_t
EdgeLteScenarioHelper::GetConnectedCount() const
{
    return m_connected;
}

Time
EdgeLteScenarioHelper::GetLastConnectionTime() const
{
    return m_lastConnection;
}

uint32_t
EdgeLteScenarioHelper::GetSrsPeriodicity() const
{
    return m_srsUsed;
}

Ptr<LteHelper>
EdgeLteScenarioHelper::GetLteHelper() const
{
    return m_lte;
}

void
EdgeLteScenarioHelper::NotifyConnection(uint64_t imsi, uint16_t cellId, uint16_t rnti)
{
    ++m_connected;
    m_lastConnection = Simulator::Now();
    NS_LOG_DEBUG("UE imsi " << imsi << " connected to cell " << cellId << " rnti " << rnti << " at "
                            << m_lastConnection.As(Time::S));
}

} // namespace ns3
