// extractor review: the page. Plain JS, no framework. Every piece of article text and every
// field value goes into the page as a text node or a form value, never as HTML.
"use strict";

const ENUMS = {
  event_type: ["attack", "strike"],
  salience: ["main", "background"],
  perpetrator_status: ["claimed", "attributed", "unknown"],
};
const WEAPONS = ["rocket", "missile", "ballistic_missile", "drone", "mortar", "indirect_fire",
  "artillery", "airstrike", "explosive", "small_arms"];
const COUNTS = ["projectiles", "intercepted", "killed", "injured"];
const LONG = ["summary"];
const WIDE = ["weapon_types", "summary", "location", "target"];
const FIELD_ORDER = ["event_type", "salience", "date", "date_text", "location", "country",
  "admin1", "weapon_types", "projectiles", "intercepted", "perpetrator", "perpetrator_status",
  "target", "killed", "injured", "damage", "summary"];
const PALETTE = 10;

const state = {
  articles: [],      // progress rows from /api/articles
  index: 0,          // current article in `articles`
  text: "",
  draft: null,       // {article_id, version, gold_etag, events: [...]}
  current: 0,        // current card
  queue: Promise.resolve(),
  conflict: null,    // the server's draft when a write was refused as stale
  dirty: false,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const options = { method, headers: {}, keepalive: method !== "GET" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
  return { status: response.status, ok: response.ok, data };
}

function say(text, kind, actions) {
  const box = $("message");
  box.hidden = false;
  box.className = kind || "";
  $("message-text").textContent = text;
  const holder = $("message-actions");
  holder.replaceChildren(...(actions || []).map(([label, fn]) => el("button", { onclick: fn }, label)));
}

function clearMessage() { $("message").hidden = true; }

// ---------------------------------------------------------------- progress and navigation

async function loadArticles() {
  const { ok, data } = await api("GET", "/api/articles");
  if (!ok) { say(data.error, "error"); return; }
  state.articles = data.articles;
  if (!$("reviewer").value) $("reviewer").value = localStorage.getItem("reviewer") || data.reviewer;
  renderArticleSelect();
}

function renderArticleSelect() {
  const select = $("article-select");
  select.replaceChildren(...state.articles.map((a, i) =>
    el("option", { value: String(i) }, `${a.saved ? "\u2713 " : ""}${a.article_id} (${a.decided}/${a.events})`)));
  select.value = String(state.index);
  const saved = state.articles.filter((a) => a.saved).length;
  const decided = state.draft ? state.draft.events.filter((e) => e.status !== "pending").length : 0;
  const total = state.draft ? state.draft.events.length : 0;
  $("progress").textContent =
    `${saved}/${state.articles.length} articles saved \u00b7 ${decided}/${total} events decided here`;
}

async function openArticle(index) {
  if (index < 0 || index >= state.articles.length) return;
  await state.queue;
  state.index = index;
  const id = state.articles[index].article_id;
  const { ok, data } = await api("GET", `/api/articles/${encodeURIComponent(id)}`);
  if (!ok) { say(data.error, "error"); return; }
  state.text = data.text;
  state.draft = data.draft;
  state.current = 0;
  state.conflict = null;
  clearMessage();
  location.hash = encodeURIComponent(id);
  $("saved-state").textContent = data.review
    ? `gold saved by ${data.review.reviewer} at ${data.review.saved_at}`
    : data.gold_exists ? "gold exists (not saved from this app)" : "no gold yet";
  render();
}

// ---------------------------------------------------------------- the article

function liveEvents() {
  return state.draft.events.map((e, i) => [e, i]).filter(([e]) => e.status !== "rejected");
}

function renderArticle() {
  const text = state.text;
  const cuts = new Set([0, text.length]);
  const spans = [];
  for (const [event, i] of liveEvents()) {
    for (const s of event.evidence) {
      if (s.start === null || s.end === null) continue;
      spans.push([s.start, s.end, i]);
      cuts.add(s.start); cuts.add(s.end);
    }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const nodes = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const [a, b] = [points[k], points[k + 1]];
    const owners = [...new Set(spans.filter(([s, e]) => s <= a && b <= e).map(([, , i]) => i))];
    const piece = text.slice(a, b);
    if (!owners.length) { nodes.push(document.createTextNode(piece)); continue; }
    const first = owners[0];
    nodes.push(el("span", {
      class: `hl c${first % PALETTE}${owners.length > 1 ? " multi" : ""}`,
      title: owners.map((i) => `event ${i + 1}`).join(", "),
      "data-event": String(first),
      onclick: () => selectCard(first, true),
    }, piece));
  }
  $("article").replaceChildren(...nodes);
  $("legend").replaceChildren(...liveEvents().map(([event, i]) => el("li", {
    class: `c${i % PALETTE}`, onclick: () => selectCard(i, true),
  }, `${i + 1}. ${event.fields.event_type || "?"} \u2013 ${event.fields.location || "(no location)"}`)));
}

function selectionOffsets() {
  const selection = window.getSelection();
  const article = $("article");
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null;
  const offset = (node, at) => {
    const before = document.createRange();
    before.setStart(article, 0);
    before.setEnd(node, at);
    return before.toString().length;
  };
  let start = offset(range.startContainer, range.startOffset);
  let end = offset(range.endContainer, range.endOffset);
  while (start < end && /\s/.test(state.text[start])) start++;
  while (end > start && /\s/.test(state.text[end - 1])) end--;
  if (start >= end) return null;
  return { quote: state.text.slice(start, end), start, end };
}

function addEventFromSelection() {
  const span = selectionOffsets();
  if (!span) { say("Select words in the article first, then add the event.", "error"); return; }
  const used = state.draft.events.filter((e) => e.key.startsWith("a")).map((e) => Number(e.key.slice(1)));
  const key = `a${used.length ? Math.max(...used) + 1 : 1}`;
  const fields = Object.fromEntries(FIELD_ORDER.map((f) => [f, null]));
  Object.assign(fields, { event_type: "attack", salience: "main", perpetrator_status: "unknown", weapon_types: [] });
  state.draft.events.push({ key, status: "accepted", fields, evidence: [span], original: null, review_reasons: [] });
  window.getSelection().removeAllRanges();
  state.current = state.draft.events.length - 1;
  changed(true);
  const card = document.querySelector(`.card[data-key="${key}"] [name=location]`);
  if (card) card.focus();
}

function addEvidenceFromSelection() {
  const span = selectionOffsets();
  const event = state.draft.events[state.current];
  if (!span || !event) { say("Select words in the article and pick an event first.", "error"); return; }
  event.evidence.push(span);
  window.getSelection().removeAllRanges();
  changed(true);
}

// ---------------------------------------------------------------- the cards

function control(event, name) {
  const value = event.fields[name];
  const update = (v) => { event.fields[name] = v; changed(false); };
  if (ENUMS[name]) {
    return el("select", { name, "aria-label": name, onchange: (e) => update(e.target.value) },
      ENUMS[name].map((option) => el("option", { value: option, selected: option === value }, option)));
  }
  if (name === "weapon_types") {
    return el("div", { class: "weapons" }, WEAPONS.map((w) => el("label", {},
      el("input", { type: "checkbox", name: `weapon-${w}`, checked: (value || []).includes(w),
        onchange: (e) => {
          const set = new Set(event.fields.weapon_types || []);
          if (e.target.checked) set.add(w); else set.delete(w);
          update(WEAPONS.filter((x) => set.has(x)));
        } }), ` ${w}`)));
  }
  if (COUNTS.includes(name)) {
    return el("input", { type: "number", min: "0", step: "1", name, "aria-label": name, value: value === null ? "" : String(value),
      onchange: (e) => update(e.target.value === "" ? null : Number(e.target.value)) });
  }
  const toValue = (raw) => (raw.trim() === "" ? null : raw);
  const attrs = { name, "aria-label": name, value: value === null ? "" : value,
    onchange: (e) => update(toValue(e.target.value)),
    oninput: (e) => { event.fields[name] = toValue(e.target.value); changedSoon(); } };
  if (name === "date") {
    const hint = el("span", { class: "precision" }, precision(value));
    attrs.placeholder = "YYYY, YYYY-MM or YYYY-MM-DD";
    attrs.oninput = (e) => {
      event.fields.date = toValue(e.target.value);
      hint.textContent = precision(event.fields.date);
      hint.className = `precision${/invalid/.test(hint.textContent) ? " bad" : ""}`;
      changedSoon();
    };
    return el("span", {}, el("input", { type: "text", size: "12", ...attrs }), hint);
  }
  if (LONG.includes(name)) return el("textarea", attrs);
  return el("input", { type: "text", ...attrs });
}

function precision(value) {
  if (!value) return "no date";
  if (/^\d{4}$/.test(value)) return "year";
  if (/^\d{4}-\d{2}$/.test(value)) return "month";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return "day";
  return "invalid: YYYY, YYYY-MM or YYYY-MM-DD";
}

function card(event, i) {
  const setStatus = (status) => () => decide(i, status);
  const reasons = event.review_reasons.length
    ? el("ul", { class: "reasons" }, event.review_reasons.map((r) => el("li", {}, r))) : null;
  const evidence = el("ol", { class: "evidence" }, event.evidence.map((s, j) => el("li", {},
    el("span", { class: s.start === null ? "missing" : "", title: s.start === null
      ? "not found in the article: remove it, or select the words and add them" : `${s.start}\u2013${s.end}` },
      `\u201c${s.quote}\u201d`),
    el("button", { title: "remove this evidence", class: "remove-evidence",
      onclick: () => { event.evidence.splice(j, 1); changed(true); } }, "\u00d7"))));
  const fields = el("div", { class: "fields" }, FIELD_ORDER.flatMap((name) => {
    const wide = WIDE.includes(name) ? "wide" : null;
    return [el("label", { class: wide }, name), el("div", { class: wide }, control(event, name))];
  }));
  return el("article", {
    class: `card ${event.status}${i === state.current ? " current" : ""}`,
    "data-key": event.key, "data-index": String(i),
    onclick: () => { if (state.current !== i) selectCard(i, false); },
  },
  el("div", { class: "card-head" },
    el("span", { class: `swatch c${i % PALETTE}` }),
    el("strong", {}, `Event ${i + 1}`),
    el("span", { class: "status" }, event.original === null ? `${event.status} \u00b7 added` : event.status),
    el("span", { class: "spacer" }),
    el("button", { class: "accept", onclick: setStatus("accepted") }, "Accept"),
    el("button", { class: "reject", onclick: setStatus("rejected") }, "Reject"),
    el("button", { class: "undecide", onclick: setStatus("pending") }, "Undecide")),
  reasons, fields, el("div", {}, "Evidence:"), evidence);
}

function renderCards() {
  $("cards").replaceChildren(...state.draft.events.map(card));
}

function render() {
  renderArticle();
  renderCards();
  renderArticleSelect();
}

function selectCard(i, scroll) {
  if (!state.draft || i < 0 || i >= state.draft.events.length) return;
  state.current = i;
  document.querySelectorAll(".card").forEach((c) =>
    c.classList.toggle("current", Number(c.dataset.index) === i));
  const node = document.querySelector(`.card[data-index="${i}"]`);
  if (scroll && node) node.scrollIntoView({ block: "nearest" });
}

function decide(i, status) {
  const event = state.draft.events[i];
  if (!event) return;
  event.status = status;
  if (status === "accepted") event.review_reasons = [];
  state.current = i;
  changed(true);
}

// ---------------------------------------------------------------- autosave and conflicts

let timer = null;
function changedSoon() {
  clearTimeout(timer);
  timer = setTimeout(() => changed(false), 700);
}

function changed(rerender) {
  clearTimeout(timer);
  if (rerender) render(); else renderArticle();
  state.dirty = true;
  state.queue = state.queue.then(writeDraft);
  return state.queue;
}

async function writeDraft() {
  if (state.conflict || !state.dirty) return;
  state.dirty = false;
  const id = state.draft.article_id;
  const { ok, status, data } = await api("PUT", `/api/articles/${encodeURIComponent(id)}/draft`,
    { base_version: state.draft.version, events: state.draft.events });
  if (ok) {
    state.draft.version = data.version;
    $("saved-state").textContent = `draft saved (version ${data.version})`;
    return;
  }
  if (status === 409) { conflict(data, false); return; }
  state.dirty = true;
  say(`Not saved: ${data.error}`, "error");
}

function conflict(data, onSave) {
  state.conflict = data.current;
  say(`Conflict: ${data.error}. Your version is still on this page; nothing was overwritten.`, "error", [
    ["Load the other version", () => { state.draft = state.conflict; state.conflict = null; clearMessage(); render(); }],
    [onSave ? "Overwrite with mine" : "Keep mine", () => {
      state.draft.version = state.conflict.version;
      state.draft.gold_etag = state.conflict.gold_etag;
      state.conflict = null;
      clearMessage();
      if (onSave) saveGold(true); else changed(false);
    }],
  ]);
}

async function saveGold(force) {
  await state.queue;
  if (state.conflict) return;
  const reviewer = $("reviewer").value.trim();
  localStorage.setItem("reviewer", reviewer);
  const id = state.draft.article_id;
  const { ok, status, data } = await api("POST", `/api/articles/${encodeURIComponent(id)}/gold`,
    { base_version: state.draft.version, reviewer, force: force === true });
  if (status === 409) { conflict(data, true); return; }
  if (!ok) { say(`Not saved: ${data.error}`, "error"); return; }
  state.draft = data.draft;
  say(`Saved ${data.gold} (reviewed by ${data.review.reviewer} at ${data.review.saved_at}).`, "ok");
  $("saved-state").textContent = `gold saved by ${data.review.reviewer} at ${data.review.saved_at}`;
  await loadArticles();
  render();
}

// ---------------------------------------------------------------- diff and score panels

function panel(title, ...body) {
  $("panel-title").textContent = title;
  $("panel-body").replaceChildren(...body);
  $("panel").hidden = false;
}

const show = (v) => (v === null || v === undefined ? "\u2014" : Array.isArray(v) ? v.join(", ") || "[]" : String(v));

function fieldTable(rows) {
  return el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "before"), el("th", {}, "after")),
    rows.map((r) => el("tr", {}, el("td", {}, r.field), el("td", { class: "before" }, show(r.before)),
      el("td", { class: "after" }, show(r.after)))));
}

async function showDiff() {
  await state.queue;
  const id = state.draft.article_id;
  const { ok, data } = await api("GET", `/api/articles/${encodeURIComponent(id)}/diff`);
  if (!ok) { say(data.error, "error"); return; }
  const parts = [el("h3", {}, "Changes to the run's events")];
  for (const c of data.cards) {
    const label = `Event ${c.number}: ${c.status}${c.added ? " (added by the reviewer)" : ""}`;
    parts.push(el("p", {}, label));
    if (c.fields.length) parts.push(fieldTable(c.fields));
  }
  parts.push(el("h3", {}, "Against the saved gold"));
  if (!data.gold) parts.push(el("p", {}, "No gold file for this article yet."));
  else {
    if (!data.gold.changed.length && !data.gold.new.length && !data.gold.dropped.length) {
      parts.push(el("p", {}, "The accepted events are the saved gold."));
    }
    for (const c of data.gold.changed) parts.push(el("p", {}, `Changed: ${c.location}`), fieldTable(c.fields));
    for (const n of data.gold.new) parts.push(el("p", { class: "after" }, `Not in gold: ${n}`));
    for (const d of data.gold.dropped) parts.push(el("p", { class: "before" }, `Only in gold: ${d}`));
  }
  panel(`Diff: ${id}`, ...parts);
}

async function showScore() {
  await state.queue;
  const { ok, data } = await api("POST", "/api/score", {});
  if (!ok) { say(data.error, "error"); return; }
  const s = data.score;
  const pct = (v) => (v === null || v === undefined ? "\u2014" : v.toFixed(3));
  const rows = [["event precision", s.event_precision], ["event recall (main)", s.event_recall_main],
    ["event F1 (main)", s.event_f1_main], ["event F1 (all)", s.event_f1_all],
    ["slot micro-F1", s.slot_micro_f1], ["grounding", s.grounding_rate]];
  panel(`Score: the run against ${data.articles.length} reviewed article(s)`,
    el("p", {}, `Scored with extractor eval's scorer on: ${data.articles.join(", ")}`),
    el("table", { id: "score-table" }, rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, pct(v))))),
    el("h3", {}, "Field accuracy"),
    el("table", {}, Object.entries(s.field_accuracy).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, pct(v))))));
}

// ---------------------------------------------------------------- keys and start

function onKey(e) {
  const tag = e.target.tagName;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || e.ctrlKey || e.metaKey || e.altKey) return;
  const actions = {
    j: () => selectCard(state.current + 1, true),
    k: () => selectCard(state.current - 1, true),
    a: () => decide(state.current, "accepted"),
    r: () => decide(state.current, "rejected"),
    u: () => decide(state.current, "pending"),
    e: addEventFromSelection,
    v: addEvidenceFromSelection,
    s: () => saveGold(false),
    n: () => openArticle(state.index + 1),
    p: () => openArticle(state.index - 1),
    Escape: () => { $("panel").hidden = true; },
  };
  const action = actions[e.key];
  if (action) { e.preventDefault(); action(); }
}

async function start() {
  $("prev-article").addEventListener("click", () => openArticle(state.index - 1));
  $("next-article").addEventListener("click", () => openArticle(state.index + 1));
  $("article-select").addEventListener("change", (e) => openArticle(Number(e.target.value)));
  for (const id of ["add-event", "add-evidence"]) {
    $(id).addEventListener("mousedown", (e) => e.preventDefault());  // keep the selection
  }
  $("add-event").addEventListener("click", addEventFromSelection);
  $("add-evidence").addEventListener("click", addEvidenceFromSelection);
  $("save").addEventListener("click", () => saveGold(false));
  $("show-diff").addEventListener("click", showDiff);
  $("score").addEventListener("click", showScore);
  $("panel-close").addEventListener("click", () => { $("panel").hidden = true; });
  document.addEventListener("keydown", onKey);
  window.addEventListener("beforeunload", () => { if (state.dirty) writeDraft(); });
  await loadArticles();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const found = state.articles.findIndex((a) => a.article_id === wanted);
  await openArticle(found >= 0 ? found : 0);
  document.body.dataset.ready = "true";
}

start();
