/*
 * EdgeScenarioHelper: the common face of the topology builders (Wi-Fi
 * 802.11ax, LTE with EPC, ideal point-to-point star). A scenario helper only
 * assembles ns-3 objects: nodes, mobility, channels, protocol stacks,
 * addresses and routes. It knows nothing of learning or quantizers; the
 * experiment driver installs the applications on what Build() returns.
 */
#ifndef EDGE_SCENARIO_HELPER_H
#define EDGE_SCENARIO_HELPER_H

#include "ns3/ipv4-address.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/vector.h"

#include <string>

namespace ns3 {

/**
 * \brief What a scenario helper built: where the server is and who the
 * devices are.
 */
struct EdgeScenario
{
    std::string name;          //!< "wifi", "lte" or "ideal" (the runs.scenario column)
    Ptr<Node> server;          //!< node that hosts the edge server application
    Ipv4Address serverAddress; //!< address every device can reach the server at
    NodeContainer devices;     //!< one node per edge device, device id = index
    Vector referencePosition;  //!< access point / eNB / hub position (m)
    Time readyTime;            //!< earliest time uploads may start (after association/attach)
    std::string description;   //!< the helper's settings as a JSON object
    int64_t streamsUsed{0};    //!< random streams Build() fixed, from its `stream` on
};

/**
 * \brief Base class of the scenario builders.
 *
 * Build() may be called once per helper and per simulation: it creates
 * nodes. Settings are TypeId attributes, so they can be changed from the
 * command line as --ns3::<Helper>::<Attribute>=value.
 */
class EdgeScenarioHelper : public Object
{
  public:
    static TypeId GetTypeId();
    EdgeScenarioHelper();
    ~EdgeScenarioHelper() override;

    /**
     * Builds the topology for nDevices edge devices (nDevices >= 1) and fixes
     * the random streams of every random variable it uses (positions,
     * channel, MAC) from `stream` on, so that RngRun alone decides a run;
     * EdgeScenario::streamsUsed says how many streams it took. Aborts with
     * NS_FATAL_ERROR naming the attribute when a setting is infeasible.
     */
    virtual EdgeScenario Build(uint32_t nDevices, int64_t stream) = 0;

    /** Distance in metres between a device and the reference position. */
    static double DistanceToReference(const EdgeScenario& scenario, uint32_t device);

    /**
     * Creates the helper of a scenario by name: "wifi", "lte" or "ideal".
     * Returns nullptr for an unknown name.
     */
    static Ptr<EdgeScenarioHelper> CreateByName(const std::string& name);

  protected:
    /**
     * Call first in Build(): aborts when this helper already built a
     * topology, since Build() may be called once per helper.
     */
    void MarkBuilt();

    /**
     * Places `hub` (access point, eNB) at `centre` and `devices` uniformly in
     * the disc of radius radiusM around it, every node static, and fixes the
     * disc's random stream to `stream`. Returns the number of streams used.
     */
    static int64_t PlaceInDisc(const NodeContainer& hub, const NodeContainer& devices,
                               const Vector& centre, double radiusM, int64_t stream);

  private:
    bool m_built{false};
};

} // namespace ns3

#endif /* EDGE_SCENARIO_HELPER_H */
