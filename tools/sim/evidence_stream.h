// A synthetic input for the evidence service: designated orgs and link
// claims whose criteria results are known by construction (bench/
// evidence_bench measures the service on it). Unlike sim.h's calibrated
// stream every claim carries full evidence, so the evidence service does its
// whole work per claim; ids carry a nonce so runs do not collide. The same
// (nonce, orgs, claims) always give the same reports.
#ifndef FRUITION_TOOLS_SIM_EVIDENCE_STREAM_H_
#define FRUITION_TOOLS_SIM_EVIDENCE_STREAM_H_

#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"

namespace fruition::sim {

struct EvidenceStreamData {
  std::vector<v1::AgencyReport> designations;  // one per org
  std::vector<v1::AgencyReport> claims;
};

// `orgs` designated orgs (tiers in turn: CPOT, RPOT, national, regional,
// local), designated by DEA 400 days before the first claim; `claims` link
// claims a minute apart from 2017-07-14, spread over the orgs and three
// agencies (DEA, FBI, HSI), each with its own subject (a pid as intake
// writes it). Every claim has 2 or 3 items from different sources, one
// direct and all recent; hops 1, or 2 for every fourth (which fails C5 for
// regional and local orgs).
EvidenceStreamData EvidenceStream(const std::string& nonce, int orgs,
                                  int claims);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_EVIDENCE_STREAM_H_
