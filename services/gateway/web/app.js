// Fruition dashboard: plain ES module, no build step, no libraries. Reads the
// gateway's JSON API on the same origin (SPEC §9) and draws its charts as
// inline SVG. The live feed reads /api/v1/events/stream with fetch() and a
// stream reader (EventSource cannot send an Authorization header) and parses
// Server-Sent Events itself, resuming with Last-Event-ID after errors.

const TOKEN_KEY = 'fruition.overseerToken';
const MAX_EVENTS = 2000; // kept in memory
const MAX_SHOWN = 200; // drawn in the feed
const HISTORY_PAGE = 500;
const HISTORY_MAX_PAGES = 40;
const STALL_MS = 45_000; // no byte (not even a keepalive) for this long: reconnect
const SVG_NS = 'http://www.w3.org/2000/svg';

// ------------------------------------------------------------- words ---

const AGENCY_NAMES = {
  DEA: 'Drug Enforcement Administration',
  FBI: 'Federal Bureau of Investigation',
  HSI: 'Homeland Security Investigations',
  ATF: 'Bureau of Alcohol, Tobacco, Firearms and Explosives',
  CBP: 'Customs and Border Protection',
  USMS: 'U.S. Marshals Service',
  IRS: 'IRS Criminal Investigation',
};
const DISTRICT_NAMES = {
  EDPA: 'Eastern District of Pennsylvania', MDPA: 'Middle District of Pennsylvania', WDPA: 'Western District of Pennsylvania',
  SDNY: 'Southern District of New York', EDNY: 'Eastern District of New York', NDNY: 'Northern District of New York', WDNY: 'Western District of New York',
  NDIL: 'Northern District of Illinois', CDIL: 'Central District of Illinois', SDIL: 'Southern District of Illinois',
  DNJ: 'District of New Jersey', DDE: 'District of Delaware', DMD: 'District of Maryland', DDC: 'District of Columbia',
  EDVA: 'Eastern District of Virginia', WDVA: 'Western District of Virginia',
  SDFL: 'Southern District of Florida', MDFL: 'Middle District of Florida', NDFL: 'Northern District of Florida',
  SDTX: 'Southern District of Texas', WDTX: 'Western District of Texas', NDTX: 'Northern District of Texas', EDTX: 'Eastern District of Texas',
  CDCA: 'Central District of California', SDCA: 'Southern District of California', NDCA: 'Northern District of California', EDCA: 'Eastern District of California',
  DAZ: 'District of Arizona', DNM: 'District of New Mexico', EDMI: 'Eastern District of Michigan', NDOH: 'Northern District of Ohio', SDOH: 'Southern District of Ohio',
  DMA: 'District of Massachusetts', DCT: 'District of Connecticut', NDGA: 'Northern District of Georgia', WDWA: 'Western District of Washington',
};
const KIND_NOUNS = {
  agency: ['agency', 'agencies'],
  field_office: ['field office', 'field offices'],
  district: ['court district', 'court districts'],
  area: ['community', 'communities'],
  national: ['nation', 'nation'],
};
// Indicator and event labels, formats and explanations are not kept here:
// loadCatalogues() fills these from the gateway's catalogues
// (/api/v1/catalogue/{indicators,events}, the domain registries).
let MEASURE_LABELS = {}; // performance measure → label
let COMMUNITY_LABELS = {}; // community indicator kind → label
let EVENT_TYPES = {}; // event type → [label, headline]
let FACT_ORDER = {}; // event type → the facts shown first
let FAMILIES = {}; // 'targetRatio:' / 'communityChange:' → catalogue entry
let catalogueLoaded = false;
const SEVERITY_LABELS = { SEVERITY_INFO: 'Info', SEVERITY_WARNING: 'Warning', SEVERITY_CRITICAL: 'Critical' };
const communityLabel = (kind) => COMMUNITY_LABELS[kind] ?? humanize(kind.replace(/^COMMUNITY_INDICATOR_KIND_/, '').toLowerCase());

// How each indicator is labelled, formatted and explained in the detail view:
// [section title, [[jsonName, label, format, explanation], …]], from the
// indicator catalogue.
let INDICATORS = [];
let INDICATOR_BY_SNAKE = new Map(); // SPEC name → {label, format}
let CATALOGUE = []; // the indicator catalogue's entries, in its order
let INDICATOR_BY_JSON = new Map(); // JSON name (a family's with its ':') → entry
// The catalogue groups drawn in the "From arrest to sentence" section rather
// than in the detail's list: group → catalogue entries (families included),
// in catalogue order.
const STAGE_GROUPS = ['From arrest to sentence', 'Sentencing Commission tables', 'Seizures'];
let STAGE = new Map();

// Reads both catalogues (public: no token) into the tables above.
async function loadCatalogues() {
  const [ind, ev] = await Promise.all([
    api('/api/v1/catalogue/indicators', { token: '' }),
    api('/api/v1/catalogue/events', { token: '' }),
  ]);
  const groups = new Map();
  FAMILIES = {};
  STAGE = new Map(STAGE_GROUPS.map((g) => [g, []]));
  for (const i of ind.indicators) {
    if (STAGE.has(i.group)) {
      STAGE.get(i.group).push(i);
      continue;
    }
    if (i.family) {
      FAMILIES[i.jsonName] = i;
      continue;
    }
    if (!groups.has(i.group)) groups.set(i.group, []);
    groups.get(i.group).push([i.jsonName, i.label, i.format, i.description]);
  }
  INDICATORS = [...groups.entries()];
  CATALOGUE = ind.indicators;
  INDICATOR_BY_JSON = new Map(ind.indicators.map((i) => [i.jsonName, i]));
  INDICATOR_BY_SNAKE = new Map(ind.indicators.filter((i) => !i.family).map((i) => [i.name, { label: i.label, format: i.format }]));
  MEASURE_LABELS = FAMILIES['targetRatio:']?.memberLabels ?? {};
  COMMUNITY_LABELS = FAMILIES['communityChange:']?.memberLabels ?? {};
  EVENT_TYPES = Object.fromEntries(ev.events.map((e) => [e.type, [e.label, e.headline]]));
  FACT_ORDER = Object.fromEntries(ev.events.map((e) => [e.type, e.keyFacts]));
  catalogueLoaded = true;
}

// --------------------------------------------------------------- state ---

const state = {
  token: '',
  role: 'public', // public | overseer | agency | other (a valid token that reads no restricted alert)
  principal: '', // the signed-in principal's code (e.g. DEA), from /api/v1/whoami
  acceptsReports: false, // the gateway forwards answers and decisions (POST /api/v1/reports)
  answersGeneration: 0,
  units: [],
  periods: [],
  period: '',
  unitKind: 'agency',
  unit: '',
  indicator: 'lnfShare', // of the trend chart and the comparison
  grain: 'year', // the trend chart's step: year | quarter
  figuresGeneration: 0,
  detailGeneration: 0,
  trendGeneration: 0,
  compareGeneration: 0,
  feed: {
    generation: 0,
    controller: null,
    lastId: '',
    retryMs: 1000,
    events: [], // oldest first
    ids: new Set(),
    renderQueued: false,
  },
  refreshTimer: null,
};

// ---------------------------------------------------------------- dom ---

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  return fill(el, attrs, children);
}
function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ------------------------------------------------------------- format ---

const fmt = {
  pct: (v) => `${(v * 100).toFixed(1)}%`,
  points: (v) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)} points`,
  count: (v) => Math.round(v).toLocaleString('en-US'),
  number: (v) => v.toLocaleString('en-US', { maximumFractionDigits: 2 }),
  score: (v) => `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} / 100`,
  years: (v) => `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} years`,
  usd: (v) => `$${Math.round(v).toLocaleString('en-US')}`,
  months: (v) => `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} months`,
  ratio: (v) => `${Math.round(v * 100)}% of target`,
  change: (v) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)}%`,
};

function usdShort(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `$${(v / 1e9).toFixed(1)} billion`;
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1)} million`;
  if (a >= 1e3) return `$${Math.round(v / 1e3).toLocaleString('en-US')} thousand`;
  return fmt.usd(v);
}

// A cell is {value, n}, {n: 0, defined: false} (a share of nobody) or, in a
// public card, exactly {suppressed: true}: disclosure control (SPEC §5 D1–D4)
// withheld it, and nothing of it is known here, not even its n. proto3 JSON
// may omit zero values and print 64-bit numbers as strings: both are read here.
function cellOf(cell) {
  if (!cell || typeof cell !== 'object') return { kind: 'missing' };
  if (cell.suppressed === true) return { kind: 'suppressed' };
  const n = Number(cell.n ?? 0);
  if (cell.defined === false) return { kind: 'undefined', n };
  const value = Number(cell.value ?? 0);
  if (!Number.isFinite(value)) return { kind: 'undefined', n };
  return { kind: 'value', value, n };
}
function rawAttr(c) {
  return c.kind === 'value' ? String(c.value) : c.kind === 'suppressed' ? 'suppressed' : '';
}
// A withheld cell never shows a number of its own (tooltips included).
const SUPPRESSED_TEXT = 'suppressed (protects people: fewer than 11, or derivable)';
const SUPPRESSED_TITLE = 'Withheld to protect people: too few people or cases, or the figure would let someone work out a withheld one.';
// A public card whose figures rest on facts older than the current ones
// (SPEC §5 D4): it is replaced once enough records changed.
const LAG_TEXT = 'public figures update after 11 changes';
const lagsCurrent = (card) => card?.publicView === true && card?.lagsCurrent === true;

// A note naming the cards of `cards` whose public figures lag, or null.
function lagNote(cards) {
  const lagging = cards.filter(lagsCurrent);
  if (!lagging.length) return null;
  const names = lagging.map((c) => unitName(c.unit).short).join(', ');
  return h('p', { class: 'lag-note', 'data-testid': 'lag-note', 'data-units': lagging.map((c) => c.unit).join(' ') },
    `Figures for ${names} rest on facts from before their latest changes: ${LAG_TEXT}.`);
}

// An HTML rendering of a cell; `format` is a key of fmt.
function cellNode(cellJson, format, extra = {}) {
  const c = cellOf(cellJson);
  if (c.kind === 'suppressed') {
    return h('span', { class: 'suppressed', 'data-testid': 'suppressed', title: SUPPRESSED_TITLE, ...extra }, SUPPRESSED_TEXT);
  }
  if (c.kind === 'undefined') {
    return h('span', { class: 'na', title: 'Not applicable: a share of nobody', 'aria-label': 'not applicable', ...extra }, '—');
  }
  if (c.kind === 'missing') {
    return h('span', { class: 'na', title: 'Not reported for this unit', 'aria-label': 'not reported', ...extra }, '—');
  }
  return h('span', { class: 'num', ...extra }, fmt[format](c.value));
}

function unitName(unit) {
  const i = unit.indexOf(':');
  const kind = i < 0 ? '' : unit.slice(0, i);
  const code = i < 0 ? unit : unit.slice(i + 1);
  const titled = (str) => str.split('-').map((w) => (w.length <= 3 && w === w.toUpperCase() && /[A-Z]/.test(w) && !/^(NEW|SAN|LOS|EL)$/.test(w) ? w : w.charAt(0) + w.slice(1).toLowerCase())).join(' ');
  switch (kind) {
    case 'agency':
      if (AGENCY_NAMES[code]) return { short: code, long: `${AGENCY_NAMES[code]} (${code})` };
      if (code.startsWith('TF-')) return { short: code, long: `Task force ${code}` };
      if (code.startsWith('USAO-')) return { short: code, long: `U.S. Attorney's Office, ${code.slice(5)}` };
      return { short: code, long: code };
    case 'field_office': {
      const dash = code.indexOf('-');
      if (dash < 0) return { short: code, long: `${code} field office` };
      const short = `${code.slice(0, dash)} ${titled(code.slice(dash + 1))}`;
      return { short, long: `${short} field office` };
    }
    case 'district':
      return { short: code, long: DISTRICT_NAMES[code] ? `${DISTRICT_NAMES[code]} (${code})` : `District ${code}` };
    case 'area':
      return { short: titled(code), long: `Community area ${code}` };
    case 'national':
      return code === 'US' ? { short: 'United States', long: 'United States (all districts)' } : { short: code, long: code };
    default:
      return { short: unit, long: unit };
  }
}
function kindOf(unit) {
  const i = unit.indexOf(':');
  return i < 0 ? '' : unit.slice(0, i);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function periodName(p) {
  const m = /^FY(\d{4})(?:Q([1-4]))?$/.exec(p);
  if (!m) return p;
  const fy = Number(m[1]);
  if (!m[2]) return `Fiscal year ${fy} (Oct ${fy - 1} – Sep ${fy})`;
  const q = Number(m[2]);
  const start = (9 + 3 * (q - 1)) % 12; // month index: Oct, Jan, Apr, Jul
  const year = q === 1 ? fy - 1 : fy;
  return `FY${fy}, quarter ${q} (${MONTHS[start]} – ${MONTHS[start + 2]} ${year})`;
}
const fiscalYearOf = (p) => (/^FY\d{4}/.test(p) ? p.slice(0, 6) : p);

// ---------------------------------------------------------------- api ---

class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

function authHeaders(extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  return headers;
}

async function api(path, { signal, token } = {}) {
  const headers = token === undefined ? authHeaders() : { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  let res;
  try {
    res = await fetch(path, { headers, signal, cache: 'no-store' });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'UNAVAILABLE', 'Cannot reach the Fruition server.');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = new ApiError(res.status, body?.error?.code, body?.error?.message);
    if (res.status === 401 && token === undefined && state.token) onTokenRejected();
    throw e;
  }
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

// ------------------------------------------------------------ sign in ---

function setAuthStatus(text, tone = '') {
  const el = $('auth-status');
  el.textContent = text;
  el.dataset.tone = tone;
  el.dataset.role = state.role;
}

function showAuth() {
  const signedIn = Boolean(state.token);
  $('token-form').hidden = signedIn;
  $('signed-in').hidden = !signedIn;
  document.body.dataset.role = state.role;
  const restrictedOption = $('event-visibility-filter').querySelector('option[value="VISIBILITY_RESTRICTED"]');
  const readsRestricted = state.role === 'overseer' || state.role === 'agency';
  restrictedOption.disabled = !readsRestricted;
  if (!readsRestricted && $('event-visibility-filter').value === 'VISIBILITY_RESTRICTED') {
    $('event-visibility-filter').value = '';
  }
  if (!signedIn) setAuthStatus('Public view: groups of fewer than 11 people are hidden.');
  else if (state.role === 'overseer') setAuthStatus('Signed in as an overseer: restricted alerts and small groups are shown.', 'ok');
  else if (state.role === 'agency') setAuthStatus(`Signed in as ${state.principal} (agency): the restricted alerts about ${state.principal} are shown with the public figures.`, 'ok');
  else if (state.role === 'other') setAuthStatus('Signed in, but this token reads no restricted alerts: you see public data only.', 'warn');
  else setAuthStatus('Signed in (the server could not confirm the token\'s rights yet).', 'warn');
  showFeedAudience();
  showAnswerPanels();
}

// Whose restricted alerts the feed holds (SPEC §11): every one for an
// overseer; an agency's own (its units, its field offices, its reports) for
// an agency; none otherwise.
function showFeedAudience() {
  const el = $('feed-audience');
  el.dataset.role = state.role;
  el.dataset.principal = state.principal;
  if (state.role === 'agency') {
    el.textContent = `Restricted alerts shown: ${state.principal}'s own — about its units, its field offices and its reports. Other agencies' restricted alerts are never shown to ${state.principal}.`;
  } else if (state.role === 'overseer') {
    el.textContent = 'Restricted alerts shown: every agency\'s.';
  } else {
    el.textContent = '';
  }
  el.hidden = !el.textContent;
}

// Who a token is (GET /api/v1/whoami) and so what it may see: role
// 'overseer', 'agency' (its own restricted alerts) or 'other' (public data
// only), with the principal's code; throws ApiError(401) for a token the
// server does not know.
async function roleOf(token) {
  const me = await api('/api/v1/whoami', { token });
  const principal = String(me?.principal ?? '');
  const acceptsReports = me?.acceptsReports === true;
  if (me?.kind === 'OVERSEER') return { role: 'overseer', principal, acceptsReports };
  if (me?.kind === 'AGENCY') return { role: 'agency', principal, acceptsReports };
  return { role: 'other', principal, acceptsReports };
}

async function signIn(event) {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (!token) {
    setAuthStatus('Paste the token your office was given, then press Sign in.', 'warn');
    $('token-input').focus();
    return;
  }
  setAuthStatus('Checking the token…');
  let who;
  try {
    who = await roleOf(token);
  } catch (err) {
    if (err.status === 401) setAuthStatus('That token was not accepted. Check it and try again.', 'error');
    else setAuthStatus(`Could not check the token: ${err.message}`, 'error');
    return;
  }
  state.token = token;
  state.role = who.role;
  state.principal = who.principal;
  state.acceptsReports = who.acceptsReports;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token lasts for this page only
  }
  $('token-input').value = '';
  showAuth();
  $('sign-out').focus();
  reloadEverything();
}

// Back to the public view: the token forgotten here and in the session,
// and nothing read with it left in the page. Answers and alerts still in
// flight are dropped (their generation is stale), and the feed is emptied
// now, not when the public reload completes.
function forgetToken() {
  state.token = '';
  state.role = 'public';
  state.principal = '';
  state.acceptsReports = false;
  state.answersGeneration += 1;
  const feed = state.feed;
  feed.generation += 1;
  if (feed.controller) feed.controller.abort();
  feed.events = [];
  feed.ids = new Set();
  renderFeed();
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  showAuth();
}

function signOut() {
  forgetToken();
  $('token-input').focus();
  reloadEverything();
}

let tokenRejectedNotified = false;
function onTokenRejected() {
  if (tokenRejectedNotified) return;
  tokenRejectedNotified = true;
  forgetToken();
  setAuthStatus('Your token is no longer accepted; you are viewing public data. Sign in again.', 'error');
  setTimeout(() => {
    tokenRejectedNotified = false;
    reloadEverything();
  }, 0);
}

// ------------------------------------------------------------ pickers ---

function periodSortKey(p) {
  const m = /^FY(\d{4})(?:Q([1-4]))?$/.exec(p);
  return m ? Number(m[1]) * 10 + (m[2] ? Number(m[2]) : 0) : 0;
}

function fillPeriodSelect() {
  const sel = $('period-select');
  sel.replaceChildren();
  const periods = [...state.periods].sort((a, b) => periodSortKey(a) - periodSortKey(b) || a.localeCompare(b));
  let group = null;
  let groupYear = '';
  for (const p of periods) {
    const fy = fiscalYearOf(p);
    if (fy !== groupYear) {
      group = h('optgroup', { label: fy });
      sel.append(group);
      groupYear = fy;
    }
    group.append(h('option', { value: p }, periodName(p)));
  }
  // The opening period (none asked for in the URL) is chosen by
  // openingPeriod() before this is called.
  if (!state.periods.includes(state.period)) state.period = periods[periods.length - 1] ?? '';
  sel.value = state.period;
}

function unitsOfKind(kind) {
  return state.units.filter((u) => kindOf(u) === kind).sort();
}

function fillUnitSelect() {
  const sel = $('unit-select');
  sel.replaceChildren();
  const units = unitsOfKind(state.unitKind);
  for (const u of units) sel.append(h('option', { value: u }, unitName(u).long));
  if (!units.includes(state.unit)) state.unit = units[0] ?? '';
  sel.value = state.unit;
  sel.disabled = units.length === 0;
}

function fillFeedFilters() {
  const typeSel = $('event-type-filter');
  const keepType = typeSel.value;
  typeSel.replaceChildren(h('option', { value: '' }, 'All kinds'));
  for (const [type, [label]] of Object.entries(EVENT_TYPES)) typeSel.append(h('option', { value: type }, label));
  typeSel.value = keepType;

  const unitSel = $('event-unit-filter');
  const keepUnit = unitSel.value;
  unitSel.replaceChildren(h('option', { value: '' }, 'All units'));
  for (const kind of ['national', 'agency', 'field_office', 'district', 'area']) {
    const units = unitsOfKind(kind);
    if (!units.length) continue;
    const g = h('optgroup', { label: KIND_NOUNS[kind][1].replace(/^./, (c) => c.toUpperCase()) });
    for (const u of units) g.append(h('option', { value: u }, unitName(u).long));
    unitSel.append(g);
  }
  unitSel.value = state.units.includes(keepUnit) ? keepUnit : '';
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  if (q.get('period')) state.period = q.get('period');
  if (KIND_NOUNS[q.get('kind')]) state.unitKind = q.get('kind');
  if (q.get('unit')) state.unit = q.get('unit');
  if (q.get('ind')) state.indicator = q.get('ind');
  if (['year', 'quarter'].includes(q.get('step'))) state.grain = q.get('step');
}
function writeHash() {
  const q = new URLSearchParams({ period: state.period, kind: state.unitKind });
  if (state.unit) q.set('unit', state.unit);
  q.set('ind', state.indicator);
  q.set('step', state.grain);
  history.replaceState(null, '', `#${q}`);
}

function setKindNouns() {
  for (const el of document.querySelectorAll('[data-kind-noun]')) el.textContent = KIND_NOUNS[state.unitKind][0];
}

// ------------------------------------------------------------ figures ---

function setLoadStatus(text, tone = '') {
  const el = $('load-status');
  el.textContent = text;
  el.dataset.tone = tone;
}

async function loadUnits() {
  const body = await api('/api/v1/units');
  state.units = Array.isArray(body?.units) ? body.units : [];
  state.periods = Array.isArray(body?.periods) ? body.periods : [];
  if (!state.periods.includes(state.period)) {
    const opening = await openingPeriod(state.periods);
    state.period = opening.period;
    showOpeningNote(opening.skipped);
    $('period-select').dataset.opening = opening.period;
  }
  fillPeriodSelect();
  fillUnitSelect();
  fillFeedFilters();
}

async function loadFigures() {
  const gen = ++state.figuresGeneration;
  const { period, unitKind } = state;
  document.body.dataset.figures = 'loading';
  renderReleaseLinks();
  loadCompare();
  loadBudgets();
  if (!period) {
    setLoadStatus('No figures have been published yet. They appear as soon as reports are scored.');
    for (const id of ['gap-chart', 'lnf-chart', 'link-chart', 'targets-chart']) $(id).replaceChildren(empty('Nothing published yet.'));
    document.body.dataset.figures = 'empty';
    return;
  }
  setLoadStatus(`Loading ${KIND_NOUNS[unitKind][1]}, ${periodName(period)}…`);
  const fy = fiscalYearOf(period);
  try {
    const [main, agencyFy] = await Promise.all([
      api(`/api/v1/scorecards${query({ period, unitKind })}`),
      unitKind === 'agency' && fy === period ? null : api(`/api/v1/scorecards${query({ period: fy, unitKind: 'agency' })}`).catch((err) => {
        if (err.status === 404) return { scorecards: [] };
        throw err;
      }),
    ]);
    if (gen !== state.figuresGeneration) return;
    const cards = (main?.scorecards ?? []).filter((c) => kindOf(c.unit) === unitKind);
    const targetCards = (agencyFy ?? main)?.scorecards?.filter((c) => kindOf(c.unit) === 'agency' && c.period === fy) ?? [];
    renderGap(cards);
    renderLnf(cards);
    renderLinks(cards);
    renderTargets(targetCards, fy);
    const versions = cards[0] ?? targetCards[0];
    if (versions) {
      $('score-version').textContent = versions.scoreVersion || 'v1';
      $('criteria-version').textContent = versions.criteriaVersion || 'v1';
    }
    const when = new Date().toLocaleTimeString('en-US', { hour12: false });
    setLoadStatus(`${cards.length} ${KIND_NOUNS[unitKind][cards.length === 1 ? 0 : 1]}, ${periodName(period)}. Updated ${when}.`);
    document.body.dataset.figures = 'ready';
  } catch (err) {
    if (gen !== state.figuresGeneration || err.name === 'AbortError') return;
    setLoadStatus(`Could not load the figures: ${err.message}`, 'error');
    document.body.dataset.figures = 'error';
  }
}

function empty(text) {
  return h('p', { class: 'empty' }, text);
}

// The gap chart: per unit, claimed priority share vs high-desert share.
function renderGap(cards) {
  const root = $('gap-chart');
  const area = state.unitKind === 'area';
  $('gap-heading').textContent = area
    ? 'Communities: how local conditions changed'
    : 'The ambition–fruition gap: claimed priority targets vs. what the courts found';
  $('gap-explain').hidden = area;
  if (area) {
    root.replaceChildren(renderCommunity(cards));
    return;
  }
  if (!cards.length) {
    root.replaceChildren(empty(`No ${KIND_NOUNS[state.unitKind][1]} have figures for ${periodName(state.period)}.`));
    return;
  }
  const rows = cards.map((card) => {
    const i = card.indicators ?? {};
    return {
      card,
      claimed: cellOf(i.claimedPriorityShare),
      desert: cellOf(i.highDesertShare),
      gap: cellOf(i.fruitionGap),
      sentenced: cellOf(i.sentenced),
    };
  });
  rows.sort((a, b) => {
    const av = a.gap.kind === 'value' ? a.gap.value : -Infinity;
    const bv = b.gap.kind === 'value' ? b.gap.value : -Infinity;
    return bv - av || a.card.unit.localeCompare(b.card.unit);
  });

  const W = 900;
  const labelW = 200;
  const barX = 212;
  const barW = 380;
  const gapX = 752;
  const rowH = 62;
  const top = 34;
  const H = top + rows.length * rowH + 8;
  const x = (v) => barX + Math.max(0, Math.min(1, v)) * barW;

  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, width: '100%', class: 'gap-svg', role: 'img',
    'aria-labelledby': 'gap-svg-title', preserveAspectRatio: 'xMinYMin meet',
  });
  svg.append(s('title', { id: 'gap-svg-title' }, `Claimed priority share and high-desert share for each ${KIND_NOUNS[state.unitKind][0]}, ${periodName(state.period)}`));
  svg.append(s('defs', {},
    s('pattern', { id: 'hatch', width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { width: 8, height: 8, fill: '#f1f1f1' }),
      s('line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#c4c4c4', 'stroke-width': 3 }))));
  // axis
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: top - 6, y2: H - 6, class: 'grid' }));
    svg.append(s('text', { x: x(t), y: top - 12, class: 'axis', 'text-anchor': 'middle' }, `${t * 100}%`));
  }
  svg.append(s('text', { x: 0, y: top - 12, class: 'axis-title' }, KIND_NOUNS[state.unitKind][0].replace(/^./, (c) => c.toUpperCase())));
  svg.append(s('text', { x: gapX, y: top - 12, class: 'axis-title' }, 'Gap'));

  rows.forEach((r, idx) => {
    const y = top + idx * rowH;
    const name = unitName(r.card.unit);
    const g = s('g', {
      class: 'gap-row', 'data-testid': 'gap-row', 'data-unit': r.card.unit, 'data-period': r.card.period,
      'data-claimed': rawAttr(r.claimed), 'data-high-desert': rawAttr(r.desert), 'data-gap': rawAttr(r.gap),
      'data-sentenced': rawAttr(r.sentenced), 'data-revision': r.card.revision ?? '',
      'data-lags-current': lagsCurrent(r.card) ? 'true' : 'false',
    });
    if (idx % 2 === 0) g.append(s('rect', { x: 0, y: y + 1, width: W, height: rowH - 2, class: 'stripe' }));
    const lagging = lagsCurrent(r.card);
    g.append(s('text', { x: 4, y: y + 24, class: 'unit-label' }, s('title', {}, lagging ? `${name.long} (${LAG_TEXT})` : name.long),
      truncate(name.short, lagging ? 22 : 24), lagging ? ' *' : ''));
    const sentencedText = r.sentenced.kind === 'value' ? `${fmt.count(r.sentenced.value)} sentenced`
      : r.sentenced.kind === 'suppressed' ? 'sentenced: suppressed' : 'no one sentenced';
    g.append(s('text', { x: 4, y: y + 44, class: 'unit-sub' }, sentencedText));

    const bar = (cell, yy, cls, label, testid, key) => {
      const h2 = 18;
      if (cell.kind === 'value') {
        g.append(s('rect', { x: barX, y: yy, width: Math.max(1.5, x(cell.value) - barX), height: h2, class: cls }));
        // The label goes after the bar, or inside its end when it would run into the gap column.
        const text = `${label} ${fmt.pct(cell.value)}`;
        const inside = x(cell.value) + 6 + text.length * 7.6 > gapX - 8;
        g.append(s('a', { href: `#${defId(key)}`, class: 'def-link' }, s('text', inside
          ? { x: x(cell.value) - 6, y: yy + 14, 'text-anchor': 'end', class: 'bar-label inside-text', 'data-testid': testid }
          : { x: x(cell.value) + 6, y: yy + 14, class: `bar-label ${cls}-text`, 'data-testid': testid }, text)));
      } else if (cell.kind === 'suppressed') {
        g.append(s('rect', { x: barX, y: yy, width: barW, height: h2, fill: 'url(#hatch)', class: 'suppressed-bar' }));
        g.append(s('text', { x: barX + 8, y: yy + 14, class: 'bar-label suppressed-text', 'data-testid': 'suppressed', 'data-for': testid },
          `${label}: ${SUPPRESSED_TEXT}`));
      } else {
        g.append(s('text', { x: barX + 4, y: yy + 14, class: 'bar-label na-text', 'data-testid': testid },
          `${label} — (${cell.kind === 'missing' ? 'not reported' : 'no one to count'})`));
      }
    };
    bar(r.claimed, y + 8, 'claimed', 'Claimed priority', 'claimed-label', 'claimedPriorityShare');
    bar(r.desert, y + 32, 'desert', 'High-desert', 'high-desert-label', 'highDesertShare');

    let gapText = '—';
    let gapCls = 'gap-text na-text';
    if (r.gap.kind === 'value') {
      gapText = fmt.points(r.gap.value);
      gapCls = `gap-text ${r.gap.value >= 0.25 ? 'gap-big' : ''}`;
    } else if (r.gap.kind === 'suppressed') {
      gapText = 'suppressed';
      gapCls = 'gap-text suppressed-text';
    }
    g.append(s('text', { x: gapX, y: y + 28, class: gapCls, 'data-testid': 'gap-label' }, gapText));
    if (r.gap.kind === 'value' && r.gap.value >= 0.25) {
      g.append(s('text', { x: gapX, y: y + 46, class: 'gap-note' }, 'above alert line'));
    }
    svg.append(g);
  });

  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch swatch-claimed' }), 'Claimed priority share (agency\'s label) ',
    h('span', { class: 'swatch swatch-desert' }), 'High-desert share (courts\' facts) ',
    h('span', { class: 'swatch swatch-suppressed' }), 'Suppressed: protects people (fewer than 11, or derivable)');
  const lag = lagNote(rows.map((r) => r.card));
  if (lag) lag.prepend('* ');

  // The same numbers as a table, for screen readers and copying.
  const table = h('table', { class: 'data-table', 'data-testid': 'gap-table' },
    h('caption', {}, `Ambition–fruition gap, ${periodName(state.period)}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, KIND_NOUNS[state.unitKind][0].replace(/^./, (c) => c.toUpperCase())),
      h('th', { scope: 'col' }, 'People sentenced'),
      h('th', { scope: 'col' }, 'Claimed priority share'),
      h('th', { scope: 'col' }, 'High-desert share'),
      h('th', { scope: 'col' }, 'Gap'))),
    h('tbody', {}, rows.map((r) => {
      const i = r.card.indicators ?? {};
      return h('tr', { 'data-unit': r.card.unit },
        h('th', { scope: 'row' }, unitName(r.card.unit).long),
        h('td', {}, defLink('sentenced', cellNode(i.sentenced, 'count'))),
        h('td', {}, defLink('claimedPriorityShare', cellNode(i.claimedPriorityShare, 'pct'))),
        h('td', {}, defLink('highDesertShare', cellNode(i.highDesertShare, 'pct'))),
        h('td', {}, defLink('fruitionGap', cellNode(i.fruitionGap, 'points'))));
    })));
  // Keep the table open across refreshes if the reader opened it.
  const wasOpen = root.querySelector('details.table-toggle')?.open ?? false;
  const details = h('details', { class: 'table-toggle', open: wasOpen }, h('summary', {}, 'Show these numbers as a table'), table);
  root.replaceChildren(...[legend, lag, svg, details].filter(Boolean));
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function miniBar(cell, { max = 1, cls = 'bar-lnf', width = 160 } = {}) {
  const c = cellOf(cell);
  const svg = s('svg', { width, height: 14, viewBox: `0 0 ${width} 14`, class: 'mini-bar', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(s('rect', { x: 0, y: 2, width, height: 10, class: 'mini-track' }));
  if (c.kind === 'value') svg.append(s('rect', { x: 0, y: 2, width: Math.max(1, Math.min(1, c.value / max) * width), height: 10, class: cls }));
  else if (c.kind === 'suppressed') svg.append(s('rect', { x: 0, y: 2, width, height: 10, class: 'mini-suppressed' }));
  return svg;
}

function renderLnf(cards) {
  const root = $('lnf-chart');
  if (state.unitKind === 'area') {
    root.replaceChildren(empty('Sentencing figures are counted for agencies, field offices and court districts, not communities.'));
    return;
  }
  if (!cards.length) {
    root.replaceChildren(empty('No figures for this period.'));
    return;
  }
  const sorted = [...cards].sort((a, b) => {
    const av = cellOf(a.indicators?.lnfShare);
    const bv = cellOf(b.indicators?.lnfShare);
    return (bv.kind === 'value' ? bv.value : -1) - (av.kind === 'value' ? av.value : -1) || a.unit.localeCompare(b.unit);
  });
  let totalYears = 0;
  let totalCost = 0;
  let counted = 0;
  let anySuppressed = false;
  const table = h('table', { class: 'data-table compact' },
    h('caption', { class: 'visually-hidden' }, `Low-level, nonviolent, first-time offenders, ${periodName(state.period)}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, KIND_NOUNS[state.unitKind][0].replace(/^./, (c) => c.toUpperCase())),
      h('th', { scope: 'col' }, 'LNF share'),
      h('th', { scope: 'col', class: 'right' }, 'Prison-years'),
      h('th', { scope: 'col', class: 'right' }, 'Cost'))),
    h('tbody', {}, sorted.map((card) => {
      const i = card.indicators ?? {};
      const years = cellOf(i.lnfPrisonYears);
      const cost = cellOf(i.lnfCostUsd);
      if (years.kind === 'value') totalYears += years.value;
      if (cost.kind === 'value') totalCost += cost.value;
      if (years.kind === 'value' && cost.kind === 'value' && years.n > 0) counted += 1;
      if (years.kind === 'suppressed' || cost.kind === 'suppressed') anySuppressed = true;
      return h('tr', {
        'data-testid': 'lnf-row', 'data-unit': card.unit, 'data-lnf-share': rawAttr(cellOf(i.lnfShare)),
        'data-lnf-years': rawAttr(years), 'data-lnf-cost': rawAttr(cost),
      },
      h('th', { scope: 'row', title: unitName(card.unit).long }, unitName(card.unit).short),
      h('td', { class: 'bar-cell' }, miniBar(i.lnfShare, { cls: 'bar-lnf' }), ' ', defLink('lnfShare', cellNode(i.lnfShare, 'pct'))),
      h('td', { class: 'right' }, defLink('lnfPrisonYears', cellNode(i.lnfPrisonYears, 'number'))),
      h('td', { class: 'right' }, defLink('lnfCostUsd', cost.kind === 'value' ? h('span', { class: 'num', title: fmt.usd(cost.value) }, usdShort(cost.value)) : cellNode(i.lnfCostUsd, 'usd'))));
    })));
  // A total over suppressed groups only would read as zero: say so instead.
  const summary = counted === 0
    ? h('p', { class: 'callout' }, anySuppressed
      ? 'No total: wherever there were low-level, first-time offenders, the figures are suppressed to protect people.'
      : 'No prison time recorded for low-level, nonviolent, first-time offenders in this period.')
    : h('p', { class: 'callout' },
      `Across ${anySuppressed ? `the ${KIND_NOUNS[state.unitKind][1]} with published figures` : `these ${KIND_NOUNS[state.unitKind][1]}`}: `,
      h('strong', {}, `${fmt.number(Math.round(totalYears * 10) / 10)} prison-years`), ' imposed on low-level, nonviolent, first-time offenders, costing about ',
      h('strong', {}, usdShort(totalCost)), anySuppressed ? ' (suppressed groups not included).' : '.');
  root.replaceChildren(...[summary, lagNote(sorted), table].filter(Boolean));
}

function renderLinks(cards) {
  const root = $('link-chart');
  if (state.unitKind === 'area') {
    root.replaceChildren(empty('Link claims are counted for agencies and field offices.'));
    return;
  }
  // Claims are made at arrest: units without any (court districts) get a note.
  const withLinks = cards.filter((c) => {
    const claimed = cellOf(c.indicators?.ptoLinkedArrestsClaimed);
    return claimed.kind === 'suppressed' || (claimed.kind === 'value' && claimed.value > 0)
      || cellOf(c.indicators?.linkSubstantiationRate).kind === 'value';
  });
  if (!withLinks.length) {
    root.replaceChildren(empty(state.unitKind === 'district'
      ? 'Link claims are made by agencies at arrest, so they are counted per agency and field office, not per court district. Choose "Agencies" or "Agency field offices" above.'
      : 'No link claims reported in this period.'));
    return;
  }
  const sorted = [...withLinks].sort((a, b) => a.unit.localeCompare(b.unit));
  const table = h('table', { class: 'data-table compact' },
    h('caption', { class: 'visually-hidden' }, `Link substantiation, ${periodName(state.period)}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, KIND_NOUNS[state.unitKind][0].replace(/^./, (c) => c.toUpperCase())),
      h('th', { scope: 'col', class: 'right' }, 'Claimed links'),
      h('th', { scope: 'col', class: 'right' }, 'Backed by evidence'),
      h('th', { scope: 'col' }, 'Substantiation rate'))),
    h('tbody', {}, sorted.map((card) => {
      const i = card.indicators;
      return h('tr', { 'data-testid': 'link-row', 'data-unit': card.unit, 'data-rate': rawAttr(cellOf(i.linkSubstantiationRate)) },
        h('th', { scope: 'row', title: unitName(card.unit).long }, unitName(card.unit).short),
        h('td', { class: 'right' }, defLink('ptoLinkedArrestsClaimed', cellNode(i.ptoLinkedArrestsClaimed, 'count'))),
        h('td', { class: 'right' }, defLink('ptoLinkedArrestsSubstantiated', cellNode(i.ptoLinkedArrestsSubstantiated, 'count'))),
        h('td', { class: 'bar-cell' }, miniBar(i.linkSubstantiationRate, { cls: 'bar-link' }), ' ', defLink('linkSubstantiationRate', cellNode(i.linkSubstantiationRate, 'pct'))));
    })));
  root.replaceChildren(...[lagNote(sorted), table].filter(Boolean));
}

function renderTargets(cards, fy) {
  const root = $('targets-chart');
  const note = fy !== state.period ? h('p', { class: 'note' }, `Targets are set per fiscal year: showing ${periodName(fy)}.`) : null;
  const withTargets = cards
    .map((card) => ({ card, measures: Object.keys(card.indicators ?? {}).filter((k) => k.startsWith('targetRatio:')).sort() }))
    .filter((x) => x.measures.length || 'orgOutcomesReported' in (x.card.indicators ?? {}))
    .sort((a, b) => a.card.unit.localeCompare(b.card.unit));
  if (!withTargets.length) {
    root.replaceChildren(...[note, empty(`No agency reported performance targets for ${periodName(fy)}.`)].filter(Boolean));
    return;
  }
  const W = 860;
  const labelW = 250;
  const barW = 250;
  const maxRatio = Math.max(1.5, ...withTargets.flatMap((x) => x.measures.map((m) => {
    const c = cellOf(x.card.indicators[m]);
    return c.kind === 'value' ? Math.min(c.value, 4) : 0;
  })));
  const px = (v) => labelW + (Math.min(v, maxRatio) / maxRatio) * barW;
  const blocks = withTargets.map(({ card, measures }) => {
    const i = card.indicators;
    const rowH = 30;
    const H = 8 + measures.length * rowH + 4;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', class: 'targets-svg', role: 'img', 'aria-label': `Targets vs reported, ${unitName(card.unit).long}` });
    measures.forEach((m, idx) => {
      const measure = m.slice('targetRatio:'.length);
      const c = cellOf(i[m]);
      const y = 6 + idx * rowH;
      const target = c.kind === 'value' && c.value > 0 ? c.n / c.value : NaN;
      const g = s('g', {
        'data-testid': 'target-row', 'data-unit': card.unit, 'data-measure': measure, 'data-ratio': rawAttr(c),
        'data-reported': c.kind === 'value' ? String(c.n) : '', 'data-target': Number.isFinite(target) ? String(Math.round(target * 100) / 100) : '',
      });
      g.append(s('text', { x: 0, y: y + 15, class: 'measure-label' }, MEASURE_LABELS[measure] ?? measure.replace(/^PERFORMANCE_MEASURE_/, '').replaceAll('_', ' ').toLowerCase()));
      g.append(s('rect', { x: labelW, y: y + 3, width: barW, height: 16, class: 'mini-track' }));
      if (c.kind === 'value') {
        const over = c.value >= 1.25;
        g.append(s('rect', { x: labelW, y: y + 3, width: Math.max(1, px(c.value) - labelW), height: 16, class: over ? 'bar-over' : 'bar-reported' }));
        const text = Number.isFinite(target)
          ? `reported ${fmt.count(c.n)} · target ${fmt.count(target)} · ${Math.round(c.value * 100)}%`
          : `reported ${fmt.count(c.n)}`;
        g.append(s('a', { href: `#${defId(m)}`, class: 'def-link' }, s('text', { x: labelW + barW + 10, y: y + 15, class: `bar-label ${over ? 'over-text' : ''}` }, text, over ? ' ▲ over' : '')));
      } else if (c.kind === 'suppressed') {
        g.append(s('rect', { x: labelW, y: y + 3, width: barW, height: 16, class: 'mini-suppressed' }));
        g.append(s('text', { x: labelW + barW + 10, y: y + 15, class: 'bar-label suppressed-text', 'data-testid': 'suppressed' }, SUPPRESSED_TEXT));
      } else {
        g.append(s('text', { x: labelW + barW + 10, y: y + 15, class: 'bar-label na-text' }, '—'));
      }
      g.append(s('line', { x1: px(1), x2: px(1), y1: y, y2: y + 22, class: 'target-line' }));
      svg.append(g);
    });
    const pending = cellOf(i.pendingCountedAsDismantled);
    const facts = h('p', { class: 'target-facts' },
      'Organization outcomes reported: ', defLink('orgOutcomesReported', cellNode(i.orgOutcomesReported, 'count')),
      '. Of these, "dismantled" while still pending: ', defLink('pendingCountedAsDismantled', cellNode(i.pendingCountedAsDismantled, 'count', { 'data-testid': pending.kind === 'suppressed' ? 'suppressed' : 'pending-count' })), '.');
    return h('div', { class: 'target-block', 'data-unit': card.unit },
      h('h3', {}, unitName(card.unit).long),
      lagNote([card]),
      measures.length ? svg : h('p', { class: 'note' }, 'No performance targets reported.'),
      facts);
  });
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch swatch-reported' }), 'Reported ',
    h('span', { class: 'swatch swatch-over' }), 'Reported, 125% of target or more ',
    h('span', { class: 'swatch swatch-target' }), 'The agency\'s own target');
  root.replaceChildren(...[note, legend, ...blocks].filter(Boolean));
}

function renderCommunity(cards) {
  if (!cards.length) return empty(`No community figures for ${periodName(state.period)}. Community change is computed per fiscal year.`);
  const wrap = h('div', { class: 'community' },
    h('p', { class: 'note' }, 'Communities have no sentencing figures. Shown instead: how local indicators changed between the first and the latest period reported (for example, −10% means a 10% fall).'));
  for (const card of [...cards].sort((a, b) => a.unit.localeCompare(b.unit))) {
    const keys = Object.keys(card.indicators ?? {}).filter((k) => k.startsWith('communityChange:')).sort();
    wrap.append(h('h3', {}, unitName(card.unit).long),
      ...[lagNote([card])].filter(Boolean),
      h('table', { class: 'data-table compact', 'data-unit': card.unit },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Indicator'), h('th', { scope: 'col', class: 'right' }, 'Change'))),
        h('tbody', {}, keys.map((k) => {
          const kind = k.slice('communityChange:'.length);
          return h('tr', { 'data-indicator': k },
            h('th', { scope: 'row' }, communityLabel(kind)),
            h('td', { class: 'right' }, defLink(k, cellNode(card.indicators[k], 'change'))));
        }))));
  }
  return wrap;
}

// --------------------------------------------------------- unit detail ---

async function loadDetail() {
  const gen = ++state.detailGeneration;
  const root = $('unit-detail');
  loadTrend();
  const { unit, period } = state;
  $('unit-versions').replaceChildren();
  $('unit-versions').dataset.state = 'empty';
  if (!unit || !period) {
    root.replaceChildren(empty(`No ${KIND_NOUNS[state.unitKind][1]} to show.`));
    renderStageEmpty(unit, period, 'empty');
    return;
  }
  root.dataset.state = 'loading';
  $('stage-detail').dataset.state = 'loading';
  let card;
  let national;
  try {
    [card, national] = await Promise.all([api(`/api/v1/scorecards${query({ unit, period })}`), nationalCard(unit, period)]);
  } catch (err) {
    if (gen !== state.detailGeneration) return;
    renderStageEmpty(unit, period, err.status === 404 ? 'empty' : 'error');
    root.dataset.state = err.status === 404 ? 'empty' : 'error';
    root.replaceChildren(empty(err.status === 404
      ? (/no public figures yet/.test(err.message)
        ? `No public figures yet for ${unitName(unit).long} in ${periodName(period)}: they appear once they are cleared for publication.`
        : `No figures for ${unitName(unit).long} in ${periodName(period)}.`)
      : `Could not load the figures: ${err.message}`));
    return;
  }
  if (gen !== state.detailGeneration) return;
  loadVersions(unit, period, gen);
  renderStage(card, national);
  root.dataset.state = 'ready';
  root.dataset.unit = card.unit;
  root.dataset.period = card.period;
  root.dataset.lagsCurrent = lagsCurrent(card) ? 'true' : 'false';
  const ind = card.indicators ?? {};
  const known = new Set();
  const sections = [];
  const row = (key, label, format, explain) => {
    known.add(key);
    const c = cellOf(ind[key]);
    let base = null;
    if (c.kind === 'value' && ['pct', 'points', 'score', 'years', 'usd'].includes(format) && c.n > 0) base = `based on ${fmt.count(c.n)} ${c.n === 1 ? 'case' : 'cases'}`;
    return h('div', { class: 'indicator', 'data-indicator': key, 'data-raw': rawAttr(c), 'data-n': c.kind === 'missing' || c.kind === 'suppressed' ? '' : String(c.n) },
      h('dt', {}, label, h('span', { class: 'explain-inline' }, explain)),
      h('dd', {}, defLink(key, cellNode(ind[key], format)), base ? h('span', { class: 'base' }, base) : null));
  };
  // Communities (areas) carry only community change; their zero arrest and
  // sentencing cells would be noise.
  const isArea = kindOf(card.unit) === 'area';
  for (const [title, items] of isArea ? [] : INDICATORS) {
    const present = items.filter(([k]) => k in ind);
    if (!present.length) continue;
    sections.push(h('section', { class: 'indicator-group' }, h('h3', {}, title), h('dl', {}, present.map(([k, l, f, e]) => row(k, l, f, e)))));
  }
  const targets = Object.keys(ind).filter((k) => k.startsWith('targetRatio:')).sort();
  if (targets.length) {
    const t = FAMILIES['targetRatio:'] ?? { group: 'Performance targets', label: 'Reported vs target', format: 'ratio', description: '' };
    sections.push(h('section', { class: 'indicator-group' }, h('h3', {}, t.group), h('dl', {}, targets.map((k) => {
      const m = k.slice('targetRatio:'.length);
      return row(k, `${t.label}: ${MEASURE_LABELS[m] ?? m}`, t.format, t.description);
    }))));
  }
  const community = Object.keys(ind).filter((k) => k.startsWith('communityChange:')).sort();
  if (community.length) {
    const c = FAMILIES['communityChange:'] ?? { group: 'Community change', format: 'change', description: '' };
    sections.push(h('section', { class: 'indicator-group' }, h('h3', {}, c.group), h('dl', {}, community.map((k) => {
      const kind = k.slice('communityChange:'.length);
      return row(k, communityLabel(kind), c.format, c.description);
    }))));
  }
  const others = isArea ? [] : Object.keys(ind).filter((k) => !known.has(k) && !isStageKey(k) && !k.startsWith('targetRatio:') && !k.startsWith('communityChange:')).sort();
  if (others.length) {
    sections.push(h('section', { class: 'indicator-group' }, h('h3', {}, 'Other figures'), h('dl', {}, others.map((k) => row(k, k, 'number', '')))));
  }
  root.replaceChildren(
    h('p', { class: 'detail-head' },
      h('strong', {}, unitName(card.unit).long), `, ${periodName(card.period)}. `,
      h('span', { class: 'fine-print' }, `Scorecard ${card.scorecardId || '—'}, revision ${card.revision ?? '—'}; rules: score ${card.scoreVersion || '—'}, criteria ${card.criteriaVersion || '—'}.`)),
    ...[lagsCurrent(card) ? h('p', { class: 'lag-note', 'data-testid': 'lag-note' },
      `These figures rest on facts from before the latest changes: ${LAG_TEXT}.`) : null].filter(Boolean),
    h('div', { class: 'indicator-groups' }, sections));
}

// ------------------------------------------------------------ versions ---

// The versions of the detail's scorecard (GET /api/v1/scorecards/history):
// overseers see every version and the reports that changed each, everybody
// else the public versions. Folded away: most readers want the latest.
const byTimeThenRevision = (a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0) || Number(a.revision ?? 0) - Number(b.revision ?? 0);

async function loadVersions(unit, period, gen) {
  const root = $('unit-versions');
  root.dataset.state = 'loading';
  let body;
  const versions = [];
  try {
    // Paged (`next`): read up to HISTORY_MAX_PAGES pages.
    let after = '';
    for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
      body = await api(`/api/v1/scorecards/history${query({ unit, period, after })}`);
      if (gen !== state.detailGeneration) return;
      versions.push(...(Array.isArray(body?.versions) ? body.versions : []));
      if (!body?.next || body.next === after) break;
      after = body.next;
    }
  } catch (err) {
    if (gen !== state.detailGeneration) return;
    root.dataset.state = err.status === 404 ? 'empty' : 'error';
    root.replaceChildren();
    return;
  }
  if (gen !== state.detailGeneration) return;
  versions.sort(byTimeThenRevision);
  const changedKeys = (v, prev) => (prev ? Object.keys({ ...v.indicators, ...prev.indicators })
    .filter((k) => JSON.stringify(v.indicators?.[k]) !== JSON.stringify(prev.indicators?.[k])).length : null);
  const rows = versions.map((v, i) => {
    const when = new Date(v.at);
    const changed = changedKeys(v, versions[i - 1]);
    return h('tr', { 'data-testid': 'version-row', 'data-revision': v.revision ?? '', 'data-at': v.at ?? '', 'data-scorecard-id': v.scorecardId ?? '' },
      h('th', { scope: 'row' }, String(v.revision ?? '—')),
      h('td', {}, Number.isNaN(when.getTime()) ? '—' : h('time', { datetime: v.at }, `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`)),
      h('td', { class: 'right' }, changed === null ? 'first version' : `${changed} ${changed === 1 ? 'figure' : 'figures'}`),
      h('td', {}, (v.changedBy ?? []).length ? v.changedBy.join(', ') : '—'));
  });
  const view = body?.view === 'restricted' ? 'every version (overseer view), with the reports that changed it' : 'the public versions (a new one after 11 changed records)';
  root.dataset.state = 'ready';
  root.dataset.unit = unit;
  root.dataset.period = period;
  root.replaceChildren(h('details', { class: 'table-toggle' },
    h('summary', {}, `Versions of these figures (${versions.length})`),
    h('table', { class: 'data-table compact', 'data-testid': 'versions-table' },
      h('caption', { class: 'fine-print' }, `${unitName(unit).long}, ${periodName(period)}: ${view}, oldest first.`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Revision'), h('th', { scope: 'col' }, 'When'),
        h('th', { scope: 'col', class: 'right' }, 'Changed'), h('th', { scope: 'col' }, 'Changed by'))),
      h('tbody', {}, rows))));
}

// ---------------------------------------------- from arrest to sentence ---

// The prosecution stage and the Sentencing Commission's tables for the unit
// of the detail view, each figure beside the national one (`national:US`,
// same period). What is drawn comes from the catalogue's STAGE_GROUPS; the
// funnel's four steps are named here because their order is the story.
const NATIONAL_UNIT = 'national:US';
const FUNNEL = ['declined', 'charged', 'dispositions', 'sentenced'];
const FUNNEL_WORDS = {
  declined: 'Prosecution declined',
  charged: 'Charged',
  dispositions: 'Cases decided (plea, trial or dismissal)',
  sentenced: 'Sentenced',
};

const stageEntries = () => [...STAGE.values()].flat();
// A scorecard key (JSON name) that the stage section draws.
function isStageKey(key) {
  return stageEntries().some((e) => (e.family ? key.startsWith(e.jsonName) : key === e.jsonName));
}

// The national card of `period` (null when there is none, or the unit is
// national itself: its figures are the unit's). Asked for only when the
// server lists the national unit: a server without it refuses the name.
async function nationalCard(unit, period) {
  if (unit === NATIONAL_UNIT || !state.units.includes(NATIONAL_UNIT)) return null;
  try {
    return await api(`/api/v1/scorecards${query({ unit: NATIONAL_UNIT, period })}`);
  } catch (err) {
    if (err.status === 401) throw err;
    return null; // not published (404) or unreachable: the column reads "—"
  }
}

// Whether `card` holds anything of the stage: a published count or share
// over someone, or a withheld one (withheld cells rest on people too).
function hasStageData(card) {
  const ind = card?.indicators ?? {};
  return Object.entries(ind).some(([k, cell]) => {
    if (!isStageKey(k)) return false;
    const c = cellOf(cell);
    return c.kind === 'suppressed' || (c.kind === 'value' && c.n > 0);
  });
}

function renderStageEmpty(unit, period, why) {
  const root = $('stage-detail');
  root.dataset.state = why;
  root.dataset.unit = unit ?? '';
  root.dataset.period = period ?? '';
  const name = unit ? unitName(unit).long : `this ${KIND_NOUNS[state.unitKind][0]}`;
  root.replaceChildren(empty(why === 'error'
    ? 'Could not load the figures.'
    : `No charges, declinations, dispositions or sentencing tables for ${name} in ${periodName(period ?? '')}.`));
}

// One figure of the section: the dashboard's usual rendering (suppressed,
// "—", or the formatted value) wrapped with what the browser test reads.
// In the Sourcebook tables (`short`) a withheld cell reads just
// "suppressed" (a note above them says why), as the gap column does.
function stageCell(card, key, format, scope, short = false) {
  const cell = card?.indicators?.[key];
  const c = cellOf(cell);
  return h('span', {
    class: 'stage-cell', 'data-testid': 'stage-cell', 'data-indicator': key, 'data-scope': scope,
    'data-raw': rawAttr(c), 'data-format': format,
  }, defLink(key, short && c.kind === 'suppressed'
    ? h('span', { class: 'suppressed', 'data-testid': 'suppressed', title: SUPPRESSED_TITLE }, 'suppressed')
    : cellNode(cell, format)));
}

// A bar and its figure; shares run 0–1, counts up to `max`.
function stageBar(card, key, format, scope, { max = 1, width = 120, short = false } = {}) {
  const cls = scope === 'unit' ? 'bar-stage' : 'bar-national';
  return h('td', { class: 'bar-cell' }, miniBar(card?.indicators?.[key], { max: max > 0 ? max : 1, cls, width }), ' ', stageCell(card, key, format, scope, short));
}

// The column headings: the unit, and the nation beside it.
function stageHead(first, card, national) {
  return h('thead', {}, h('tr', {},
    h('th', { scope: 'col' }, first),
    h('th', { scope: 'col' }, unitName(card.unit).short),
    national === undefined ? null : h('th', { scope: 'col' }, 'United States')));
}

function renderFunnel(card, national) {
  const maxOf = (c) => Math.max(0, ...FUNNEL.map((k) => {
    const x = cellOf(c?.indicators?.[k]);
    return x.kind === 'value' ? x.value : 0;
  }));
  const [unitMax, nationMax] = [maxOf(card), maxOf(national)];
  const withNation = national !== undefined;
  return h('table', { class: 'data-table compact stage-table', 'data-testid': 'stage-funnel' },
    h('caption', {}, 'From arrest to sentence: people at each step'),
    stageHead('Step', card, withNation ? national : undefined),
    h('tbody', {}, FUNNEL.map((k) => h('tr', { 'data-indicator': k },
      h('th', { scope: 'row' }, FUNNEL_WORDS[k]),
      stageBar(card, k, 'count', 'unit', { max: unitMax }),
      withNation ? stageBar(national, k, 'count', 'national', { max: nationMax }) : null))));
}

// The group's single indicators (the funnel's counts aside) as rows.
function renderStageRows(title, entries, card, national, testid) {
  const withNation = national !== undefined;
  const rows = entries.filter((e) => !e.family && !FUNNEL.includes(e.jsonName));
  if (!rows.length) return null;
  return h('table', { class: 'data-table compact stage-table', 'data-testid': testid },
    h('caption', {}, title),
    stageHead('Figure', card, withNation ? national : undefined),
    h('tbody', {}, rows.map((e) => {
      const bar = e.format === 'pct';
      const cellOfScope = (c, scope) => (bar ? stageBar(c, e.jsonName, e.format, scope) : h('td', { class: 'right' }, stageCell(c, e.jsonName, e.format, scope)));
      return h('tr', { 'data-indicator': e.jsonName },
        h('th', { scope: 'row', title: e.description }, e.label),
        cellOfScope(card, 'unit'),
        withNation ? cellOfScope(national, 'national') : null);
    })));
}

// The order the Sentencing Commission's tables list members in: offense
// functions from the most to the least culpable, drugs and case origins as
// the API's enums number them (neither a scorecard's keys nor the
// catalogue's labels keep an order). Members not named here go after them.
const MEMBER_ORDER = new Map([
  ...['HIGH_LEVEL_SUPPLIER_IMPORTER', 'ORGANIZER_LEADER', 'GROWER_MANUFACTURER', 'FINANCIER_LAUNDERER', 'PILOT_CAPTAIN',
    'WHOLESALER', 'MANAGER', 'SUPERVISOR', 'ENFORCER', 'CHEMIST_COOK', 'BROKER_STEERER', 'COURIER', 'MULE', 'RENTER_STORER',
    'STREET_LEVEL_DEALER', 'EMPLOYEE_LOOKOUT', 'ENABLER', 'USER'].map((f) => `OFFENSE_FUNCTION_${f}`),
  ...['COCAINE', 'CRACK', 'HEROIN', 'FENTANYL', 'METHAMPHETAMINE', 'MARIJUANA', 'OTHER'].map((d) => `DRUG_${d}`),
  ...['INTERDICTION', 'INFORMANT', 'COOPERATOR', 'WIRETAP', 'LOCAL_REFERRAL', 'OTHER'].map((o) => `CASE_ORIGIN_${o}`),
].map((m, i) => [m, i]));

// A family's members: those of either card and those the catalogue labels,
// in MEMBER_ORDER, then numbers in order (criminal history), then by name.
function familyMembers(entry, card, national) {
  const members = new Set(Object.keys(entry.memberLabels ?? {}));
  for (const c of [card, national]) {
    for (const k of Object.keys(c?.indicators ?? {})) if (k.startsWith(entry.jsonName)) members.add(k.slice(entry.jsonName.length));
  }
  const rank = (m) => MEMBER_ORDER.get(m) ?? (/^\d+$/.test(m) ? MEMBER_ORDER.size + Number(m) : Infinity);
  return [...members].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function memberLabel(entry, member, members) {
  if (entry.memberLabels?.[member]) return entry.memberLabels[member];
  if (/^[1-6]$/.test(member)) return `Category ${ROMAN[Number(member)]}`;
  // OFFENSE_FUNCTION_COURIER → Courier: the prefix the members share goes.
  let prefix = members.length > 1 ? members.reduce((a, b) => { let i = 0; while (i < a.length && a[i] === b[i]) i++; return a.slice(0, i); }) : '';
  prefix = prefix.slice(0, prefix.lastIndexOf('_') + 1);
  const t = member.slice(prefix.length).replaceAll('_', ' ').toLowerCase();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

// A Sourcebook-style table: one bar per member, the unit's and the nation's.
function renderFamily(entry, card, national) {
  const withNation = national !== undefined;
  const members = familyMembers(entry, card, national);
  if (!members.length) return null;
  return h('table', { class: 'data-table compact stage-table', 'data-testid': 'stage-family', 'data-family': entry.jsonName },
    h('caption', { title: entry.description }, entry.label),
    stageHead('', card, withNation ? national : undefined),
    h('tbody', {}, members.map((m) => h('tr', { 'data-indicator': entry.jsonName + m },
      h('th', { scope: 'row' }, memberLabel(entry, m, members)),
      stageBar(card, entry.jsonName + m, entry.format, 'unit', { width: 60, short: true }),
      withNation ? stageBar(national, entry.jsonName + m, entry.format, 'national', { width: 60, short: true }) : null))));
}

function renderStage(card, national) {
  const root = $('stage-detail');
  if (kindOf(card.unit) === 'area' || !hasStageData(card)) {
    renderStageEmpty(card.unit, card.period, 'empty');
    return;
  }
  // undefined: no national column (the unit is the nation); null: no
  // national card, every national figure reads "—".
  const nation = card.unit === NATIONAL_UNIT ? undefined : national;
  const [path, tables, seizures] = STAGE_GROUPS.map((g) => STAGE.get(g) ?? []);
  const parts = [
    h('p', { class: 'detail-head' }, h('strong', {}, unitName(card.unit).long), `, ${periodName(card.period)}`,
      nation === undefined ? '.' : ', beside the whole country.'),
    lagNote([card, nation].filter(Boolean)),
    renderFunnel(card, nation),
    renderStageRows('Charges, pleas, mandatory minimums and sentences', path, card, nation, 'stage-rows'),
    renderStageRows('Seizures', seizures, card, nation, 'stage-seizures'),
    renderStageRows('Task-force cases', tables, card, nation, 'stage-tables-rows'),
    h('h3', {}, 'Who was sentenced: the Sentencing Commission\'s tables'),
    h('p', { class: 'note' }, 'Shares of the people sentenced, as in the Commission\'s Sourcebook. "suppressed": withheld to protect people (fewer than 11, or derivable).'),
    h('div', { class: 'stage-families' }, tables.filter((e) => e.family).map((e) => renderFamily(e, card, nation))),
  ];
  root.dataset.state = 'ready';
  root.dataset.unit = card.unit;
  root.dataset.period = card.period;
  root.replaceChildren(...parts.filter(Boolean));
}

// ------------------------------------------------------- definitions ---

// Every figure links to its definition: the catalogue entry drawn in the
// "Definitions" section, anchored `#def-<jsonName>` (a family's members,
// such as `functionShare:OFFENSE_FUNCTION_COURIER`, link to the family).
const defId = (key) => `def-${String(key).split(':')[0]}`;
function defLink(key, node, extra = {}) {
  const entry = INDICATOR_BY_JSON.get(String(key).split(':')[0]) ?? INDICATOR_BY_JSON.get(`${String(key).split(':')[0]}:`);
  if (!entry) return node;
  return h('a', { class: 'def-link', href: `#${defId(key)}`, title: `Definition: ${entry.label}`, ...extra }, node);
}

const SUPPRESSION_WORDS = {
  count: 'withheld when it counts 1–10 people, or would let someone work out such a count',
  share: 'withheld when it rests on 1–10 people, when 1–10 of them (or all but 1–10) have the attribute, or when it would let someone work out a withheld figure',
  measure: 'withheld when it rests on 1–10 people, or would let someone work out a withheld figure',
  difference: 'withheld when either figure it is the difference of is withheld',
  organization: 'about organizations or areas, not people: never suppressed',
};
const FORMAT_WORDS = {
  pct: 'a share, in percent', points: 'a difference of shares, in percentage points', count: 'a count',
  number: 'a number', score: 'a score out of 100', years: 'years', usd: 'US dollars', months: 'months',
  ratio: 'reported as a share of the target', change: 'a change, in percent',
};

function renderDefinitions() {
  const kinds = (list) => (list ?? []).map((k) => KIND_NOUNS[k]?.[1] ?? k).join(', ');
  $('definitions').replaceChildren(...CATALOGUE.map((i) => h('div', {
    id: defId(i.jsonName), class: 'definition', 'data-testid': 'definition', 'data-indicator': i.jsonName.replace(/:$/, ''), tabindex: '-1',
  },
  h('dt', {}, i.label, i.family ? ' (one figure per kind)' : ''),
  h('dd', {}, i.description,
    h('span', { class: 'def-facts' },
      `Written as ${FORMAT_WORDS[i.format] ?? i.format}. Counted for ${kinds(i.unitKinds) || 'every unit'}. `,
      `Public figures: ${SUPPRESSION_WORDS[i.suppression] ?? i.suppression}. Name in the API and releases: ${i.jsonName}.`)))));
}

// ------------------------------------------------------ opening period ---

// The dashboard opens on the most recent fiscal year with enough data to
// show: the latest one where at least half of the key cells (people
// sentenced, claimed priority, high-desert and LNF shares of every agency,
// field office and court district the caller may see) hold a figure. The
// live year, where sentencings have not caught up with arrests, is mostly
// suppressed in the public view and says little. None qualifying: the latest.
const OPENING_KEYS = ['sentenced', 'claimedPriorityShare', 'highDesertShare', 'lnfShare'];
const OPENING_KINDS = ['agency', 'field_office', 'district'];
const OPENING_SHARE = 0.5;

function keyCellCounts(cards) {
  let shown = 0;
  let total = 0;
  for (const card of cards) {
    if (!OPENING_KINDS.includes(kindOf(card.unit))) continue;
    for (const key of OPENING_KEYS) {
      if (!(key in (card.indicators ?? {}))) continue;
      total += 1;
      if (cellOf(card.indicators[key]).kind === 'value') shown += 1;
    }
  }
  return { shown, total };
}

async function openingPeriod(periods) {
  const years = periods.filter((p) => /^FY\d{4}$/.test(p)).sort((a, b) => periodSortKey(b) - periodSortKey(a));
  const skipped = [];
  for (const fy of years) {
    const body = await api(`/api/v1/scorecards${query({ period: fy })}`).catch((err) => {
      if (err.status === 404) return null;
      throw err;
    });
    const { shown, total } = keyCellCounts(body?.scorecards ?? []);
    if (total > 0 && shown >= OPENING_SHARE * total) return { period: fy, skipped };
    skipped.push({ period: fy, shown, total });
  }
  return { period: years[0] ?? periods[periods.length - 1] ?? '', skipped: [] };
}

function showOpeningNote(skipped) {
  const el = $('period-note');
  el.hidden = !skipped.length;
  el.textContent = skipped.length
    ? `Opened on ${state.period}: ${skipped.map((s) => `${s.period} shows ${s.total ? Math.round((100 * s.shown) / s.total) : 0}% of its key figures`).join(', ')} (too few published yet).`
    : '';
}

// ---------------------------------------------------------- releases ---

// The fiscal year being viewed: its release (a tar with a MANIFEST of
// SHA-256s) and its printable report.
function renderReleaseLinks() {
  const fy = fiscalYearOf(state.period);
  const el = $('release-links');
  if (!/^FY\d{4}$/.test(fy)) {
    el.replaceChildren();
    return;
  }
  el.replaceChildren(`${fy} release: `,
    h('a', { href: `/api/v1/releases/${fy}`, download: `fruition-release-${fy}.tar`, 'data-testid': 'release-download', type: 'application/x-tar' }, 'download (tar)'),
    ' · ',
    h('a', { href: `/releases/${fy}/`, 'data-testid': 'release-report', target: '_blank', rel: 'noopener' }, 'printable report'));
}

// --------------------------------------------------- trends: the data ---

// Policy dates marked on the trend chart: index.html's
// data-policy-dates on #trend-section (JSON: [{date: "YYYY-MM-DD", label}]).
function policyDates() {
  let list;
  try {
    list = JSON.parse($('trend-section').dataset.policyDates ?? '[]');
  } catch {
    console.warn('data-policy-dates of #trend-section is not JSON: no policy dates marked');
    return [];
  }
  return (Array.isArray(list) ? list : []).filter((x) => x && typeof x.label === 'string'
    && /^\d{4}-\d{2}-\d{2}$/.test(x.date ?? '') && !Number.isNaN(Date.parse(`${x.date}T00:00:00Z`)));
}

// A period's start and end (UTC ms): FY2016 is Oct 1 2015 – Oct 1 2016.
function periodBounds(p) {
  const m = /^FY(\d{4})(?:Q([1-4]))?$/.exec(p);
  if (!m) return null;
  const fy = Number(m[1]);
  if (!m[2]) return [Date.UTC(fy - 1, 9, 1), Date.UTC(fy, 9, 1)];
  const q = Number(m[2]);
  return [Date.UTC(fy - 1, 9 + 3 * (q - 1), 1), Date.UTC(fy - 1, 9 + 3 * q, 1)];
}

// The fiscal year or quarter a date falls in, and how far into it.
function periodOfDate(date, grain) {
  const t = Date.parse(`${date}T00:00:00Z`);
  const d = new Date(t);
  const month = d.getUTCMonth();
  const fy = month >= 9 ? d.getUTCFullYear() + 1 : d.getUTCFullYear();
  const q = month >= 9 ? 1 : Math.floor(month / 3) + 2;
  const period = grain === 'quarter' ? `FY${fy}Q${q}` : `FY${fy}`;
  const [a, b] = periodBounds(period);
  return { period, fraction: (t - a) / (b - a) };
}

function trendRange() {
  const quarter = state.grain === 'quarter';
  const list = state.periods.filter((p) => (quarter ? /^FY\d{4}Q[1-4]$/ : /^FY\d{4}$/).test(p)).sort((a, b) => periodSortKey(a) - periodSortKey(b));
  return list.length ? { from: list[0], to: list[list.length - 1] } : null;
}

async function loadTrend() {
  const gen = ++state.trendGeneration;
  const root = $('trend-chart');
  const { unit, indicator } = state;
  const range = trendRange();
  if (!unit || !indicator || !range) {
    root.dataset.state = 'empty';
    root.replaceChildren(empty('Nothing to draw yet: choose a unit under "One unit in detail".'));
    return;
  }
  root.dataset.state = 'loading';
  const series = (u) => api(`/api/v1/series${query({ unit: u, indicator, from: range.from, to: range.to })}`);
  const withNation = unit !== NATIONAL_UNIT && state.units.includes(NATIONAL_UNIT);
  try {
    const [own, nation] = await Promise.all([series(unit), withNation ? series(NATIONAL_UNIT) : null]);
    if (gen !== state.trendGeneration) return;
    renderTrend(own, nation);
    root.dataset.state = 'ready';
    root.dataset.unit = unit;
    root.dataset.indicator = indicator;
  } catch (err) {
    if (gen !== state.trendGeneration || err.name === 'AbortError') return;
    root.dataset.state = 'error';
    root.replaceChildren(empty(`Could not load the series: ${err.message}`));
  }
}

// A series point as a cell: {kind: value|suppressed|undefined|missing}.
const pointCell = (p) => (p?.noData ? { kind: 'missing' } : cellOf(p));

// --------------------------------------------------- trends: the chart ---

const TREND = { W: 900, H: 330, left: 74, right: 16, top: 64, bottom: 42 };

// The y scale: from 0 (or the lowest value, if negative) to the highest.
function trendScale(values, format) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(...values, 0);
  if (format === 'pct' && hi <= 1) hi = Math.min(1, hi * 1.15 || 0.1);
  else hi = hi > 0 ? hi * 1.15 : 1;
  if (lo < 0) lo *= 1.15;
  const y = (v) => TREND.top + (1 - (v - lo) / (hi - lo || 1)) * (TREND.H - TREND.top - TREND.bottom);
  return { lo, hi, y };
}

const axisText = (v, format) => {
  if (format === 'pct' || format === 'points' || format === 'change') return `${Math.round(v * 100)}%`;
  if (format === 'usd') return usdShort(v);
  return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
};

// Hatched bands where the unit's points are withheld (drawn first, under
// both lines; the nation's are rarely withheld and get no band).
function trendGaps(svg, points, x) {
  const slot = (TREND.W - TREND.left - TREND.right) / points.length;
  points.forEach((p, i) => {
    if (pointCell(p).kind !== 'suppressed') return;
    svg.append(s('rect', {
      x: x(i) - slot * 0.35, y: TREND.top, width: slot * 0.7, height: TREND.H - TREND.top - TREND.bottom,
      fill: 'url(#trend-hatch)', class: 'trend-gap', 'data-testid': 'trend-gap', 'data-period': p.period,
    }, s('title', {}, `${p.period}: ${SUPPRESSED_TEXT}`)));
  });
}

// One series on the chart: lines between consecutive published points and
// a dot (with its number as a tooltip) at each.
function trendSeries(svg, points, x, y, scope, format) {
  const cls = scope === 'unit' ? 'trend-unit' : 'trend-national';
  let path = '';
  let prev = false;
  points.forEach((p, i) => {
    const c = pointCell(p);
    if (c.kind === 'value') path += `${prev ? 'L' : 'M'}${x(i).toFixed(1)},${y(c.value).toFixed(1)} `;
    prev = c.kind === 'value';
  });
  if (path) svg.append(s('path', { d: path.trim(), class: `trend-line ${cls}` }));
  points.forEach((p, i) => {
    const c = pointCell(p);
    if (c.kind === 'value') {
      svg.append(s('circle', {
        cx: x(i), cy: y(c.value), r: scope === 'unit' ? 4.5 : 3.5, class: `trend-dot ${cls}`,
        'data-testid': 'trend-dot', 'data-scope': scope, 'data-period': p.period, 'data-raw': rawAttr(c),
      }, s('title', {}, `${p.period}: ${fmt[format](c.value)}`)));
    }
  });
}

// The policy dates inside the range, each a dashed line where it falls in
// its fiscal year or quarter; labels staggered so they do not overlap.
function trendMarkers(svg, periods, slotX, slot) {
  const shown = [];
  for (const mark of policyDates()) {
    const { period, fraction } = periodOfDate(mark.date, state.grain);
    const i = periods.indexOf(period);
    if (i < 0) continue;
    const xx = slotX(i) + fraction * slot;
    const row = shown.length % 3;
    const right = xx > TREND.W * 0.6; // label to the left of the line near the right edge
    const g = s('g', { class: 'policy-marker', 'data-testid': 'policy-marker', 'data-date': mark.date, 'data-period': period, 'data-label': mark.label },
      s('line', { x1: xx, x2: xx, y1: 14 + row * 16, y2: TREND.H - TREND.bottom, class: 'policy-line' }),
      s('text', { x: right ? xx - 4 : xx + 4, y: 24 + row * 16, class: 'policy-label', 'text-anchor': right ? 'end' : 'start' }, `${mark.label} (${mark.date})`));
    svg.append(g);
    shown.push(mark);
  }
  return shown;
}

function trendAxes(svg, periods, x, scale, format) {
  const { lo, hi, y } = scale;
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    svg.append(s('line', { x1: TREND.left, x2: TREND.W - TREND.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: TREND.left - 8, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, axisText(v, format)));
  }
  const quarter = state.grain === 'quarter';
  periods.forEach((p, i) => {
    if (quarter && !p.endsWith('Q1')) return;
    svg.append(s('text', { x: quarter ? x(i) - 6 : x(i), y: TREND.H - TREND.bottom + 18, class: 'axis', 'text-anchor': quarter ? 'start' : 'middle' },
      quarter ? fiscalYearOf(p) : p));
  });
  const viewed = periods.indexOf(quarter ? state.period : fiscalYearOf(state.period));
  if (viewed >= 0) {
    const edge = x(viewed) > TREND.W - 60 ? 'end' : x(viewed) < TREND.left + 40 ? 'start' : 'middle';
    svg.append(s('text', { x: edge === 'end' ? x(viewed) + 6 : edge === 'start' ? x(viewed) - 6 : x(viewed), y: TREND.H - 6, class: 'axis viewed-period', 'text-anchor': edge }, '▲ shown above'));
  }
}

function renderTrend(own, nation) {
  const entry = INDICATOR_BY_JSON.get(own.indicator) ?? { label: own.indicator, format: 'number' };
  const format = fmt[entry.format] ? entry.format : 'number';
  const points = own.points ?? [];
  const periods = points.map((p) => p.period);
  const npoints = periods.map((p) => (nation?.points ?? []).find((q) => q.period === p) ?? { period: p, noData: true });
  const values = [...points, ...npoints].map(pointCell).filter((c) => c.kind === 'value').map((c) => c.value);
  const scale = trendScale(values, format);
  const slot = (TREND.W - TREND.left - TREND.right) / Math.max(1, periods.length);
  const slotX = (i) => TREND.left + i * slot;
  const x = (i) => slotX(i) + slot / 2;
  const name = unitName(own.unit);
  const svg = s('svg', { viewBox: `0 0 ${TREND.W} ${TREND.H}`, width: '100%', class: 'trend-svg', role: 'img', 'aria-labelledby': 'trend-svg-title', 'data-testid': 'trend-svg' });
  svg.append(s('title', { id: 'trend-svg-title' }, `${entry.label}, ${name.long}${nation ? ' and the United States' : ''}, ${periods[0] ?? ''} to ${periods[periods.length - 1] ?? ''}. The numbers are in the table below.`));
  svg.append(s('defs', {},
    s('pattern', { id: 'trend-hatch', width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { width: 8, height: 8, fill: '#f4f4f4' }),
      s('line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#c9c9c9', 'stroke-width': 3 }))));
  trendAxes(svg, periods, x, scale, format);
  trendGaps(svg, points, x);
  const marks = trendMarkers(svg, periods, slotX, slot);
  if (nation) trendSeries(svg, npoints, x, scale.y, 'national', format);
  trendSeries(svg, points, x, scale.y, 'unit', format);
  const outside = policyDates().filter((m) => !marks.some((x) => x.date === m.date && x.label === m.label));
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch swatch-trend-unit' }), `${name.short} `,
    nation ? [h('span', { class: 'swatch swatch-trend-national' }), 'United States (dashed) '] : null,
    h('span', { class: 'swatch swatch-suppressed' }), 'Suppressed (protects people) ',
    h('span', { class: 'swatch swatch-policy' }), 'Policy change');
  const note = outside.length ? h('p', { class: 'note' }, `Outside the range shown: ${outside.map((m) => `${m.label} (${m.date})`).join('; ')}.`) : null;
  const figure = h('figure', { class: 'trend-figure' }, svg,
    h('figcaption', { class: 'fine-print' }, `${entry.label} `, defLink(own.indicator, 'definition', { 'data-testid': 'trend-def' }), `. View: ${own.view === 'restricted' ? 'restricted (overseer)' : 'public'}.`));
  $('trend-chart').replaceChildren(...[legend, figure, note, trendTable(own, points, npoints, nation ? true : false, format, entry)].filter(Boolean));
}

// The chart's numbers as text (screen readers, copying): every point of
// both lines, withheld ones as suppressed, a period without data as such.
function trendTable(own, points, npoints, withNation, format, entry) {
  const cell = (p, scope) => {
    const c = pointCell(p);
    const attrs = { 'data-testid': 'trend-point', 'data-scope': scope, 'data-period': p.period, 'data-raw': c.kind === 'missing' ? 'nodata' : rawAttr(c) };
    if (c.kind === 'missing') return h('td', attrs, h('span', { class: 'na', title: 'No scorecard for this period' }, 'no data'));
    if (c.kind === 'suppressed') return h('td', attrs, h('span', { class: 'suppressed', 'data-testid': 'suppressed', title: SUPPRESSED_TITLE }, 'suppressed'));
    return h('td', attrs, defLink(own.indicator, cellNode(p, format)),
      c.kind === 'value' && c.n > 0 && format !== 'count' ? h('span', { class: 'base' }, `of ${fmt.count(c.n)}`) : null);
  };
  const table = h('table', { class: 'data-table compact trend-table', 'data-testid': 'trend-table' },
    h('caption', {}, `${entry.label}: ${unitName(own.unit).long}${withNation ? ' and the United States' : ''}, by ${state.grain === 'quarter' ? 'quarter' : 'fiscal year'}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Period'), h('th', { scope: 'col' }, unitName(own.unit).short),
      withNation ? h('th', { scope: 'col' }, 'United States') : null)),
    h('tbody', {}, points.map((p, i) => h('tr', { 'data-period': p.period },
      h('th', { scope: 'row' }, p.period), cell(p, 'unit'), withNation ? cell(npoints[i], 'national') : null))));
  return h('div', { class: 'trend-table-wrap', tabindex: '0', role: 'region', 'aria-label': 'The trend chart\'s numbers' }, table);
}

// ------------------------------------------------------- comparison ---

async function loadCompare() {
  const gen = ++state.compareGeneration;
  const root = $('compare-chart');
  const { indicator, period, unitKind } = state;
  if (['national', 'area'].includes(unitKind) || !indicator || !period) {
    root.dataset.state = 'empty';
    root.replaceChildren(empty(unitKind === 'national'
      ? 'The whole country is one unit: choose agencies, field offices or court districts above to rank them.'
      : unitKind === 'area' ? 'Communities are compared by how local conditions changed (above), not ranked by these figures.' : 'Nothing to rank yet.'));
    return;
  }
  root.dataset.state = 'loading';
  try {
    const body = await api(`/api/v1/compare${query({ indicator, period, kind: unitKind })}`);
    if (gen !== state.compareGeneration) return;
    renderCompare(body);
    root.dataset.state = 'ready';
    root.dataset.indicator = indicator;
    root.dataset.period = period;
    root.dataset.kind = unitKind;
  } catch (err) {
    if (gen !== state.compareGeneration || err.name === 'AbortError') return;
    root.dataset.state = err.status === 404 ? 'empty' : 'error';
    root.replaceChildren(empty(err.status === 404 ? `Nothing to rank for ${periodName(period)}.` : `Could not load the ranking: ${err.message}`));
  }
}

// A bar from 0 to the value, on a scale to `max`, with the national value
// as a tick across it.
function compareBar(c, national, max, cls) {
  const width = 200;
  const px = (v) => Math.max(0, Math.min(1, v / max)) * width;
  const svg = s('svg', { width, height: 16, viewBox: `0 0 ${width} 16`, class: 'mini-bar', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(s('rect', { x: 0, y: 3, width, height: 10, class: 'mini-track' }));
  if (c.kind === 'value') svg.append(s('rect', { x: 0, y: 3, width: Math.max(1, px(c.value)), height: 10, class: cls }));
  else if (c.kind === 'suppressed') svg.append(s('rect', { x: 0, y: 3, width, height: 10, class: 'mini-suppressed' }));
  if (national.kind === 'value') svg.append(s('line', { x1: px(national.value), x2: px(national.value), y1: 0, y2: 16, class: 'national-tick' }));
  return svg;
}

// 1st, 2nd, 3rd, 4th… 11th, 12th, 13th; 87.5th.
function ordinal(v) {
  if (!Number.isInteger(v)) return 'th';
  const n = Math.abs(v) % 100;
  if (n >= 11 && n <= 13) return 'th';
  return { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th';
}

function renderCompare(body) {
  const entry = INDICATOR_BY_JSON.get(body.indicator) ?? { label: body.indicator, format: 'number' };
  const format = fmt[entry.format] ? entry.format : 'number';
  const national = cellOf(body.national?.noData ? null : body.national);
  const units = body.units ?? [];
  const max = Math.max(0, ...units.map(cellOf).filter((c) => c.kind === 'value').map((c) => c.value), national.kind === 'value' ? national.value : 0) || 1;
  const noun = KIND_NOUNS[body.kind]?.[0] ?? 'unit';
  const rows = [];
  // The national row is always shown: among the units by value, or last
  // when it has none to compare (withheld, or no data).
  let nationPlaced = false;
  const nationRow = () => h('tr', { class: 'national-row', 'data-testid': 'compare-national', 'data-raw': national.kind === 'missing' ? 'nodata' : rawAttr(national) },
    h('td', {}, '—'), h('th', { scope: 'row' }, 'United States (all districts)'),
    h('td', { class: 'bar-cell' }, compareBar(national, national, max, 'bar-national'), ' ', defLink(body.indicator, cellNode(body.national, format))),
    h('td', { class: 'right' }, national.n > 0 ? fmt.count(national.n) : '—'), h('td', {}, 'national figure'));
  for (const u of units) {
    const c = cellOf(u);
    if (!nationPlaced && national.kind === 'value' && (c.kind !== 'value' || c.value < national.value)) {
      rows.push(nationRow());
      nationPlaced = true;
    }
    const ranked = c.kind === 'value' && u.rank !== undefined;
    // proto3 JSON leaves out zeros: a ranked unit without a percentile is at the 0th.
    const percentile = ranked ? Number(u.percentile ?? 0) : null;
    rows.push(h('tr', {
      'data-testid': 'compare-row', 'data-unit': u.unit, 'data-raw': rawAttr(c),
      'data-rank': ranked ? String(u.rank) : '', 'data-percentile': ranked ? String(percentile) : '',
    },
    h('td', { class: 'num' }, ranked ? String(u.rank) : '—'),
    h('th', { scope: 'row', title: unitName(u.unit).long }, unitName(u.unit).short),
    h('td', { class: 'bar-cell' }, compareBar(c, national, max, 'bar-compare'), ' ', defLink(body.indicator, cellNode(u, format))),
    h('td', { class: 'right num' }, c.kind === 'value' && c.n > 0 ? fmt.count(c.n) : '—'),
    h('td', { class: 'num' }, ranked ? `${percentile.toLocaleString('en-US', { maximumFractionDigits: 1 })}${ordinal(percentile)} percentile` : '—')));
  }
  if (!nationPlaced) rows.push(nationRow());
  const table = h('table', { class: 'data-table compact compare-table', 'data-testid': 'compare-table' },
    h('caption', {}, `${entry.label}, ${periodName(body.period)}: ${KIND_NOUNS[body.kind]?.[1] ?? body.kind} ranked, highest first`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Rank'), h('th', { scope: 'col' }, noun.replace(/^./, (ch) => ch.toUpperCase())),
      h('th', { scope: 'col' }, entry.label), h('th', { scope: 'col', class: 'right' }, 'Based on'), h('th', { scope: 'col' }, 'Percentile'))),
    h('tbody', {}, rows));
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch swatch-compare' }), `${noun.replace(/^./, (ch) => ch.toUpperCase())} `,
    h('span', { class: 'swatch swatch-national-tick' }), 'The national figure ',
    h('span', { class: 'swatch swatch-suppressed' }), 'Suppressed: listed last, unranked');
  $('compare-chart').replaceChildren(legend, units.length ? table : empty(`No ${KIND_NOUNS[body.kind]?.[1] ?? 'units'} have this figure for ${periodName(body.period)}.`));
}

// The figures the trend and comparison can show: the catalogue's single
// indicators (families have a figure per member), by group.
function fillIndicatorSelect() {
  const sel = $('indicator-select');
  sel.replaceChildren();
  const groups = new Map();
  for (const i of CATALOGUE) {
    if (i.family) continue;
    if (!groups.has(i.group)) groups.set(i.group, []);
    groups.get(i.group).push(i);
  }
  for (const [group, list] of groups) sel.append(h('optgroup', { label: group }, list.map((i) => h('option', { value: i.jsonName }, i.label))));
  if (!INDICATOR_BY_JSON.has(state.indicator)) state.indicator = INDICATOR_BY_JSON.has('lnfShare') ? 'lnfShare' : (CATALOGUE.find((i) => !i.family)?.jsonName ?? '');
  sel.value = state.indicator;
}

// --------------------------------------------------------------- feed ---

function feedParams() {
  return {
    type: $('event-type-filter').value,
    unit: $('event-unit-filter').value,
    visibility: $('event-visibility-filter').value,
  };
}

function setStreamStatus(stateName, text) {
  const el = $('stream-status');
  el.dataset.state = stateName;
  el.textContent = text;
}

const eventKey = (ev) => ev.eventId || `${ev.conditionKey}|${ev.emittedAt}|${ev.resolved}`;

function addEvents(list, { fromStream }) {
  const feed = state.feed;
  let added = 0;
  for (const ev of list) {
    if (!ev || typeof ev !== 'object') continue;
    const id = eventKey(ev);
    if (feed.ids.has(id)) continue;
    feed.ids.add(id);
    feed.events.push(ev);
    added += 1;
    if (fromStream && ev.type === 'EVENT_TYPE_SCORECARD_PUBLISHED') maybeRefreshFor(ev);
  }
  if (feed.events.length > MAX_EVENTS) {
    // Routine "figures updated" notices go first, oldest first; alerts stay.
    let excess = feed.events.length - MAX_EVENTS;
    const kept = [];
    for (const ev of feed.events) {
      if (excess > 0 && ev.type === 'EVENT_TYPE_SCORECARD_PUBLISHED') {
        feed.ids.delete(eventKey(ev));
        excess -= 1;
      } else kept.push(ev);
    }
    const drop = kept.splice(0, Math.max(0, excess));
    for (const ev of drop) feed.ids.delete(eventKey(ev));
    feed.events = kept;
  }
  if (added) scheduleFeedRender();
}

function scheduleFeedRender() {
  if (state.feed.renderQueued) return;
  state.feed.renderQueued = true;
  requestAnimationFrame(() => {
    state.feed.renderQueued = false;
    renderFeed();
  });
}

// Event facts (SPEC §6) are a map of numbers: indicator cells as `name`,
// `name.n` and `name.suppressed`; enums as their numbers; `failed.C2`-style
// flags. They are put into plain sentences here.
const TIER_NAMES = ['unspecified', 'CPOT (most-wanted)', 'RPOT (regional most-wanted)', 'national priority (PTO)', 'regional priority (PTO)', 'local priority (PTO)'];
const RESULT_NAMES = ['unspecified', 'substantiated', 'partly substantiated', 'unsubstantiated'];
const BAND_NAMES = ['unspecified', 'low', 'middle', 'high'];
const MITIGATING_NAMES = ['unspecified', 'none', 'minor role', 'minimal role'];
const OUTCOME_NAMES = ['unspecified', 'disrupted', 'dismantled'];
const CRITERIA_NAMES = { C1: 'designated organization', C2: 'independent evidence', C3: 'direct evidence', C4: 'corroborated testimony', C5: 'proximity', C6: 'recency' };
const ROMAN = ['', 'I', 'II', 'III', 'IV', 'V', 'VI'];
function describeFacts(ev) {
  const raw = ev.facts && typeof ev.facts === 'object' ? ev.facts : {};
  const cells = new Map(); // base name → {value, n, suppressed}
  const failed = [];
  const bounds = []; // a budget line's failed criteria: {name, op, bound}
  const undefinedCells = new Set();
  for (const [key, v] of Object.entries(raw)) {
    const num = typeof v === 'number' ? v : Number(v);
    if (key.startsWith('failed.')) {
      if (num) failed.push(key.slice(7));
      continue;
    }
    const crit = /^(at_most|at_least|undefined)\.(.*)$/.exec(key);
    if (crit) {
      if (crit[1] === 'undefined') undefinedCells.add(crit[2]);
      else bounds.push({ name: crit[2], op: crit[1] === 'at_most' ? 'at most' : 'at least', bound: num });
      continue;
    }
    const m = /^(.*)\.(n|suppressed)$/.exec(key);
    const base = m ? m[1] : key;
    const c = cells.get(base) ?? {};
    if (m && m[2] === 'n') c.n = num;
    else if (m) c.suppressed = Boolean(num);
    else c.value = Number.isFinite(num) ? num : v;
    cells.set(base, c);
  }
  if (failed.length) cells.set('failed', { value: failed.sort() });
  const type = ev.type;
  const order = FACT_ORDER[type];
  const bases = order ? order.filter((b) => cells.has(b)) : [...cells.keys()].sort();
  const lines = [];
  const num = (b) => (typeof cells.get(b)?.value === 'number' ? cells.get(b).value : null);
  for (const base of bases) {
    const c = cells.get(base);
    const v = typeof c.value === 'number' ? c.value : null;
    const based = c.n > 0 ? ` (based on ${fmt.count(c.n)})` : '';
    const ind = INDICATOR_BY_SNAKE.get(base);
    let line = null;
    if (base === 'threshold' && v !== null) {
      // The pair rules' minimum: people sentenced, or (mandatory minimums)
      // LNF people sentenced.
      const lnfMin = num('min_lnf_sentenced');
      const min = lnfMin ?? num('min_sentenced');
      const who = lnfMin !== null ? 'low-level, nonviolent, first-time people sentenced' : 'people sentenced';
      const withMin = min ? `, with at least ${fmt.count(min)} ${who}` : '';
      if (type === 'EVENT_TYPE_FRUITION_GAP') line = `Alert line: a gap of ${Math.round(v * 100)} points or more${withMin}`;
      else if (type === 'EVENT_TYPE_LNF_SHARE_HIGH' || type === 'EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH') line = `Alert line: ${Math.round(v * 100)}% or more${withMin}`;
      else if (type === 'EVENT_TYPE_TARGET_OVERSHOOT') line = `Alert line: ${Math.round(v * 100)}% of target or more`;
      else line = `Alert line: ${fmt.number(v)}`;
    } else if (base === 'target_ratio') {
      if (c.suppressed) line = `Reported vs target: ${SUPPRESSED_TEXT}`;
      else if (v !== null) {
        const reported = num('reported');
        const target = num('target');
        line = reported !== null && target !== null
          ? `Reported ${fmt.count(reported)} against a target of ${fmt.count(target)}: ${Math.round(v * 100)}% of target`
          : `${Math.round(v * 100)}% of target`;
      }
    } else if (c.suppressed) {
      line = `${ind?.label ?? humanize(base)}: ${SUPPRESSED_TEXT}`;
    } else if (ind) {
      if (v === null) line = c.n === 0 ? `${ind.label}: —` : null;
      else if (['pct', 'points', 'score'].includes(ind.format)) line = `${ind.label}: ${fmt[ind.format](v)}${based}`;
      else line = `${ind.label}: ${fmt[ind.format](v)}`;
    } else if (v === null && base !== 'failed') {
      line = `${humanize(base)}: ${String(c.value)}`;
    } else {
      switch (base) {
        case 'tier': line = `Organization tier claimed: ${TIER_NAMES[v] ?? v}`; break;
        case 'result': line = `Evidence assessment: ${RESULT_NAMES[v] ?? v}`; break;
        case 'claim_result': line = `The link claim was assessed: ${RESULT_NAMES[v] ?? v}`; break;
        case 'failed': line = `Criteria not met: ${c.value.map((k) => (CRITERIA_NAMES[k] ? `${k} (${CRITERIA_NAMES[k]})` : k)).join(', ')}`; break;
        case 'evidence_items': line = `Evidence items: ${fmt.count(v)}`; break;
        case 'desert_score': {
          const band = num('desert_band');
          line = `Culpability score from the court's facts: ${fmt.number(v)} / 100${band ? ` (${BAND_NAMES[band] ?? band})` : ''}`;
          break;
        }
        case 'lnf': line = `Low-level, nonviolent, first-time: ${v ? 'yes' : 'no'}`; break;
        case 'mitigating_role': line = `Mitigating role found by the court: ${MITIGATING_NAMES[v] ?? v}`; break;
        case 'sentence_months': line = `Sentence: ${fmt.count(v)} months`; break;
        case 'criminal_history_category': line = `Criminal history category: ${ROMAN[v] ?? v}`; break;
        case 'districts_declined': line = `Districts that declined: ${fmt.count(v)}`; break;
        case 'districts_charged': line = `Districts that charged: ${fmt.count(v)}`; break;
        case 'declinations': line = `Declinations: ${fmt.count(v)}`; break;
        case 'charges': line = `Charges: ${fmt.count(v)}`; break;
        case 'outcome': line = `Reported as: ${OUTCOME_NAMES[v] ?? v}`; break;
        case 'pending': line = `Still pending: ${v ? 'yes' : 'no'}`; break;
        case 'fiscal_year': line = `Counted in fiscal year ${v}`; break;
        case 'bodies': line = `Different versions received: ${fmt.count(v)}`; break;
        case 'amount_usd': line = `Budget line: ${fmt.usd(v)}`; break;
        case 'criteria': line = `Outcome criteria the line is pegged to: ${fmt.count(v)}`; break;
        case 'criteria_failed': line = `Of those, not met on the public scorecard: ${fmt.count(v)}`; break;
        default: line = `${humanize(base)}: ${fmt.number(v)}`;
      }
    }
    if (line) lines.push(line);
  }
  // BUDGET_CRITERIA_UNMET: each failed criterion, the value found beside
  // the bound.
  for (const { name, op, bound } of bounds.sort((a, b) => a.name.localeCompare(b.name))) {
    const c = cells.get(name) ?? {};
    const ind = INDICATOR_BY_SNAKE.get(name);
    const f = ind && fmt[ind.format] && ind.format !== 'ratio' ? fmt[ind.format] : fmt.number;
    const found = c.suppressed ? SUPPRESSED_TEXT
      : undefinedCells.has(name) || typeof c.value !== 'number' ? 'no value' : f(c.value);
    lines.push(`Not met: ${ind?.label ?? humanize(name)} is ${found}, ${op} ${f(bound)} required`);
  }
  return lines;
}

function humanize(key) {
  const t = key.replace(/^target_ratio:/, 'target ratio ').replaceAll('_', ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function renderFeed() {
  const list = $('event-feed');
  const hidePublished = $('hide-published').checked && $('event-type-filter').value !== 'EVENT_TYPE_SCORECARD_PUBLISHED';
  const events = state.feed.events;
  const latestOfKey = new Map();
  for (const ev of events) if (ev.conditionKey) latestOfKey.set(ev.conditionKey, ev);
  const shown = [];
  for (let i = events.length - 1; i >= 0 && shown.length < MAX_SHOWN; i--) {
    const ev = events[i];
    if (hidePublished && ev.type === 'EVENT_TYPE_SCORECARD_PUBLISHED') continue;
    shown.push(ev);
  }
  const items = shown.map((ev) => {
    const [label, explain] = EVENT_TYPES[ev.type] ?? [String(ev.type ?? 'Alert').replace(/^EVENT_TYPE_/, '').replaceAll('_', ' ').toLowerCase(), ''];
    const resolved = ev.resolved === true;
    const restricted = ev.visibility === 'VISIBILITY_RESTRICTED';
    const superseded = ev.conditionKey && latestOfKey.get(ev.conditionKey) !== ev;
    const sev = ev.severity ?? 'SEVERITY_INFO';
    const facts = describeFacts(ev).slice(0, 8).map((line) => h('li', {}, line));
    const when = ev.emittedAt ? new Date(ev.emittedAt) : null;
    const whenText = when && !Number.isNaN(when.getTime())
      ? when.toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: 'UTC' }) + ' UTC'
      : '';
    return h('li', {
      class: `event sev-${sev.replace('SEVERITY_', '').toLowerCase()}${resolved ? ' resolved' : ''}${superseded ? ' superseded' : ''}`,
      'data-testid': 'event', 'data-event-id': ev.eventId ?? '', 'data-type': ev.type ?? '', 'data-unit': ev.unit ?? '',
      'data-period': ev.period ?? '', 'data-org-id': ev.orgId ?? '', 'data-visibility': ev.visibility ?? '',
      'data-severity': sev, 'data-resolved': String(resolved), 'data-condition-key': ev.conditionKey ?? '',
    },
    h('div', { class: 'event-head' },
      h('span', { class: 'event-type', title: explain }, label),
      h('span', { class: `badge badge-${sev.replace('SEVERITY_', '').toLowerCase()}`, 'data-testid': 'severity' }, SEVERITY_LABELS[sev] ?? sev),
      resolved
        ? h('span', { class: 'badge badge-resolved', 'data-testid': 'resolved-badge', title: 'The condition no longer holds' }, 'Resolved')
        : ev.type === 'EVENT_TYPE_SCORECARD_PUBLISHED' ? null
          : h('span', { class: 'badge badge-open', 'data-testid': 'open-badge', title: 'The condition still holds' }, 'Open'),
      restricted ? h('span', { class: 'badge badge-restricted', title: 'Visible to overseers and the agency it concerns only' }, 'Restricted') : null,
      accountabilityBadge(ev.accountability)),
    h('div', { class: 'event-where' },
      ev.unit ? h('span', { title: unitName(ev.unit).long }, unitName(ev.unit).short) : null,
      ev.period ? h('span', { title: periodName(ev.period) }, ev.period) : null,
      ev.orgId ? h('span', {}, `organization ${ev.orgId}`) : null,
      ev.subjectPid ? h('span', { title: 'Pseudonymous person id' }, `person ${String(ev.subjectPid).slice(0, 10)}…`) : null,
      whenText ? h('time', { datetime: ev.emittedAt }, whenText) : null),
    facts.length ? h('ul', { class: 'event-facts' }, facts) : null,
    accountabilityDetail(ev.accountability),
    superseded ? h('p', { class: 'event-note' }, 'A later alert updates this condition.') : null);
  });
  if (!items.length) {
    const filtered = $('event-type-filter').value || $('event-unit-filter').value || $('event-visibility-filter').value;
    items.push(h('li', { class: 'event-empty' }, filtered ? 'No alerts match these filters yet.' : 'No alerts yet.'));
  }
  list.replaceChildren(...items);
  list.dataset.count = String(shown.length);
}

async function loadHistory(gen, params) {
  // Pages oldest → newest; returns the cursor to stream from.
  let after = '';
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    const body = await api(`/api/v1/events${query({ ...params, after, limit: HISTORY_PAGE })}`, { signal: state.feed.controller?.signal });
    if (gen !== state.feed.generation) return null;
    const events = Array.isArray(body?.events) ? body.events : [];
    addEvents(events, { fromStream: false });
    const next = body?.next ?? '';
    if (!events.length || !next || next === after) {
      if (next) after = next;
      break;
    }
    after = next;
    if (events.length < HISTORY_PAGE) break;
  }
  return after;
}

function restartFeed() {
  const feed = state.feed;
  feed.generation += 1;
  if (feed.controller) feed.controller.abort();
  feed.controller = new AbortController();
  feed.events = [];
  feed.ids = new Set();
  feed.lastId = '';
  feed.retryMs = 1000;
  renderFeed();
  runFeed(feed.generation);
}

async function runFeed(gen) {
  const feed = state.feed;
  const params = feedParams();
  setStreamStatus('connecting', 'Loading earlier alerts…');
  try {
    const cursor = await loadHistory(gen, params);
    if (cursor === null) return;
    feed.lastId = cursor;
  } catch (err) {
    if (gen !== feed.generation || err.name === 'AbortError') return;
    if (err.status === 403) {
      setStreamStatus('error', 'Restricted alerts need an overseer\'s or an agency\'s token.');
      return;
    }
    setStreamStatus('reconnecting', `Could not load alerts (${err.message}); retrying…`);
    setTimeout(() => { if (gen === feed.generation) runFeed(gen); }, nextRetry());
    return;
  }
  streamLoop(gen, params);
}

function nextRetry() {
  const feed = state.feed;
  const ms = feed.retryMs;
  feed.retryMs = Math.min(feed.retryMs * 2, 15_000);
  return ms + Math.floor(Math.random() * 250);
}

async function streamLoop(gen, params) {
  const feed = state.feed;
  while (gen === feed.generation) {
    try {
      await streamOnce(gen, params);
      if (gen !== feed.generation) return;
      setStreamStatus('reconnecting', 'Live feed closed by the server; reconnecting…');
    } catch (err) {
      if (gen !== feed.generation) return;
      if (err.status === 403) {
        setStreamStatus('error', 'Restricted alerts need an overseer\'s or an agency\'s token.');
        return;
      }
      if (err.status === 401) return; // onTokenRejected restarts everything
      const wait = nextRetry();
      setStreamStatus('reconnecting', `Live feed interrupted; reconnecting in ${Math.round(wait / 1000)} s…`);
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    await new Promise((r) => setTimeout(r, nextRetry()));
  }
}

// One connection to the stream: resolves when the server ends it, throws on
// errors. SSE is parsed here (fields id, event, data; ':' lines are comments).
async function streamOnce(gen, params) {
  const feed = state.feed;
  const controller = new AbortController();
  const outer = feed.controller;
  const onOuterAbort = () => controller.abort();
  outer?.signal.addEventListener('abort', onOuterAbort, { once: true });
  let stallTimer = null;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => controller.abort(), STALL_MS);
  };
  try {
    const headers = authHeaders({ Accept: 'text/event-stream' });
    if (feed.lastId) headers['Last-Event-ID'] = feed.lastId;
    armStall();
    let res;
    try {
      res = await fetch(`/api/v1/events/stream${query({ ...params, after: feed.lastId })}`, { headers, signal: controller.signal, cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, 'UNAVAILABLE', err.name === 'AbortError' ? 'timed out' : 'cannot reach the server');
    }
    if (!res.ok) {
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      if (res.status === 401 && state.token) onTokenRejected();
      throw new ApiError(res.status, body?.error?.code, body?.error?.message);
    }
    if (!res.body) throw new ApiError(0, 'UNAVAILABLE', 'this browser cannot read streams');
    feed.retryMs = 1000;
    setStreamStatus('live', 'Live: new alerts appear at the top.');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let data = [];
    let eventName = '';
    let id = null;
    const dispatch = () => {
      if (id !== null) feed.lastId = id;
      if (data.length && (eventName === '' || eventName === 'oversight' || eventName === 'message')) {
        try {
          addEvents([JSON.parse(data.join('\n'))], { fromStream: true });
        } catch {
          // a malformed event is skipped; the cursor still moves on
        }
      }
      data = [];
      eventName = '';
      id = null;
    };
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new ApiError(0, 'UNAVAILABLE', 'stream interrupted');
      }
      if (gen !== feed.generation) return;
      if (chunk.done) return;
      armStall();
      buffer += chunk.value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A lone '\r' at the end of the buffer may be the first half of '\r\n'.
        if (buffer[nl] === '\r' && nl === buffer.length - 1) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          dispatch();
          continue;
        }
        if (line.startsWith(':')) continue; // keepalive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') eventName = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
    }
  } finally {
    clearTimeout(stallTimer);
    outer?.signal.removeEventListener('abort', onOuterAbort);
    controller.abort();
  }
}

// A "figures updated" event for what is on screen: refresh shortly (bursts
// of updates are coalesced).
function maybeRefreshFor(ev) {
  const relevant = ev.period === state.period || ev.period === fiscalYearOf(state.period) || ev.unit === state.unit;
  if (!relevant) return;
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    loadFigures();
    loadDetail();
  }, 2000);
}

// ------------------------------------------------------ accountability ---

// SPEC §11: agencies answer the conditions flagged about them, overseers
// decide on the answers. Each event carries its condition's `accountability`
// (status for everybody; the answer and decision in full for overseers and
// the agency concerned). Answers and decisions are sent to
// POST /api/v1/reports, which the gateway forwards to intake with this
// page's bearer token (never a cookie: another site cannot make the browser
// send it).
const STATUS_WORDS = { answered: 'Answered', accepted: 'Accepted', rejected: 'Rejected', 'needs more': 'Needs more' };
const DECISION_WORDS = { DECISION_ACCEPTED: 'accepted', DECISION_REJECTED: 'rejected', DECISION_NEEDS_MORE: 'needs more' };
const MAX_EXPLANATION = 4000;
const MAX_CORRECTIVE = 1000;
const MAX_NOTE = 4000;
const ANSWER_PAGES = 50; // of 1000 events each
const FLAGS_SHOWN = 100;
const CONFIRM_MS = 60_000; // how long to wait for the gateway to show a sent report
const chars = (text) => [...text].length; // intake counts characters, not UTF-16 units

// Every kind of alert but the routine "figures updated" notice.
const flagTypes = () => Object.keys(EVENT_TYPES).filter((t) => t !== 'EVENT_TYPE_SCORECARD_PUBLISHED');

function accountabilityBadge(acc) {
  const status = acc?.status;
  if (!status) return null;
  return h('span', {
    class: `badge badge-answer badge-answer-${status.replace(' ', '-')}`, 'data-testid': 'accountability-status', 'data-status': status,
    title: 'Where the agency\'s answer stands: answered (awaiting an overseer), accepted, rejected or needs more',
  }, STATUS_WORDS[status] ?? status);
}

// The answer and decision, for the readers who get them in full.
function accountabilityDetail(acc) {
  const r = acc?.response;
  const d = acc?.decision;
  if (!r && !d) return null;
  return h('dl', { class: 'answer-detail', 'data-testid': 'accountability-detail' },
    r ? h('div', {}, h('dt', {}, `Answer from ${r.reporter ?? 'the agency'}`), h('dd', { 'data-testid': 'answer-explanation' }, r.explanation ?? '')) : null,
    r?.correctiveAction ? h('div', {}, h('dt', {}, 'Corrective action'), h('dd', { 'data-testid': 'answer-corrective' }, r.correctiveAction)) : null,
    d ? h('div', {}, h('dt', {}, `Decision by ${d.reporter ?? 'an overseer'}`),
      h('dd', { 'data-testid': 'decision-text' }, DECISION_WORDS[d.decision] ?? String(d.decision ?? ''), d.note ? ` — ${d.note}` : '')) : null);
}

// Every event of `params`, oldest first (page after page).
async function everyEvent(params) {
  const out = [];
  let after = '';
  for (let page = 0; page < ANSWER_PAGES; page++) {
    const body = await api(`/api/v1/events${query({ ...params, after, limit: 1000 })}`);
    const events = Array.isArray(body?.events) ? body.events : [];
    out.push(...events);
    const next = body?.next ?? '';
    if (!events.length || !next || next === after) break;
    after = next;
  }
  return out;
}

// The latest event of each condition key, newest first.
function latestPerCondition(events) {
  const latest = new Map();
  for (const ev of events) if (ev.conditionKey) latest.set(ev.conditionKey, ev);
  return [...latest.values()].reverse();
}

function showAnswerPanels() {
  $('flags-panel').hidden = state.role !== 'agency';
  $('decisions-panel').hidden = state.role !== 'overseer';
  for (const el of document.querySelectorAll('[data-principal-name]')) el.textContent = state.principal || 'your agency';
  if (state.role !== 'agency') $('flags-list').replaceChildren();
  if (state.role !== 'overseer') $('decisions-list').replaceChildren();
}

async function loadAnswers() {
  const gen = ++state.answersGeneration;
  const jobs = [loadAnswerCounts(gen)];
  if (state.role === 'agency') jobs.push(loadFlags(gen));
  if (state.role === 'overseer') jobs.push(loadDecisions(gen));
  await Promise.allSettled(jobs);
}

// Per agency: its public flags, and how many were answered or decided and
// accepted (the public's view: statuses only).
async function loadAnswerCounts(gen) {
  const box = $('answer-counts');
  const agencies = state.units.filter((u) => kindOf(u) === 'agency').map((u) => u.slice('agency:'.length));
  if (!catalogueLoaded || !agencies.length) {
    box.replaceChildren(empty('No agency has figures yet.'));
    return;
  }
  let rows;
  try {
    rows = await Promise.all(agencies.map(async (agency) => {
      const flags = latestPerCondition(await everyEvent({ about: agency, visibility: 'VISIBILITY_PUBLIC', type: flagTypes().join(',') }));
      const status = (ev) => ev.accountability?.status ?? '';
      return { agency, flagged: flags.length, answered: flags.filter((ev) => status(ev)).length, accepted: flags.filter((ev) => status(ev) === 'accepted').length };
    }));
  } catch (err) {
    if (gen === state.answersGeneration) box.replaceChildren(empty(`Could not load the flags (${err.message}).`));
    return;
  }
  if (gen !== state.answersGeneration) return;
  box.replaceChildren(h('table', { class: 'answer-counts' },
    h('caption', { class: 'visually-hidden' }, 'Public flags per agency: raised, answered or decided, accepted'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Agency'), h('th', { scope: 'col' }, 'Flagged'),
      h('th', { scope: 'col' }, 'Answered or decided'), h('th', { scope: 'col' }, 'Accepted'))),
    h('tbody', {}, rows.map((r) => h('tr', {
      'data-testid': 'answer-count-row', 'data-agency': r.agency, 'data-flagged': r.flagged, 'data-answered': r.answered, 'data-accepted': r.accepted,
    }, h('th', { scope: 'row', title: unitName(`agency:${r.agency}`).long }, unitName(`agency:${r.agency}`).short),
    h('td', {}, fmt.count(r.flagged)), h('td', {}, fmt.count(r.answered)), h('td', {}, fmt.count(r.accepted)))))));
}

// The title line of a flag: its kind, where and when, its status.
function flagHead(ev) {
  const [label] = EVENT_TYPES[ev.type] ?? [String(ev.type ?? '').replace(/^EVENT_TYPE_/, '')];
  return h('div', { class: 'event-head' },
    h('span', { class: 'event-type' }, label),
    ev.visibility === 'VISIBILITY_RESTRICTED' ? h('span', { class: 'badge badge-restricted' }, 'Restricted') : null,
    accountabilityBadge(ev.accountability) ?? h('span', { class: 'badge badge-unanswered', 'data-testid': 'accountability-status', 'data-status': '' }, 'Not answered'),
    h('span', { class: 'flag-where' }, [ev.unit ? unitName(ev.unit).short : '', ev.period ?? ''].filter(Boolean).join(' · ')),
    h('code', { class: 'flag-key' }, ev.conditionKey));
}

let formSeq = 0;
// A labelled text area with a live character counter.
function textField(name, label, max, required) {
  const id = `f${++formSeq}-${name}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label, required ? '' : ' (optional)'),
    h('textarea', { id, name, rows: name === 'explanation' || name === 'note' ? 4 : 2, maxlength: max, required, 'aria-describedby': `${id}-count`, 'data-max': max, 'data-testid': `${name}-input` }),
    h('p', { id: `${id}-count`, class: 'counter', 'data-testid': `${name}-counter` }, `0 of ${fmt.count(max)} characters`));
}

function onFormInput(e) {
  const area = e.target;
  const form = area.closest('form');
  if (form) delete form.dataset.reportId; // a changed text is a new report
  if (area.tagName !== 'TEXTAREA') return;
  const counter = $(area.getAttribute('aria-describedby'));
  const n = chars(area.value);
  const max = Number(area.dataset.max);
  counter.textContent = `${fmt.count(n)} of ${fmt.count(max)} characters`;
  counter.dataset.over = String(n > max);
}

async function loadFlags(gen) {
  const list = $('flags-list');
  let flags;
  try {
    flags = latestPerCondition(await everyEvent({ about: state.principal, type: flagTypes().join(',') })).filter((ev) => ev.resolved !== true);
  } catch (err) {
    if (gen === state.answersGeneration) list.replaceChildren(h('li', { class: 'event-empty' }, `Could not load your flags (${err.message}).`));
    return;
  }
  if (gen !== state.answersGeneration) return;
  const items = flags.slice(0, FLAGS_SHOWN).map((ev) => h('li', {
    class: 'flag', 'data-testid': 'flag', 'data-condition-key': ev.conditionKey, 'data-status': ev.accountability?.status ?? '',
  }, flagHead(ev), accountabilityDetail(ev.accountability), state.acceptsReports ? answerForm(ev) : null));
  if (!items.length) items.push(h('li', { class: 'event-empty' }, `No open flags about ${state.principal}.`));
  if (flags.length > FLAGS_SHOWN) items.push(h('li', { class: 'event-empty' }, `The ${FLAGS_SHOWN} newest of ${fmt.count(flags.length)} open flags are shown.`));
  list.replaceChildren(...items);
  if (!state.acceptsReports) $('flags-send-status').textContent = 'This server does not take answers from the dashboard: send them with fruitctl respond.';
}

function answerForm(ev) {
  return h('details', { class: 'answer-form' },
    h('summary', {}, ev.accountability?.response ? 'Answer again' : 'Answer this flag'),
    h('form', { 'data-testid': 'answer-form', 'data-condition-key': ev.conditionKey, novalidate: true },
      textField('explanation', 'Explanation', MAX_EXPLANATION, true),
      textField('correctiveAction', 'Corrective action', MAX_CORRECTIVE, false),
      h('button', { type: 'submit', 'data-testid': 'send-answer' }, 'Send the answer')));
}

async function loadDecisions(gen) {
  const list = $('decisions-list');
  let answered;
  try {
    answered = latestPerCondition(await everyEvent({ type: flagTypes().join(',') })).filter((ev) => ev.accountability?.response);
  } catch (err) {
    if (gen === state.answersGeneration) list.replaceChildren(h('li', { class: 'event-empty' }, `Could not load the answers (${err.message}).`));
    return;
  }
  if (gen !== state.answersGeneration) return;
  answered.sort((a, b) => Number(b.accountability.status === 'answered') - Number(a.accountability.status === 'answered'));
  const items = answered.slice(0, FLAGS_SHOWN).map((ev) => h('li', {
    class: 'flag', 'data-testid': 'decision-item', 'data-condition-key': ev.conditionKey, 'data-status': ev.accountability.status,
  }, flagHead(ev), accountabilityDetail(ev.accountability), state.acceptsReports ? decisionForm(ev) : null));
  if (!items.length) items.push(h('li', { class: 'event-empty' }, 'No agency has answered a flag yet.'));
  list.replaceChildren(...items);
  if (!state.acceptsReports) $('decisions-send-status').textContent = 'This server does not take decisions from the dashboard: send them with fruitctl decide.';
}

function decisionForm(ev) {
  return h('form', { class: 'decision-form', 'data-testid': 'decision-form', 'data-condition-key': ev.conditionKey, 'data-agency': ev.accountability.response.reporter ?? '', novalidate: true },
    textField('note', 'Note to the agency', MAX_NOTE, false),
    h('div', { class: 'decision-buttons', role: 'group', 'aria-label': 'Decision' },
      h('button', { type: 'submit', name: 'decision', value: 'DECISION_ACCEPTED', 'data-testid': 'decide-accept' }, 'Accept'),
      h('button', { type: 'submit', name: 'decision', value: 'DECISION_REJECTED', 'data-testid': 'decide-reject' }, 'Reject'),
      h('button', { type: 'submit', name: 'decision', value: 'DECISION_NEEDS_MORE', 'data-testid': 'decide-needs-more' }, 'Needs more')));
}

function newReportId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${state.principal}-dash-${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// POSTs one report; resolves to {reportId} or throws ApiError with the
// server's message (which names the field).
async function postReport(report) {
  let res;
  try {
    res = await fetch('/api/v1/reports', { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(report), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', 'Cannot reach the Fruition server; send it again.');
  }
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const e = new ApiError(res.status, body?.error?.code, body?.error?.message);
    e.retryAfter = res.headers.get('Retry-After');
    throw e;
  }
  return body;
}

function sendFailure(err) {
  const wait = err.retryAfter ? ` Try again in ${err.retryAfter} s.` : '';
  return `Not sent (${err.status || 'no answer'} ${err.code ?? ''}): ${err.message}.${wait}`;
}

// Sends the form's report (the same reportId until it is accepted or the
// text changes, so a resend after an error is safe), then waits for the
// gateway to show it on the condition's events.
async function sendReport(form, statusEl, body, kind) {
  const key = form.dataset.conditionKey;
  if (!form.dataset.reportId) form.dataset.reportId = newReportId();
  const report = { reportId: form.dataset.reportId, reporter: state.principal, occurredAt: new Date().toISOString(), ...body };
  for (const b of form.querySelectorAll('button')) b.disabled = true;
  statusEl.dataset.state = 'sending';
  statusEl.textContent = `Sending your ${kind} on ${key}…`;
  let sent;
  try {
    sent = await postReport(report);
  } catch (err) {
    statusEl.dataset.state = 'error';
    statusEl.textContent = sendFailure(err);
    for (const b of form.querySelectorAll('button')) b.disabled = false;
    return;
  }
  delete form.dataset.reportId;
  statusEl.dataset.state = 'sent';
  statusEl.dataset.reportId = sent?.reportId ?? report.reportId;
  statusEl.textContent = `Accepted by intake as report ${sent?.reportId ?? report.reportId}${sent?.duplicate ? ' (already received)' : ''}. Waiting for it to show on ${key}…`;
  const shown = await awaitShown(key, report.reportId, form.dataset.agency || state.principal);
  statusEl.dataset.state = shown ? 'shown' : 'sent';
  statusEl.textContent = shown
    ? `Your ${kind} on ${key} is recorded: status "${shown.accountability?.status}".`
    : `Accepted by intake as report ${report.reportId}; it is not shown yet (the servers are catching up). Refresh later.`;
  loadAnswers();
}

// Polls the condition's events until one carries report `reportId` as its
// answer or decision; the feed's copies are updated with it. Null after
// CONFIRM_MS.
async function awaitShown(key, reportId, agency) {
  const deadline = Date.now() + CONFIRM_MS;
  while (Date.now() < deadline) {
    try {
      const events = (await everyEvent({ about: agency, type: flagTypes().join(',') })).filter((ev) => ev.conditionKey === key);
      const latest = events[events.length - 1];
      const acc = latest?.accountability;
      if (acc && (acc.response?.reportId === reportId || acc.decision?.reportId === reportId)) {
        for (const ev of state.feed.events) if (ev.conditionKey === key) ev.accountability = acc;
        scheduleFeedRender();
        return latest;
      }
    } catch {
      // try again until the deadline
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return null;
}

function sendAnswer(e) {
  e.preventDefault();
  const form = e.target;
  const explanation = form.elements.explanation.value.trim();
  const corrective = form.elements.correctiveAction.value.trim();
  const status = $('flags-send-status');
  if (!explanation || chars(explanation) > MAX_EXPLANATION || chars(corrective) > MAX_CORRECTIVE) {
    status.dataset.state = 'error';
    status.textContent = !explanation ? 'Explanation: required.'
      : chars(explanation) > MAX_EXPLANATION ? `Explanation: at most ${fmt.count(MAX_EXPLANATION)} characters.` : `Corrective action: at most ${fmt.count(MAX_CORRECTIVE)} characters.`;
    (explanation ? form.elements.correctiveAction : form.elements.explanation).focus();
    return;
  }
  const body = { conditionKey: form.dataset.conditionKey, explanation };
  if (corrective) body.correctiveAction = corrective;
  sendReport(form, status, { agencyResponse: body }, 'answer');
}

function sendDecision(e) {
  e.preventDefault();
  const form = e.target;
  const decision = e.submitter?.value;
  const note = form.elements.note.value.trim();
  const status = $('decisions-send-status');
  if (!DECISION_WORDS[decision]) return;
  if (chars(note) > MAX_NOTE) {
    status.dataset.state = 'error';
    status.textContent = `Note: at most ${fmt.count(MAX_NOTE)} characters.`;
    form.elements.note.focus();
    return;
  }
  // A different decision on the same text is a different report.
  if (form.dataset.decision !== decision) delete form.dataset.reportId;
  form.dataset.decision = decision;
  const body = { conditionKey: form.dataset.conditionKey, decision };
  if (note) body.note = note;
  sendReport(form, status, { oversightDecision: body }, `decision (${DECISION_WORDS[decision]})`);
}

// ------------------------------------------------------------- budgets ---

const OP_WORDS = { CRITERION_OP_AT_MOST: 'at most', CRITERION_OP_AT_LEAST: 'at least' };
const BASIS_WORDS = { CASELOAD: 'people sentenced', WEIGHTED_VALUE: 'weighted enforcement value', HIGH_DESERT: 'highly culpable people sentenced' };

// "$1,234.56" of a whole number of cents, exactly (cents are integers).
function usdCents(cents) {
  const c = Math.round(Number(cents));
  const sign = c < 0 ? '−' : '';
  const a = Math.abs(c);
  return `${sign}$${Math.floor(a / 100).toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}
// A criterion's bound or value in the indicator's own format.
function indicatorValue(snake, v) {
  const format = INDICATOR_BY_SNAKE.get(snake)?.format;
  return fmt[format] ? fmt[format](v) : fmt.number(v);
}
const indicatorLabel = (snake) => INDICATOR_BY_SNAKE.get(snake)?.label ?? humanize(snake);
const orNotPublished = (v, f) => (v === null || v === undefined ? 'not published' : f(Number(v)));

function budgetCriterion(c) {
  const has = c.found !== undefined && c.found !== null;
  const found = has ? `found ${indicatorValue(c.indicator, Number(c.found))}` : 'no public value (withheld or undefined)';
  return h('li', { class: 'budget-criterion', 'data-testid': 'budget-criterion', 'data-indicator': c.indicator, 'data-met': String(c.met === true), 'data-found': has ? String(c.found) : '' },
    h('span', { class: 'criterion-name' }, `${indicatorLabel(c.indicator)} ${OP_WORDS[c.op] ?? c.op} ${indicatorValue(c.indicator, Number(c.value))}: `),
    h('span', {}, `${found} — `),
    h('strong', { class: c.met ? 'verdict-met' : 'verdict-unmet' }, c.met ? 'met' : 'not met'));
}

function budgetLine(l, period) {
  const verdict = !l.judged ? `Not judged yet: ${l.agency} has no public scorecard for ${period}` : l.met ? 'All criteria met' : 'Criteria not met';
  return h('li', { class: 'budget-line', 'data-testid': 'budget-line', 'data-line-id': l.lineId, 'data-met': String(l.met === true), 'data-judged': String(l.judged === true) },
    h('div', { class: 'budget-head' },
      h('strong', {}, unitName(`agency:${l.agency}`).long),
      h('span', { class: 'budget-amount', 'data-testid': 'budget-amount' }, ` ${fmt.usd(Number(l.amountUsd))}`),
      h('span', { class: 'budget-id' }, ` (line ${l.lineId})`)),
    l.purpose ? h('p', { class: 'budget-purpose' }, l.purpose) : null,
    h('p', { class: `budget-verdict ${l.met ? 'verdict-met' : 'verdict-unmet'}`, 'data-testid': 'budget-verdict' }, verdict),
    l.criteria?.length ? h('ul', { class: 'budget-criteria' }, l.criteria.map(budgetCriterion)) : h('p', { class: 'explain' }, 'No criteria attached.'),
    h('p', { class: 'budget-actual', 'data-testid': 'budget-actual' },
      `${l.agency}'s budget for the year (all its lines), as its public scorecard shows it: ${orNotPublished(l.agencyBudgetUsd, fmt.usd)}; cost per highly culpable person sentenced: ${orNotPublished(l.agencyCostPerHighDesertSentence, fmt.usd)}.`));
}

let budgetsGeneration = 0;
async function loadBudgets() {
  const gen = ++budgetsGeneration;
  const fy = fiscalYearOf(state.period);
  const list = $('budget-lines');
  const status = $('budgets-status');
  list.dataset.period = '';
  if (!fy) {
    status.textContent = 'No fiscal year to show yet.';
    list.replaceChildren();
    return;
  }
  status.textContent = `Loading the budget lines of ${fy}…`;
  try {
    const body = await api(`/api/v1/budgets${query({ period: fy })}`);
    if (gen !== budgetsGeneration) return;
    const lines = body?.lines ?? [];
    list.replaceChildren(...lines.map((l) => budgetLine(l, fy)));
    const met = lines.filter((l) => l.met).length;
    status.textContent = lines.length
      ? `${lines.length} budget line${lines.length === 1 ? '' : 's'} for ${fy}: ${met} with every criterion met, ${lines.length - met} not.${body.lagsCurrent ? ` Some figures lag: ${LAG_TEXT}.` : ''}`
      : `No budget lines for ${fy}.`;
    list.dataset.period = fy;
  } catch (err) {
    if (gen !== budgetsGeneration) return;
    status.textContent = `Could not load the budget lines: ${err.message}`;
    list.replaceChildren();
  }
}

// POSTs a what-if; resolves to the answer or throws ApiError naming the field.
async function postWhatIf(body) {
  let res;
  try {
    res = await fetch('/api/v1/whatif', { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', 'Cannot reach the Fruition server.');
  }
  let answer = null;
  try { answer = await res.json(); } catch { answer = null; }
  if (!res.ok) throw new ApiError(res.status, answer?.error?.code, answer?.error?.message);
  return answer;
}

function leftOutNote(answer) {
  const left = answer.leftOut ?? [];
  if (!left.length) return null;
  return h('p', { class: 'explain', 'data-testid': 'whatif-left-out' }, `Left out: ${left.map((l) => `${unitName(l.unit).short} (${l.reason})`).join('; ')}.`);
}

function allocationTable(a) {
  const rows = (a.allocations ?? []).map((x) => h('tr', { 'data-testid': 'whatif-row', 'data-unit': x.unit, 'data-cents': String(x.cents), 'data-share': String(x.share) },
    h('th', { scope: 'row' }, unitName(x.unit).long),
    h('td', { class: 'right' }, usdCents(x.cents)),
    h('td', { class: 'right' }, fmt.pct(Number(x.share))),
    h('td', { class: 'right' }, orNotPublished(x.budgetUsd, fmt.usd))));
  const sum = (a.allocations ?? []).reduce((t, x) => t + Math.round(Number(x.cents)), 0);
  return h('table', { class: 'data-table' },
    h('caption', {}, `${fmt.usd(Number(a.totalUsd))} for ${a.period} in proportion to ${BASIS_WORDS[a.basis] ?? a.basis}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Agency'), h('th', { scope: 'col', class: 'right' }, 'Allocation'), h('th', { scope: 'col', class: 'right' }, 'Share'), h('th', { scope: 'col', class: 'right' }, 'Actual budget'))),
    h('tbody', {}, rows),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td', { class: 'right', 'data-testid': 'whatif-sum', 'data-cents': String(sum) }, usdCents(sum)), h('td', {}), h('td', {}))));
}

function cutTable(a, key) {
  const row = (x, national) => h('tr', { 'data-testid': 'cut-row', 'data-unit': x.unit, 'data-years': String(x.prisonYearsSaved), 'data-usd': String(x.usdSaved), class: national ? 'national-row' : null },
    h('th', { scope: 'row' }, unitName(x.unit).long),
    h('td', { class: 'right' }, fmt.years(Number(x.lnfPrisonYears))),
    h('td', { class: 'right' }, fmt.years(Number(x.prisonYearsSaved))),
    h('td', { class: 'right' }, fmt.usd(Number(x.usdSaved))));
  const what = key === 'lnfAdmissionsCutPct' ? 'fewer LNF people sent to prison' : 'shorter LNF sentences';
  return h('table', { class: 'data-table' },
    h('caption', {}, `${fmt.number(Number(a[key]))}% ${what}, ${a.period}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Unit'), h('th', { scope: 'col', class: 'right' }, 'LNF prison time imposed'), h('th', { scope: 'col', class: 'right' }, 'Prison time saved'), h('th', { scope: 'col', class: 'right' }, 'Dollars saved'))),
    h('tbody', {}, (a.units ?? []).map((x) => row(x, false)), a.national ? row(a.national, true) : null));
}

// Runs one what-if form: `body` is posted for the chosen fiscal year, the
// answer drawn by `draw` into `out`, an error shown as text in `status`.
async function runWhatIf(body, status, out, draw) {
  const fy = fiscalYearOf(state.period);
  status.dataset.state = 'sending';
  status.textContent = 'Computing…';
  out.replaceChildren();
  try {
    const answer = await postWhatIf({ period: fy, ...body });
    out.replaceChildren(draw(answer), leftOutNote(answer) ?? '');
    status.dataset.state = 'shown';
    status.textContent = `Computed on the public figures of ${fy}.${answer.lagsCurrent ? ` Some figures lag: ${LAG_TEXT}.` : ''}`;
  } catch (err) {
    status.dataset.state = 'error';
    status.textContent = `Could not compute (${err.status || 'no answer'} ${err.code ?? ''}): ${err.message}`;
  }
}

function onAllocate(e) {
  e.preventDefault();
  const text = $('whatif-total').value.trim().replace(/[,_\s$]/g, '');
  // Sent as the API takes it: a whole number, or the text itself so that
  // the server names what is wrong with it.
  const total = /^\d{1,15}$/.test(text) ? Number(text) : text;
  runWhatIf({ totalUsd: total, basis: $('whatif-basis').value }, $('whatif-status'), $('whatif-allocation'), allocationTable);
}

function onCut(e) {
  e.preventDefault();
  const key = $('cut-kind').value;
  const text = $('cut-pct').value.trim().replace(/%$/, '');
  const pct = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  runWhatIf({ [key]: pct }, $('cut-status'), $('cut-result'), (a) => cutTable(a, key));
}

// ---------------------------------------------------------------- main ---

async function reloadEverything() {
  try {
    if (!catalogueLoaded) {
      await loadCatalogues();
      fillFeedFilters();
      renderDefinitions();
      fillIndicatorSelect();
    }
    await loadUnits();
  } catch (err) {
    if (err.status === 401) return;
    setLoadStatus(`Could not reach the Fruition server (${err.message}). Retrying…`, 'error');
    setTimeout(reloadEverything, 3000);
    return;
  }
  writeHash();
  loadFigures();
  loadDetail();
  restartFeed();
  loadAnswers();
}

async function start() {
  readHash();
  $('unit-kind-select').value = state.unitKind;
  $('trend-grain').value = state.grain;
  setKindNouns();
  fillFeedFilters();
  try {
    state.token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    state.token = '';
  }
  if (state.token) {
    try {
      ({ role: state.role, principal: state.principal, acceptsReports: state.acceptsReports } = await roleOf(state.token));
    } catch (err) {
      if (err.status === 401) {
        state.token = '';
        state.role = 'public';
        sessionStorage.removeItem(TOKEN_KEY);
      } else {
        state.role = 'unknown';
      }
    }
  }
  showAuth();

  $('token-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('refresh').addEventListener('click', () => {
    loadFigures();
    loadDetail();
    loadAnswers();
  });
  $('whatif-form').addEventListener('submit', onAllocate);
  $('cut-form').addEventListener('submit', onCut);
  $('flags-list').addEventListener('submit', sendAnswer);
  $('decisions-list').addEventListener('submit', sendDecision);
  for (const id of ['flags-list', 'decisions-list']) $(id).addEventListener('input', onFormInput);
  $('period-select').addEventListener('change', (e) => {
    state.period = e.target.value;
    writeHash();
    loadFigures();
    loadDetail();
  });
  $('unit-kind-select').addEventListener('change', (e) => {
    state.unitKind = e.target.value;
    setKindNouns();
    fillUnitSelect();
    writeHash();
    loadFigures();
    loadDetail();
  });
  $('unit-select').addEventListener('change', (e) => {
    state.unit = e.target.value;
    writeHash();
    loadDetail();
  });
  for (const id of ['event-type-filter', 'event-unit-filter', 'event-visibility-filter']) {
    $(id).addEventListener('change', restartFeed);
  }
  $('hide-published').addEventListener('change', renderFeed);
  $('indicator-select').addEventListener('change', (e) => {
    state.indicator = e.target.value;
    writeHash();
    loadTrend();
    loadCompare();
  });
  $('trend-grain').addEventListener('change', (e) => {
    state.grain = e.target.value;
    writeHash();
    loadTrend();
  });
  document.body.dataset.ready = 'true';
  await reloadEverything();
}

start();
