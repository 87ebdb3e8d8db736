/*
 * 802.11ax scenario: one AP co-located with the edge server, stations
 * uniform in a disc.
 *
 * Placement: uniform per unit area in the disc (EdgeScenarioHelper::PlaceInDisc).
 * Path loss: L(d) = L0 + 10 n log10(d / 1 m) (log-distance); the defaults
 * L0 = 46.6777 dB, n = 3 are ns-3's values for 5 GHz.
 */
#include "edge-wifi-scenario-helper.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/he-phy.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/log.h"
#include "ns3/neighbor-cache-helper.h"
#include "ns3/pointer.h"
#include "ns3/qos-txop.h"
#include "ns3/ssid.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"
#include "ns3/wifi-helper.h"
#include "ns3/wifi-mac-helper.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-net-device.h"
#include "ns3/yans-wifi-channel.h"
#include "ns3/yans-wifi-helper.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeWifiScenarioHelper");

NS_OBJECT_ENSURE_REGISTERED(EdgeWifiScenarioHelper);

TypeId
EdgeWifiScenarioHelper::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeWifiScenarioHelper")
              .SetParent<EdgeScenarioHelper>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<EdgeWifiScenarioHelper>()
              .AddAttribute("RadiusM",
                            "Radius in metres of the disc around the AP in which stations are "
                            "placed uniformly.",
                            DoubleValue(20.0),
                            MakeDoubleAccessor(&EdgeWifiScenarioHelper::m_radiusM),
                            MakeDoubleChecker<double>(0.0, 10000.0))
              .AddAttribute("ChannelWidthMHz",
                            "Channel width in MHz on the 5 GHz band: 20, 40, 80 or 160.",
                            UintegerValue(20),
                            MakeUintegerAccessor(&EdgeWifiScenarioHelper::m_channelWidthMhz),
                            MakeUintegerChecker<uint16_t>(20, 160))
              .AddAttribute("RateControl",
                            "Rate control: \"ideal\", \"minstrel-ht\" or \"constant\" (HE MCS "
                            "ConstantMcs).",
                            StringValue("ideal"),
                            MakeStringAccessor(&EdgeWifiScenarioHelper::m_rateControl),
                            MakeStringChecker())
              .AddAttribute(
                  "ConstantMcs", "HE MCS index (0..11) used when RateControl is \"constant\".",
                  UintegerValue(7), MakeUintegerAccessor(&EdgeWifiScenarioHelper::m_constantMcs),
                  MakeUintegerChecker<uint8_t>(0, 11))
              .AddAttribute("PathLossExponent", "Exponent n of the log-distance path loss.",
                            DoubleValue(3.0),
                            MakeDoubleAccessor(&EdgeWifiScenarioHelper::m_pathLossExponent),
                            MakeDoubleChecker<double>(1.0, 8.0))
              .AddAttribute("ReferenceLossDb", "Path loss in dB at the 1 m reference distance.",
                            DoubleValue(46.6777),
                            MakeDoubleAccessor(&EdgeWifiScenarioHelper::m_referenceLossDb),
                            MakeDoubleChecker<double>(0.0, 200.0))
              .AddAttribute("TxPowerDbm", "Transmit power in dBm of the AP and of every station.",
                            DoubleValue(20.0),
                            MakeDoubleAccessor(&EdgeWifiScenarioHelper::m_txPowerDbm),
                            MakeDoubleChecker<double>(-30.0, 40.0))
              .AddAttribute("MaxMissedBeacons",
                            "Beacons a station may miss before it leaves the AP; high, so that "
                            "loaded stations do not re-associate (ns-3 bug 862).",
                            UintegerValue(100000),
                            MakeUintegerAccessor(&EdgeWifiScenarioHelper::m_maxMissedBeacons),
                            MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("AddBaResponseTimeout",
                            "How long a station or the AP waits for an ADDBA response (ns-3's "
                            "default, 1 ms, breaks Block Ack under contention).",
                            TimeValue(MilliSeconds(50)),
                            MakeTimeAccessor(&EdgeWifiScenarioHelper::m_addBaResponseTimeout),
                            MakeTimeChecker(MicroSeconds(1)))
              .AddAttribute("ReadyTime",
                            "Simulated time after which the experiment may start uploads; 0 "
                            "(default): 0.5 s + 40 ms per station, which covers the measured "
                            "association times (30 stations: 0.63 s, 100: 2.6 s).",
                            TimeValue(Seconds(0)),
                            MakeTimeAccessor(&EdgeWifiScenarioHelper::m_readyTime),
                            MakeTimeChecker(Seconds(0)));
    return tid;
}

EdgeWifiScenarioHelper::EdgeWifiScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

EdgeWifiScenarioHelper::~EdgeWifiScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

void
EdgeWifiScenarioHelper::DoDispose()
{
    m_channel = nullptr;
    m_staDevices = NetDeviceContainer();
    m_apDevice = NetDeviceContainer();
    EdgeScenarioHelper::DoDispose();
}

std::string
EdgeWifiScenarioHelper::RateManagerTypeId() const
{
    std::string name = m_rateControl;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c)
                   {
                       return std::tolower(c);
                   });
    if (name == "ideal")
    {
        return "ns3::IdealWifiManager";
    }
    if (name == "minstrel-ht" || name == "minstrelht" || name == "minstrel")
    {
        return "ns3::MinstrelHtWifiManager";
    }
    if (name == "constant")
    {
        return "ns3::ConstantRateWifiManager";
    }
    NS_FATAL_ERROR("EdgeWifiScenarioHelper attribute RateControl: unknown value \""
                   << m_rateControl << "\" (use ideal, minstrel-ht or constant)");
    return "";
}

EdgeScenario
EdgeWifiScenarioHelper::Build(uint32_t nDevices, int64_t stream)
{
    NS_LOG_FUNCTION(this << nDevices << stream);
    MarkBuilt();
    NS_ABORT_MSG_IF(nDevices == 0, "EdgeWifiScenarioHelper: at least one device is needed");
    NS_ABORT_MSG_IF(m_channelWidthMhz != 20 && m_channelWidthMhz != 40 && m_channelWidthMhz != 80
                        && m_channelWidthMhz != 160,
                    "EdgeWifiScenarioHelper attribute ChannelWidthMHz: "
                        << m_channelWidthMhz << " is not one of 20, 40, 80, 160");
    const std::string rateManager = RateManagerTypeId();

    EdgeScenario scenario;
    scenario.name = "wifi";
    scenario.server = CreateObject<Node>();
    scenario.devices.Create(nDevices);
    scenario.referencePosition = Vector(0.0, 0.0, 0.0);
    scenario.readyTime
        = m_readyTime.IsStrictlyPositive() ? m_readyTime : Seconds(0.5 + 0.04 * nDevices);

    // Mobility: AP at the origin, stations uniform in the disc.
    int64_t used = PlaceInDisc(scenario.server, scenario.devices, scenario.referencePosition,
                               m_radiusM, stream);

    // Channel and PHY.
    YansWifiChannelHelper channelHelper;
    channelHelper.SetPropagationDelay("ns3::ConstantSpeedPropagationDelayModel");
    channelHelper.AddPropagationLoss(
        "ns3::LogDistancePropagationLossModel", "Exponent", DoubleValue(m_pathLossExponent),
        "ReferenceDistance", DoubleValue(1.0), "ReferenceLoss", DoubleValue(m_referenceLossDb));
    m_channel = channelHelper.Create();
    YansWifiPhyHelper phy;
    phy.SetChannel(m_channel);
    std::ostringstream channelSettings;
    channelSettings << "{0, " << m_channelWidthMhz << ", BAND_5GHZ, 0}";
    phy.Set("ChannelSettings", StringValue(channelSettings.str()));
    phy.Set("TxPowerStart", DoubleValue(m_txPowerDbm));
    phy.Set("TxPowerEnd", DoubleValue(m_txPowerDbm));

    WifiHelper wifi;
    wifi.SetStandard(WIFI_STANDARD_80211ax);
    if (rateManager == "ns3::ConstantRateWifiManager")
    {
        // Control frames at the non-HT reference rate of the data MCS, as in
        // ns-3's he-wifi-network example.
        std::ostringstream dataMode;
        dataMode << "HeMcs" << static_cast<uint32_t>(m_constantMcs);
        std::ostringstream controlMode;
        controlMode << "OfdmRate" << HePhy::GetNonHtReferenceRate(m_constantMcs) / 1000000
                    << "Mbps";
        wifi.SetRemoteStationManager(rateManager, "DataMode", StringValue(dataMode.str()),
                                     "ControlMode", StringValue(controlMode.str()));
    }
    else
    {
        wifi.SetRemoteStationManager(rateManager);
    }

    Ssid ssid("edge-learning");
    WifiMacHelper mac;
    mac.SetType("ns3::StaWifiMac", "Ssid", SsidValue(ssid), "MaxMissedBeacons",
                UintegerValue(m_maxMissedBeacons));
    m_staDevices = wifi.Install(phy, mac, scenario.devices);
    mac.SetType("ns3::ApWifiMac", "Ssid", SsidValue(ssid));
    m_apDevice = wifi.Install(phy, mac, scenario.server);
    used += wifi.AssignStreams(m_staDevices, stream + used);
    used += wifi.AssignStreams(m_apDevice, stream + used);
    used += channelHelper.AssignStreams(m_channel, stream + used);

    // ns-3's 1 ms ADDBA response timeout expires whenever the AP cannot win
    // the channel that fast (measured: 30 stations starting together); the
    // late response then leaves the two ends with different Block Ack state
    // and the AP holds every later frame of that station in its reorder
    // buffer for good (16 of 30 stations never delivered).
    NetDeviceContainer all(m_staDevices, m_apDevice);
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<WifiMac> wifiMac = DynamicCast<WifiNetDevice>(all.Get(i))->GetMac();
        for (AcIndex ac : {AC_BE, AC_BK, AC_VI, AC_VO})
        {
            wifiMac->GetQosTxop(ac)->SetAttribute("AddBaResponseTimeout",
                                                  TimeValue(m_addBaResponseTimeout));
        }
    }

    for (uint32_t i = 0; i < m_staDevices.GetN(); ++i)
    {
        Ptr<WifiNetDevice> device = DynamicCast<WifiNetDevice>(m_staDevices.Get(i));
        device->GetMac()->TraceConnectWithoutContext(
            "Assoc", MakeCallback(&EdgeWifiScenarioHelper::NotifyAssociation, this));
        device->GetMac()->TraceConnectWithoutContext(
            "DeAssoc", MakeCallback(&EdgeWifiScenarioHelper::NotifyDeassociation, this));
    }

    // IPv4: one subnet; the AP's address is the server's.
    InternetStackHelper internet;
    internet.Install(scenario.server);
    internet.Install(scenario.devices);
    Ipv4AddressHelper addresses("10.1.0.0", "255.255.0.0");
    Ipv4InterfaceContainer apInterface = addresses.Assign(m_apDevice);
    addresses.Assign(m_staDevices);
    // Static ARP entries on the BSS: address resolution is not what the
    // experiments study, and N stations resolving the AP at once would add N
    // unacknowledged broadcasts to the start of every run.
    NeighborCacheHelper neighborCache;
    neighborCache.PopulateNeighborCache(m_channel);
    scenario.serverAddress = apInterface.GetAddress(0);
    // ARP, TCP and IP jitter of every node.
    used += internet.AssignStreams(scenario.devices, stream + used);
    NodeContainer server(scenario.server);
    used += internet.AssignStreams(server, stream + used);

    std::ostringstream description;
    description << "{\"radius_m\": " << m_radiusM
                << ", \"channel_width_mhz\": " << m_channelWidthMhz << ", \"rate_control\": \""
                << m_rateControl << "\", \"constant_mcs\": " << static_cast<uint32_t>(m_constantMcs)
                << ", \"path_loss_exponent\": " << m_pathLossExponent
                << ", \"reference_loss_db\": " << m_referenceLossDb
                << ", \"tx_power_dbm\": " << m_txPowerDbm << "}";
    scenario.description = description.str();
    scenario.streamsUsed = used;
    return scenario;
}

uint32_t
EdgeWifiScenarioHelper::GetAssociatedCount() const
{
    return m_associated;
}

Time
EdgeWifiScenarioHelper::GetLastAssociationTime() const
{
    return m_lastAssociation;
}

NetDeviceContainer
EdgeWifiScenarioHelper::GetStationDevices() const
{
    return m_staDevices;
}

NetDeviceContainer
EdgeWifiScenarioHelper::GetApDevice() const
{
    return m_apDevice;
}

void
EdgeWifiScenarioHelper::NotifyAssociation(Mac48Address bssid)
{
    ++m_associated;
    m_lastAssociation = Simulator::Now();
    NS_LOG_DEBUG("station associated with " << bssid << " at " << m_lastAssociation.As(Time::S)
                                            << " (" << m_associated << " associated)");
}

void
EdgeWifiScenarioHelper::NotifyDeassociation(Mac48Address bssid)
{
    if (m_associated > 0)
    {
        --m_associated;
    }
    NS_LOG_WARN("station left " << bssid << " at " << Simulator::Now().As(Time::S));
}

} // namespace ns3
