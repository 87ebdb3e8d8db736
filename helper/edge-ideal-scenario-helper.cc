/*
 * Ideal scenario: a point-to-point star, one dedicated link per device. The
 * control case against which the wireless scenarios are read: an upload of
 * b bits takes b / R + delay plus protocol overhead, and nothing else.
 */
#include "edge-ideal-scenario-helper.h"

#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/log.h"
#include "ns3/mobility-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/uinteger.h"

#include <sstream>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeIdealScenarioHelper");

NS_OBJECT_ENSURE_REGISTERED(EdgeIdealScenarioHelper);

TypeId
EdgeIdealScenarioHelper::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeIdealScenarioHelper")
              .SetParent<EdgeScenarioHelper>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<EdgeIdealScenarioHelper>()
              .AddAttribute("DataRate", "Rate of every device - server link (both directions).",
                            DataRateValue(DataRate("10Mbps")),
                            MakeDataRateAccessor(&EdgeIdealScenarioHelper::m_dataRate),
                            MakeDataRateChecker())
              .AddAttribute(
                  "Delay", "One-way propagation delay of every link.", TimeValue(MilliSeconds(1)),
                  MakeTimeAccessor(&EdgeIdealScenarioHelper::m_delay), MakeTimeChecker(Seconds(0)))
              .AddAttribute("MtuBytes", "MTU of every link in bytes.", UintegerValue(1500),
                            MakeUintegerAccessor(&EdgeIdealScenarioHelper::m_mtuBytes),
                            MakeUintegerChecker<uint32_t>(576, 65535));
    return tid;
}

EdgeIdealScenarioHelper::EdgeIdealScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

EdgeIdealScenarioHelper::~EdgeIdealScenarioHelper()
{
    NS_LOG_FUNCTION(this);
}

DataRate
EdgeIdealScenarioHelper::GetDataRate() const
{
    return m_dataRate;
}

Time
EdgeIdealScenarioHelper::GetDelay() const
{
    return m_delay;
}

EdgeScenario
EdgeIdealScenarioHelper::Build(uint32_t nDevices, int64_t stream)
{
    NS_LOG_FUNCTION(this << nDevices << stream);
    MarkBuilt();
    NS_ABORT_MSG_IF(nDevices == 0, "EdgeIdealScenarioHelper: at least one device is needed");
    NS_ABORT_MSG_IF(nDevices > 16000, "EdgeIdealScenarioHelper: too many devices");

    EdgeScenario scenario;
    scenario.name = "ideal";
    scenario.server = CreateObject<Node>();
    scenario.devices.Create(nDevices);
    scenario.referencePosition = Vector(0.0, 0.0, 0.0);
    scenario.readyTime = Seconds(0);

    // Positions carry no meaning here; every node sits at the origin so that
    // the devices table still has coordinates.
    MobilityHelper mobility;
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mobility.Install(scenario.server);
    mobility.Install(scenario.devices);

    InternetStackHelper internet;
    internet.Install(scenario.server);
    internet.Install(scenario.devices);

    PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", DataRateValue(m_dataRate));
    link.SetDeviceAttribute("Mtu", UintegerValue(m_mtuBytes));
    link.SetChannelAttribute("Delay", TimeValue(m_delay));

    // One /30 per link, from 10.0.0.0.
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.252");
    Ipv4StaticRoutingHelper routing;
    for (uint32_t i = 0; i < nDevices; ++i)
    {
        NetDeviceContainer pair = link.Install(scenario.server, scenario.devices.Get(i));
        Ipv4InterfaceContainer interfaces = addresses.Assign(pair);
        addresses.NewNetwork();
        if (i == 0)
        {
            scenario.serverAddress = interfaces.GetAddress(0);
        }
        Ptr<Ipv4StaticRouting> deviceRouting
            = routing.GetStaticRouting(scenario.devices.Get(i)->GetObject<Ipv4>());
        // Interface 1 of a device is its only link; the server's end of it
        // forwards nothing: it is the destination for every device.
        deviceRouting->SetDefaultRoute(interfaces.GetAddress(0), 1);
    }

    // ARP, TCP and IP jitter of every node.
    int64_t used = internet.AssignStreams(scenario.devices, stream);
    NodeContainer server(scenario.server);
    used += internet.AssignStreams(server, stream + used);

    std::ostringstream description;
    description << "{\"data_rate_bps\": " << m_dataRate.GetBitRate()
                << ", \"delay_s\": " << m_delay.GetSeconds() << ", \"mtu_bytes\": " << m_mtuBytes
                << "}";
    scenario.description = description.str();
    scenario.streamsUsed = used;
    return scenario;
}

} // namespace ns3
