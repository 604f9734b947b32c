// The query page: a textarea with a highlighting overlay, example queries, and a results table.
// Self-contained on purpose (no CDN, no build step): the page must work with no internet.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("page-data").textContent);
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const highlight = document.getElementById("highlight");
  const examples = document.getElementById("examples");
  const exampleDescription = document.getElementById("example-description");
  const statusEl = document.getElementById("status");
  const downloads = document.getElementById("downloads");
  const tableWrap = document.getElementById("table-wrap");
  const shareLink = document.getElementById("share-link");
  const runButton = document.getElementById("run");
  const endpoint = "sparql";

  // ---- highlighting -------------------------------------------------------------------------------------------
  const KEYWORDS = new Set(("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS " +
    "FILTER BIND VALUES SERVICE SILENT GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET DISTINCT REDUCED AS NOT IN " +
    "EXISTS UNDEF INSERT DELETE DATA LOAD CLEAR CREATE DROP COPY MOVE ADD WITH USING DEFAULT ALL INTO TO LATERAL")
    .split(" "));
  const FUNCTIONS = new Set(("COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE " +
    "BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS " +
    "STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 " +
    "SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE")
    .split(" "));
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                                                       // 1 comment
    "(\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?)", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                                          // 3 IRI
    "([?$][A-Za-z0-9_\\u00B7\\u00C0-\\uFFFF]+)",                                         // 4 variable
    "((?:[A-Za-z][\\w-]*(?:\\.[\\w-]+)*)?:(?:[\\w%-]|\\.(?=[\\w%-]))*)",                  // 5 prefixed name
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",                                                   // 6 language tag
    "(\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b)",                                        // 7 number
    "([A-Za-z_][A-Za-z_0-9]*)",                                                         // 8 word
  ].join("|"), "g");
  const CLASSES = [null, "tok-comment", "tok-string", "tok-iri", "tok-var", "tok-pname", "tok-lang", "tok-number"];

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]));
  }

  function tokens(text) {
    const out = [];
    let last = 0;
    TOKEN.lastIndex = 0;
    let m;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      if (m.index > last) out.push([null, text.slice(last, m.index)]);
      let kind = null;
      for (let i = 1; i < CLASSES.length; i++) if (m[i] !== undefined) { kind = CLASSES[i]; break; }
      if (kind === null && m[8] !== undefined) {
        const w = m[8].toUpperCase();
        kind = m[8] === "a" ? "tok-keyword" : KEYWORDS.has(w) ? "tok-keyword" : FUNCTIONS.has(w) ? "tok-function"
          : (w === "TRUE" || w === "FALSE") ? "tok-number" : null;
      }
      out.push([kind, m[0]]);
      last = TOKEN.lastIndex;
    }
    if (last < text.length) out.push([null, text.slice(last)]);
    return out;
  }

  function renderHighlight() {
    const text = textarea.value;
    highlight.innerHTML = tokens(text).map(([kind, s]) =>
      kind ? `<span class="${kind}">${escapeHtml(s)}</span>` : escapeHtml(s)).join("") + "\n ";
    syncScroll();
  }

  function syncScroll() {
    highlight.parentElement.scrollTop = textarea.scrollTop;
    highlight.parentElement.scrollLeft = textarea.scrollLeft;
  }

  // ---- prefixes -----------------------------------------------------------------------------------------------
  function declaredPrefixes(text) {
    // Look for PREFIX declarations in the text with comments and strings blanked out.
    const blank = tokens(text).map(([k, s]) => (k === "tok-comment" || k === "tok-string") ? " " : s).join("");
    const found = new Set();
    const re = /PREFIX\s+([A-Za-z][\w.-]*)?:/gi;
    let m;
    while ((m = re.exec(blank)) !== null) found.add(m[1] || "");
    return found;
  }

  function addMissingPrefixes() {
    const text = textarea.value;
    const declared = declaredPrefixes(text);
    const missing = [];
    for (const [kind, s] of tokens(text)) {
      if (kind !== "tok-pname") continue;
      const p = s.slice(0, s.indexOf(":"));
      if (!declared.has(p) && Object.prototype.hasOwnProperty.call(data.prefixes, p) && !missing.includes(p)) {
        missing.push(p);
      }
    }
    if (!missing.length) return [];
    textarea.value = missing.map((p) => `PREFIX ${p}: <${data.prefixes[p]}>\n`).join("") + text;
    renderHighlight();
    return missing;
  }

  function shorten(iri) {
    let best = null;
    for (const [p, ns] of Object.entries(data.prefixes)) {
      if (iri.startsWith(ns) && /^[\w\/.-]*$/.test(iri.slice(ns.length)) && (!best || ns.length > best[1].length)) {
        best = [p, ns];
      }
    }
    return best ? `${best[0]}:${iri.slice(best[1].length)}` : iri;
  }

  // ---- results ------------------------------------------------------------------------------------------------
  function linkFor(iri) {
    if (iri.startsWith(data.base)) return data.localBase + iri.slice(data.base.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function termNode(t) {
    if (!t) return document.createTextNode("");
    if (t.type === "uri") {
      const href = linkFor(t.value);
      const el = document.createElement(href ? "a" : "span");
      el.className = "iri";
      el.textContent = shorten(t.value);
      el.title = t.value;
      if (href) {
        el.href = href;
        if (!t.value.startsWith(data.base)) { el.target = "_blank"; el.rel = "noopener noreferrer"; }
      }
      return el;
    }
    if (t.type === "bnode") {
      const el = document.createElement("span");
      el.className = "bnode";
      el.textContent = "_:" + t.value;
      return el;
    }
    if (t.type === "triple") {
      const el = document.createElement("span");
      el.append("<< ", termNode(t.value.subject), " ", termNode(t.value.predicate), " ", termNode(t.value.object),
        " >>");
      return el;
    }
    const el = document.createElement("span");
    el.className = "literal";
    el.textContent = t.value;
    const lang = t["xml:lang"];
    if (lang || t.datatype) {
      const small = document.createElement("small");
      small.textContent = lang ? "@" + lang : "^^" + shorten(t.datatype);
      el.append(" ", small);
    }
    return el;
  }

  // Answers are complete; the page shows at most this many rows of one (the downloads give them all).
  const SHOWN_ROWS = 1000;

  function shownNote(n) {
    return n > SHOWN_ROWS ? ` Showing the first ${SHOWN_ROWS}; the downloads below give all ${n}.` : "";
  }

  function table(vars, rows) {
    const tbl = document.createElement("table");
    tbl.className = "results";
    const head = tbl.createTHead().insertRow();
    const num = document.createElement("th");
    num.textContent = "#";
    head.append(num);
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = "?" + v;
      head.append(th);
    }
    const body = tbl.createTBody();
    rows.slice(0, SHOWN_ROWS).forEach((row, i) => {
      const tr = body.insertRow();
      tr.insertCell().textContent = String(i + 1);
      for (const v of vars) tr.insertCell().append(termNode(row[v]));
    });
    return tbl;
  }

  const NT_TERM = /\s*(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)/y;

  function unescapeLiteral(s) {
    return s.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (m, u4, u8, c) =>
      u4 || u8 ? String.fromCodePoint(parseInt(u4 || u8, 16))
        : ({ t: "\t", n: "\n", r: "\r", b: "\b", f: "\f", "\"": "\"", "'": "'", "\\": "\\" }[c] ?? c));
  }

  function parseNTriples(text) {
    const rows = [];
    for (const line of text.split("\n")) {
      if (!line.trim() || line.trimStart().startsWith("#")) continue;
      NT_TERM.lastIndex = 0;
      const terms = [];
      for (let i = 0; i < 3; i++) {
        const m = NT_TERM.exec(line);
        if (!m) break;
        if (m[1] !== undefined) terms.push({ type: "uri", value: m[1] });
        else if (m[2] !== undefined) terms.push({ type: "bnode", value: m[2] });
        else {
          const t = { type: "literal", value: unescapeLiteral(m[3]) };
          if (m[4]) t["xml:lang"] = m[4];
          if (m[5]) t.datatype = m[5];
          terms.push(t);
        }
      }
      if (terms.length === 3) rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] });
    }
    return rows;
  }

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "status" + (kind ? " " + kind : "");
  }

  function queryUrl(query, format) {
    const params = new URLSearchParams({ query });
    if (format) params.set("format", format);
    return `${endpoint}?${params}`;
  }

  function showDownloads(query, formats) {
    downloads.replaceChildren();
    downloads.append("Download: ");
    formats.forEach(([media, short], i) => {
      const a = document.createElement("a");
      a.href = queryUrl(query, short);
      a.textContent = short;
      a.title = media;
      a.className = "download";
      a.setAttribute("download", `result.${short}`);
      if (i) downloads.append(" · ");
      downloads.append(a);
    });
  }

  function updateShareLink(query) {
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({ query }).toString();
    url.hash = "";
    shareLink.href = url.toString();
    return url;
  }

  function placeCursor(line, column) {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  async function run() {
    const added = addMissingPrefixes();
    const query = textarea.value;
    history.replaceState(null, "", updateShareLink(query));
    downloads.replaceChildren();
    tableWrap.replaceChildren();
    setStatus("Running…", "busy");
    runButton.disabled = true;
    const t0 = performance.now();
    try {
      const resp = await fetch(endpoint, {
        method: "POST",
        headers: { Accept: "application/sparql-results+json, application/n-triples;q=0.9, application/json;q=0.5" },
        body: new URLSearchParams({ query }),
      });
      const ms = Math.round(performance.now() - t0);
      const type = (resp.headers.get("Content-Type") || "").split(";")[0].trim();
      if (!resp.ok) {
        const text = await resp.text();
        let message = text;
        try {
          const err = JSON.parse(text);
          message = err.message || text;
          if (err.line && err.column) placeCursor(err.line, err.column);
        } catch (e) { /* a plain-text error */ }
        setStatus(`Error ${resp.status}: ${message}`, "error");
        return;
      }
      const cut = resp.headers.get("Fusiekg-Truncated");
      const note = (added.length ? ` Declared prefixes: ${added.join(", ")}.` : "") +
        (cut ? ` The result was cut at ${cut} rows (the endpoint's row limit): use LIMIT and OFFSET to page.` : "");
      if (type === "application/sparql-results+json") {
        const json = await resp.json();
        showDownloads(query, data.resultsFormats);
        if ("boolean" in json) {
          setStatus(`Answer: ${json.boolean} (${ms} ms).${note}`, cut ? "warning" : "ok");
          return;
        }
        const rows = json.results.bindings;
        setStatus(`${rows.length} row${rows.length === 1 ? "" : "s"} in ${ms} ms.${shownNote(rows.length)}${note}`,
          cut ? "warning" : "ok");
        tableWrap.append(table(json.head.vars, rows));
      } else {
        const triples = parseNTriples(await resp.text());
        showDownloads(query, data.graphFormats);
        setStatus(`${triples.length} triple${triples.length === 1 ? "" : "s"} in ${ms} ms.${shownNote(triples.length)}${note}`,
          cut ? "warning" : "ok");
        tableWrap.append(table(["subject", "predicate", "object"], triples));
      }
    } catch (e) {
      setStatus(`The endpoint could not be reached: ${e.message}`, "error");
    } finally {
      runButton.disabled = false;
    }
  }

  // ---- wiring -------------------------------------------------------------------------------------------------
  function pickExample() {
    const ex = data.examples.find((e) => e.slug === examples.value);
    if (!ex) { exampleDescription.hidden = true; return; }
    textarea.value = ex.query;
    const other = data.lang === "en" ? ex.title : ex.title_en;
    exampleDescription.textContent = (other ? other + " — " : "") + ex.description;
    exampleDescription.hidden = !exampleDescription.textContent;
    renderHighlight();
    updateShareLink(ex.query);
    textarea.scrollTop = 0;
  }

  textarea.addEventListener("input", () => { renderHighlight(); updateShareLink(textarea.value); });
  textarea.addEventListener("scroll", syncScroll);
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  examples.addEventListener("change", pickExample);
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  new ResizeObserver(syncScroll).observe(textarea);

  renderHighlight();
  updateShareLink(textarea.value);
  if (data.autorun) run();
})();
