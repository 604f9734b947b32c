// The timeline page: sends query 30 to the SPARQL endpoint and draws its answer as bars (HTML/CSS, no library),
// with a date slider that highlights the cooperations and municipalities active on the chosen date.
// "Active" follows query 20 (queries/20-actief-op-datum.rq), so the counts shown equal what that query counts:
// an organisation from its start day until (not including) its end day, a year Y read as Y-01-01, no start means
// not counted; a municipality while its membership has not ended and TOOI says it existed.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("tl-data").textContent);
  const EN = data.lang === "en";
  const tr = (nl, en) => (EN ? en : nl); // the page's language (web/i18n.py)
  const chart = document.getElementById("tl-chart");
  const statusEl = document.getElementById("tl-status");
  const slider = document.getElementById("tl-slider");
  const dateInput = document.getElementById("tl-date");
  const dayEl = document.getElementById("tl-day");
  const tableBody = document.querySelector("#tl-table tbody");
  const gemeentenList = document.getElementById("tl-gemeenten-list");

  const FORMS = {
    werkorganisatie: { nl: "werkorganisatie", en: "joint organisation", full: true },
    centrumconstructie: { nl: "centrumconstructie", en: "host-municipality model", full: true },
    bedrijfsvoeringssamenwerking: { nl: "bedrijfsvoeringssamenwerking", en: "shared operations only", full: false },
    onbekend: { nl: "vorm onbekend", en: "form unknown", full: false },
  };
  const ENDINGS = {
    herindeling: { nl: "opgegaan in herindeling", en: "absorbed by a municipal merger", mark: "⇢" },
    opgeheven: { nl: "opgeheven", en: "dissolved", mark: "✕" },
    "beëindigd": { nl: "beëindigd zonder opheffing", en: "ended, not dissolved", mark: "■" },
  };
  const ROLES = { deelnemer: tr("deelnemer", "participant"), centrumgemeente: tr("centrumgemeente", "host municipality") };
  // fkg:betrouwbaarheid's concepts (their skos:prefLabel in the graph); the query gives their IRIs' last segment
  const CONFIDENCE = { hoog: tr("hoog", "high"), midden: tr("midden", "medium"), laag: tr("laag", "low") };
  const MONTHS = EN ? ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"] : ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december"];
  const FORM = (key) => FORMS[key][EN ? "en" : "nl"];
  const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

  let rows = [];
  let domain = null; // { start, end } as day numbers
  let current = data.date;

  // ---- small helpers ------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "style") Object.assign(node.style, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === "") continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function dayNumber(iso) { // days since 1970-01-01 of a YYYY-MM-DD string
    const [y, m, d] = iso.split("-").map(Number);
    return Date.UTC(y, m - 1, d) / 86400000;
  }

  function isoOf(dayNum) { return new Date(dayNum * 86400000).toISOString().slice(0, 10); }

  function todayIso() { return new Date().toISOString().slice(0, 10); }

  function longDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return `${d} ${MONTHS[m - 1]} ${y}`;
  }

  function lastSegment(iri) { return iri.replace(/[/#]+$/, "").split(/[/#]/).pop(); }

  function value(binding, name) { return binding[name] ? binding[name].value : ""; }

  function yearOrDay(raw, day) { // how a date reads: "2014" for a gYear, the day otherwise
    return raw || day || "";
  }

  // ---- reading the SPARQL answer ------------------------------------------------------------------------------
  function parseMembers(text) {
    const byCode = new Map();
    for (const part of text ? text.split(" ; ") : []) {
      const [code, name, role, from, until, exists, lastDay] = part.split("|");
      if (!code) continue;
      const prev = byCode.get(code);
      if (prev) continue; // a municipality listed twice (e.g. two labels) is one member
      byCode.set(code, { code, name: name || code, role: role || "", from: from || "", until: until || "",
        exists: exists || "", lastDay: lastDay || "" });
    }
    return [...byCode.values()].sort((a, b) => a.name.localeCompare(b.name, "nl"));
  }

  function parseMergers(text) {
    return (text ? text.split(" ; ") : []).map((part) => {
      const [day, name, kind, iri] = part.split("|");
      return { day: day || "", name: name || "", kind: kind || "", iri: iri || "" };
    }).sort((a, b) => a.day.localeCompare(b.day));
  }

  function parseRow(b) {
    const iri = value(b, "samenwerking");
    const marker = "/samenwerking/";
    const ref = iri.includes(marker) ? iri.slice(iri.indexOf(marker) + marker.length) : lastSegment(iri);
    const formKey = b.vorm ? lastSegment(b.vorm.value) : "onbekend";
    return {
      iri, ref,
      name: value(b, "naam") || ref,
      form: FORMS[formKey] ? formKey : "onbekend",
      start: value(b, "start"), end: value(b, "eind"),
      startDay: ISO_DAY.test(value(b, "startDag")) ? value(b, "startDag") : "",
      endDay: ISO_DAY.test(value(b, "eindDag")) ? value(b, "eindDag") : "",
      startSource: value(b, "startBron"), endSource: value(b, "eindBron"),
      ending: value(b, "einde"), reason: value(b, "eindreden"),
      mergers: parseMergers(value(b, "herindelingen")),
      members: parseMembers(value(b, "leden")),
      note: value(b, "toelichting"),
      confidence: b.betrouwbaarheid ? lastSegment(b.betrouwbaarheid.value) : "",
    };
  }

  // ---- what is active on a day (the rules of query 20) --------------------------------------------------------
  function orgActive(r, day) {
    return Boolean(r.startDay) && r.startDay <= day && (!r.endDay || r.endDay > day);
  }

  function memberActive(m, day) {
    return (!m.until || m.until > day) && (!m.exists || m.exists <= day) && (!m.lastDay || m.lastDay >= day);
  }

  function activeOn(day) {
    const full = new Set(), fullMunicipalities = new Set(), all = new Set(), allMunicipalities = new Map();
    for (const r of rows) {
      if (!orgActive(r, day)) continue;
      const members = r.members.filter((m) => memberActive(m, day));
      if (!members.length) continue;
      all.add(r.ref);
      if (FORMS[r.form].full) full.add(r.ref);
      for (const m of members) {
        if (FORMS[r.form].full) fullMunicipalities.add(m.code);
        if (!allMunicipalities.has(m.code)) allMunicipalities.set(m.code, { name: m.name, orgs: [] });
        allMunicipalities.get(m.code).orgs.push(r);
      }
    }
    return { full, fullMunicipalities, all, allMunicipalities };
  }

  // ---- drawing ------------------------------------------------------------------------------------------------
  function pct(dayNum) {
    return ((dayNum - domain.start) / (domain.end - domain.start)) * 100;
  }

  function dateRange(r) {
    const from = r.startDay ? yearOrDay(r.start, r.startDay) : (r.startSource || "?");
    const to = r.endDay ? yearOrDay(r.end, r.endDay) : tr("heden", "now");
    return `${from} – ${to}`;
  }

  function endingText(r) {
    if (!r.endDay) return "";
    const e = ENDINGS[r.ending];
    let text = e ? e[EN ? "en" : "nl"] : tr("geëindigd", "ended");
    if (r.ending === "herindeling" && r.mergers.length) {
      text += " → " + r.mergers.map((h) => (h.name ? `${h.name}` : "?") + (h.day ? ` (${h.day})` : "")).join(", ");
    }
    return text;
  }

  function barTitle(r) {
    const lines = [r.name, FORM(r.form), dateRange(r)];
    if (r.startSource) lines.push(`${tr("start volgens bron", "start according to the source")}: ${r.startSource}`);
    if (r.endSource) lines.push(`${tr("einde volgens bron", "end according to the source")}: ${r.endSource}`);
    if (r.endDay) lines.push(endingText(r) + (r.reason ? `: ${r.reason}` : ""));
    lines.push(tr("gemeenten", "municipalities") + ": " + r.members.map((m) => m.name +
      (m.role === "centrumgemeente" ? ` (${ROLES.centrumgemeente})` : "")).join(", "));
    return lines.join("\n");
  }

  function axisRow() {
    const track = el("div", { class: "tl-track tl-axis-track", "aria-hidden": "true" },
      el("span", { class: "tl-cursor-label" }));
    return el("div", { class: "tl-row tl-axis" },
      el("div", { class: "tl-label tl-axis-label" }, tr("Samenwerking en gemeenten", "Cooperation and municipalities")),
      track);
  }

  // Year labels: as many as fit the axis's width (a label needs about 3.5 em), every 1, 2, 5 or 10 years.
  function drawTicks() {
    const track = chart.querySelector(".tl-axis-track");
    if (!track || !domain) return;
    const years = [];
    for (let y = Number(isoOf(domain.start).slice(0, 4)); dayNumber(`${y}-01-01`) < domain.end; y++) years.push(y);
    const em = parseFloat(getComputedStyle(track).fontSize) || 16;
    const room = Math.max(1, Math.floor(track.clientWidth / (3.5 * em)));
    const step = [1, 2, 5, 10, 20].find((s) => Math.ceil(years.length / s) <= room) || 20;
    for (const tick of track.querySelectorAll(".tl-tick")) tick.remove();
    for (const y of years) {
      if (y % step) continue;
      track.prepend(el("span", { class: "tl-tick", style: { left: `${pct(dayNumber(`${y}-01-01`))}%` } }, String(y)));
    }
  }

  function drawChart() {
    const today = todayIso();
    const starts = rows.map((r) => r.startDay).filter(Boolean).sort();
    const ends = rows.map((r) => r.endDay).filter(Boolean).sort();
    const firstYear = Number((starts[0] || today).slice(0, 4));
    const lastYear = Math.max(Number(today.slice(0, 4)), Number((ends[ends.length - 1] || today).slice(0, 4)));
    domain = { start: dayNumber(`${firstYear}-01-01`), end: dayNumber(`${lastYear + 1}-01-01`), today };
    const years = [];
    for (let y = firstYear; y <= lastYear; y++) years.push(y);

    chart.replaceChildren();
    chart.style.setProperty("--years", String(years.length));
    chart.append(axisRow());
    const body = el("div", { class: "tl-body" });
    for (const r of rows) {
      const startPos = r.startDay ? pct(dayNumber(r.startDay)) : 0;
      const endPos = pct(dayNumber(r.endDay || today));
      const href = data.docBase + "samenwerking/" + encodeURIComponent(r.ref);
      const classes = ["tl-bar", `f-${r.form}`];
      if (!r.startDay) classes.push("no-start");
      if (!r.endDay) classes.push("ongoing");
      const label = `${r.name}, ${FORM(r.form)}, ${dateRange(r)}` + (r.endDay ? `, ${endingText(r)}` : "");
      const bar = el("a", { class: classes.join(" "), href, title: barTitle(r), "aria-label": label,
        "data-ref": r.ref, style: { left: `${startPos}%`, width: `${Math.max(endPos - startPos, 0.4)}%` } });
      const track = el("div", { class: "tl-track" }, bar, el("span", { class: "tl-cursor", "aria-hidden": "true" }));
      if (r.endDay && ENDINGS[r.ending]) {
        track.append(el("span", { class: `tl-mark end-${r.ending === "beëindigd" ? "beeindigd" : r.ending}`,
          title: endingText(r) + (r.reason ? `: ${r.reason}` : ""), "aria-hidden": "true",
          style: { left: `${endPos}%` } }, ENDINGS[r.ending].mark));
      }
      const members = el("span", { class: "tl-members" });
      r.members.forEach((m, i) => {
        if (i) members.append(" · ");
        members.append(el("span", { class: "tl-member", "data-code": m.code,
          title: memberTitle(m) }, m.name, m.role === "centrumgemeente" ? el("abbr", {
          title: ROLES.centrumgemeente }, " (c)") : ""));
      });
      const when = el("span", { class: "tl-when" }, dateRange(r), r.endDay ? ` · ${endingText(r)}` : "");
      const labelCell = el("div", { class: "tl-label" },
        el("a", { class: "tl-name", href, tabindex: "-1" }, r.name), members, when);
      body.append(el("div", { class: "tl-row", "data-ref": r.ref, "data-form": r.form }, labelCell, track));
    }
    chart.append(body);
    drawTicks();
    chart.dataset.state = "ready";
    chart.dataset.rows = String(rows.length);
  }

  function memberTitle(m) {
    const parts = [m.name];
    if (m.role) parts.push(ROLES[m.role] || m.role);
    if (m.from || m.until) parts.push(`${tr("lid", "member")} ${m.from || "?"} – ${m.until || tr("heden", "now")}`);
    if (m.lastDay) parts.push(`${tr("gemeente bestond tot en met", "municipality existed up to and including")} ${m.lastDay}`);
    return parts.join(", ");
  }

  function drawTable() {
    tableBody.replaceChildren();
    for (const r of rows) {
      const href = data.docBase + "samenwerking/" + encodeURIComponent(r.ref);
      const members = el("ul", { class: "tl-cell-list" }, r.members.map((m) => el("li", { "data-code": m.code },
        el("a", { href: data.docBase + "gemeente/" + encodeURIComponent(m.code) }, m.name),
        ` (${ROLES[m.role] || m.role || "?"}, ${m.from || "?"} – ${m.until || tr("heden", "now")})`)));
      const ended = r.endDay ? [endingText(r), r.reason ? el("div", { class: "muted" }, r.reason) : ""] : "—";
      tableBody.append(el("tr", { "data-ref": r.ref },
        // query 30 takes the Dutch skos:note: on an English page it is marked as Dutch
        el("td", {}, el("a", { href }, r.name), r.note ? el("div", { class: "muted", lang: "nl" }, r.note) : ""),
        el("td", {}, FORM(r.form)),
        el("td", {}, r.startDay ? yearOrDay(r.start, r.startDay) : tr("onbekend", "unknown"),
          r.startSource ? el("div", { class: "muted" }, r.startSource) : ""),
        el("td", {}, r.endDay ? yearOrDay(r.end, r.endDay) : "—",
          r.endSource ? el("div", { class: "muted" }, r.endSource) : ""),
        el("td", {}, ended),
        el("td", {}, members),
        el("td", {}, CONFIDENCE[r.confidence] || r.confidence),
        el("td", { class: "tl-active-cell" }, "")));
    }
  }

  // ---- the chosen date ----------------------------------------------------------------------------------------
  function monthIndex(iso) { return Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1; }

  function monthStart(index) {
    const y = Math.floor(index / 12), m = index % 12 + 1;
    return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-01`;
  }

  function setupSlider() {
    const min = monthIndex(isoOf(domain.start));
    const max = monthIndex(domain.today);
    slider.min = String(min);
    slider.max = String(Math.max(max, min));
    slider.disabled = false;
    dateInput.min = isoOf(domain.start);
    dateInput.max = isoOf(domain.end - 1);
    slider.addEventListener("input", () => choose(monthStart(Number(slider.value)), "slider"));
    slider.addEventListener("keydown", (ev) => {
      const jump = ev.key === "PageUp" ? 12 : ev.key === "PageDown" ? -12 : 0;
      if (!jump) return;
      ev.preventDefault();
      const next = Math.min(Number(slider.max), Math.max(Number(slider.min), Number(slider.value) + jump));
      slider.value = String(next);
      choose(monthStart(next), "slider");
    });
    dateInput.addEventListener("change", () => {
      if (ISO_DAY.test(dateInput.value)) choose(dateInput.value, "date");
    });
  }

  function setCount(name, n) {
    for (const node of document.querySelectorAll(`[data-count="${name}"]`)) {
      node.textContent = String(n);
    }
  }

  function choose(day, from) {
    current = day;
    if (from !== "slider") slider.value = String(monthIndex(day));
    if (from !== "date") dateInput.value = day;
    slider.setAttribute("aria-valuetext", longDate(day));
    dayEl.textContent = longDate(day);
    dayEl.setAttribute("datetime", day);
    for (const node of document.querySelectorAll("time[data-day]")) node.textContent = longDate(day);

    const active = activeOn(day);
    setCount("fusies", active.full.size);
    setCount("fusieGemeenten", active.fullMunicipalities.size);
    setCount("samenwerkingen", active.all.size);
    setCount("gemeenten", active.allMunicipalities.size);

    const inDomain = domain && dayNumber(day) >= domain.start && dayNumber(day) <= domain.end;
    const cursorLeft = inDomain ? `${pct(dayNumber(day))}%` : "-10%";
    chart.style.setProperty("--cursor", cursorLeft);
    const cursorLabel = chart.querySelector(".tl-cursor-label");
    if (cursorLabel) cursorLabel.textContent = day;

    for (const row of chart.querySelectorAll(".tl-body .tl-row")) {
      const r = rows.find((x) => x.ref === row.dataset.ref);
      const on = orgActive(r, day);
      row.classList.toggle("is-active", on);
      for (const span of row.querySelectorAll(".tl-member")) {
        const m = r.members.find((x) => x.code === span.dataset.code);
        const counted = on && memberActive(m, day);
        span.classList.toggle("is-active", counted);
        span.classList.toggle("is-pending", counted && Boolean(m.from) && m.from > day);
      }
    }
    for (const rowEl of tableBody.querySelectorAll("tr")) {
      const r = rows.find((x) => x.ref === rowEl.dataset.ref);
      const on = orgActive(r, day);
      rowEl.classList.toggle("is-active", on);
      rowEl.querySelector(".tl-active-cell").textContent = on ? tr("actief", "active") : "—";
    }
    gemeentenList.replaceChildren(...[...active.allMunicipalities.entries()]
      .sort((a, b) => a[1].name.localeCompare(b[1].name, "nl"))
      .map(([code, g]) => el("li", {}, el("a", { href: data.docBase + "gemeente/" + encodeURIComponent(code) }, g.name),
        " — ", g.orgs.map((r) => r.name).join(", "))));
    const url = new URL(window.location.href);
    url.searchParams.set("datum", day);
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  // ---- loading ------------------------------------------------------------------------------------------------
  function showError(message) {
    statusEl.className = "status error";
    statusEl.textContent = message;
    chart.dataset.state = "error";
  }

  async function load() {
    let resp;
    try {
      resp = await fetch(data.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
        body: data.query,
      });
    } catch (err) {
      showError(tr(`Het SPARQL-endpoint (${data.endpoint}) is niet bereikbaar: ${err}`,
        `The SPARQL endpoint (${data.endpoint}) cannot be reached: ${err}`));
      return;
    }
    if (!resp.ok) {
      let message = await resp.text();
      try { message = JSON.parse(message).message || message; } catch (e) { /* plain text error body */ }
      showError(tr(`Het SPARQL-endpoint antwoordde ${resp.status}: ${message}`,
        `The SPARQL endpoint answered ${resp.status}: ${message}`));
      return;
    }
    let json;
    try {
      json = await resp.json();
    } catch (err) {
      showError(tr(`Het antwoord van het endpoint is geen SPARQL-JSON: ${err}`,
        `The answer of the endpoint is not SPARQL JSON: ${err}`));
      return;
    }
    rows = json.results.bindings.map(parseRow);
    if (!rows.length) {
      showError(tr("Het register bevat geen samenwerkingen.", "The register holds no cooperations."));
      return;
    }
    drawChart();
    drawTable();
    setupSlider();
    const truncated = resp.headers.get("Fusiekg-Truncated");
    statusEl.className = truncated ? "status warning" : "status ok";
    statusEl.textContent = tr(`${rows.length} samenwerkingen uit het register, antwoord op query 30 van /${data.endpoint}`,
      `${rows.length} cooperations from the register, the answer to query 30 from /${data.endpoint}`) +
      (truncated ? tr(` — afgekapt op ${truncated} rijen`, ` — cut at ${truncated} rows`) : "");
    choose(current, "load");
  }

  // The axis sticks under the sticky controls: tell the CSS how tall they are.
  function stickAxis() {
    const controls = document.querySelector(".tl-controls");
    if (controls) document.documentElement.style.setProperty("--tl-controls-h", `${controls.offsetHeight}px`);
  }
  window.addEventListener("resize", () => { stickAxis(); drawTicks(); });
  stickAxis();
  load();
})();
