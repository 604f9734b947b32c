// The query page: YASGUI (static/vendor/yasgui, unmodified) set up for this endpoint through its public API.
// - every request goes to this server: our endpoint only (also for shared links and restored tabs), prefixes from
//   the page (never prefix.cc), property and class completion from our own endpoint (never LOV);
// - the example queries of queries/ open in tabs of their own; a shared /?query=... link opens and runs its query;
// - IRIs of this dataset link to this server's pages; a chart plugin draws a numeric column;
// - Dutch texts where YASGUI lets us set them (the page's language, see web/i18n.py).
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("page-data").textContent);
  const EN = data.lang === "en";
  const tr = (nl, en) => (EN ? en : nl);
  const ENDPOINT = new URL(data.endpoint, document.baseURI).href;
  const PREFIXES = data.prefixes;
  const Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  const notice = document.getElementById("query-notice");
  if (!Yasgui) {
    notice.className = "status error";
    notice.textContent = tr("De query-editor kon niet laden.", "The query editor could not load.");
    return;
  }
  const { Yasqe, Yasr } = Yasgui;

  // ---- where an IRI links to --------------------------------------------------------------------------------------
  const TOOI = { "https://identifier.overheid.nl/tooi/id/gemeente/": "gemeente",
    "https://identifier.overheid.nl/tooi/id/provincie/": "provincie" };

  function localHref(iri) { // our page for our IRIs and TOOI municipalities / provinces, else null
    if (iri.startsWith(data.base)) {
      const rest = iri.slice(data.base.length);
      return data.localBase + (rest.startsWith("id/") ? "doc/" + rest.slice(3) : rest);
    }
    for (const [ns, segment] of Object.entries(TOOI)) {
      if (iri.startsWith(ns) && /^[a-z0-9][a-z0-9_-]*$/.test(iri.slice(ns.length))) {
        return `${data.localBase}doc/${segment}/${iri.slice(ns.length)}`;
      }
    }
    return null;
  }

  function shortName(iri) {
    let best = null;
    for (const [p, ns] of Object.entries(PREFIXES)) {
      if (iri.startsWith(ns) && (!best || ns.length > PREFIXES[best].length)) best = p;
    }
    return best ? `${best}:${iri.slice(PREFIXES[best].length)}` : iri;
  }

  function iriLink(iri, text) { // an <a> for an IRI: our page, or the IRI itself (http(s) only, in a new window)
    const local = localHref(iri);
    const safe = /^https?:\/\//i.test(iri);
    const node = document.createElement(local || safe ? "a" : "span");
    node.className = "iri";
    node.textContent = text;
    node.title = iri;
    if (local) node.href = local;
    else if (safe) { node.href = iri; node.target = "_blank"; node.rel = "noopener noreferrer"; }
    return node;
  }

  // ---- completion: our prefixes, and the properties and classes of this dataset (asked of our endpoint) ---------
  async function selectColumn(query) {
    const resp = await fetch(ENDPOINT, { method: "POST", body: query,
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" } });
    if (!resp.ok) return [];
    const json = await resp.json();
    return json.results.bindings.map((b) => b.x.value);
  }
  Yasqe.forkAutocompleter("prefixes", { name: "fusiekgPrefixes", persistenceId: null,
    get: Object.entries(PREFIXES).map(([p, iri]) => `${p}: <${iri}>`) }, false);
  Yasqe.forkAutocompleter("property", { name: "fusiekgProperties", bulk: true, persistenceId: null,
    get: () => selectColumn("SELECT DISTINCT ?x WHERE { ?s ?x ?o } ORDER BY ?x") }, false);
  Yasqe.forkAutocompleter("class", { name: "fusiekgClasses", bulk: true, persistenceId: null,
    get: () => selectColumn("SELECT DISTINCT ?x WHERE { ?s a ?x } ORDER BY ?x") }, false);
  Yasqe.defaults.autocompleters = ["variables", "fusiekgPrefixes", "fusiekgProperties", "fusiekgClasses"];

  // ---- result views -----------------------------------------------------------------------------------------------
  const TableBase = Yasr.plugins.table;
  const TABLE_WORDS = { "Simple view": "Eenvoudig", "Ellipse": "Inkorten", "Page size: ": "Rijen per pagina: ",
    "All": "Alle" };

  class Table extends TableBase {
    constructor(yasr) {
      super(yasr);
      this.label = tr("Tabel", "Table");
      this.config = Table.defaults;
    }

    getUriLinkFromBinding(binding, prefixes) {
      const shown = shortName(binding.value);
      const compact = shown !== binding.value || this.persistentConfig.compact;
      const link = iriLink(binding.value, shown === binding.value ? binding.value : shown).outerHTML;
      return compact ? link : `&lt;${link}&gt;`;
    }

    drawControls() {
      super.drawControls();
      if (EN || !this.tableControls) return;
      for (const node of this.tableControls.querySelectorAll(".label, .pageSizerLabel, option")) {
        if (TABLE_WORDS[node.textContent]) node.textContent = TABLE_WORDS[node.textContent];
      }
    }
  }
  Table.defaults = { ...TableBase.defaults, openIriInNewWindow: false, tableConfig: {
    ...TableBase.defaults.tableConfig,
    language: EN ? TableBase.defaults.tableConfig.language : {
      ...TableBase.defaults.tableConfig.language,
      info: "Rij _START_ tot _END_ van _TOTAL_", infoEmpty: "Geen rijen", infoFiltered: "(gefilterd uit _MAX_)",
      zeroRecords: "Geen rijen die passen bij het filter", emptyTable: "Geen resultaten",
      lengthMenu: "_MENU_ rijen per pagina", search: "Filter:",
      aria: { orderable: ": sorteren", orderableReverse: ": omgekeerd sorteren", orderableRemove: ": niet sorteren" },
    } } };

  class Response extends Yasr.plugins.response {
    constructor(yasr) { super(yasr); this.label = tr("Antwoord", "Response"); }
  }

  const NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedInt|unsignedLong|unsignedShort|unsignedByte)$/;
  const MAX_BARS = 60;

  // A bar chart of one numeric column (every bound value a number), labelled by the first other column.
  class Chart {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = tr("Grafiek", "Chart");
      this.helpReference = undefined;
      this.persistentConfig = {};
    }

    numericColumns() {
      const r = this.yasr.results;
      const bindings = (r && r.getBindings && r.getBindings()) || [];
      if (!bindings.length) return [];
      return (r.getVariables() || []).filter((v) => {
        const bound = bindings.filter((b) => b[v]);
        return bound.length > 0 && bound.every((b) => b[v].type !== "uri" && NUMERIC.test(b[v].datatype || "")
          && Number.isFinite(Number(b[v].value)));
      });
    }

    canHandleResults() { return this.numericColumns().length > 0; }

    getIcon() { // three horizontal bars, drawn like YASR's own icons (an SVG)
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", "0 0 16 16");
      svg.setAttribute("aria-hidden", "true");
      for (const [y, w] of [[2, 14], [7, 9], [12, 5]]) {
        const bar = document.createElementNS(ns, "rect");
        for (const [k, v] of Object.entries({ x: 1, y, width: w, height: 3, fill: "currentColor" })) bar.setAttribute(k, v);
        svg.append(bar);
      }
      const wrap = document.createElement("div");
      wrap.className = "svgImg";
      wrap.append(svg);
      return wrap;
    }

    series() {
      const r = this.yasr.results;
      const numeric = this.numericColumns();
      const column = numeric.includes(this.persistentConfig.column) ? this.persistentConfig.column : numeric[0];
      const labelColumn = r.getVariables().find((v) => !numeric.includes(v));
      const rows = r.getBindings().filter((b) => b[column]).map((b, i) => {
        const term = labelColumn && b[labelColumn];
        const text = !term ? String(i + 1) : term.type === "uri" ? shortName(term.value) : term.value;
        return { text, iri: term && term.type === "uri" ? term.value : null, value: Number(b[column].value) };
      });
      return { column, numeric, labelColumn, rows };
    }

    draw(persistentConfig) {
      this.persistentConfig = { ...this.persistentConfig, ...(persistentConfig || {}) };
      const { column, numeric, labelColumn, rows } = this.series();
      const shown = rows.slice(0, MAX_BARS);
      const top = Math.max(...shown.map((row) => Math.abs(row.value)), 0) || 1;
      const wrap = document.createElement("figure");
      wrap.className = "q-chart";
      const caption = document.createElement("figcaption");
      caption.textContent = `?${column}` + (labelColumn ? tr(` per ?${labelColumn}`, ` by ?${labelColumn}`) : "") +
        (rows.length > shown.length ? tr(` (de eerste ${shown.length} van ${rows.length} rijen)`,
          ` (the first ${shown.length} of ${rows.length} rows)`) : "");
      wrap.append(caption);
      const list = document.createElement("ol");
      list.className = "q-chart-bars";
      for (const row of shown) {
        const item = document.createElement("li");
        const name = row.iri ? iriLink(row.iri, row.text) : document.createElement("span");
        if (!row.iri) name.textContent = row.text;
        name.classList.add("q-chart-label");
        const track = document.createElement("span");
        track.className = "q-chart-track";
        const bar = document.createElement("span");
        bar.className = "q-chart-bar" + (row.value < 0 ? " negative" : "");
        bar.style.width = `${(Math.abs(row.value) / top) * 100}%`;
        track.append(bar);
        const value = document.createElement("span");
        value.className = "q-chart-value";
        value.textContent = row.value.toLocaleString(EN ? "en" : "nl");
        item.append(name, track, value);
        list.append(item);
      }
      wrap.append(list);
      this.yasr.resultsEl.append(wrap);
      this.drawControls(numeric, column);
    }

    drawControls(numeric, column) {
      if (numeric.length < 2) return;
      const label = document.createElement("label");
      label.className = "q-chart-controls";
      label.append(tr("Kolom ", "Column "));
      const select = document.createElement("select");
      for (const v of numeric) {
        const option = document.createElement("option");
        option.value = v;
        option.textContent = `?${v}`;
        option.selected = v === column;
        select.append(option);
      }
      select.addEventListener("change", () => {
        this.persistentConfig.column = select.value;
        this.yasr.storePluginConfig("chart", this.persistentConfig);
        this.yasr.draw();
      });
      label.append(select);
      this.controls = label;
      this.yasr.pluginControls.append(label);
    }

    destroy() { if (this.controls) this.controls.remove(); this.controls = undefined; }

    download(filename) { // the chart's numbers as CSV (label, value)
      return {
        getData: () => {
          const { column, labelColumn, rows } = this.series();
          const quote = (s) => `"${String(s).replace(/"/g, '""')}"`;
          return [[labelColumn || "row", column].map(quote).join(","),
            ...rows.map((row) => [row.iri || row.text, row.value].map(quote).join(","))].join("\r\n") + "\r\n";
        },
        contentType: "text/csv",
        title: tr("Grafiekgegevens downloaden", "Download the chart's data"),
        filename: `${filename || "grafiek"}.csv`,
      };
    }
  }

  Yasr.registerPlugin("table", Table);
  Yasr.registerPlugin("response", Response);
  Yasr.registerPlugin("chart", Chart);
  Yasr.defaults.pluginOrder = ["table", "chart", "response"];

  // ---- YASGUI itself ----------------------------------------------------------------------------------------------
  function ours(tabConfig) { // every tab queries this endpoint, whatever a shared link or old storage says
    tabConfig.requestConfig = { ...tabConfig.requestConfig, endpoint: ENDPOINT, method: "POST" };
    if (Array.isArray(tabConfig.requestConfig.args)) {
      tabConfig.requestConfig.args = tabConfig.requestConfig.args.filter((a) => a.name !== "lang");
    }
    return tabConfig;
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "fusiekg",
    tabName: tr("Query", "Query"),
    copyEndpointOnNewTab: false,
    autofocus: false,
    populateFromUrl: ours,
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }], keys: [] },
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    yasqe: { value: data.defaultQuery, editorHeight: "22em", resizeable: true },
    yasr: { prefixes: PREFIXES, defaultPlugin: "table", maxPersistentResponseSize: 200000 },
  });
  for (const id of Object.keys(yasgui._tabs || {})) {
    const tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint && tab.getEndpoint() !== ENDPOINT) tab.setEndpoint(ENDPOINT);
  }

  // ---- examples open in tabs of their own ----------------------------------------------------------------------------
  const examples = new Map(data.examples.map((e) => [e.slug, e]));
  const select = document.getElementById("examples");
  const description = document.getElementById("example-description");
  select.addEventListener("change", () => {
    const e = examples.get(select.value);
    if (!e) return;
    description.textContent = e.description;
    description.hidden = !e.description;
    yasgui.addTab(true, ours({ name: `${e.slug.split("-")[0]}. ${e.title}`.slice(0, 60), yasqe: { value: e.query },
      requestConfig: {} }), { avoidDuplicateTabs: true });
  });

  // ---- a result cut at the row limit says so (the Fusiekg-Truncated header) ----------------------------------------
  const watched = new WeakSet();
  function watch() {
    const tab = yasgui.getTab();
    const yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || watched.has(yasqe)) return;
    watched.add(yasqe);
    yasqe.on("query", () => { notice.className = "status"; notice.textContent = ""; });
    yasqe.on("queryResponse", (_yasqe, resp) => {
      const cut = resp && resp.headers && resp.headers.get && resp.headers.get("Fusiekg-Truncated");
      notice.className = cut ? "status warning" : "status";
      notice.textContent = cut ? tr(`Het resultaat is afgekapt op ${cut} rijen, de rijgrens van dit endpoint; gebruik LIMIT en OFFSET om verder te bladeren.`,
        `The result was cut at ${cut} rows, the row limit of this endpoint; use LIMIT and OFFSET to page through the rest.`) : "";
    });
  }
  for (const ev of ["tabSelect", "tabAdd", "tabChange"]) yasgui.on(ev, () => setTimeout(watch));
  watch();

  // ---- Dutch for the English texts YASGUI writes itself -------------------------------------------------------------
  if (!EN) {
    const WORDS = new Map(Object.entries({
      "Run query": "Query uitvoeren", "Share query": "Query delen", "Add tab": "Tabblad toevoegen",
      "Add a new tab": "Nieuw tabblad", "Close tab": "Tabblad sluiten", "Download result": "Resultaat downloaden",
      "Download Results": "Resultaat downloaden", "Filter query results": "Resultaten filteren",
      "Show all": "Alles tonen", "True": "Waar", "False": "Onwaar", "Clear endpoint": "Endpoint wissen",
      "Press CTRL - <spacebar> to autocomplete": "Ctrl+Spatie vult aan", "Settings": "Instellingen",
      "Open settings": "Instellingen openen", "Close settings": "Instellingen sluiten",
      "Try query in a new browser window": "Probeer de query in een nieuw venster",
      "Request method": "Verzoekmethode", "Accept Headers": "Accept-headers", "Arguments": "Argumenten",
      "Header Arguments": "Headers", "Default Graphs": "Standaardgrafen", "Named Graphs": "Benoemde grafen",
      "First": "Eerste", "Previous": "Vorige", "Next": "Volgende", "Last": "Laatste", "pagination": "paginering",
      "New Tab": "Nieuw tabblad", "Rename Tab": "Tabblad hernoemen", "Copy Tab": "Tabblad kopiëren",
      "Close Tab": "Tabblad sluiten", "Close other tabs": "Andere tabbladen sluiten",
      "Undo close Tab": "Gesloten tabblad terughalen", "Incorrect endpoint URL": "Onjuiste endpoint-URL",
      "Endpoint is down": "Het endpoint is niet bereikbaar",
      "Unable to get response from endpoint. Possible reasons:": "Geen antwoord van het endpoint. Mogelijke oorzaken:",
    }));
    const PATTERNS = [
      [/^(\d+) results? in ([\d.]+) seconds?$/, (m) => `${m[1]} ${m[1] === "1" ? "resultaat" : "resultaten"} in ` +
        `${m[2].replace(".", ",")} s`],
      [/^Shows (.+) view$/, (m) => `Toont ${m[1].toLowerCase()}`],
      [/^View documentation of (.+)$/, (m) => `Uitleg over ${m[1].toLowerCase()}`],
    ];
    const dutch = (text) => {
      const key = text.trim();
      if (WORDS.has(key)) return text.replace(key, WORDS.get(key));
      for (const [re, make] of PATTERNS) {
        const m = re.exec(key);
        if (m) return text.replace(key, make(m));
      }
      return null;
    };
    const translate = (root) => {
      for (const node of root.querySelectorAll("[title], [placeholder], [aria-label]")) {
        for (const attr of ["title", "placeholder", "aria-label"]) {
          const v = node.getAttribute(attr);
          const nl = v && dutch(v);
          if (nl) node.setAttribute(attr, nl);
        }
      }
      const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, { acceptNode: (n) =>
        (n.parentElement.closest(".CodeMirror, tbody") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT) });
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        const nl = dutch(node.nodeValue);
        if (nl) node.nodeValue = nl;
      }
    };
    let pending = false;
    const soon = () => { // once per frame, however many changes YASGUI makes
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; translate(yasgui.rootEl); });
    };
    translate(yasgui.rootEl);
    new MutationObserver(soon).observe(yasgui.rootEl, { childList: true, subtree: true, characterData: true });
  }
  window.fusiekgYasgui = yasgui; // for the browser tests and the curious
})();
