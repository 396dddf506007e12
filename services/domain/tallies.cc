#include "services/domain/tallies.h"

#include <map>
#include <string>

#include "fruition/v1/enums.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/repeated_field.h"

namespace fruition::domain {
namespace {

using internal::Components;
using Array = google::protobuf::RepeatedField<int64_t>;

// One family of tallies: its name, its array, and its members' indexes.
struct Family {
  TallyFamily id;
  const Array& (Components::*get)() const;
  Array* (Components::*mutable_get)();
  // Member name -> index; null: criminal history (the category, 1-6).
  const google::protobuf::EnumDescriptor* members;
};

// Every family, by name.
const std::map<std::string, Family, std::less<>>& Families() {
  static const auto* families = new std::map<std::string, Family, std::less<>>{
      {"function",
       {TallyFamily::kFunction, &Components::function_counts,
        &Components::mutable_function_counts,
        v1::OffenseFunction_descriptor()}},
      {"criminal_history",
       {TallyFamily::kCriminalHistory, &Components::criminal_history_counts,
        &Components::mutable_criminal_history_counts, nullptr}},
      {"drug",
       {TallyFamily::kDrug, &Components::drug_counts,
        &Components::mutable_drug_counts, v1::Drug_descriptor()}},
      {"origin",
       {TallyFamily::kOrigin, &Components::origin_counts,
        &Components::mutable_origin_counts, v1::CaseOrigin_descriptor()}},
      {"origin_lnf",
       {TallyFamily::kOriginLnf, &Components::origin_lnf_counts,
        &Components::mutable_origin_lnf_counts, v1::CaseOrigin_descriptor()}},
  };
  return *families;
}

// The family of `key` and the member's index, or false.
bool Find(std::string_view key, Family* family, int* index) {
  const auto* families = &Families();
  const size_t colon = key.find(':');
  if (colon == std::string_view::npos) return false;
  auto it = families->find(key.substr(0, colon));
  if (it == families->end()) return false;
  const std::string member(key.substr(colon + 1));
  *family = it->second;
  if (family->members == nullptr) {
    if (member.size() != 1 || member[0] < '1' || member[0] > '6') return false;
    *index = member[0] - '0';
    return true;
  }
  const auto* value = family->members->FindValueByName(member);
  if (value == nullptr) return false;
  *index = value->number();
  return true;
}

void TrimTrailingZeros(Array* a) {
  int n = a->size();
  while (n > 0 && a->Get(n - 1) == 0) --n;
  a->Truncate(n);
}

void AddAt(Array* a, int index, int64_t delta) {
  while (a->size() <= index) a->Add(0);
  a->Set(index, a->Get(index) + delta);
  TrimTrailingZeros(a);
}

}  // namespace

int64_t TallyOf(const Components& c, std::string_view key) {
  Family family;
  int index = 0;
  if (!Find(key, &family, &index)) return 0;
  const Array& a = (c.*family.get)();
  return index < a.size() ? a.Get(index) : 0;
}

bool IsTally(std::string_view key) {
  Family family;
  int index = 0;
  return Find(key, &family, &index);
}

bool AddTally(Components* c, std::string_view key, int64_t delta) {
  Family family;
  int index = 0;
  if (!Find(key, &family, &index)) return false;
  AddAt((c->*family.mutable_get)(), index, delta);
  return true;
}

void AddTally(Components* c, TallyFamily family, int index, int64_t delta) {
  // Members are enum numbers or categories 1-6: a bound keeps a corrupt
  // value from growing an array without end.
  if (index < 0 || index >= 64) return;
  for (const auto& [name, f] : Families()) {
    if (f.id == family) AddAt((c->*f.mutable_get)(), index, delta);
  }
}

void AddSentence(Components* c, int64_t months, int64_t delta) {
  Components one;  // merged like any other histogram
  one.add_histogram_months(months);
  one.add_histogram_counts(delta);
  AddTallies(one, 1, c);
}

std::vector<std::pair<int64_t, int64_t>> SentenceHistogram(
    const Components& c) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int n = std::min(c.histogram_months_size(), c.histogram_counts_size());
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.emplace_back(c.histogram_months(i), c.histogram_counts(i));
  }
  return out;
}

void AddTallies(const Components& b, int64_t sign, Components* a) {
  for (const auto& [name, family] : Families()) {
    const Array& from = (b.*family.get)();
    if (from.empty()) continue;
    Array* to = (a->*family.mutable_get)();
    while (to->size() < from.size()) to->Add(0);
    for (int i = 0; i < from.size(); ++i) {
      to->Set(i, to->Get(i) + sign * from.Get(i));
    }
    TrimTrailingZeros(to);
  }
  if (b.histogram_months_size() == 0) return;
  // Merge two ascending lists.
  const auto x = SentenceHistogram(*a);
  const auto y = SentenceHistogram(b);
  a->clear_histogram_months();
  a->clear_histogram_counts();
  size_t i = 0, j = 0;
  while (i < x.size() || j < y.size()) {
    int64_t months = 0, n = 0;
    if (j == y.size() || (i < x.size() && x[i].first < y[j].first)) {
      std::tie(months, n) = x[i++];
    } else if (i == x.size() || y[j].first < x[i].first) {
      months = y[j].first;
      n = sign * y[j++].second;
    } else {
      months = x[i].first;
      n = x[i++].second + sign * y[j++].second;
    }
    if (n == 0) continue;
    a->add_histogram_months(months);
    a->add_histogram_counts(n);
  }
}

}  // namespace fruition::domain
