/*
 * EdgeWifiScenarioHelper: one 802.11ax access point co-located with the edge
 * server (the AP node hosts the server application) and N stations placed
 * uniformly at random in a disc around it.
 */
#ifndef EDGE_WIFI_SCENARIO_HELPER_H
#define EDGE_WIFI_SCENARIO_HELPER_H

#include "edge-scenario-helper.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device-container.h"

namespace ns3 {

class YansWifiChannel;

/**
 * \brief Builds an 802.11ax infrastructure BSS: AP + edge server on one
 * node at the origin, N stations uniform in a disc of "RadiusM".
 *
 * Channel: Yans, constant-speed propagation delay, log-distance path loss
 * ("PathLossExponent", "ReferenceLossDb" at 1 m; the defaults are ns-3's
 * 5 GHz values). Rate control by name: "ideal" (IdealWifiManager),
 * "minstrel-ht" (MinstrelHtWifiManager) or "constant" (HE MCS
 * "ConstantMcs"). Stations never give up on the AP ("MaxMissedBeacons"),
 * which avoids ns-3 bug 862 under load; uploads should start at
 * EdgeScenario::readyTime, after every station associated.
 */
class EdgeWifiScenarioHelper : public EdgeScenarioHelper
{
  public:
    static TypeId GetTypeId();
    EdgeWifiScenarioHelper();
    ~EdgeWifiScenarioHelper() override;

    EdgeScenario Build(uint32_t nDevices, int64_t stream) override;

    /** Stations associated with the AP so far (counts the "Assoc" trace). */
    uint32_t GetAssociatedCount() const;
    /** Time of the latest association (zero when none yet). */
    Time GetLastAssociationTime() const;

    /** The station devices and the AP device (valid after Build). */
    NetDeviceContainer GetStationDevices() const;
    NetDeviceContainer GetApDevice() const;

  protected:
    void DoDispose() override;

  private:
    void NotifyAssociation(Mac48Address bssid);
    void NotifyDeassociation(Mac48Address bssid);
    std::string RateManagerTypeId() const;

    double m_radiusM;
    uint16_t m_channelWidthMhz;
    std::string m_rateControl;
    uint8_t m_constantMcs;
    double m_pathLossExponent;
    double m_referenceLossDb;
    double m_txPowerDbm;
    uint32_t m_maxMissedBeacons;
    Time m_addBaResponseTimeout;
    Time m_readyTime;

    Ptr<YansWifiChannel> m_channel;
    NetDeviceContainer m_staDevices;
    NetDeviceContainer m_apDevice;
    uint32_t m_associated{0};
    Time m_lastAssociation;
};

} // namespace ns3

#endif /* EDGE_WIFI_SCENARIO_HELPER_H */
