/*
 * Common part of the scenario builders: the factory by scenario name and the
 * distance of a device to the reference node.
 */
#include "edge-scenario-helper.h"

#include "edge-ideal-scenario-helper.h"
#include "edge-lte-scenario-helper.h"
#include "edge-wifi-scenario-helper.h"
#include "ns3/log.h"
#include "ns3/mobility-model.h"

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
