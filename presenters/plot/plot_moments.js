// memwrap plot: the live heap at any instant and what happened over any range, by call site,
// from the instant index (plot_instants.js). Reached by a click (an instant) or a drag (a
// range) on the chart, by two marks picked below it, or by the URL fragment: #t=3.2,
// #range=1.5..2.0, #range=mark:A..mark:B (docs/plot.md).

  let momentTrace = 0;
  let momentRangeText = ["start", null];  // the range lists' choices, as the fragment named them
  let moment = null;  // { kind: "instant", at } or { kind: "range", from, to } in ns
  const momentIndexes = [];  // decoded lazily, per trace
  function momentIndex(i) {
    if (!momentIndexes[i] && traces[i].instants) momentIndexes[i] = InstantIndex(traces[i].instants);
    return momentIndexes[i];
  }

  // Seconds with as many decimals as the index resolves (1 ns: 9).
  function exactSeconds(ns, quantum) {
    const decimals = Math.max(0, Math.min(9, 9 - Math.round(Math.log10(quantum || 1))));
    return (ns / 1e9).toFixed(decimals) + " s";
  }
  function resolutionText(quantum) {
    return quantum < 1000 ? quantum + " ns" : quantum < 1e6 ? quantum / 1e3 + " \u00b5s"
         : quantum < 1e9 ? quantum / 1e6 + " ms" : quantum / 1e9 + " s";
  }

  // A time in a fragment: seconds ("3.2"), "start", "end" or "mark:NAME" (the first mark of
  // that name in the trace). null when it names nothing.
  function fragmentTime(text, trace) {
    if (text === "start") return 0;
    if (text === "end") return trace.duration_ns + 1;
    if (text.startsWith("mark:")) {
      const name = text.substring(5);
      const mark = trace.markers.find(function (m) { return m.kind === "mark" && m.text === name; });
      return mark ? mark.time_ns : null;
    }
    const value = Number(text);
    return text !== "" && isFinite(value) && value >= 0 ? Math.round(value * 1e9) : null;
  }

  // Reads #t= or #range= (and #trace=N); false when the fragment asks for neither.
  function readMomentFragment(hash) {
    if (!traces.length) return false;
    const trace = Number(hash.get("trace") || 0);
    if (Number.isInteger(trace) && trace >= 0 && trace < traces.length) momentTrace = trace;
    const t = hash.get("t"), range = hash.get("range");
    moment = null;
    let problem = null;
    if (t !== null) {
      const at = fragmentTime(t, traces[momentTrace]);
      if (at === null) problem = "#t=" + t + " names no instant of this trace.";
      else moment = { kind: "instant", at: at };
    } else if (range !== null) {
      const parts = range.split("..");
      const from = parts.length === 2 ? fragmentTime(parts[0], traces[momentTrace]) : null;
      const to = parts.length === 2 ? fragmentTime(parts[1], traces[momentTrace]) : null;
      if (parts.length === 2) momentRangeText = parts;
      if (from === null || to === null) {
        problem = "#range=" + range + " is not FROM..TO (seconds, start, end or mark:NAME of " +
                  "this trace).";
      } else {
        moment = { kind: "range", from: Math.min(from, to), to: Math.max(from, to) };
      }
    }
    drawMoment(problem);
    return moment !== null;
  }

  function setMomentFragment(text) {
    const hash = new URLSearchParams(location.hash.substring(1));
    hash.delete("t");
    hash.delete("range");
    const [key, value] = text.split("=");
    hash.set(key, value);
    if (traces.length > 1) hash.set("trace", momentTrace);
    location.hash = decodeURIComponent(hash.toString());  // "mark:A..mark:B" stays readable
  }

  // Click (an instant) and drag (a range) on the chart's plot area; called by drawChart.
  function addMomentPicking(svg, frame, maxTime) {
    const m = frame.margin;
    const timeAt = function (event) {
      const box = svg.getBoundingClientRect();
      const px = (event.clientX - box.left) * (frame.width / box.width);
      return Math.min(Math.max((px - m.left) / frame.plotW, 0), 1) * maxTime;
    };
    const band = el("rect", { class: "range-band", y: m.top, height: frame.plotH, x: 0, width: 0,
                              visibility: "hidden" }, svg);
    let pressed = null;
    svg.addEventListener("mousedown", function (event) {
      if (event.button !== 0 || event.target.closest(".marker")) return;
      pressed = { x: event.clientX, t: timeAt(event) };
      event.preventDefault();
    });
    svg.addEventListener("mousemove", function (event) {
      if (!pressed) return;
      const a = frame.x(Math.min(pressed.t, timeAt(event))), b = frame.x(Math.max(pressed.t, timeAt(event)));
      band.setAttribute("x", a);
      band.setAttribute("width", b - a);
      band.setAttribute("visibility", "visible");
    });
    svg.addEventListener("mouseup", function (event) {
      if (!pressed) return;
      const start = pressed;
      pressed = null;
      const t = timeAt(event), digits = 9;  // ns: the index may resolve them
      if (Math.abs(event.clientX - start.x) < 4) {
        setMomentFragment("t=" + (t / 1e9).toFixed(digits));
      } else {
        setMomentFragment("range=" + (Math.min(start.t, t) / 1e9).toFixed(digits) + ".." +
                          (Math.max(start.t, t) / 1e9).toFixed(digits));
      }
    });
    // The instant or range shown below, drawn on the chart.
    if (!moment) return;
    if (moment.kind === "instant") {
      el("line", { class: "instant-line", x1: frame.x(moment.at), x2: frame.x(moment.at),
                   y1: m.top, y2: m.top + frame.plotH }, svg);
    } else {
      const a = frame.x(Math.min(moment.from, maxTime)), b = frame.x(Math.min(moment.to, maxTime));
      el("rect", { class: "range-band shown", x: a, width: Math.max(b - a, 1), y: m.top,
                   height: frame.plotH }, svg);
    }
  }

  // Two lists of the trace's marks (and its start and end) to pick a range by name.
  function drawMomentControls() {
    const box = document.getElementById("moment-controls");
    box.textContent = "";
    if (traces.length > 1) {
      const select = html("select", undefined, box);
      select.id = "moment-trace";
      select.setAttribute("aria-label", "trace");
      traces.forEach(function (trace, i) { html("option", traceName(i), select).value = i; });
      select.value = momentTrace;
      select.addEventListener("change", function () {
        momentTrace = Number(select.value);
        drawMomentControls();
        if (moment) drawMoment(null);
      });
    }
    const trace = traces[momentTrace];
    const choices = [{ value: "start", label: "the start" }];
    for (const m of trace.markers) {
      if (m.kind === "mark") choices.push({ value: "mark:" + m.text, label: "mark " + m.text + " (" + seconds(m.time_ns) + ")" });
    }
    choices.push({ value: "end", label: "the end" });
    const pick = function (label, id, initial) {
      const span = html("label", label + " ", box);
      const select = html("select", undefined, span);
      select.id = id;
      for (const c of choices) html("option", c.label, select).value = c.value;
      select.value = initial;
      return select;
    };
    const named = function (text) {
      return choices.some(function (c) { return c.value === text; }) ? text : null;
    };
    const from = pick("Range from", "range-from", named(momentRangeText[0]) || "start");
    const to = pick(" to", "range-to", named(momentRangeText[1]) ||
                                       (choices.length > 2 ? choices[2].value : "end"));
    const button = html("button", "Show the range", box);
    button.type = "button";
    button.id = "range-show";
    button.addEventListener("click", function () {
      setMomentFragment("range=" + from.value + ".." + to.value);
    });
  }

  function plural(n, noun) { return groupDigits(n) + " " + noun + (n === 1 ? "" : "s"); }

  // Bytes as the exact integer, the rounded unit beside it.
  function bytesCell(td, value) {
    td.textContent = groupDigits(value);
    td.dataset.bytes = value;
    if (Math.abs(value) >= 1024) {
      const unit = html("span", " " + (value < 0 ? "-" : "") + humanBytes(Math.abs(value)), td);
      unit.className = "unit";
    }
  }
  function signedBytesCell(td, value) {
    bytesCell(td, value);
    if (value > 0) td.firstChild.textContent = "+" + td.firstChild.textContent;
  }
  function siteLocation(site) {
    return site.file ? site.file + ":" + site.line : site.module;
  }

  const INSTANT_COLUMNS = [
    { key: "function", label: "Function", text: function (r) { return r.site.function; } },
    { key: "location", label: "Location", text: function (r) { return siteLocation(r.site); } },
    { key: "start", label: "Live bytes", numeric: true, cell: bytesCell },
    { key: "startBlocks", label: "Live blocks", numeric: true },
    { key: "percent", label: "% of live", numeric: true, percent: true },
  ];
  const RANGE_COLUMNS = [
    { key: "function", label: "Function", text: function (r) { return r.site.function; } },
    { key: "location", label: "Location", text: function (r) { return siteLocation(r.site); } },
    { key: "start", label: "Live at start", numeric: true, cell: bytesCell },
    { key: "allocated", label: "Allocated", numeric: true, cell: bytesCell },
    { key: "allocatedBlocks", label: "Allocations", numeric: true },
    { key: "freed", label: "Freed", numeric: true, cell: bytesCell },
    { key: "freedBlocks", label: "Frees", numeric: true },
    { key: "end", label: "Live at end", numeric: true, cell: bytesCell },
    { key: "change", label: "Change", numeric: true, cell: signedBytesCell },
  ];
  const momentSort = { kind: null, key: "start", descending: true };

  function drawMoment(problem) {
    const section = document.getElementById("moment-section");
    const summary = document.getElementById("moment-summary");
    const table = document.getElementById("moment-table");
    if (!section) return;
    table.textContent = "";
    section.dataset.view = moment ? moment.kind : "none";
    const index = momentIndex(momentTrace);
    if (problem || !moment || !index) {
      summary.textContent = problem || (!index && moment ? "This trace has no instant index." :
          "Click the chart for the live heap at that instant; drag across it, or pick two " +
          "marks, for what was allocated and freed in between.");
      summary.className = problem ? "problem" : "hint";
      return;
    }
    summary.className = "";
    const resolution = " Exact: every allocation and free of the trace before " +
        (moment.kind === "instant" ? "this instant" : "each end") + " (the index resolves " +
        resolutionText(index.quantum) + ")" + (traces[momentTrace].instants.sites_estimated ?
        "; stacks were sampled, so only sampled blocks have a call site." : ".");
    let rows, columns;
    if (moment.kind === "instant") {
      const live = index.liveAt(moment.at);
      section.dataset.atNs = live.at;
      section.dataset.totalBytes = live.total;
      summary.textContent = "Live heap at " + exactSeconds(live.at, index.quantum) + ": " +
          groupDigits(live.total) + " bytes (" + humanBytes(live.total) + ") in " +
          plural(live.blocks, "block") + ", " + plural(live.sites.length, "call site") + "." +
          resolution;
      rows = live.sites.map(function (r) {
        r.percent = live.total ? 100 * r.start / live.total : 0;
        return r;
      });
      columns = INSTANT_COLUMNS;
    } else {
      const range = index.range(moment.from, moment.to);
      const t = range.totals;
      section.dataset.fromNs = range.from;
      section.dataset.toNs = range.to;
      section.dataset.allocatedBytes = t.allocated;
      section.dataset.freedBytes = t.freed;
      summary.textContent = "From " + exactSeconds(range.from, index.quantum) + " to " +
          exactSeconds(range.to, index.quantum) + ": " + groupDigits(t.allocated) + " bytes (" +
          humanBytes(t.allocated) + ") allocated in " + plural(t.allocatedBlocks, "block") +
          ", " + groupDigits(t.freed) + " bytes (" + humanBytes(t.freed) + ") freed; live " +
          groupDigits(t.start) + " bytes at the start, " + groupDigits(t.end) + " at the end." +
          resolution;
      rows = range.sites;
      columns = RANGE_COLUMNS;
    }
    // A new kind of view sorts by its main column: live bytes, or bytes allocated.
    if (momentSort.kind !== moment.kind) {
      momentSort.kind = moment.kind;
      momentSort.key = moment.kind === "instant" ? "start" : "allocated";
      momentSort.descending = true;
    }
    sortableTable(table, columns, rows, momentSort, function () { drawMoment(null); },
                  function (tr, row) { tr.dataset.site = row.site.function; });
  }

  // A table whose headings sort it (click, or Enter / Space when focused) and whose rows can
  // be focused with the keyboard. columns: { key, label, numeric, text(row), cell(td, value),
  // percent }; sort: { key, descending }; decorate(tr, row) adds attributes.
  function sortableTable(table, columns, rows, sort, redraw, decorate) {
    table.textContent = "";
    const head = html("tr", undefined, html("thead", undefined, table));
    for (const c of columns) {
      const th = html("th", c.label, head);
      th.dataset.key = c.key;
      th.tabIndex = 0;
      if (c.numeric) th.className = "numeric";
      if (c.key === sort.key) th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      const resort = function () {
        sort.descending = c.key === sort.key ? !sort.descending : !!c.numeric;
        sort.key = c.key;
        redraw();
        const again = table.querySelector("th[data-key=\"" + c.key + "\"]");
        if (again) again.focus();
      };
      th.addEventListener("click", resort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); resort(); }
      });
    }
    const valueOf = function (row, c) { return c.text ? c.text(row) : row[c.key]; };
    // A sort key may be a column, or a value of the rows no column shows (a magnitude).
    const sortColumn = columns.find(function (c) { return c.key === sort.key; }) || { key: sort.key };
    const sorted = rows.slice().sort(function (a, b) {
      const av = valueOf(a, sortColumn), bv = valueOf(b, sortColumn);
      const order = av < bv ? -1 : av > bv ? 1 : 0;
      return sort.descending ? -order : order;
    });
    const body = html("tbody", undefined, table);
    for (const row of sorted) {
      const tr = html("tr", undefined, body);
      tr.tabIndex = 0;
      for (const c of columns) {
        const td = html("td", undefined, tr);
        const value = valueOf(row, c);
        if (c.numeric) td.className = "numeric";
        if (c.cell) c.cell(td, value);
        else if (c.percent) td.textContent = value.toFixed(2) + "%";
        else td.textContent = c.numeric ? groupDigits(value) : value;
      }
      if (decorate) decorate(tr, row);
    }
    if (sorted.length === 0) {
      html("td", "Nothing at this instant or in this range.", html("tr", undefined, body)).colSpan =
          columns.length;
    }
  }
