/* The network of a municipality's gemeenschappelijke regelingen, drawn as SVG from the page's JSON twin
   (/netwerk/gmNNNN.json?datum=...; see web/network.py). No library: a radial layout of our own.
   - the municipality in the middle;
   - its regelingen on an inner ring, grouped by form (an arc per form, in the order of the legend);
   - on the outer ring the partners it shares the most regelingen with (12 nodes, or 8 on a narrow screen; partners
     that share exactly the same regelingen are one node), each placed near the regelingen it shares, with a line per
     shared regeling; the rest are counted, and all are in the table.
   Hovering or focusing a partner or a regeling highlights its lines. Texts in Dutch and English, chosen by the
   page's language (data-lang). */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var TEXT = {
    nl: { loading: "Netwerk laden…", failed: "Het netwerk kon niet worden geladen: ", none: "Geen regelingen op deze datum.",
          more: function (n) { return "en nog " + n + " andere deelnemer" + (n === 1 ? "" : "s") + " (zie de tabel)"; },
          shares: function (n) { return n + " gedeelde regeling" + (n === 1 ? "" : "en"); },
          participants: function (n) { return n + " deelnemers"; },
          title: function (g, d, r, p) { return g + " op " + d + ": " + r + " regelingen, " + p + " partners"; } },
    en: { loading: "Loading the network…", failed: "The network could not be loaded: ", none: "No arrangements on this date.",
          more: function (n) { return "and " + n + " other participant" + (n === 1 ? "" : "s") + " (see the table)"; },
          shares: function (n) { return n + " shared arrangement" + (n === 1 ? "" : "s"); },
          participants: function (n) { return n + " participants"; },
          title: function (g, d, r, p) { return g + " on " + d + ": " + r + " arrangements, " + p + " partners"; } }
  };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function short(text, max) {
    return text.length > max ? text.slice(0, max - 1).trimEnd() + "…" : text;
  }

  function formClass(iri) {
    return "f-" + (iri ? iri.split("/").pop() : "onbekend");
  }

  /* The mean of angles (radians), so that a partner sits among the regelingen it shares. */
  function meanAngle(angles) {
    var x = 0, y = 0;
    angles.forEach(function (a) { x += Math.cos(a); y += Math.sin(a); });
    return Math.atan2(y, x);
  }

  /* Partners that share exactly the same regelingen are one node ("Achtkarspelen +7"): in a region where many
     municipalities share the same regelingen this keeps the picture readable. Most shared first. */
  function groups(partners) {
    var byKey = {}, out = [];
    partners.forEach(function (p) {
      var key = p.regelingen.slice().sort().join(" ");
      if (!byKey[key]) {
        byKey[key] = { key: key, members: [], regelingen: p.regelingen, gedeeld: p.gedeeld };
        out.push(byKey[key]);
      }
      byKey[key].members.push(p);
    });
    out.sort(function (a, b) { return b.gedeeld - a.gedeeld || b.members.length - a.members.length; });
    return out;
  }

  function layout(data, width) {
    var narrow = width < 560;
    var size = narrow ? 300 : 440, margin = narrow ? 100 : 150;
    var c = size / 2, r1 = size * 0.26, r2 = size * 0.47;
    var all = groups(data.partners);
    var shown = all.slice(0, narrow ? Math.min(8, data.getoond) : data.getoond);
    var order = data.vormen.map(function (v) { return v.iri; });
    var regs = data.regelingen.slice().sort(function (a, b) {
      return order.indexOf(a.vorm) - order.indexOf(b.vorm) || b.deelnemers - a.deelnemers || a.naam.localeCompare(b.naam);
    });
    // a small gap between forms: one empty slot per form boundary
    var slots = regs.length + Math.max(0, order.length - 1), slot = 0, last = null;
    var pos = {};
    regs.forEach(function (r) {
      if (last !== null && r.vorm !== last) slot += 1;
      last = r.vorm;
      var a = -Math.PI / 2 + 2 * Math.PI * (slot + 0.5) / Math.max(slots, 1);
      pos[r.iri] = { a: a, x: c + r1 * Math.cos(a), y: c + r1 * Math.sin(a), r: r };
      slot += 1;
    });
    var nodes = shown.map(function (g) {
      var angles = g.regelingen.filter(function (i) { return pos[i]; }).map(function (i) { return pos[i].a; });
      return { g: g, want: angles.length ? meanAngle(angles) : 0 };
    });
    // keep the order the shared regelingen suggest, but spread the nodes evenly so labels never collide
    nodes.sort(function (a, b) { return a.want - b.want; });
    var first = nodes.length ? nodes[0].want : 0;
    nodes.forEach(function (q, i) {
      q.a = first + 2 * Math.PI * i / nodes.length;
      q.x = c + r2 * Math.cos(q.a);
      q.y = c + r2 * Math.sin(q.a);
    });
    var hidden = all.slice(shown.length).reduce(function (n, g) { return n + g.members.length; }, 0);
    return { size: size, margin: margin, c: c, r1: r1, r2: r2, narrow: narrow, regs: regs, pos: pos, nodes: nodes,
             hidden: hidden };
  }

  function draw(box, data, T) {
    var L = layout(data, box.clientWidth || 640);
    box.textContent = "";
    var extra = L.hidden > 0 ? 30 : 0;
    var svg = el("svg", { viewBox: [-L.margin, -30, L.size + 2 * L.margin, L.size + 60 + extra].join(" "), role: "img",
                          "class": "nw-svg" + (L.narrow ? " narrow" : ""), "aria-labelledby": "nw-svg-title" }, box);
    el("title", { id: "nw-svg-title" }, svg).textContent =
      T.title(data.gemeente.naam, data.datum, data.regelingen.length, data.partners.length);
    var lines = el("g", { "class": "nw-lines" }, svg);
    var byRegeling = {}, byNode = [];
    L.regs.forEach(function (r) {  // spokes: the municipality to each of its regelingen
      var p = L.pos[r.iri];
      el("line", { x1: L.c, y1: L.c, x2: p.x, y2: p.y, "class": "nw-spoke" }, lines);
    });
    L.nodes.forEach(function (q, n) {  // a line per partner (group) and shared regeling
      byNode[n] = [];
      q.g.regelingen.forEach(function (i) {
        var p = L.pos[i];
        if (!p) return;
        // bent towards the middle of the two rings, so lines to the far side do not all cross the centre
        var mx = L.c + (L.r1 + L.r2) / 2 * Math.cos((q.a + p.a) / 2 + (Math.abs(q.a - p.a) > Math.PI ? Math.PI : 0));
        var my = L.c + (L.r1 + L.r2) / 2 * Math.sin((q.a + p.a) / 2 + (Math.abs(q.a - p.a) > Math.PI ? Math.PI : 0));
        var line = el("path", { d: "M" + q.x + "," + q.y + " Q" + mx + "," + my + " " + p.x + "," + p.y,
                                "class": "nw-edge " + formClass(p.r.vorm) }, lines);
        byNode[n].push(line);
        (byRegeling[i] = byRegeling[i] || []).push(line);
      });
    });
    function highlight(list, on) {
      (list || []).forEach(function (line) { line.classList.toggle("is-lit", on); });
      svg.classList.toggle("has-lit", on);
    }
    function node(group, href, label, lit) {
      var a = el("a", { href: href || "#nw-partners", "class": group }, svg);
      el("title", {}, a).textContent = label;
      a.addEventListener("mouseenter", function () { highlight(lit, true); });
      a.addEventListener("mouseleave", function () { highlight(lit, false); });
      a.addEventListener("focus", function () { highlight(lit, true); });
      a.addEventListener("blur", function () { highlight(lit, false); });
      return a;
    }
    L.regs.forEach(function (r) {  // regelingen: dots sized by their number of participants
      var p = L.pos[r.iri];
      var a = node("nw-regeling", r.href, r.naam + " · " + T.participants(r.deelnemers), byRegeling[r.iri]);
      a.setAttribute("data-iri", r.iri);
      el("circle", { cx: p.x, cy: p.y, r: Math.min(4 + Math.sqrt(r.deelnemers) * 1.4, 12), "class": formClass(r.vorm) }, a);
    });
    var maxLen = L.narrow ? 12 : 20;
    L.nodes.forEach(function (q, n) {  // partners: dot sized by how many share it, label outside the ring
      var g = q.g, one = g.members.length === 1;
      var names = g.members.map(function (m) { return m.naam; });
      var a = node("nw-partner", one ? g.members[0].href : null,
                   names.join(", ") + " · " + T.shares(g.gedeeld), byNode[n]);
      a.setAttribute("data-names", JSON.stringify(names));
      var radius = 4 + Math.sqrt(g.members.length) * 3;
      el("circle", { cx: q.x, cy: q.y, r: radius,
                     "class": "nw-partner-dot soort-" + (one ? g.members[0].soort : "groep") }, a);
      var right = Math.cos(q.a) >= 0;
      var label = el("text", { x: q.x + (right ? 1 : -1) * (radius + 5), y: q.y + 4, "text-anchor": right ? "start" : "end",
                               "class": "nw-label" }, a);
      label.textContent = short(names[0], maxLen) + (one ? "" : " +" + (names.length - 1));
    });
    var me = node("nw-self", data.gemeente.href, data.gemeente.naam, []);  // the municipality, on a pill
    var pill = el("rect", { rx: 12, ry: 12 }, me);
    var name = el("text", { x: L.c, y: L.c + 5, "text-anchor": "middle", "class": "nw-self-label" }, me);
    name.textContent = data.gemeente.naam;
    var w = (name.getComputedTextLength ? name.getComputedTextLength() : data.gemeente.naam.length * 8) + 20;
    pill.setAttribute("x", L.c - w / 2); pill.setAttribute("y", L.c - 13);
    pill.setAttribute("width", w); pill.setAttribute("height", 26);
    if (L.hidden > 0) {
      el("text", { x: L.c, y: L.size + 40, "text-anchor": "middle", "class": "nw-more" }, svg).textContent = T.more(L.hidden);
    }
  }

  function start(box) {
    var T = TEXT[box.getAttribute("data-lang")] || TEXT.nl;
    fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (data) {
        if (!data.regelingen.length) {
          box.textContent = T.none;
        } else {
          draw(box, data, T);
          var width = box.clientWidth, timer = null;
          window.addEventListener("resize", function () {
            if (box.clientWidth === width) return;
            width = box.clientWidth;
            clearTimeout(timer);
            timer = setTimeout(function () { draw(box, data, T); }, 150);
          });
        }
        box.setAttribute("data-state", "ready");
      })
      .catch(function (err) {
        box.textContent = T.failed + err.message;
        box.setAttribute("data-state", "error");
      });
  }

  document.querySelectorAll(".nw-chart[data-src]").forEach(start);
})();
