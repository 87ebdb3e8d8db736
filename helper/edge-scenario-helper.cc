/*
 * Common part of the scenario builders: the factory by scenario name, the
 * distance of a device to the reference node, and the placement of devices
 * in a disc around the hub.
 *
 * Placement: UniformDiscPositionAllocator draws r = R sqrt(U), theta = 2 pi V,
 * which is uniform per unit area in the disc of radius R.
 */
#include "edge-scenario-helper.h"

#include "edge-ideal-scenario-helper.h"
#include "edge-lte-scenario-helper.h"
#include "edge-wifi-scenario-helper.h"
#include "ns3/log.h"
#include "ns3/mobility-helper.h"
#include "ns3/mobility-model.h"
#include "ns3/position-allocator.h"

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("EdgeScenarioHelper");

NS_OBJECT_ENSURE_REGISTERED(EdgeScenarioHelper);

TypeId
EdgeScenarioHelper::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::EdgeScenarioHelper").SetParent<Object>().SetGroupName("EdgeLearning");
    return tid;
}

EdgeScenarioHelper::EdgeScenarioHelper() = default;

EdgeScenarioHelper::~EdgeScenarioHelper() = default;

double
EdgeScenarioHelper::DistanceToReference(const EdgeScenario& scenario, uint32_t device)
{
    NS_ABORT_MSG_IF(device >= scenario.devices.GetN(), "device " << device << " out of range ("
                                                                 << scenario.devices.GetN()
                                                                 << " devices)");
    Ptr<MobilityModel> mobility = scenario.devices.Get(device)->GetObject<MobilityModel>();
    if (!mobility)
    {
        return 0.0;
    }
    return CalculateDistance(mobility->GetPosition(), scenario.referencePosition);
}

void
EdgeScenarioHelper::MarkBuilt()
{
    // The message names the concrete helper, without the "ns3::" of its TypeId.
    std::string helper = GetInstanceTypeId().GetName();
    if (helper.rfind("ns3::", 0) == 0)
    {
        helper.erase(0, 5);
    }
    NS_ABORT_MSG_IF(m_built, helper << "::Build called twice on one helper");
    m_built = true;
}

int64_t
EdgeScenarioHelper::PlaceInDisc(const NodeContainer& hub, const NodeContainer& devices,
                                const Vector& centre, double radiusM, int64_t stream)
{
    MobilityHelper hubMobility;
    Ptr<ListPositionAllocator> hubPosition = CreateObject<ListPositionAllocator>();
    hubPosition->Add(centre);
    hubMobility.SetPositionAllocator(hubPosition);
    hubMobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    hubMobility.Install(hub);

    Ptr<UniformDiscPositionAllocator> disc = CreateObject<UniformDiscPositionAllocator>();
    disc->SetRho(radiusM);
    disc->SetX(centre.x);
    disc->SetY(centre.y);
    disc->SetZ(centre.z);
    const int64_t used = disc->AssignStreams(stream);
    MobilityHelper deviceMobility;
    deviceMobility.SetPositionAllocator(disc);
    deviceMobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    deviceMobility.Install(devices);
    return used;
}

Ptr<EdgeScenarioHelper>
EdgeScenarioHelper::CreateByName(const std::string& name)
{
    if (name == "wifi")
    {
        return CreateObject<EdgeWifiScenarioHelper>();
    }
    if (name == "lte")
    {
        return CreateObject<EdgeLteScenarioHelper>();
    }
    if (name == "ideal")
    {
        return CreateObject<EdgeIdealScenarioHelper>();
    }
    return nullptr;
}

} // namespace ns3
