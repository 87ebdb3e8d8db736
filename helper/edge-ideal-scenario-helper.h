/*
 * EdgeIdealScenarioHelper: the control scenario, a point-to-point star. Each
 * device has its own full-duplex link of "DataRate" and "Delay" to the
 * server: no contention, no loss, no radio.
 */
#ifndef EDGE_IDEAL_SCENARIO_HELPER_H
#define EDGE_IDEAL_SCENARIO_HELPER_H

#include "edge-scenario-helper.h"
#include "ns3/data-rate.h"
#include "ns3/net-device-container.h"

namespace ns3 {

/**
 * \brief Builds a star of point-to-point links centred on the server.
 *
 * Device i reaches the server through its own link (static default route
 * to the server's end of that link); the server's address is the address
 * of its end of link 0, which it accepts on every link. A payload of b bits
 * therefore takes b / DataRate + Delay plus the TCP/IP overhead, whatever
 * the number of devices.
 */
class EdgeIdealScenarioHelper : public EdgeScenarioHelper
{
  public:
    static TypeId GetTypeId();
    EdgeIdealScenarioHelper();
    ~EdgeIdealScenarioHelper() override;

    EdgeScenario Build(uint32_t nDevices, int64_t stream) override;

    DataRate GetDataRate() const;
    Time GetDelay() const;

  private:
    DataRate m_dataRate;
    Time m_delay;
    uint32_t m_mtuBytes;
};

} // namespace ns3

#endif /* EDGE_IDEAL_SCENARIO_HELPER_H */
