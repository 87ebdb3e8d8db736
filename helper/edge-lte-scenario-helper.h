/*
 * EdgeLteScenarioHelper: one LTE cell with the EPC; the edge server is a
 * remote host behind the PGW, N UEs are uniform in a disc around the eNB.
 */
#ifndef EDGE_LTE_SCENARIO_HELPER_H
#define EDGE_LTE_SCENARIO_HELPER_H

#include "edge-scenario-helper.h"
#include "ns3/data-rate.h"
#include "ns3/net-device-container.h"

namespace ns3 {

class LteHelper;
class PointToPointEpcHelper;

/**
 * \brief Builds a single LTE cell with the EPC: eNB at the origin, N UEs
 * uniform in a disc of "RadiusM", the edge server on a remote host linked
 * to the PGW ("BackhaulDataRate", "BackhaulDelay").
 *
 * Radio settings follow the measured pitfalls of ns-3 3.37 (ARCHITECTURE.md):
 * a real path loss instead of LteHelper's Friis default (3GPP macro
 * 128.1 + 37.6 log10(d/km) dB, i.e. log-distance with 15.3 dB at 1 m and
 * exponent 3.76), UE power 23 dBm instead of 10 dBm, and an SRS periodicity
 * large enough for the number of UEs (40 serves at most 40 UEs; "SrsPeriodicity"
 * 0 picks 40, 80, 160 or 320 from N).
 */
class EdgeLteScenarioHelper : public EdgeScenarioHelper
{
  public:
    static TypeId GetTypeId();
    EdgeLteScenarioHelper();
    ~EdgeLteScenarioHelper() override;

    EdgeScenario Build(uint32_t nDevices, int64_t stream) override;

    /** UEs whose RRC connection is established (counts the trace). */
    uint32_t GetConnectedCount() const;
    /** Time of the latest RRC connection (zero when none yet). */
    Time GetLastConnectionTime() const;
    /** SRS periodicity (ms) Build() configured. */
    uint32_t GetSrsPeriodicity() const;

    /** The LTE helper, valid after Build (e.g. to enable PHY/MAC traces). */
    Ptr<LteHelper> GetLteHelper() const;

    /** SRS periodicity (ms) that serves n UEs: 40, 80, 160 or 320. */
    static uint32_t SrsPeriodicityFor(uint32_t nUes);

  protected:
    void DoDispose() override;

  private:
    void NotifyConnection(uint64_t imsi, uint16_t cellId, uint16_t rnti);

    double m_radiusM;
    uint16_t m_bandwidthRb;
    double m_ueTxPowerDbm;
    double m_enbTxPowerDbm;
    double m_referenceLossDb;
    double m_pathLossExponent;
    uint32_t m_srsPeriodicity;
    uint32_t m_rlcBufferBytes;
    DataRate m_backhaulRate;
    Time m_backhaulDelay;
    Time m_readyTime;

    uint32_t m_srsUsed{0};
    Ptr<LteHelper> m_lte;
    Ptr<PointToPointEpcHelper> m_epc;
    NetDeviceContainer m_enbDevices;
    NetDeviceContainer m_ueDevices;
    uint32_t m_connected{0};
    Time m_lastConnection;
};

} // namespace ns3

#endif /* EDGE_LTE_SCENARIO_HELPER_H */
