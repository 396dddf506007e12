// A stand-in for the Fruition gateway's HTTP API (SPEC §9), for developing and
// testing the dashboard without the C++ suite: it serves the static files of
// services/gateway/web/ at `/` and canned, deterministic JSON in the shapes the
// gateway answers (scorecards: the restricted view for overseers, the public
// view for everybody else, where a withheld cell is exactly {suppressed: true}
// (SPEC §5 D1) and `lagsCurrent` says the public figures rest on older facts;
// paged events, Server-Sent Events with Last-Event-ID resumption,
// bearer-token rules).
//
//   node tests/browser/mock_api.mjs [--port=0] [--web=DIR] [--tick=SECONDS]
//   node tests/browser/mock_api.mjs --upstream=http://127.0.0.1:8088
//     serves the working copy of web/ and passes /api/ to a running gateway
//     (`fruition dev`): edit the page against real data without rebuilding.
//
// It prints the same lines as `fruition dev` that tests read:
//   Dashboard: http://127.0.0.1:PORT/
//   OIG (OVERSEER)  token mock-OIG-...
//   DEA (AGENCY)  token mock-DEA-...
// Also: GET /api/v1/budgets and POST /api/v1/whatif (SPEC §11: canned FY2016
// budget lines judged on the public cards; allocations in whole cents by the
// largest remainder),
// GET /api/v1/series, /api/v1/compare, /api/v1/scorecards/history (SPEC §9),
// GET /api/v1/releases/FY2016 (a small deterministic tar with a MANIFEST of
// SHA-256s) and /releases/FY2016/ (its report page).
// Mock-only endpoints:
//   POST /mock/v1/org-outcome  {"reporter":"DEA","orgId":"ORG-X","outcome":"ORG_OUTCOME_DISMANTLED","pending":true,"fiscalYear":2017}
//     (Authorization: Bearer <agency token>) stands in for `fruitctl submit` of
//     an org_outcome: it raises the events the reconciler would.
//   POST /mock/v1/drop-streams  cuts every open event stream (tests resumption)
//   GET  /mock/v1/stream-log    each stream connection's Last-Event-ID / after
//   GET  /mock/v1/reports-log   each POST /api/v1/reports: who, and its answer
// POST /api/v1/reports (SPEC §11) takes answers and decisions with intake's
// rules (an agency answers its own conditions, only overseers decide), and
// events carry `accountability` as the gateway adds it: in full for
// overseers and the agency concerned, the status for everybody else.
// The catalogues (/api/v1/catalogue/indicators, /events) are the gateway's,
// from tests/browser/catalogue/ (bazel run //services/gateway:catalogue_json
// -- indicators|events writes them), plus the v1.1 prosecution-stage
// entries (V11_INDICATORS) the generated file does not list yet.
import http from 'node:http';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    return m ? [m[1], m[2] ?? 'true'] : [a, 'true'];
  }),
);
const PORT = Number(args.port ?? 0);
const WEB_DIR = path.resolve(args.web ?? path.join(here, '../../services/gateway/web'));
const TICK_SECONDS = Number(args.tick ?? 0);
const UPSTREAM = args.upstream ? new URL(args.upstream) : null;
const SMALL_CELL = 11;
// Public figures are replaced once this many changes accumulate (SPEC §5 D4).
const REPUBLISH_AFTER = 11;

const TOKENS = {
  'mock-OIG-overseer-7f3a': { code: 'OIG', kind: 'OVERSEER' },
  'mock-HAC-overseer-91bd': { code: 'HAC', kind: 'OVERSEER' },
  'mock-DEA-agency-2c4e': { code: 'DEA', kind: 'AGENCY' },
  'mock-FBI-agency-5d1c': { code: 'FBI', kind: 'AGENCY' },
};

// ---------------------------------------------------------------- data ---

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20170601);
const round4 = (x) => Math.round(x * 10000) / 10000;

// Size of each unit (people sentenced in a fiscal year); quarters get a share.
const UNITS = [
  ['agency:DEA', 140], ['agency:FBI', 96], ['agency:HSI', 9],
  ['field_office:DEA-PHILADELPHIA', 74], ['field_office:DEA-NEW-YORK', 66],
  ['field_office:FBI-PHILADELPHIA', 40], ['field_office:FBI-CHICAGO', 56],
  ['field_office:HSI-NEWARK', 0],
  ['district:EDPA', 114], ['district:SDNY', 66], ['district:NDIL', 56], ['district:DNJ', 9],
  ['area:PHL-KENSINGTON', 0], ['national:US', 620],
];
// FY2010–FY2018, so that the trend chart spans the three policy dates. FY2016
// and FY2017 are the full-size years the other checks read (and the only ones
// with seeded events); earlier years are a little smaller; FY2018 is a thin
// live year (sentencings lag arrests by years): all four quarters are there,
// but nearly every cell rests on fewer than 11 people and is suppressed, so
// the dashboard must not open on it.
const FISCAL_YEARS = ['FY2010', 'FY2011', 'FY2012', 'FY2013', 'FY2014', 'FY2015', 'FY2016', 'FY2017', 'FY2018'];
const EVENT_YEARS = ['FY2016', 'FY2017'];
const THIN_YEAR = 'FY2018';
const PERIODS = FISCAL_YEARS.flatMap((fy) => [fy, `${fy}Q1`, `${fy}Q2`, `${fy}Q3`, `${fy}Q4`]);
const yearSize = (size, period) => {
  const fy = Number(period.slice(2, 6));
  if (period.startsWith(THIN_YEAR)) return Math.round(size * 0.06);
  return fy >= 2016 ? size : Math.round(size * (0.8 + 0.03 * (fy - 2010)));
};
// The issue's scenario: a shift injected into three districts from FY2014
// (their LNF share rises by 12 points).
const SHIFTED = new Set(['district:EDPA', 'district:SDNY', 'district:NDIL']);
const shiftOf = (unit, period) => (SHIFTED.has(unit) && Number(period.slice(2, 6)) >= 2014 ? 0.12 : 0);
const MEASURES = {
  DEA: { PERFORMANCE_MEASURE_PTO_DISMANTLED: 10, PERFORMANCE_MEASURE_PTO_DISRUPTED: 25, PERFORMANCE_MEASURE_ARRESTS: 300 },
  FBI: { PERFORMANCE_MEASURE_PTO_DISMANTLED: 8, PERFORMANCE_MEASURE_CPOT_DISMANTLED: 2, PERFORMANCE_MEASURE_ARRESTS: 220 },
  HSI: { PERFORMANCE_MEASURE_PTO_DISRUPTED: 12 },
};

function share(k, n) {
  return n === 0 ? { n: 0, defined: false } : { value: round4(k / n), n };
}

// ------------------------------------------------- v1.1 catalogue stand-in ---

// The prosecution-stage and sentencing-table indicators (v1.1), in the
// catalogue's shape, for as long as tests/browser/catalogue/indicators.json
// (generated from the registry) does not list them yet: served after the
// generated entries, each only if the generated file lacks its name. Once
// the registry has them and the file is regenerated this adds nothing and
// can go.
const OFFENSE_FUNCTIONS = ['HIGH_LEVEL_SUPPLIER_IMPORTER', 'ORGANIZER_LEADER', 'GROWER_MANUFACTURER', 'FINANCIER_LAUNDERER',
  'PILOT_CAPTAIN', 'WHOLESALER', 'MANAGER', 'SUPERVISOR', 'ENFORCER', 'CHEMIST_COOK', 'BROKER_STEERER', 'COURIER', 'MULE',
  'RENTER_STORER', 'STREET_LEVEL_DEALER', 'EMPLOYEE_LOOKOUT', 'ENABLER', 'USER'].map((f) => `OFFENSE_FUNCTION_${f}`);
const DRUGS = ['COCAINE', 'CRACK', 'HEROIN', 'FENTANYL', 'METHAMPHETAMINE', 'MARIJUANA', 'OTHER'].map((d) => `DRUG_${d}`);
const ORIGINS = ['INTERDICTION', 'INFORMANT', 'COOPERATOR', 'WIRETAP', 'LOCAL_REFERRAL', 'OTHER'].map((o) => `CASE_ORIGIN_${o}`);
const HISTORY = ['1', '2', '3', '4', '5', '6'];
const PATH = 'From arrest to sentence';
const TABLES = 'Sentencing Commission tables';
const SEIZURES = 'Seizures';
const STAGE_KINDS = ['district', 'agency', 'field_office', 'national'];
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const words = (member) => {
  const t = member.replace(/^(OFFENSE_FUNCTION|DRUG|CASE_ORIGIN)_/, '').replaceAll('_', ' ').toLowerCase();
  return t.charAt(0).toUpperCase() + t.slice(1);
};
function entry(name, label, format, group, suppression, inputs, members = null) {
  return {
    name, jsonName: name.endsWith(':') ? `${camel(name.slice(0, -1))}:` : camel(name), family: name.endsWith(':'), label,
    description: label, format, group, inputs, unitKinds: STAGE_KINDS, suppression,
    memberLabels: members ? Object.fromEntries(members.map((m) => [m, /^\d$/.test(m) ? `Category ${'I II III IV V VI'.split(' ')[m - 1]}` : words(m)])) : {},
  };
}
const V11_INDICATORS = [
  entry('charged', 'People charged', 'count', PATH, 'count', ['charged']),
  entry('mandatory_minimum_charged_share', 'Charged with a mandatory minimum', 'pct', PATH, 'share', ['mm_charged', 'charged']),
  entry('declined', 'Prosecution declined', 'count', PATH, 'count', ['declined']),
  entry('declination_rate', 'Declination rate', 'pct', PATH, 'share', ['declined', 'charged']),
  entry('referred_to_state_share', 'Declined and referred to the state', 'pct', PATH, 'share', ['referred', 'declined']),
  entry('dispositions', 'Cases decided', 'count', PATH, 'count', ['dispositions']),
  entry('plea_rate', 'Guilty pleas', 'pct', PATH, 'share', ['pleas', 'dispositions']),
  entry('conviction_rate', 'Convictions (plea or trial)', 'pct', PATH, 'share', ['convictions', 'dispositions']),
  entry('lnf_sentenced', 'LNF people sentenced', 'count', PATH, 'count', ['lnf']),
  entry('lnf_mandatory_minimum_share', 'LNF people facing a mandatory minimum', 'pct', PATH, 'share', ['lnf_mm', 'lnf']),
  entry('lnf_safety_valve_share', 'LNF people given the safety valve', 'pct', PATH, 'share', ['lnf_safety_valve', 'lnf']),
  entry('below_mandatory_minimum_share', 'Sentenced below the mandatory minimum', 'pct', PATH, 'share', ['below_mm', 'mm_sentenced']),
  entry('weight_role_mismatch_share', 'Heavy weight, low-level role', 'pct', PATH, 'share', ['heavy_lnf_function', 'heavy']),
  entry('mean_sentence_months', 'Average sentence', 'months', PATH, 'measure', ['sentence_months', 'sentenced']),
  entry('median_sentence_months', 'Median sentence', 'months', PATH, 'measure', ['sentence_months_histogram', 'sentenced']),
  entry('function_share:', 'By offense function', 'pct', TABLES, 'share', ['tallies', 'sentenced'], OFFENSE_FUNCTIONS),
  entry('criminal_history_share:', 'By criminal history category', 'pct', TABLES, 'share', ['tallies', 'sentenced'], HISTORY),
  entry('drug_share:', 'By drug', 'pct', TABLES, 'share', ['tallies', 'sentenced'], DRUGS),
  entry('ocdetf_lnf_share', 'LNF share in OCDETF task-force cases', 'pct', TABLES, 'share', ['ocdetf_lnf', 'ocdetf_sentenced']),
  entry('origin_lnf_share:', 'LNF share by how the case began', 'pct', TABLES, 'share', ['tallies'], ORIGINS),
  entry('seizures', 'Seizures', 'count', SEIZURES, 'count', ['seizures']),
  entry('seized_value_usd', 'Value seized', 'usd', SEIZURES, 'measure', ['seized_cents', 'seizures']),
];
const isV11Share = (key) => V11_INDICATORS.some((e) => e.format === 'pct' && (e.family ? key.startsWith(e.jsonName) : key === e.jsonName));

function indicatorCatalogue() {
  const generated = JSON.parse(fs.readFileSync(path.join(here, 'catalogue', 'indicators.json'), 'utf8'));
  const known = new Set(generated.indicators.map((i) => i.name));
  return JSON.stringify({ indicators: [...generated.indicators, ...V11_INDICATORS.filter((e) => !known.has(e.name))] });
}

// `total` people spread over `members` at random (largest remainders, so
// the parts add up to `total`): member → count.
function spread(total, members) {
  const weights = members.map(() => 0.2 + rand());
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (w / sum) * total);
  const parts = raw.map(Math.floor);
  const order = raw.map((r, i) => [r - parts[i], i]).sort((a, b) => b[0] - a[0]);
  for (let j = 0; j < total - parts.reduce((a, b) => a + b, 0); j++) parts[order[j][1]] += 1;
  return Object.fromEntries(members.map((m, i) => [m, parts[i]]));
}

// The v1.1 cells (prosecution stage, sentencing tables, seizures) of a
// unit-period with `sentenced` people sentenced, `lnf` of them LNF; none
// of it when no one was sentenced (the dashboard's empty state).
function stageIndicators(indicators, sentenced, lnf) {
  const frac = (x, lo, hi) => Math.round(x * (lo + rand() * (hi - lo)));
  const count = (v) => ({ value: v, n: v });
  const charged = frac(sentenced, 1.05, 1.2);
  const declined = frac(charged, 0.1, 0.35);
  const dispositions = frac(sentenced, 1.02, 1.08);
  const pleas = frac(dispositions, 0.88, 0.95);
  const convictions = pleas + frac(dispositions - pleas, 0.5, 0.7);
  const mmSentenced = frac(sentenced, 0.45, 0.55);
  const heavy = frac(sentenced, 0.25, 0.35);
  const ocdetf = frac(sentenced, 0.3, 0.4);
  const seizures = frac(sentenced, 0.5, 0.7);
  indicators.charged = count(charged);
  indicators.mandatoryMinimumChargedShare = share(frac(charged, 0.45, 0.65), charged);
  indicators.declined = count(declined);
  indicators.declinationRate = share(declined, declined + charged);
  indicators.referredToStateShare = share(frac(declined, 0.2, 0.5), declined);
  indicators.dispositions = count(dispositions);
  indicators.pleaRate = share(pleas, dispositions);
  indicators.convictionRate = share(convictions, dispositions);
  indicators.lnfSentenced = count(lnf);
  indicators.lnfMandatoryMinimumShare = share(frac(lnf, 0.4, 0.7), lnf);
  indicators.lnfSafetyValveShare = share(frac(lnf, 0.2, 0.4), lnf);
  indicators.belowMandatoryMinimumShare = share(frac(mmSentenced, 0.3, 0.6), mmSentenced);
  indicators.weightRoleMismatchShare = share(frac(heavy, 0.3, 0.7), heavy);
  const months = (v) => (sentenced ? { value: v, n: sentenced } : { n: 0, defined: false });
  indicators.meanSentenceMonths = months(round4(55 + rand() * 40));
  indicators.medianSentenceMonths = months(Math.round(100 + rand() * 60) / 2);
  for (const [prefix, members] of [['functionShare:', OFFENSE_FUNCTIONS], ['criminalHistoryShare:', HISTORY], ['drugShare:', DRUGS]]) {
    for (const [m, k] of Object.entries(spread(sentenced, members))) indicators[prefix + m] = share(k, sentenced);
  }
  indicators.ocdetfLnfShare = share(frac(ocdetf, 0.3, 0.6), ocdetf);
  for (const [m, n] of Object.entries(spread(sentenced, ORIGINS))) indicators[`originLnfShare:${m}`] = share(frac(n, 0.2, 0.7), n);
  indicators.seizures = count(seizures);
  indicators.seizedValueUsd = { value: Math.round(seizures * (2e6 + rand() * 8e6)) / 100, n: seizures };
}

function buildCard(unit, period, size) {
  const [kind, code] = unit.split(':');
  const indicators = {};
  const quarter = period.length > 6;
  if (kind === 'area') {
    if (quarter) return null;
    indicators['communityChange:COMMUNITY_INDICATOR_KIND_SHOOTINGS'] = { value: round4(-0.1 - rand() * 0.3), n: 12 };
    indicators['communityChange:COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS'] = { value: round4(0.05 + rand() * 0.1), n: 12 };
    indicators['communityChange:COMMUNITY_INDICATOR_KIND_GRADUATION_RATE'] = { value: round4(rand() * 0.1 - 0.05), n: 4 };
  } else {
    const sentenced = quarter ? Math.round((size / 4) * (0.6 + rand() * 0.8)) : size;
    const arrests = kind === 'district' ? 0 : Math.round(sentenced * 2.6 + 14 + rand() * 30);
    const claimed = Math.round(arrests * (0.35 + rand() * 0.3));
    const substantiated = Math.round(claimed * (0.2 + rand() * 0.4));
    const priority = Math.round(sentenced * (0.35 + rand() * 0.3));
    const high = Math.round(sentenced * (0.05 + rand() * 0.15));
    const lnf = Math.round(sentenced * (0.3 + rand() * 0.25 + shiftOf(unit, period)));
    const lnfYears = Math.round(lnf * (3 + rand() * 3) * 10) / 10;
    if (kind !== 'district') {
      indicators.arrests = { value: arrests, n: arrests };
      indicators.ptoLinkedArrestsClaimed = { value: claimed, n: claimed };
      indicators.ptoLinkedArrestsSubstantiated = { value: substantiated, n: substantiated };
      indicators.linkSubstantiationRate = share(substantiated, claimed);
    }
    indicators.sentenced = { value: sentenced, n: sentenced };
    indicators.meanDesert = sentenced ? { value: round4(18 + rand() * 14), n: sentenced } : { n: 0, defined: false };
    indicators.highDesertShare = share(high, sentenced);
    indicators.lnfShare = share(lnf, sentenced);
    indicators.ch1Share = share(Math.round(sentenced * 0.55), sentenced);
    indicators.weaponShare = share(Math.round(sentenced * 0.12), sentenced);
    indicators.aggravatingRoleShare = share(Math.round(sentenced * 0.07), sentenced);
    indicators.claimedPriorityShare = share(priority, sentenced);
    indicators.fruitionGap = sentenced ? { value: round4(priority / sentenced - high / sentenced), n: sentenced } : { n: 0, defined: false };
    indicators.weightedEnforcementValue = { value: round4(sentenced * 0.11), n: sentenced };
    indicators.lnfPrisonYears = { value: lnfYears, n: lnf };
    indicators.lnfCostUsd = { value: Math.round(lnfYears * 36299), n: lnf };
    indicators.declinedThenChargedElsewhere = { value: Math.round(rand() * 4), n: Math.round(rand() * 4) };
    stageIndicators(indicators, sentenced, lnf);
    if (kind === 'agency' && !quarter) {
      const reported = {};
      for (const [measure, target] of Object.entries(MEASURES[code] ?? {})) {
        const r = measure === 'PERFORMANCE_MEASURE_ARRESTS' ? arrests : Math.round(target * (0.9 + rand() * 0.9));
        reported[measure] = r;
        indicators[`targetRatio:${measure}`] = { value: round4(r / target), n: r };
      }
      const outcomes = (reported.PERFORMANCE_MEASURE_PTO_DISMANTLED ?? 0) + (reported.PERFORMANCE_MEASURE_PTO_DISRUPTED ?? 0) + (reported.PERFORMANCE_MEASURE_CPOT_DISMANTLED ?? 0);
      indicators.orgOutcomesReported = { value: outcomes, n: outcomes };
      const pending = Math.round((reported.PERFORMANCE_MEASURE_PTO_DISMANTLED ?? 0) * 0.3);
      indicators.pendingCountedAsDismantled = { value: pending, n: pending };
    }
  }
  return {
    unit, period, scoreVersion: 'v1', criteriaVersion: 'v1',
    scorecardId: `sc-${unit.replace(/[^A-Za-z0-9]/g, '')}-${period}`,
    revision: '1', indicators,
  };
}

const cards = new Map(); // `${unit}|${period}` → card (restricted, unsuppressed)
for (const [unit, size] of UNITS) {
  for (const period of PERIODS) {
    const card = buildCard(unit, period, yearSize(size, period));
    if (card) cards.set(`${unit}|${period}`, card);
  }
}

// The public view of a card, as scoring's disclosure stage writes it: a cell
// with 0 < n < 11 withheld, and the cells that would give a withheld one away
// (a complementary suppression, so a withheld cell need not be small): the
// substantiation rate with its claimed count shown gives the substantiated
// count; the gap with one share shown gives the other. A withheld cell is
// exactly {suppressed: true}: no value, no n.
function disclose(card) {
  const small = (cell) => cell && cell.n > 0 && cell.n < SMALL_CELL;
  const i = card.indicators;
  // v1.1 shares also when k or n − k is small (the CMS cell rule).
  const smallShare = (k) => {
    const cell = i[k];
    if (!isV11Share(k) || !cell || cell.defined === false) return false;
    const hits = Math.round(cell.value * cell.n);
    return (hits > 0 && hits < SMALL_CELL) || (cell.n - hits > 0 && cell.n - hits < SMALL_CELL);
  };
  const withheld = new Set(Object.keys(i).filter((k) => small(i[k]) || smallShare(k)));
  if (i.linkSubstantiationRate && withheld.has('ptoLinkedArrestsSubstantiated')) withheld.add('linkSubstantiationRate');
  if (i.fruitionGap && (withheld.has('claimedPriorityShare') || withheld.has('highDesertShare'))) withheld.add('fruitionGap');
  const indicators = {};
  for (const [k, cell] of Object.entries(i)) indicators[k] = withheld.has(k) ? { suppressed: true } : { ...cell };
  return { ...card, indicators: structuredClone(indicators), scorecardId: `${card.scorecardId}-public`, publicView: true, lagsCurrent: false };
}

// The public views published: `${unit}|${period}` → {card, changes} (changes:
// to the restricted card since). One unit-period is not published yet (the
// public gets a 404 and does not see it listed); a few lag their current facts.
const UNPUBLISHED = new Set(['field_office:FBI-CHICAGO|FY2017Q4']);
const published = new Map();
for (const [key, card] of cards) {
  if (!UNPUBLISHED.has(key)) published.set(key, { card: disclose(card), changes: 0 });
}
for (const key of ['agency:FBI|FY2017', 'district:SDNY|FY2017', 'agency:DEA|FY2016Q3']) {
  published.get(key).changes = 3;
  published.get(key).card.lagsCurrent = true;
}

// Every version of each card (GET /api/v1/scorecards/history): `${unit}|${period}`
// → {restricted: [...], public: [...]}, oldest first; overseers read the
// first list, everybody else the second.
let versionClock = Date.parse('2026-11-01T08:00:00Z');
const versions = new Map();
function snapshot(card, changedBy) {
  versionClock += 61_000;
  return {
    scorecardId: card.scorecardId, revision: card.revision, at: new Date(versionClock).toISOString().replace('.000Z', 'Z'),
    indicators: structuredClone(card.indicators), changedBy,
  };
}
for (const [key, card] of cards) {
  const pub = published.get(key);
  versions.set(key, { restricted: [snapshot(card, [`report:SAMPLE/${card.scorecardId}`])], public: pub ? [snapshot(pub.card, [])] : [] });
}

// The restricted card `key` changed (by the report `reportRef`): its public
// view lags until enough changes accumulate, then is published again.
function changed(key, reportRef = 'report:MOCK/tick') {
  versions.get(key)?.restricted.push(snapshot(cards.get(key), [reportRef]));
  const p = published.get(key);
  if (!p) return;
  p.changes += 1;
  if (p.changes >= REPUBLISH_AFTER) {
    const revision = String(Number(p.card.revision) + 1);
    p.card = { ...disclose(cards.get(key)), revision };
    p.changes = 0;
    versions.get(key)?.public.push(snapshot(p.card, []));
  } else {
    p.card.lagsCurrent = true;
  }
}

const restrictedView = (card) => ({ ...card, publicView: false });
const publicCard = (card) => published.get(`${card.unit}|${card.period}`)?.card ?? null;

// ------------------------------------------------------------- events ---

const events = []; // {cursor, event}
let clock = Date.parse('2026-11-29T12:00:00Z');
let seq = 0;
const subscribers = new Set();
const openStreams = new Set(); // responses of open SSE connections
const streamLog = []; // {after, lastEventId, query} per SSE connection, for tests

function addEvent(e) {
  seq += 1;
  clock += 37_000;
  const event = {
    eventId: `ev-${String(seq).padStart(6, '0')}-${Math.floor(rand() * 1e9).toString(16)}`,
    conditionKey: e.conditionKey,
    type: e.type,
    severity: e.severity ?? 'SEVERITY_WARNING',
    visibility: e.visibility ?? 'VISIBILITY_PUBLIC',
    unit: e.unit ?? '',
    period: e.period ?? '',
    subjectPid: e.subjectPid ?? '',
    orgId: e.orgId ?? '',
    criteriaVersion: 'v1',
    scoreVersion: 'v1',
    facts: e.facts ?? {},
    evidenceRefs: e.evidenceRefs ?? [],
    resolved: e.resolved ?? false,
    emittedAt: new Date(clock).toISOString().replace('.000Z', 'Z'),
  };
  // proto3 JSON omits fields with default values; the dashboard must cope.
  for (const k of ['subjectPid', 'orgId']) if (!event[k]) delete event[k];
  if (!event.resolved) delete event.resolved;
  const entry = { cursor: String(seq).padStart(10, '0'), event };
  events.push(entry);
  for (const sub of subscribers) sub(entry);
  return entry;
}

// Facts of public events, as the reconciler writes them from the public
// view: `name` and `name.n`, or only `name.suppressed` for a withheld cell.
function cellFacts(card, names) {
  const facts = {};
  if (!card) return facts;
  for (const name of names) {
    const key = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const cell = card.indicators[name];
    if (!cell) continue;
    if (cell.suppressed === true) {
      facts[`${key}.suppressed`] = 1;
      continue;
    }
    if (cell.defined !== false) facts[key] = cell.value;
    facts[`${key}.n`] = cell.n;
  }
  return facts;
}

function seedEvents() {
  for (const period of EVENT_YEARS) {
    for (const [unit] of UNITS) {
      const card = cards.get(`${unit}|${period}`);
      if (!card) continue;
      const pub = publicCard(card);
      const i = card.indicators;
      const sentenced = i.sentenced?.value ?? 0;
      if (pub) addEvent({ type: 'EVENT_TYPE_SCORECARD_PUBLISHED', severity: 'SEVERITY_INFO', conditionKey: `SCORECARD_PUBLISHED/${unit}/${period}`, unit, period, facts: cellFacts(pub, Object.keys(pub.indicators)), evidenceRefs: [`scorecard:${pub.scorecardId}`] });
      if (pub && sentenced >= SMALL_CELL && i.fruitionGap?.value >= 0.25) {
        addEvent({ type: 'EVENT_TYPE_FRUITION_GAP', conditionKey: `FRUITION_GAP/${unit}/${period}`, unit, period, facts: { ...cellFacts(pub, ['fruitionGap', 'claimedPriorityShare', 'highDesertShare', 'sentenced']), threshold: 0.25, min_sentenced: 11 }, evidenceRefs: [`scorecard:${pub.scorecardId}`] });
      }
      if (pub && sentenced >= SMALL_CELL && i.lnfShare?.value >= 0.3) {
        addEvent({ type: 'EVENT_TYPE_LNF_SHARE_HIGH', conditionKey: `LNF_SHARE_HIGH/${unit}/${period}`, unit, period, facts: { ...cellFacts(pub, ['lnfShare', 'sentenced', 'lnfPrisonYears', 'lnfCostUsd']), threshold: 0.3, min_sentenced: 11 }, evidenceRefs: [`scorecard:${pub.scorecardId}`] });
      }
      for (const [k, cell] of Object.entries(i)) {
        if (k.startsWith('targetRatio:') && cell.value >= 1.25) {
          const measure = k.slice('targetRatio:'.length);
          addEvent({ type: 'EVENT_TYPE_TARGET_OVERSHOOT', conditionKey: `TARGET_OVERSHOOT/${unit}/${period}/${measure}`, unit, period, facts: { target_ratio: cell.value, reported: cell.n, target: Math.round(cell.n / cell.value), threshold: 1.25, 'target_ratio.n': cell.n }, evidenceRefs: [`scorecard:${card.scorecardId}`] });
        }
      }
    }
  }
  for (let c = 1; c <= 6; c++) {
    const claim = `CL-${String(40 + c).padStart(5, '0')}`;
    const unit = c % 2 ? 'agency:DEA' : 'agency:FBI';
    addEvent({ type: 'EVENT_TYPE_LINK_UNSUBSTANTIATED', visibility: 'VISIBILITY_RESTRICTED', conditionKey: `LINK_UNSUBSTANTIATED/claim/${claim}`, unit, period: 'FY2017', subjectPid: `9f${c}a3c0d${c}e`, orgId: 'ORG-CPOT-01', facts: { result: 3, tier: 1, failed_criteria: 2, evidence_items: 1, 'failed.C2': 1, 'failed.C5': 1 }, evidenceRefs: [`claim:${claim}`] });
  }
  addEvent({ type: 'EVENT_TYPE_TIER_MISMATCH', visibility: 'VISIBILITY_RESTRICTED', conditionKey: 'TIER_MISMATCH/subject/77ab01', unit: 'agency:DEA', period: 'FY2017', subjectPid: '77ab01', orgId: 'ORG-CPOT-01', facts: { tier: 1, claim_result: 2, desert_score: 10, desert_band: 1, lnf: 1, mitigating_role: 2, sentence_months: 60, criminal_history_category: 1 } });
  addEvent({ type: 'EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE', visibility: 'VISIBILITY_RESTRICTED', severity: 'SEVERITY_INFO', conditionKey: 'DECLINED_THEN_CHARGED_ELSEWHERE/subject/5e5e21', unit: 'district:SDNY', period: 'FY2017', subjectPid: '5e5e21', facts: { declinations: 1, charges: 1, districts_declined: 1, districts_charged: 1 } });
  addEvent({ type: 'EVENT_TYPE_REPORT_CONFLICT', visibility: 'VISIBILITY_RESTRICTED', severity: 'SEVERITY_CRITICAL', conditionKey: 'REPORT_CONFLICT/report/FBI/FBI-2017-000311', unit: '', period: 'FY2017', facts: { bodies: 2 }, evidenceRefs: ['report:FBI/FBI-2017-000311'] });
  // DEA's by its field office and by its report (no unit: the condition key
  // names the reporter).
  addEvent({ type: 'EVENT_TYPE_LNF_SHARE_HIGH', visibility: 'VISIBILITY_RESTRICTED', severity: 'SEVERITY_WARNING', conditionKey: 'LNF_SHARE_HIGH/field_office:DEA-NEW-YORK/FY2017/restricted', unit: 'field_office:DEA-NEW-YORK', period: 'FY2017', facts: { lnf_share: 0.41, sentenced: 22, threshold: 0.3 } });
  addEvent({ type: 'EVENT_TYPE_REPORT_CONFLICT', visibility: 'VISIBILITY_RESTRICTED', severity: 'SEVERITY_CRITICAL', conditionKey: 'REPORT_CONFLICT/report/DEA/DEA-2017-000042', unit: '', period: '', facts: { bodies: 2 }, evidenceRefs: ['report:DEA/DEA-2017-000042'] });
  for (let o = 1; o <= 3; o++) {
    addEvent({ type: 'EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED', conditionKey: `PENDING_COUNTED_AS_DISMANTLED/report/DEA/DEA-2016-OUTCOME-0${o}`, unit: 'agency:DEA', period: 'FY2016', orgId: `ORG-PTO-0${o}`, facts: { outcome: 2, pending: 1, fiscal_year: 2016 } });
  }
  // A gap that closed later: the withdrawal names the same condition key.
  addEvent({ type: 'EVENT_TYPE_FRUITION_GAP', severity: 'SEVERITY_WARNING', conditionKey: 'FRUITION_GAP/district:NDIL/FY2016Q2', unit: 'district:NDIL', period: 'FY2016Q2', facts: { fruition_gap: 0.27, 'fruition_gap.n': 14, sentenced: 14, 'sentenced.n': 14, threshold: 0.25, min_sentenced: 11 } });
  addEvent({ type: 'EVENT_TYPE_FRUITION_GAP', severity: 'SEVERITY_INFO', conditionKey: 'FRUITION_GAP/district:NDIL/FY2016Q2', unit: 'district:NDIL', period: 'FY2016Q2', resolved: true, facts: { fruition_gap: 0.21, 'fruition_gap.n': 15, sentenced: 15, 'sentenced.n': 15, threshold: 0.25, min_sentenced: 11 } });
}
seedEvents();

// ------------------------------------ series, compare, history, releases ---

const PERIOD_RE = /^FY(\d{4})(Q[1-4])?$/;
const UNIT_KINDS = ['agency', 'field_office', 'district', 'area', 'national'];
const indicatorNames = () => new Set(JSON.parse(indicatorCatalogue()).indicators.map((i) => i.jsonName));
// Whether `key` (a scorecard key) is an indicator of the catalogue: a name,
// or a family's member (`functionShare:OFFENSE_FUNCTION_COURIER`).
function knownIndicator(key) {
  const names = indicatorNames();
  const colon = key.indexOf(':');
  return colon < 0 ? names.has(key) : names.has(key.slice(0, colon + 1)) && colon < key.length - 1;
}

// The card a caller sees for `key`: the restricted one for overseers, the
// public view for everybody else (null: none).
function cardFor(key, overseer) {
  if (overseer) return cards.has(key) ? restrictedView(cards.get(key)) : null;
  return published.get(key)?.card ?? null;
}

// The periods from `from` to `to`, both fiscal years or both quarters.
function periodRange(from, to) {
  const a = PERIOD_RE.exec(from);
  const b = PERIOD_RE.exec(to);
  if (!a) return { error: `from: not a fiscal year or quarter (FY2016, FY2016Q1): ${from}` };
  if (!b) return { error: `to: not a fiscal year or quarter (FY2016, FY2016Q1): ${to}` };
  if (Boolean(a[2]) !== Boolean(b[2])) return { error: 'from, to: both fiscal years or both quarters' };
  const index = (m) => Number(m[1]) * 4 + (m[2] ? Number(m[2][1]) - 1 : 0);
  const [i, j] = [index(a), index(b)];
  if (i > j) return { error: `from: ${from} is after to: ${to}` };
  const out = [];
  for (let k = i; k <= j; k += a[2] ? 1 : 4) out.push(a[2] ? `FY${Math.floor(k / 4)}Q${(k % 4) + 1}` : `FY${k / 4}`);
  if (out.length > 200) return { error: 'from, to: more than 200 periods' };
  return { periods: out };
}

function seriesAnswer(q, overseer) {
  for (const name of ['unit', 'indicator', 'from', 'to']) if (!q.get(name)) return [400, `${name}: required`];
  const unit = q.get('unit');
  const indicator = q.get('indicator');
  if (!UNIT_KINDS.includes(unit.split(':')[0]) || !unit.includes(':')) return [400, `unit: not a unit (kind:code): ${unit}`];
  if (!knownIndicator(indicator)) return [400, `indicator: unknown: ${indicator}`];
  const range = periodRange(q.get('from'), q.get('to'));
  if (range.error) return [400, range.error];
  const points = range.periods.map((period) => {
    const cell = cardFor(`${unit}|${period}`, overseer)?.indicators?.[indicator];
    return cell ? { period, ...cell } : { period, noData: true };
  });
  return [200, { unit, indicator, view: overseer ? 'restricted' : 'public', points }];
}

// Every unit of a kind ranked for an indicator (rank 1: the highest value;
// ties share the smallest rank; suppressed and undefined cells last, by unit,
// without rank). Percentile: the share of the other ranked units with a
// lower value, × 100, one decimal (100 for a unit ranked alone).
function compareAnswer(q, overseer) {
  for (const name of ['indicator', 'period', 'kind']) if (!q.get(name)) return [400, `${name}: required`];
  const indicator = q.get('indicator');
  const period = q.get('period');
  const kind = q.get('kind');
  if (!knownIndicator(indicator)) return [400, `indicator: unknown: ${indicator}`];
  if (!PERIOD_RE.test(period)) return [400, `period: not a fiscal year or quarter (FY2016, FY2016Q1): ${period}`];
  if (!UNIT_KINDS.includes(kind) || kind === 'national') return [400, `kind: unknown value ${kind} (agency, field_office, district, area)`];
  const rows = [];
  for (const [unit] of UNITS) {
    if (!unit.startsWith(`${kind}:`)) continue;
    const cell = cardFor(`${unit}|${period}`, overseer)?.indicators?.[indicator];
    if (cell) rows.push({ unit, ...cell });
  }
  const valued = rows.filter((r) => r.suppressed !== true && r.defined !== false).sort((a, b) => b.value - a.value || a.unit.localeCompare(b.unit));
  const rest = rows.filter((r) => !valued.includes(r)).sort((a, b) => a.unit.localeCompare(b.unit));
  for (const r of valued) {
    r.rank = 1 + valued.filter((x) => x.value > r.value).length;
    const lower = valued.filter((x) => x.value < r.value).length;
    r.percentile = valued.length === 1 ? 100 : Math.round((lower / (valued.length - 1)) * 1000) / 10;
    if (r.percentile === 0) delete r.percentile; // as proto3 JSON writes a zero: not at all
  }
  const national = cardFor(`national:US|${period}`, overseer)?.indicators?.[indicator] ?? { noData: true };
  return [200, { indicator, period, kind, view: overseer ? 'restricted' : 'public', national, units: [...valued, ...rest] }];
}

function historyAnswer(q, overseer) {
  for (const name of ['unit', 'period']) if (!q.get(name)) return [400, `${name}: required`];
  const key = `${q.get('unit')}|${q.get('period')}`;
  const v = versions.get(key);
  const list = v ? (overseer ? v.restricted : v.public) : [];
  if (!list.length) return [404, `no scorecard for ${q.get('unit')} in ${q.get('period')}`];
  return [200, { unit: q.get('unit'), period: q.get('period'), view: overseer ? 'restricted' : 'public', versions: list }];
}

// ---- the release of a fiscal year: a small, deterministic ustar archive ---

// One ustar header + the file's bytes padded to 512 (mtime 0, owner 0:
// the same bytes every time).
function tarEntry(name, data) {
  const head = Buffer.alloc(512, 0);
  const put = (text, offset, len) => head.write(text, offset, len, 'ascii');
  const octal = (n, len) => n.toString(8).padStart(len - 1, '0');
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(data.length, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of head) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
  return Buffer.concat([head, data, pad]);
}

const csvCell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
const htmlText = (v) => String(v).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

// The release's files (path → Buffer), public views only: per unit kind a CSV
// and a JSON table of the fiscal year and its quarters, the methodology
// page, the printable report, and MANIFEST (`sha256  path` per file).
function releaseFiles(fy) {
  const periods = [fy, `${fy}Q1`, `${fy}Q2`, `${fy}Q3`, `${fy}Q4`];
  const files = new Map();
  const cat = JSON.parse(indicatorCatalogue()).indicators;
  const summary = [];
  for (const kind of UNIT_KINDS) {
    const list = [...published.values()].map((x) => x.card).filter((c) => periods.includes(c.period) && c.unit.startsWith(`${kind}:`))
      .sort((a, b) => a.unit.localeCompare(b.unit) || a.period.localeCompare(b.period));
    if (!list.length) continue;
    const keys = [...new Set(list.flatMap((c) => Object.keys(c.indicators)))].sort();
    const rows = [['unit', 'period', ...keys.flatMap((k) => [k, `${k}.n`])].map(csvCell).join(',')];
    for (const c of list) {
      rows.push([c.unit, c.period, ...keys.flatMap((k) => {
        const cell = c.indicators[k];
        if (!cell) return ['', ''];
        if (cell.suppressed) return ['suppressed', ''];
        return [cell.defined === false ? '' : cell.value, cell.n];
      })].map(csvCell).join(','));
    }
    files.set(`tables/${kind}.csv`, Buffer.from(`${rows.join('\n')}\n`));
    files.set(`tables/${kind}.json`, Buffer.from(`${JSON.stringify({ period: fy, kind, scorecards: list })}\n`));
    summary.push(`<li>${htmlText(kind)}: ${list.length} scorecards</li>`);
  }
  const defs = cat.map((i) => `<dt id="def-${htmlText(i.jsonName.replace(/:$/, ''))}">${htmlText(i.label)}</dt><dd>${htmlText(i.description)} (public figures: ${htmlText(i.suppression)} rule)</dd>`);
  files.set('methodology.html', Buffer.from(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Methodology, ${fy}</title></head><body><h1>Methodology, ${fy}</h1><dl>${defs.join('')}</dl></body></html>\n`));
  files.set('index.html', Buffer.from(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fruition release ${fy}</title></head><body><h1>Fruition release ${fy}</h1><p>The public view of every unit for ${fy} and its quarters (mock release).</p><ul>${summary.join('')}</ul><p><a href="methodology.html">Methodology</a></p></body></html>\n`));
  const names = [...files.keys()].sort();
  const manifest = names.map((n) => `${createHash('sha256').update(files.get(n)).digest('hex')}  ${n}`).join('\n');
  files.set('MANIFEST', Buffer.from(`# Fruition release ${fy} (mock)\n# verify: grep -v '^#' MANIFEST | sha256sum -c -\n${manifest}\n`));
  return files;
}

function hasYear(fy) {
  return [...published.keys()].some((k) => k.endsWith(`|${fy}`));
}

function releaseTar(fy) {
  const files = releaseFiles(fy);
  const dir = `fruition-release-${fy}`;
  const parts = [...files.keys()].sort().map((n) => tarEntry(`${dir}/${n}`, files.get(n)));
  return Buffer.concat([...parts, Buffer.alloc(1024, 0)]);
}

// GET /api/v1/releases/FY2016 (the tar) and /releases/FY2016/ (its report).
function handleRelease(res, p) {
  const tar = /^\/api\/v1\/releases\/([^/]+)$/.exec(p);
  const page = /^\/releases\/([^/]+)\/(.*)$/.exec(p);
  const fy = (tar ?? page)?.[1] ?? '';
  if (!/^FY\d{4}$/.test(fy)) return sendError(res, 400, 'INVALID_ARGUMENT', `period: not a fiscal year (FY2016): ${fy}`);
  if (!hasYear(fy)) return sendError(res, 404, 'NOT_FOUND', `no release for ${fy}: no public figures`);
  if (tar) {
    const body = releaseTar(fy);
    res.writeHead(200, {
      'Content-Type': 'application/x-tar', 'Content-Length': body.length, 'Cache-Control': 'no-store',
      'Content-Disposition': `attachment; filename="fruition-release-${fy}.tar"`,
    });
    return res.end(body);
  }
  const file = page[2] === '' ? 'index.html' : page[2];
  const data = releaseFiles(fy).get(file);
  if (!data || !file.endsWith('.html')) return sendError(res, 404, 'NOT_FOUND', `no ${file} in the release of ${fy}`);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  return res.end(data);
}

// ---------------------------------------------------------------- http ---

function principalOf(req) {
  const h = req.headers.authorization;
  if (!h) return { kind: 'PUBLIC', code: '' };
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  if (!m) return null;
  return TOKENS[m[1].trim()] ?? null;
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
const sendError = (res, status, code, message) => sendJson(res, status, { error: { code, message } });

// The gateway's rule (auth::MayReadEvent, SPEC §1 v1.1 and §11): a PUBLIC
// event for anyone; a RESTRICTED one for overseers, and for the agency whose
// unit (agency:X, field_office:X-..., district:D for USAO-D) or report
// (<TYPE>/report/X/<id>) it is about.
function agencyOwnsUnit(agency, unit) {
  if (unit.startsWith('agency:')) return unit.slice(7) === agency;
  if (unit.startsWith('field_office:')) {
    const office = unit.slice(13);
    return office.length > agency.length + 1 && office.startsWith(`${agency}-`);
  }
  if (unit.startsWith('district:')) return agency.startsWith('USAO-') && agency.slice(5) === unit.slice(9);
  return false;
}

function mayReadEvent(principal, event) {
  if (event.visibility === 'VISIBILITY_PUBLIC') return true;
  if (principal.kind === 'OVERSEER') return true;
  if (principal.kind !== 'AGENCY') return false;
  if (agencyOwnsUnit(principal.code, event.unit ?? '')) return true;
  const m = /^[A-Z_]+\/report\/([^/]+)\/./.exec(event.conditionKey ?? '');
  return Boolean(m) && m[1] === principal.code;
}

// Whether `event` is about agency `agency` (auth::EventConcerns): its unit
// is the agency's, or its condition is about one of the agency's reports.
function eventConcerns(event, agency) {
  if (agencyOwnsUnit(agency, event.unit ?? '')) return true;
  const m = /^[A-Z_]+\/report\/([^/]+)\/./.exec(event.conditionKey ?? '');
  return Boolean(m) && m[1] === agency;
}

function eventFilter(q, principal) {
  const visibility = q.get('visibility') ?? '';
  const types = (q.get('type') ?? '').split(',').filter(Boolean);
  const unit = q.get('unit') ?? '';
  const about = q.get('about') ?? '';
  return ({ event }) =>
    mayReadEvent(principal, event) &&
    (!visibility || event.visibility === visibility) &&
    (!types.length || types.includes(event.type)) &&
    (!unit || event.unit === unit) &&
    (!about || eventConcerns(event, about));
}

// ------------------------------------------- answers and decisions (§11) ---

// The latest agency_response and oversight_decision per (condition key,
// reporter), as the gateway keeps them from fruition.reference.v1; and every
// POST /api/v1/reports the mock received (GET /mock/v1/reports-log).
const answers = new Map(); // conditionKey → {responses: Map, decisions: Map}
const reportsSeen = new Map(); // `${reporter}/${reportId}` → JSON of the body
const reportsLog = [];
const later = (a, b) => (a.occurredAt !== b.occurredAt ? a.occurredAt > b.occurredAt : a.reportId > b.reportId);
const DECISION_STATUS = { DECISION_ACCEPTED: 'accepted', DECISION_REJECTED: 'rejected', DECISION_NEEDS_MORE: 'needs more' };

// The event's `accountability` as `principal` sees it (domain::Accountability):
// in full for overseers and the agency concerned, the status for others.
function accountabilityOf(event, principal) {
  const kept = answers.get(event.conditionKey);
  if (!kept) return undefined;
  let response = null;
  for (const r of kept.responses.values()) if (eventConcerns(event, r.reporter) && (!response || later(r, response))) response = r;
  let decision = null;
  for (const d of kept.decisions.values()) if (!decision || later(d, decision)) decision = d;
  if (!response && !decision) return undefined;
  const status = response && (!decision || later(response, decision)) ? 'answered' : DECISION_STATUS[decision.oversightDecision.decision];
  const full = principal.kind === 'OVERSEER' || (principal.kind === 'AGENCY' && eventConcerns(event, principal.code));
  if (!full) return { status };
  const out = { status };
  if (response) out.response = { reporter: response.reporter, reportId: response.reportId, occurredAt: response.occurredAt, ...response.agencyResponse };
  if (decision) out.decision = { reporter: decision.reporter, reportId: decision.reportId, occurredAt: decision.occurredAt, ...decision.oversightDecision };
  delete out.response?.conditionKey;
  delete out.decision?.conditionKey;
  return out;
}
const annotated = (event, principal) => {
  const accountability = accountabilityOf(event, principal);
  return accountability ? { ...event, accountability } : event;
};

// POST /api/v1/reports: what the gateway and intake answer, in one place.
function acceptReport(principal, contentType, text) {
  const refuse = (status, code, message, field) => [status, { error: { code, message, ...(field ? { field } : {}) } }];
  if (principal.kind === 'PUBLIC') return refuse(401, 'UNAUTHENTICATED', 'Authorization: sending a report needs a bearer token');
  if (!/^application\/json\b/.test(contentType ?? '')) return refuse(415, 'INVALID_ARGUMENT', 'Content-Type: application/json required', 'Content-Type');
  let r;
  try { r = JSON.parse(text); } catch { return refuse(400, 'INVALID_ARGUMENT', 'body: not an AgencyReport in proto3 JSON', 'body'); }
  const bodies = Object.keys(r).filter((k) => !['reportId', 'reporter', 'occurredAt', 'caseId'].includes(k));
  if (bodies.length !== 1) return refuse(400, 'INVALID_ARGUMENT', 'body: required: agencyResponse or oversightDecision', 'body');
  const [name] = bodies;
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (name !== 'agencyResponse' && name !== 'oversightDecision') return refuse(400, 'INVALID_ARGUMENT', `${snake}: this route takes agencyResponse and oversightDecision only`, snake);
  if (!r.reportId) return refuse(400, 'INVALID_ARGUMENT', 'report_id: required', 'report_id');
  if (r.reporter !== principal.code) return refuse(403, 'PERMISSION_DENIED', 'reporter: not the caller', 'reporter');
  if (!r.occurredAt || Number.isNaN(Date.parse(r.occurredAt))) return refuse(400, 'INVALID_ARGUMENT', 'occurred_at: required', 'occurred_at');
  const b = r[name];
  if (!b?.conditionKey) return refuse(400, 'INVALID_ARGUMENT', `${snake}.condition_key: required`, `${snake}.condition_key`);
  if (name === 'agencyResponse') {
    if (principal.kind !== 'AGENCY') return refuse(403, 'PERMISSION_DENIED', 'agency_response: only agencies answer', 'agency_response');
    if (!b.explanation?.trim()) return refuse(400, 'INVALID_ARGUMENT', 'agency_response.explanation: required', 'agency_response.explanation');
    if ([...b.explanation].length > 4000) return refuse(400, 'INVALID_ARGUMENT', 'agency_response.explanation: at most 4000 characters', 'agency_response.explanation');
    if ([...(b.correctiveAction ?? '')].length > 1000) return refuse(400, 'INVALID_ARGUMENT', 'agency_response.corrective_action: at most 1000 characters', 'agency_response.corrective_action');
    const about = events.some(({ event }) => event.conditionKey === b.conditionKey && eventConcerns(event, principal.code));
    if (!about) return refuse(403, 'PERMISSION_DENIED', 'agency_response.condition_key: not a condition about you', 'agency_response.condition_key');
  } else {
    if (principal.kind !== 'OVERSEER') return refuse(403, 'PERMISSION_DENIED', 'oversight_decision: only overseers decide', 'oversight_decision');
    if (!DECISION_STATUS[b.decision]) return refuse(400, 'INVALID_ARGUMENT', 'oversight_decision.decision: required', 'oversight_decision.decision');
  }
  const id = `${r.reporter}/${r.reportId}`;
  const same = JSON.stringify({ [name]: b, occurredAt: r.occurredAt });
  if (reportsSeen.has(id)) {
    if (reportsSeen.get(id) !== same) return refuse(409, 'ALREADY_EXISTS', 'report_id: sent before with another body', 'report_id');
    return [200, { reportId: r.reportId, duplicate: true }];
  }
  reportsSeen.set(id, same);
  if (!answers.has(b.conditionKey)) answers.set(b.conditionKey, { responses: new Map(), decisions: new Map() });
  const kept = answers.get(b.conditionKey)[name === 'agencyResponse' ? 'responses' : 'decisions'];
  const old = kept.get(r.reporter);
  if (!old || later(r, old)) kept.set(r.reporter, r);
  return [200, { reportId: r.reportId, duplicate: false }];
}

function checkEventAccess(res, q, principal) {
  const visibility = q.get('visibility') ?? '';
  if (visibility && !['VISIBILITY_PUBLIC', 'VISIBILITY_RESTRICTED'].includes(visibility)) {
    sendError(res, 400, 'INVALID_ARGUMENT', `visibility: unknown value ${visibility}`);
    return false;
  }
  if (visibility === 'VISIBILITY_RESTRICTED' && principal.kind !== 'OVERSEER' && principal.kind !== 'AGENCY') {
    sendError(res, 403, 'PERMISSION_DENIED', 'visibility: RESTRICTED events are for overseers and the agencies they concern only');
    return false;
  }
  return true;
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};

function serveStatic(req, res, pathname) {
  const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  const file = path.resolve(WEB_DIR, rel);
  if (!file.startsWith(WEB_DIR + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(fs.readFileSync(file));
}

function handleStream(req, res, q, principal) {
  const match = eventFilter(q, principal);
  const after = req.headers['last-event-id'] ?? q.get('after') ?? '';
  streamLog.push({ lastEventId: req.headers['last-event-id'] ?? null, after: q.get('after'), query: q.toString(), authorization: Boolean(req.headers.authorization) });
  openStreams.add(res);
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  // Exercises the page's SSE parser the way real networks do: events split
  // across reads, CRLF line ends on some, data spread over several lines on
  // others (the spec joins them with "\n", which JSON tolerates).
  let queue = Promise.resolve();
  let count = 0;
  const write = ({ cursor, event }) => {
    count += 1;
    const eol = count % 2 ? '\r\n' : '\n';
    const data = count % 3 === 1 ? JSON.stringify(event, null, 1) : JSON.stringify(event);
    const text = `id: ${cursor}${eol}event: oversight${eol}${data.split('\n').map((l) => `data: ${l}${eol}`).join('')}${eol}`;
    const cut = 1 + Math.floor(rand() * (text.length - 2));
    queue = queue.then(async () => {
      if (res.destroyed) return;
      res.write(text.slice(0, cut));
      await new Promise((r) => setTimeout(r, 3));
      if (!res.destroyed) res.write(text.slice(cut));
    });
  };
  res.write(': connected\n\n');
  const annotate = ({ cursor, event }) => ({ cursor, event: annotated(event, principal) });
  for (const entry of events) if (entry.cursor > after && match(entry)) write(annotate(entry));
  const sub = (entry) => { if (match(entry)) write(annotate(entry)); };
  subscribers.add(sub);
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), 5000);
  req.on('close', () => { subscribers.delete(sub); clearInterval(keepalive); openStreams.delete(res); });
}

// ------------------------------------------------- budgets and what-if ---

// SPEC §11 budget lines (the current version of each), judged as the gateway
// judges them: on the agency's public card for the year, a criterion met when
// the card shows a value (not withheld, not undefined) within the bound.
// HSI's card withholds lnfShare (9 people): its line fails with no value found.
const BUDGET_LINES = [
  { lineId: 'OIG-FY2016-DEA-1', agency: 'DEA', fiscalYear: 2016, amountUsd: 2400000000, purpose: 'Domestic cartel enforcement',
    criteria: [{ indicator: 'lnf_share', op: 'CRITERION_OP_AT_MOST', value: 0.3 }, { indicator: 'sentenced', op: 'CRITERION_OP_AT_LEAST', value: 100 }] },
  { lineId: 'OIG-FY2016-FBI-1', agency: 'FBI', fiscalYear: 2016, amountUsd: 900000000, purpose: 'Organized crime drug enforcement',
    criteria: [{ indicator: 'mean_desert', op: 'CRITERION_OP_AT_LEAST', value: 10 }, { indicator: 'sentenced', op: 'CRITERION_OP_AT_LEAST', value: 11 }] },
  { lineId: 'HAC-FY2016-HSI-1', agency: 'HSI', fiscalYear: 2016, amountUsd: 150000000, purpose: 'Border interdiction',
    criteria: [{ indicator: 'lnf_share', op: 'CRITERION_OP_AT_MOST', value: 0.9 }] },
];
const jsonName = (snake) => {
  const [head, ...rest] = snake.split(':');
  return [camel(head), ...rest].join(':');
};
const publicCardOf = (unit, period) => published.get(`${unit}|${period}`)?.card ?? null;
const shownValue = (card, snake) => {
  const cell = card?.indicators?.[jsonName(snake)];
  return cell && cell.suppressed !== true && cell.defined !== false && typeof cell.value === 'number' ? cell.value : null;
};
const budgetOf = (agency, period) => {
  const lines = BUDGET_LINES.filter((l) => l.agency === agency && `FY${l.fiscalYear}` === period);
  return lines.length ? lines.reduce((sum, l) => sum + l.amountUsd, 0) : null;
};
function budgetsAnswer(q) {
  const period = q.get('period') ?? '';
  const agency = q.get('agency') ?? '';
  if (!period) return [400, 'period: required: a fiscal year such as FY2016'];
  if (!/^FY\d{4}$/.test(period)) return [400, `period: '${period}' is not a fiscal year such as FY2016 (budget lines are yearly)`];
  if (agency.includes(':')) return [400, 'agency: an agency\'s code such as DEA (not a unit like agency:DEA), at most 128 characters'];
  const lines = BUDGET_LINES.filter((l) => `FY${l.fiscalYear}` === period && (!agency || l.agency === agency))
    .sort((a, b) => a.agency.localeCompare(b.agency) || a.lineId.localeCompare(b.lineId))
    .map((l) => {
      const card = publicCardOf(`agency:${l.agency}`, period);
      const criteria = l.criteria.map((c) => {
        const found = shownValue(card, c.indicator);
        const met = found !== null && (c.op === 'CRITERION_OP_AT_MOST' ? found <= c.value : found >= c.value);
        return { ...c, ...(found === null ? {} : { found }), met };
      });
      const budget = budgetOf(l.agency, period);
      const high = card?.indicators?.highDesertShare;
      const highCount = high && high.suppressed !== true && high.defined !== false ? Math.round(high.value * high.n) : 0;
      return { ...l, criteria, judged: Boolean(card), met: Boolean(card) && criteria.every((c) => c.met),
        agencyBudgetUsd: budget, agencyCostPerHighDesertSentence: budget !== null && highCount > 0 ? budget / highCount : null };
    });
  return [200, { period, view: 'public', lagsCurrent: false, lines }];
}

// POST /api/v1/whatif on the public agency cards: an allocation in whole
// cents by the largest remainder (ties by unit), or an LNF cut's savings.
const BASES = { CASELOAD: 'sentenced', WEIGHTED_VALUE: 'weightedEnforcementValue', HIGH_DESERT: 'highDesertShare' };
function basisWeight(card, basis) {
  const cell = card.indicators[BASES[basis]];
  if (!cell || cell.suppressed === true) return [null, `${BASES[basis]} is withheld in the public view`];
  if (cell.defined === false) return [null, `${BASES[basis]} is undefined (no one it could be computed from)`];
  if (basis === 'HIGH_DESERT') { const k = Math.round(cell.value * cell.n); return [BigInt(k), null, k]; }
  if (basis === 'WEIGHTED_VALUE') return [BigInt(Math.round(cell.value * 800)), null, cell.value];
  return [BigInt(Math.round(cell.value)), null, cell.value];
}
function whatIfAllocation(period, totalUsd, basis, agencies) {
  const parties = [];
  const leftOut = [];
  for (const card of agencies) {
    const [w, reason, value] = basisWeight(card, basis);
    if (w === null) leftOut.push({ unit: card.unit, reason });
    else parties.push({ unit: card.unit, w, value });
  }
  const W = parties.reduce((sum, x) => sum + x.w, 0n);
  if (W === 0n) return [409, 'basis: no agency has a usable figure in the public view'];
  const total = BigInt(totalUsd) * 100n;
  for (const x of parties) { x.cents = (total * x.w) / W; x.rem = (total * x.w) % W; }
  let left = total - parties.reduce((sum, x) => sum + x.cents, 0n);
  for (const x of [...parties].sort((a, b) => (b.rem > a.rem ? 1 : b.rem < a.rem ? -1 : a.unit.localeCompare(b.unit)))) {
    if (left === 0n) break;
    x.cents += 1n;
    left -= 1n;
  }
  const allocations = parties.map((x) => ({ unit: x.unit, basisValue: x.value, cents: Number(x.cents), share: Number(x.w) / Number(W),
    budgetUsd: shownValue(publicCardOf(x.unit, period), 'budget_usd') ?? budgetOf(x.unit.slice(7), period) }));
  return [200, { period, view: 'public', lagsCurrent: false, basis, totalUsd, totalCents: totalUsd * 100, allocations, leftOut }];
}
function whatIfCut(period, body, agencies) {
  const key = body.lnfAdmissionsCutPct !== undefined ? 'lnfAdmissionsCutPct' : 'lnfSentenceCutPct';
  const pct = body[key];
  if (typeof pct !== 'number' || pct < 0 || pct > 100) return [400, `${key}: a percent from 0 to 100`];
  const leftOut = [];
  const saving = (card) => {
    const years = shownValue(card, 'lnf_prison_years');
    const cost = shownValue(card, 'lnf_cost_usd');
    if (years === null || cost === null) { leftOut.push({ unit: card.unit, reason: 'lnf_prison_years is withheld in the public view' }); return null; }
    return { unit: card.unit, lnfPrisonYears: years, lnfCostUsd: cost, prisonYearsSaved: (years * pct) / 100, usdSaved: (cost * pct) / 100 };
  };
  const units = agencies.map(saving).filter(Boolean);
  const nationalCard = publicCardOf('national:US', period);
  const national = nationalCard ? saving(nationalCard) : null;
  return [200, { period, view: 'public', lagsCurrent: false, [key]: pct, units, national, leftOut }];
}
function whatIfAnswer(text) {
  let body;
  try { body = JSON.parse(text); } catch { return [400, 'body: not a JSON object'] }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [400, 'body: not a JSON object'];
  const period = body.period ?? '';
  if (!/^FY\d{4}$/.test(period)) return [400, `period: '${period}' is not a fiscal year such as FY2016 (what-ifs are yearly, as budgets are)`];
  const agencies = [...published.values()].map((x) => x.card).filter((c) => c.period === period && c.unit.startsWith('agency:'))
    .sort((a, b) => a.unit.localeCompare(b.unit));
  if (!agencies.length) return [400, `period: the public view has no agency scorecards for ${period}`];
  const cuts = ['lnfAdmissionsCutPct', 'lnfSentenceCutPct'].filter((k) => body[k] !== undefined);
  if (body.totalUsd !== undefined && cuts.length) return [400, 'totalUsd: an allocation (totalUsd and basis) or one cut (lnfAdmissionsCutPct or lnfSentenceCutPct)'];
  if (cuts.length > 1) return [400, 'lnfSentenceCutPct: one cut at a time'];
  if (cuts.length) return whatIfCut(period, body, agencies);
  if (!Number.isInteger(body.totalUsd) || body.totalUsd < 1 || body.totalUsd > 1e12) return [400, `totalUsd: whole dollars from 1 to 1000000000000; got ${body.totalUsd}`];
  if (!BASES[body.basis]) return [400, 'basis: required with totalUsd: CASELOAD, WEIGHTED_VALUE or HIGH_DESERT'];
  return whatIfAllocation(period, body.totalUsd, body.basis, agencies);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const q = url.searchParams;
  const p = url.pathname;
  if (UPSTREAM && (p.startsWith('/api/') || p.startsWith('/releases/'))) return proxy(req, res);
  if (p.startsWith('/releases/') || p.startsWith('/api/v1/releases/')) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'GET only');
    return handleRelease(res, p);
  }
  if (!p.startsWith('/api/') && !p.startsWith('/mock/')) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'GET only');
    return serveStatic(req, res, p);
  }
  // The catalogues, as the gateway serves them from the domain registries
  // (tests/browser/catalogue/*.json: generated, kept current by
  // //services/gateway:catalogue_files_test).
  const catalogue = /^\/api\/v1\/catalogue\/(indicators|events)$/.exec(p);
  if (catalogue && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
    return res.end(catalogue[1] === 'indicators' ? indicatorCatalogue() : fs.readFileSync(path.join(here, 'catalogue', `${catalogue[1]}.json`)));
  }
  const principal = principalOf(req);
  if (!principal) return sendError(res, 401, 'UNAUTHENTICATED', 'unknown bearer token');
  const overseer = principal.kind === 'OVERSEER';

  if (p === '/mock/v1/org-outcome' && req.method === 'POST') {
    let body;
    try { body = JSON.parse(await readBody(req)); } catch { return sendError(res, 400, 'INVALID_ARGUMENT', 'body: not JSON'); }
    if (principal.kind !== 'AGENCY' || body.reporter !== principal.code) return sendError(res, 403, 'PERMISSION_DENIED', 'reporter is not the caller');
    if (!body.orgId || !body.fiscalYear) return sendError(res, 400, 'INVALID_ARGUMENT', 'org_outcome.org_id and fiscal_year: required');
    const unit = `agency:${principal.code}`;
    const period = `FY${body.fiscalYear}`;
    const card = cards.get(`${unit}|${period}`);
    if (card) {
      const i = card.indicators;
      i.orgOutcomesReported = { value: (i.orgOutcomesReported?.value ?? 0) + 1, n: (i.orgOutcomesReported?.n ?? 0) + 1 };
      if (body.outcome === 'ORG_OUTCOME_DISMANTLED' && body.pending) {
        i.pendingCountedAsDismantled = { value: (i.pendingCountedAsDismantled?.value ?? 0) + 1, n: (i.pendingCountedAsDismantled?.n ?? 0) + 1 };
      }
      card.revision = String(Number(card.revision) + 1);
      changed(`${unit}|${period}`, `report:${principal.code}/${body.reportId ?? 'mock'}`);
    }
    const raised = [];
    if (body.outcome === 'ORG_OUTCOME_DISMANTLED' && body.pending) {
      raised.push(addEvent({ type: 'EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED', conditionKey: `PENDING_COUNTED_AS_DISMANTLED/report/${principal.code}/${body.reportId ?? 'mock'}`, unit, period, orgId: body.orgId, facts: { outcome: 2, pending: 1, fiscal_year: body.fiscalYear }, evidenceRefs: [`report:${principal.code}/${body.reportId ?? 'mock'}`] }).event);
    }
    const pub = card ? publicCard(card) : null;
    raised.push(addEvent({ type: 'EVENT_TYPE_SCORECARD_PUBLISHED', severity: 'SEVERITY_INFO', conditionKey: `SCORECARD_PUBLISHED/${unit}/${period}`, unit, period, facts: cellFacts(pub, Object.keys(pub?.indicators ?? {})) }).event);
    return sendJson(res, 200, { accepted: 1, events: raised });
  }
  if (p === '/mock/v1/drop-streams' && req.method === 'POST') {
    // Cuts every open SSE connection, as a proxy or a restart would.
    const n = openStreams.size;
    for (const r of openStreams) r.destroy();
    openStreams.clear();
    return sendJson(res, 200, { dropped: n });
  }
  if (p === '/mock/v1/stream-log' && req.method === 'GET') return sendJson(res, 200, { connections: streamLog });
  if (p === '/mock/v1/reports-log' && req.method === 'GET') return sendJson(res, 200, { reports: reportsLog });
  if (p === '/api/v1/reports') {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendError(res, 405, 'UNIMPLEMENTED', `${req.method} /api/v1/reports: only POST`);
    }
    const [status, body] = acceptReport(principal, req.headers['content-type'], await readBody(req));
    reportsLog.push({ principal: principal.code, status, reportId: body.reportId ?? null, error: body.error?.field ?? null });
    return sendJson(res, status, body);
  }
  if (p === '/api/v1/whatif') {
    if (req.method !== 'POST') return sendError(res, 405, 'UNIMPLEMENTED', `${req.method} /api/v1/whatif: only POST is served here`);
    const [status, body] = whatIfAnswer(await readBody(req));
    if (status !== 200) return sendError(res, status, status === 409 ? 'FAILED_PRECONDITION' : 'INVALID_ARGUMENT', body);
    return sendJson(res, 200, body);
  }
  if (req.method !== 'GET') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'GET only');
  if (p === '/api/v1/budgets') {
    const [status, body] = budgetsAnswer(q);
    if (status !== 200) return sendError(res, status, 'INVALID_ARGUMENT', body);
    return sendJson(res, 200, body);
  }

  // Overseers read the restricted cards, everybody else the public view.
  const visible = () => (overseer ? [...cards.values()].map(restrictedView) : [...published.values()].map((x) => x.card));
  if (p === '/api/v1/units') {
    const all = visible();
    const units = [...new Set(all.map((c) => c.unit))].sort();
    const periods = [...new Set(all.map((c) => c.period))].sort();
    return sendJson(res, 200, { units, periods });
  }
  if (p === '/api/v1/scorecards') {
    const unit = q.get('unit');
    const period = q.get('period');
    if (unit) {
      if (!period) return sendError(res, 400, 'INVALID_ARGUMENT', 'period: required');
      const card = cards.get(`${unit}|${period}`);
      if (!card) return sendError(res, 404, 'NOT_FOUND', `no scorecard for ${unit} in ${period}`);
      if (overseer) return sendJson(res, 200, restrictedView(card));
      const pub = publicCard(card);
      if (!pub) return sendError(res, 404, 'NOT_FOUND', `no public figures yet for ${unit} in ${period} (they appear once disclosure control has published them)`);
      return sendJson(res, 200, pub);
    }
    if (!period) return sendError(res, 400, 'INVALID_ARGUMENT', 'period: required');
    const kind = q.get('unitKind');
    if (kind && !['agency', 'field_office', 'district', 'area', 'national'].includes(kind)) return sendError(res, 400, 'INVALID_ARGUMENT', `unitKind: unknown value ${kind}`);
    const list = visible().filter((c) => c.period === period && (!kind || c.unit.startsWith(`${kind}:`)))
      .sort((a, b) => a.unit.localeCompare(b.unit));
    return sendJson(res, 200, { scorecards: list });
  }
  const answers = { '/api/v1/series': seriesAnswer, '/api/v1/compare': compareAnswer, '/api/v1/scorecards/history': historyAnswer };
  if (answers[p]) {
    const [status, body] = answers[p](q, overseer);
    if (status !== 200) return sendError(res, status, status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', body);
    return sendJson(res, 200, body);
  }
  if (p === '/api/v1/whoami') {
    return sendJson(res, 200, { principal: principal.code || 'PUBLIC', kind: principal.kind, acceptsReports: true });
  }
  if (p === '/api/v1/events') {
    if (!checkEventAccess(res, q, principal)) return;
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
    const after = q.get('after') ?? '';
    const match = eventFilter(q, principal);
    const page = events.filter((e) => e.cursor > after && match(e)).slice(0, limit);
    const next = page.length ? page[page.length - 1].cursor : after;
    return sendJson(res, 200, { events: page.map((e) => annotated(e.event, principal)), next });
  }
  if (p === '/api/v1/events/stream') {
    if (!checkEventAccess(res, q, principal)) return;
    return handleStream(req, res, q, principal);
  }
  return sendError(res, 404, 'NOT_FOUND', `no route ${p}`);
}

function proxy(req, res) {
  const headers = { ...req.headers, host: UPSTREAM.host };
  const up = http.request({ host: UPSTREAM.hostname, port: UPSTREAM.port, method: req.method, path: req.url, headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    res.flushHeaders(); // an event stream's headers must not wait for its first event
    r.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) sendError(res, 502, 'UNAVAILABLE', `upstream: ${err.message}`);
    else res.destroy();
  });
  res.on('close', () => up.destroy());
  req.pipe(up);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) sendError(res, 500, 'INTERNAL', String(err));
    else res.end();
  });
});

server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address();
  const lines = [
    'Fruition mock API (tests/browser/mock_api.mjs): canned data, no C++ suite',
    `  Dashboard: http://127.0.0.1:${port}/`,
    `  static files: ${WEB_DIR}`,
    ...(UPSTREAM ? [`  /api/ goes to ${UPSTREAM.origin} (the mock's data and tokens below are not used)`] : []),
    '  principals:',
    ...Object.entries(TOKENS).map(([token, p]) => `    ${p.code} (${p.kind})  token ${token}`),
    `  sample data: ${cards.size} scorecards (${published.size} with a public view), ${events.length} events`,
    'Stop with Ctrl-C.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
});

if (TICK_SECONDS > 0) {
  // For watching the live feed by hand: a scorecard update every few seconds.
  setInterval(() => {
    const all = [...cards.values()];
    const card = all[Math.floor(rand() * all.length)];
    card.revision = String(Number(card.revision) + 1);
    changed(`${card.unit}|${card.period}`);
    const pub = publicCard(card);
    addEvent({ type: 'EVENT_TYPE_SCORECARD_PUBLISHED', severity: 'SEVERITY_INFO', conditionKey: `SCORECARD_PUBLISHED/${card.unit}/${card.period}`, unit: card.unit, period: card.period, facts: cellFacts(pub, Object.keys(pub?.indicators ?? {})) });
  }, TICK_SECONDS * 1000).unref();
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
