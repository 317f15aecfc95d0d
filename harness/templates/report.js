/* scim-harness report: filters (status, suite, text), finding groupings, and the cards of
   passed and skipped scenarios, drawn from the embedded JSON when they are opened. Plain
   DOM, no network; text from the target is only ever set as textContent. */
(function () {
  "use strict";
  var body = document.body;
  var q = document.getElementById("q");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none");
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  var cards = all("details.scenario");
  var findings = all(".finding");
  var clusters = all(".cluster");
  var groups = all(".group");
  var suiteGroups = all(".suite-group");
  var suiteRows = all("#suites tbody tr[data-suite]");
  var statusButtons = all("[data-set-filter]");
  var data = null;
  function deferred() {
    if (data === null) {
      var node = document.getElementById("deferred");
      data = node ? JSON.parse(node.textContent) : {};
    }
    return data;
  }

  /* Drawing a deferred card: the same markup as the page's own cards. */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function pretty(text) {
    try {
      var v = JSON.parse(text);
      if (v !== null && typeof v === "object") return JSON.stringify(v, null, 2);
    } catch (e) { /* not JSON: shown as recorded */ }
    return text;
  }
  var SYMBOL = { pass: "\u2713", fail: "\u2717", warn: "!", note: "i", repeat: "\u21b3", unjudged: "\u2013" };
  function headers(list) {
    var box = el("div", "hdrs");
    list.forEach(function (h) { add(box, add(el("div"), el("b", null, h[0] + ":"), " " + h[1])); });
    return box;
  }
  function drawStep(st) {
    var sec = el("section", "step step-" + st.status);
    sec.id = st.anchor;
    var code = st.response
      ? el("span", "code code-" + st.response.class, st.response.status)
      : el("span", "code code-none", "no response");
    add(sec, add(el("div", "step-head"),
      el("span", "step-status", st.status === "passed" ? "\u2713" : st.status === "failed" ? "\u2717" : "!"),
      el("span", "sname", st.name),
      add(el("span", "req"), el("span", "method", st.method), " " + st.url),
      code,
      add(el("span", "right"), st.duration + " \u00b7 ", el("span", "mono", st.location))));
    var inner = el("div", "step-inner");
    if (st.error) {
      var box = add(el("div", "error-box"), el("strong", null, "Error:"), " " + st.error);
      if (st.impact) add(box, el("br"), el("strong", null, "Impact:"), " " + st.impact);
      add(inner, box);
    }
    if (st.source) add(inner, el("div", "extra", "Source: " + st.source));
    if (st.checks.length) {
      var ul = el("ul", "checks");
      st.checks.forEach(function (c, i) {
        var li = el("li", "check " + c.mark);
        li.id = st.anchor + "-" + (i + 1);
        var mark = el("span", "mark", SYMBOL[c.mark] || "?");
        mark.setAttribute("aria-label", c.mark);
        add(li, add(el("div", "check-line"), mark, el("span", "desc", c.description),
          c.citation ? el("span", "cite", c.citation) : null));
        if (c.facts.length) {
          var dl = el("dl", "facts");
          c.facts.forEach(function (f) {
            var dd = el("dd");
            if (f.kind === "text") dd.textContent = f.value;
            else add(dd, el("pre", f.kind === "actual" ? "val actual" : "val", f.value));
            add(dl, el("dt", null, f.label), dd);
          });
          add(li, dl);
        }
        add(ul, li);
      });
      add(inner, ul);
    }
    if (st.captures.length) {
      add(inner, el("div", "extra", "Captured: " + st.captures.map(function (c) { return c[0] + " = " + c[1]; }).join(", ")));
    }
    var req = add(el("div", "msg"), el("h4", null, "Request"),
      add(el("div", "line"), el("span", "method", st.method), " " + st.url),
      headers(st.request_headers),
      st.request_body ? el("pre", null, pretty(st.request_body)) : null);
    var resp = add(el("div", "msg"), el("h4", null, "Response"));
    if (st.response) {
      add(resp, add(el("div", "line"), el("span", "code code-" + st.response.class, st.response.status), " after " + st.duration),
        headers(st.response.headers),
        st.response.body ? el("pre", null, pretty(st.response.body)) : null,
        st.response.truncated ? el("div", "none", "The body was cut at the harness's size limit.") : null);
    } else {
      add(resp, el("div", "none", "No response after " + st.duration + "."));
    }
    var ex = add(el("details", "exchange"), el("summary", null, "Request and response"), add(el("div", "pair"), req, resp));
    add(inner, ex);
    return add(sec, inner);
  }
  function draw(card) {
    if (!card.hasAttribute("data-deferred")) return;
    card.removeAttribute("data-deferred");
    var d = deferred()[card.id];
    var box = card.querySelector(".steps");
    if (!d || !box) return;
    box.textContent = "";
    d.steps.forEach(function (st) { add(box, drawStep(st)); });
    if (d.steps_not_run.length) add(box, el("div", "notrun", "Steps not run: " + d.steps_not_run.join(", ")));
    if (d.cleanup.length) {
      var tb = el("tbody");
      d.cleanup.forEach(function (c) {
        var result = el("td");
        result.setAttribute("data-label", "Result");
        if (c.deleted) add(result, el("span", "tag-pass", "deleted"));
        else add(result, el("span", "tag-fail", "not deleted"), c.error ? ": " + c.error : null);
        var url = el("td", "mono val", "DELETE " + c.url);
        url.setAttribute("data-label", "Cleanup");
        var status = el("td", "mono", c.status === null ? "\u2014" : c.status);
        status.setAttribute("data-label", "Status");
        add(tb, add(el("tr"), url, status, result));
      });
      var head = add(el("tr"), el("th", null, "Cleanup"), el("th", null, "Status"), el("th", null, "Result"));
      add(box, add(el("table", "cleanup stack"), add(el("thead"), head), tb));
    }
  }
  cards.forEach(function (card) {
    card.addEventListener("toggle", function () { if (card.open) draw(card); });
    if (card.open) draw(card);
  });

  /* Filtering. */
  var texts = {};
  function textOf(node) {
    var key = node.id || null;
    if (key && texts[key] !== undefined) return texts[key];
    var t = node.textContent;
    if (node.hasAttribute("data-deferred")) t += " " + JSON.stringify(deferred()[node.id] || "");
    t = t.toLowerCase();
    if (key && !node.hasAttribute("data-deferred")) texts[key] = t;
    return t;
  }
  function statusOk(card, filter) {
    var st = card.getAttribute("data-status");
    if (filter === "failed") return st === "failed" || st === "errored";
    if (filter === "warnings") return card.hasAttribute("data-warn");
    if (filter === "passed") return st === "passed";
    return true;
  }
  function apply() {
    var filter = body.getAttribute("data-filter");
    var suite = body.getAttribute("data-suite");
    var text = q.value.trim().toLowerCase();
    var nCards = 0, nFindings = 0;
    cards.forEach(function (card) {
      var ok = statusOk(card, filter) && (!suite || card.getAttribute("data-suite") === suite) &&
        (!text || textOf(card).indexOf(text) !== -1);
      card.hidden = !ok;
      if (ok) nCards++;
    });
    findings.forEach(function (f) {
      var head = f.closest(".group").querySelector("h3").textContent + " " +
        f.closest(".cluster").querySelector(".chead").textContent;
      var ok = (!suite || f.getAttribute("data-suite") === suite) &&
        (!text || (head + " " + f.textContent).toLowerCase().indexOf(text) !== -1);
      f.hidden = !ok;
      if (ok && !f.closest(".by-suite")) nFindings++;
    });
    clusters.forEach(function (c) { c.hidden = !c.querySelector(".finding:not([hidden])"); });
    groups.forEach(function (g) {
      var n = g.querySelectorAll(".finding:not([hidden])").length;
      g.hidden = n === 0;
      var count = g.querySelector("h3 .count");
      var total = g.querySelectorAll(".finding").length;
      count.textContent = n === total ? String(total) : n + " of " + total;
    });
    suiteGroups.forEach(function (g) { g.hidden = !g.querySelector("details.scenario:not([hidden])"); });
    all("#failures, #warnings").forEach(function (panel) {
      var empty = panel.querySelector(".empty");
      if (empty) empty.hidden = !!panel.querySelector(".finding:not([hidden])");
    });
    if (none) none.hidden = nCards > 0;
    var filtered = filter !== "all" || suite || text;
    shown.textContent = filtered ? nCards + " of " + cards.length + " scenarios \u00b7 " + nFindings + " of " + findings.filter(function (f) { return !f.closest(".by-suite"); }).length + " findings" : "";
  }
  function setFilter(name) {
    body.setAttribute("data-filter", name);
    statusButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-set-filter") === name ? "true" : "false");
    });
    apply();
  }
  function setSuite(id) {
    if (id) body.setAttribute("data-suite", id); else body.removeAttribute("data-suite");
    suiteRows.forEach(function (r) { r.setAttribute("aria-selected", r.getAttribute("data-suite") === id ? "true" : "false"); });
    apply();
  }
  statusButtons.forEach(function (b) {
    b.addEventListener("click", function () { setFilter(b.getAttribute("data-set-filter")); });
  });
  suiteRows.forEach(function (r) {
    function pick() { var id = r.getAttribute("data-suite"); setSuite(body.getAttribute("data-suite") === id ? null : id); }
    r.addEventListener("click", pick);
    r.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
  });
  all("[data-clear-suite]").forEach(function (b) { b.addEventListener("click", function () { setSuite(null); }); });
  var timer = null;
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, cards.length > 300 ? 150 : 0);
  });
  all("[data-group-by]").forEach(function (b) {
    b.addEventListener("click", function () {
      var by = b.getAttribute("data-group-by");
      document.getElementById("failures").setAttribute("data-by", by);
      all("[data-group-by]").forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
    });
  });
  all("[data-expand]").forEach(function (b) {
    b.addEventListener("click", function () {
      var open = b.getAttribute("data-expand") === "1";
      cards.forEach(function (card) { if (!card.hidden) { card.open = open; if (open) draw(card); } });
    });
  });
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var card = document.getElementById(id.split("-")[0]);
    if (card && card.matches("details.scenario")) {
      if (card.hidden) { q.value = ""; setSuite(null); setFilter("all"); }
      card.open = true;
      draw(card);
    }
    var target = document.getElementById(id);
    if (!target) return;
    var d = target.closest("details");
    while (d) { d.open = true; d = d.parentElement && d.parentElement.closest("details"); }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  // A reload may give the search box back what was typed before: filter by it.
  window.addEventListener("pageshow", apply);
  apply();
  reveal();
})();
