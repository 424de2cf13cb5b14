// memwrap plot: draws the report from the JSON in #memwrap-data (presenters/plot/plot_data.cpp,
// system_plot_data.cpp, job_plot_data.cpp; keys in docs/plot.md) as SVG. No library, no network: the page must work as a lone file.

  const data = JSON.parse(document.getElementById("memwrap-data").textContent);
  const traces = data.traces;
  const SVG_NS = "http://www.w3.org/2000/svg";  // the SVG namespace name, not a download
  const SERIES = [
    { key: "heap", label: "heap", dash: "", steps: true },
    { key: "mapped", label: "mapped", dash: "6 3", steps: true },
    { key: "rss", label: "RSS", dash: "2 2", steps: false },
    { key: "pss", label: "PSS", dash: "8 3 2 3", steps: false },
  ];
  // Heap and mapped bytes change at events and hold between them: steps. RSS and PSS are
  // read at sampling instants: dots, joined by a faint line (what lies between is unknown).
  function stepPath(points, x, y) {
    let d = "";
    for (const p of points) {
      d += d ? "H" + x(p[0]).toFixed(1) + "V" + y(p[1]).toFixed(1)
             : "M" + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
    }
    return d;
  }
  function samplePath(points, x, y) {
    let d = "";
    for (const p of points) d += "M" + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1) + "h0";
    return d;
  }
  const MARKER_LABELS = { mark: "mark (memwrap_mark)", start: "process start", exec: "exec",
                          exit: "process exit", stdout: "stdout line", stack_sample: "stack sample" };
  // One trace: a color per series. Several: a color per trace, a dash pattern per series.
  const SERIES_COLORS = { heap: "#1f77b4", mapped: "#2ca02c", rss: "#d62728", pss: "#9467bd" };
  const TRACE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const MARKER_COLORS = { mark: "#ff7f0e", start: "#2ca02c", exec: "#17becf", exit: "#7f7f7f",
                          stdout: "#bcbd22", stack_sample: "#e377c2" };
  const visible = { heap: true, mapped: true, rss: true, pss: true };

  // ---- formatting -------------------------------------------------------------------------
  function groupDigits(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function humanBytes(n) {
    const units = ["KiB", "MiB", "GiB", "TiB"];
    if (n < 1024) return n + " B";
    let value = n, unit = -1;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; ++unit; }
    return value.toFixed(2) + " " + units[unit];
  }
  function bytesWithExact(n) { return humanBytes(n) + " (" + groupDigits(n) + " bytes)"; }
  function seconds(ns) {
    const s = ns / 1e9;
    return (s >= 100 ? s.toFixed(0) : s >= 1 ? s.toFixed(2) : s.toFixed(3)) + " s";
  }
  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(name, text, parent) {
    const node = document.createElement(name);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function traceName(i) {
    const path = traces[i].trace;
    return path.substring(path.lastIndexOf("/") + 1);
  }
  function seriesColor(trace, series) {
    return traces.length === 1 ? SERIES_COLORS[series] : TRACE_COLORS[trace % TRACE_COLORS.length];
  }
  function showDetail(id, title, lines) {
    const box = document.getElementById(id);
    box.textContent = "";
    html("strong", title, box);
    if (lines && lines.length) {
      const list = html("ol", undefined, box);
      list.className = "stack";
      for (const line of lines) html("li", line, list);
    }
  }
  // A round step for axis ticks: 1, 2 or 5 times a power of `base` (10, or 1024 for bytes).
  function niceStep(range, count, base) {
    const raw = range / count;
    let power = 1;
    while (power * base <= raw) power *= base;
    while (power > raw && power > 1e-12) power /= base;
    for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) {
      if (power * m >= raw) return power * m;
    }
    return raw;
  }

  // ---- the chart ----------------------------------------------------------------------------
  function drawChart() {
    const box = document.getElementById("chart");
    box.textContent = "";
    const width = Math.max(640, box.clientWidth || 1000), height = 380;
    const margin = { left: 84, right: 20, top: 20, bottom: 66 };
    const plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom;
    let maxTime = 1, maxValue = 1;
    traces.forEach(function (trace) {
      maxTime = Math.max(maxTime, trace.duration_ns, trace.peak.time_ns);
      for (const s of SERIES) {
        if (!visible[s.key]) continue;
        for (const p of trace.series[s.key]) {
          maxTime = Math.max(maxTime, p[0]);
          maxValue = Math.max(maxValue, p[1]);
        }
      }
      if (visible.heap) maxValue = Math.max(maxValue, trace.peak.heap_bytes);
    });
    const yStep = niceStep(maxValue, 5, 1024);
    maxValue = Math.ceil(maxValue * 1.08 / yStep) * yStep;
    const x = function (t) { return margin.left + (t / maxTime) * plotW; };
    const y = function (v) { return margin.top + plotH - (v / maxValue) * plotH; };

    const svg = el("svg", { id: "chart-svg", width: width, height: height,
                            viewBox: "0 0 " + width + " " + height, role: "img",
                            "aria-label": "memory over time" }, box);
    // Axes and grid.
    const axis = el("g", { class: "axis" }, svg);
    drawAxes(axis, { margin: margin, plotW: plotW, plotH: plotH, x: x, y: y }, maxValue, yStep,
             function (v) { return humanBytes(Math.round(v)); }, maxTime, seconds);

    // Series: one path each, points as the analyzer kept them (min and max per pixel).
    const lines = el("g", { class: "series-lines" }, svg);
    traces.forEach(function (trace, i) {
      for (const s of SERIES) {
        const points = trace.series[s.key];
        if (!visible[s.key] || points.length === 0) continue;
        const d = s.steps ? stepPath(points, x, y) : samplePath(points, x, y);
        if (points.length === 1) {  // a lone sample: a dot rather than an invisible path
          el("circle", { cx: x(points[0][0]), cy: y(points[0][1]), r: 3,
                         fill: seriesColor(i, s.key) }, lines);
        }
        if (s.key === "heap") {
          el("path", { d: d + "L" + x(points[points.length - 1][0]).toFixed(1) + " " + y(0) +
                          "L" + x(points[0][0]).toFixed(1) + " " + y(0) + "Z",
                       class: "area", fill: seriesColor(i, s.key) }, lines);
        }
        if (!s.steps && points.length > 1) {
          let joined = "";
          for (const p of points) joined += (joined ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
          el("path", { d: joined, class: "sample-join", stroke: seriesColor(i, s.key),
                       "stroke-dasharray": traces.length === 1 ? "" : s.dash }, lines);
        }
        const path = el("path", { d: d, class: s.steps ? "series" : "series samples",
                                  stroke: seriesColor(i, s.key),
                                  "stroke-dasharray": traces.length === 1 || !s.steps ? "" : s.dash,
                                  "data-trace": i, "data-series": s.key,
                                  "data-points": points.length }, lines);
        el("title", {}, path).textContent = traceName(i) + ": " + s.label;
      }
    });

    // Markers along the bottom: hover or click shows what happened (and a sample's stack).
    const markers = el("g", { class: "markers" }, svg);
    traces.forEach(function (trace, i) {
      for (const m of trace.markers) {
        const mx = x(m.time_ns);
        const g = el("g", { class: "marker", "data-kind": m.kind, "data-trace": i }, markers);
        el("line", { x1: mx, x2: mx, y1: margin.top, y2: margin.top + plotH,
                     stroke: MARKER_COLORS[m.kind] || "#888", class: "marker-line" }, g);
        el("rect", { x: mx - 4, y: margin.top + plotH + 26, width: 8, height: 10,
                     fill: MARKER_COLORS[m.kind] || "#888" }, g);
        const label = m.kind === "stack_sample" ? "stack sample (thread " + m.tid + ")"
                                                : m.kind + ": " + m.text;
        const title = (traces.length > 1 ? traceName(i) + ": " : "") + label + " at " +
                      seconds(m.time_ns);
        el("title", {}, g).textContent = title;
        const show = function () { showDetail("marker-detail", title, m.stack || []); };
        g.addEventListener("mouseenter", show);
        g.addEventListener("click", show);
      }
    });

    // A readout under the pointer: the time, and each visible series' last point at or before
    // it (the value the chart holds there).
    addReadout(svg, { width: width, margin: margin, plotW: plotW, plotH: plotH }, maxTime,
               document.getElementById("chart-readout"), seconds, function (t) {
      const parts = [];
      traces.forEach(function (trace, i) {
        for (const s of SERIES) {
          const p = visible[s.key] ? pointAt(trace.series[s.key], t) : null;
          if (!p) continue;
          parts.push((traces.length > 1 ? traceName(i) + " " : "") + s.label + " " + humanBytes(p[1]));
        }
      });
      return parts;
    });

    addMomentPicking(svg, { width: width, margin: margin, plotW: plotW, plotH: plotH, x: x },
                     maxTime);
    el("text", { x: margin.left + plotW / 2, y: height - 8, "text-anchor": "middle",
                 class: "axis-title" }, svg).textContent = "seconds since the trace's creation";
    el("text", { x: 14, y: margin.top + plotH / 2, "text-anchor": "middle", class: "axis-title",
                 transform: "rotate(-90 14 " + (margin.top + plotH / 2) + ")" }, svg).textContent =
        "bytes (IEC units: 1 MiB = 1,048,576 B)";

    // The exact heap peak of each trace.
    traces.forEach(function (trace, i) {
      // A sampled trace's peak has no recorded time: it is stated in the warnings instead.
      if (!trace.peak.heap_bytes || !visible.heap || trace.peak.time_ns === null) return;
      const px = x(trace.peak.time_ns), py = y(trace.peak.heap_bytes);
      const g = el("g", { class: "peak-marker", id: "peak-marker-" + i,
                          "data-peak-bytes": trace.peak.heap_bytes,
                          "data-peak-time-ns": trace.peak.time_ns }, svg);
      el("circle", { cx: px, cy: py, r: 5, stroke: seriesColor(i, "heap") }, g);
      // The label reads away from the nearer edge, so it is never cut off.
      const right = px > margin.left + plotW / 2;
      const text = el("text", { x: right ? px - 10 : px + 10, y: Math.max(py - 10, 12),
                                "text-anchor": right ? "end" : "start" }, g);
      text.textContent = (traces.length > 1 ? traceName(i) + " " : "") + "peak " +
                         bytesWithExact(trace.peak.heap_bytes) + " at " + seconds(trace.peak.time_ns);
    });
  }

  function drawToggles() {
    const box = document.getElementById("series-toggles");
    box.textContent = "";
    for (const s of SERIES) {
      const label = html("label", undefined, box);
      const input = html("input", undefined, label);
      input.type = "checkbox";
      input.checked = visible[s.key];
      input.dataset.series = s.key;
      input.addEventListener("change", function () { visible[s.key] = input.checked; drawChart(); });
      label.appendChild(document.createTextNode(" " + s.label));
    }
    const legend = html("div", undefined, box);
    legend.id = "legend";
    traces.forEach(function (trace, i) {
      for (const s of SERIES) {
        if (traces[i].series[s.key].length === 0) continue;
        const item = html("span", undefined, legend);
        item.className = "legend-item";
        item.dataset.trace = i;
        item.dataset.series = s.key;
        const swatch = el("svg", { width: 26, height: 10 }, item);
        el("line", { x1: 0, x2: 26, y1: 5, y2: 5, stroke: seriesColor(i, s.key), "stroke-width": 3,
                     "stroke-dasharray": traces.length === 1 ? "" : s.dash }, swatch);
        item.appendChild(document.createTextNode(" " + traceName(i) + ": " + s.label +
                                                 (s.steps ? " (steps)" : " (samples)")));
      }
    });
    // What the shapes on the chart are.
    const kinds = new Set();
    traces.forEach(function (trace) { for (const m of trace.markers) kinds.add(m.kind); });
    const markerLegend = html("div", undefined, box);
    markerLegend.id = "marker-legend";
    const peak = html("span", undefined, markerLegend);
    peak.className = "legend-item";
    el("circle", { cx: 6, cy: 6, r: 4, fill: "none", stroke: seriesColor(0, "heap"),
                   "stroke-width": 2 }, el("svg", { width: 12, height: 12 }, peak));
    peak.appendChild(document.createTextNode(" exact heap peak"));
    for (const kind of Object.keys(MARKER_LABELS)) {
      if (!kinds.has(kind)) continue;
      const item = html("span", undefined, markerLegend);
      item.className = "legend-item";
      item.dataset.kind = kind;
      el("rect", { x: 0, y: 1, width: 8, height: 10, fill: MARKER_COLORS[kind] },
         el("svg", { width: 8, height: 12 }, item));
      item.appendChild(document.createTextNode(" " + MARKER_LABELS[kind]));
    }
    // The chosen instant and range (traces with an instant index: not sampled-only ones).
    if (traces.some(function (trace) { return trace.instants; })) {
      const instant = html("span", undefined, markerLegend);
      instant.className = "legend-item";
      instant.dataset.kind = "instant";
      el("line", { x1: 6, x2: 6, y1: 0, y2: 12, style: "stroke: var(--accent); stroke-width: 2" },
         el("svg", { width: 12, height: 12 }, instant));
      instant.appendChild(document.createTextNode(" the instant shown below (click)"));
      const range = html("span", undefined, markerLegend);
      range.className = "legend-item";
      range.dataset.kind = "range";
      el("rect", { x: 0, y: 0, width: 14, height: 12, style: "fill: var(--accent); opacity: 0.3" },
         el("svg", { width: 14, height: 12 }, range));
      range.appendChild(document.createTextNode(" the range shown below (drag)"));
    }
    html("span", "Click the chart: the live heap at that instant. Drag: a range.",
         markerLegend).className = "hint";
  }

  // ---- the peak consumers table -------------------------------------------------------------
  const siteRows = [];
  traces.forEach(function (trace, i) {
    for (const site of trace.sites) {
      siteRows.push({ trace: traceName(i), function: site.function,
                      location: site.file ? site.file + ":" + site.line : site.module,
                      bytes: site.bytes, percent: trace.peak.heap_bytes ?
                          100 * site.bytes / trace.peak.heap_bytes : 0,
                      blocks: site.blocks, stack: site.stack });
    }
  });
  const columns = [
    { key: "trace", label: "Trace", numeric: false },
    { key: "function", label: "Function", numeric: false },
    { key: "location", label: "Location", numeric: false },
    { key: "bytes", label: "Bytes at peak", numeric: true },
    { key: "percent", label: "% of peak", numeric: true },
    { key: "blocks", label: "Blocks", numeric: true },
  ].filter(function (c) { return c.key !== "trace" || traces.length > 1; });
  let sortKey = "bytes", sortDescending = true;

  function drawTable() {
    const table = document.getElementById("sites");
    table.textContent = "";
    const head = html("tr", undefined, html("thead", undefined, table));
    for (const c of columns) {
      const th = html("th", c.label, head);
      th.dataset.key = c.key;
      if (c.numeric) th.className = "numeric";
      if (c.key === sortKey) th.setAttribute("aria-sort", sortDescending ? "descending" : "ascending");
      th.tabIndex = 0;
      const resort = function () {
        sortDescending = c.key === sortKey ? !sortDescending : c.numeric;
        sortKey = c.key;
        drawTable();
        document.querySelector("#sites th[data-key=\"" + c.key + "\"]").focus();
      };
      th.addEventListener("click", resort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); resort(); }
      });
    }
    const rows = siteRows.slice().sort(function (a, b) {
      const av = a[sortKey], bv = b[sortKey];
      const order = av < bv ? -1 : av > bv ? 1 : 0;
      return sortDescending ? -order : order;
    });
    const body = html("tbody", undefined, table);
    for (const row of rows) {
      const tr = html("tr", undefined, body);
      for (const c of columns) {
        const value = row[c.key];
        const td = html("td", c.key === "blocks" ? groupDigits(value)
                            : c.key === "percent" ? value.toFixed(2) + "%" : value, tr);
        if (c.numeric) td.className = "numeric";
        if (c.key === "bytes") bytesCell(td, value);  // the exact integer, the unit beside it
      }
      const show = function () {
        showDetail("site-detail", row.function + " (" + bytesWithExact(row.bytes) + ")", row.stack);
      };
      tr.tabIndex = 0;
      tr.addEventListener("click", show);
      tr.addEventListener("keydown", function (event) { if (event.key === "Enter") show(); });
    }
    if (rows.length === 0) html("td", "No heap was live at a peak.", html("tr", undefined, body));
  }

  // ---- line charts of system memory and of the job's hosts ----------------------------------
  function percentText(p) { return p.toFixed(2) + "%"; }
  // Lasting runs (a day of dlogger) read better in minutes or hours than in seconds.
  function elapsed(ns) {
    const s = ns / 1e9;
    if (s >= 7200) return (s / 3600).toFixed(s >= 36000 ? 0 : 1) + " h";
    if (s >= 600) return (s / 60).toFixed(0) + " min";
    return seconds(ns);
  }
  function wallTime(originRealtimeNs, ns) {
    return new Date((originRealtimeNs + ns) / 1e6).toISOString().replace("T", " ").replace("Z", " UTC");
  }
  // The last point at or before t, or null.
  function pointAt(points, t) {
    if (points.length === 0 || points[0][0] > t) return null;
    let low = 0, high = points.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (points[mid][0] <= t) low = mid; else high = mid - 1;
    }
    return points[low];
  }

  // A cursor line and a readout under the pointer: the time, and what partsAt(t) says of each
  // series there (frame: { width, margin, plotW, plotH }).
  function addReadout(svg, frame, maxTime, readout, describeTime, partsAt) {
    const m = frame.margin;
    const cursor = el("line", { y1: m.top, y2: m.top + frame.plotH, class: "cursor",
                                visibility: "hidden" }, svg);
    svg.addEventListener("mousemove", function (event) {
      const box = svg.getBoundingClientRect();
      const px = (event.clientX - box.left) * (frame.width / box.width);
      if (px < m.left || px > m.left + frame.plotW) return;
      const t = (px - m.left) / frame.plotW * maxTime;
      cursor.setAttribute("x1", px);
      cursor.setAttribute("x2", px);
      cursor.setAttribute("visibility", "visible");
      readout.textContent = describeTime(t) + ": " + (partsAt(t).join(", ") || "no data yet");
    });
    svg.addEventListener("mouseleave", function () { cursor.setAttribute("visibility", "hidden"); });
  }

  // The grid with its value labels, the time ticks and the frame of a chart's plot area.
  // frame: { margin, plotW, plotH, x, y } (x and y map a time and a value to pixels).
  function drawAxes(axis, frame, maxValue, yStep, valueText, maxTime, timeText) {
    const m = frame.margin, bottom = m.top + frame.plotH;
    for (let v = 0; v <= maxValue + 1e-9; v += yStep) {
      el("line", { x1: m.left, x2: m.left + frame.plotW, y1: frame.y(v), y2: frame.y(v),
                   class: "grid" }, axis);
      el("text", { x: m.left - 6, y: frame.y(v) + 4, "text-anchor": "end" }, axis).textContent =
          valueText(v);
    }
    const xStep = niceStep(maxTime, 8, 10);
    for (let t = 0; t <= maxTime + 1e-9; t += xStep) {
      el("line", { x1: frame.x(t), x2: frame.x(t), y1: bottom, y2: bottom + 4, class: "tick" }, axis);
      el("text", { x: frame.x(t), y: bottom + 18, "text-anchor": "middle" }, axis).textContent =
          timeText(t);
    }
    el("line", { x1: m.left, x2: m.left + frame.plotW, y1: bottom, y2: bottom, class: "frame" }, axis);
    el("line", { x1: m.left, x2: m.left, y1: m.top, y2: bottom, class: "frame" }, axis);
  }

  // spec: { box, attributes, percent, maxTime, series: [{ key, label, color, dash, points }],
  //         peaks: [{ id, value, time, label, color }], readout, describeTime }
  function lineChart(spec) {
    const width = Math.max(640, spec.box.clientWidth || 1000), height = spec.height || 300;
    const margin = { left: 84, right: 20, top: 20, bottom: 40 };
    const plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom;
    const maxTime = Math.max(1, spec.maxTime);
    let maxValue = 1, yStep;
    if (spec.percent) {
      maxValue = 100;
      yStep = 20;
    } else {
      for (const s of spec.series) for (const p of s.points) maxValue = Math.max(maxValue, p[1]);
      for (const peak of spec.peaks) maxValue = Math.max(maxValue, peak.value);
      yStep = niceStep(maxValue, 5, 1024);
      maxValue = Math.ceil(maxValue * 1.08 / yStep) * yStep;
    }
    const format = spec.percent ? percentText : humanBytes;
    const x = function (t) { return margin.left + (t / maxTime) * plotW; };
    const y = function (v) { return margin.top + plotH - (v / maxValue) * plotH; };
    const attributes = { width: width, height: height, viewBox: "0 0 " + width + " " + height,
                         role: "img", class: "line-chart" };
    for (const key in spec.attributes) attributes[key] = spec.attributes[key];
    const svg = el("svg", attributes, spec.box);
    const axis = el("g", { class: "axis" }, svg);
    drawAxes(axis, { margin: margin, plotW: plotW, plotH: plotH, x: x, y: y }, maxValue, yStep,
             function (v) { return spec.percent ? v + "%" : humanBytes(Math.round(v)); },
             maxTime, elapsed);
    const lines = el("g", { class: "series-lines" }, svg);
    for (const s of spec.series) {
      if (s.points.length === 0) continue;
      let d = "";
      for (const p of s.points) d += (d ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
      if (s.points.length === 1) {
        el("circle", { cx: x(s.points[0][0]), cy: y(s.points[0][1]), r: 3, fill: s.color }, lines);
      }
      const path = el("path", { d: d, class: "series", stroke: s.color, "stroke-dasharray": s.dash || "",
                                "data-series": s.key, "data-points": s.points.length }, lines);
      el("title", {}, path).textContent = s.label;
    }
    for (const peak of spec.peaks) {
      const px = x(peak.time), py = y(peak.value);
      const g = el("g", { class: "peak-marker", id: peak.id, "data-peak": peak.value,
                          "data-peak-time-ns": peak.time }, svg);
      el("circle", { cx: px, cy: py, r: 5, stroke: peak.color }, g);
      const right = px > margin.left + plotW / 2;
      el("text", { x: right ? px - 10 : px + 10, y: Math.max(py - 10, 12),
                   "text-anchor": right ? "end" : "start" }, g).textContent = peak.label;
    }
    addReadout(svg, { width: width, margin: margin, plotW: plotW, plotH: plotH }, maxTime,
               document.getElementById(spec.readout), spec.describeTime, function (t) {
      const parts = [];
      for (const s of spec.series) {
        const p = pointAt(s.points, t);
        if (p) parts.push(s.label + " " + format(p[1]));
      }
      return parts;
    });
    return svg;
  }

  function chartLegend(parent, series) {
    const legend = html("div", undefined, parent);
    legend.className = "chart-legend";
    for (const s of series) {
      const item = html("span", undefined, legend);
      item.className = "legend-item";
      const swatch = el("svg", { width: 26, height: 10 }, item);
      el("line", { x1: 0, x2: 26, y1: 5, y2: 5, stroke: s.color, "stroke-width": 3,
                   "stroke-dasharray": s.dash || "" }, swatch);
      item.appendChild(document.createTextNode(" " + s.label));
    }
  }

  // ---- system memory per host (dlogger, cronlogger) ------------------------------------------
  const systems = data.systems;
  const SYSTEM_VIEWS = [
    { key: "bytes", label: "Bytes", percent: false, series: [
      { key: "total", label: "total", color: "#7f7f7f", dash: "6 3" },
      { key: "used", label: "used", color: "#d62728" },
      { key: "available", label: "available", color: "#2ca02c" },
      { key: "buffers_cache", label: "buffers/cache", color: "#1f77b4" },
      { key: "free", label: "free", color: "#9467bd" },
      { key: "swap_used", label: "swap used", color: "#ff7f0e" } ] },
    { key: "percent", label: "Percent", percent: true, series: [
      { key: "used_percent", label: "used, % of total", color: "#d62728" },
      { key: "buffers_cache_percent", label: "buffers/cache, % of total", color: "#1f77b4" },
      { key: "swap_used_percent", label: "swap used, % of swap total", color: "#ff7f0e" } ] },
    { key: "swap", label: "Swap", percent: false, series: [
      { key: "swap_total", label: "swap total", color: "#7f7f7f", dash: "6 3" },
      { key: "swap_used", label: "swap used", color: "#ff7f0e" } ] },
  ];
  let systemView = "bytes";

  function systemPeak(host, view, i) {
    if (!host.peak_used) return [];
    const used = host.peak_used, swap = host.peak_swap_used;
    if (view.key === "bytes") {
      return [{ id: "system-peak-" + i, value: used.bytes, time: used.time_ns, color: "#d62728",
                label: "peak used " + bytesWithExact(used.bytes) + ", " + percentText(used.percent) +
                       " of total, at " + elapsed(used.time_ns) }];
    }
    if (view.key === "percent") {
      return [{ id: "system-peak-" + i, value: used.percent, time: used.time_ns, color: "#d62728",
                label: "peak used " + percentText(used.percent) + " (" + humanBytes(used.bytes) +
                       ") at " + elapsed(used.time_ns) }];
    }
    if (!host.swap_total_bytes) return [];
    return [{ id: "system-peak-" + i, value: swap.bytes, time: swap.time_ns, color: "#ff7f0e",
              label: "peak swap used " + bytesWithExact(swap.bytes) + ", " +
                     percentText(swap.percent) + " of swap total, at " + elapsed(swap.time_ns) }];
  }

  function drawSystemViews() {
    const box = document.getElementById("system-views");
    box.textContent = "";
    for (const view of SYSTEM_VIEWS) {
      const button = html("button", view.label, box);
      button.type = "button";
      button.dataset.view = view.key;
      button.className = view.key === systemView ? "selected" : "";
      button.addEventListener("click", function () {
        systemView = view.key;
        drawSystemViews();
        drawSystemCharts();
      });
    }
  }

  function drawSystemCharts() {
    const box = document.getElementById("system-charts");
    box.textContent = "";
    const view = SYSTEM_VIEWS.find(function (v) { return v.key === systemView; });
    let maxTime = 1;
    for (const host of systems.hosts) {
      for (const key in host.series) {
        for (const p of host.series[key]) maxTime = Math.max(maxTime, p[0]);
      }
    }
    systems.hosts.forEach(function (host, i) {
      const part = html("div", undefined, box);
      part.className = "host-chart";
      part.dataset.host = host.host;
      html("h3", "Host " + host.host + (host.total_bytes !== undefined ?
          " \u2014 " + humanBytes(host.total_bytes) + " of memory, " +
          (host.swap_total_bytes ? humanBytes(host.swap_total_bytes) + " of swap" : "no swap") +
          ", " + host.samples + " samples" : ""), part);
      if (!host.samples) {
        html("p", "No memory samples in this log.", part);
        return;
      }
      if (view.key === "swap" && !host.swap_total_bytes) {
        html("p", "This host has no swap (SwapTotal is 0).", part).className = "hint";
      }
      const series = view.series.map(function (s) {
        return { key: s.key, label: s.label, color: s.color, dash: s.dash, points: host.series[s.key] };
      });
      chartLegend(part, series);
      const chartBox = html("div", undefined, part);
      lineChart({ box: chartBox, percent: view.percent, maxTime: maxTime, series: series,
                  peaks: systemPeak(host, view, i), readout: "system-readout",
                  attributes: { id: "system-chart-" + i, "data-host": host.host,
                                "data-view": view.key, "aria-label": "system memory of " + host.host },
                  describeTime: function (t) {
                    return host.host + ", " + elapsed(t) + " (" +
                           wallTime(systems.origin_realtime_ns, t) + ")";
                  } });
    });
  }

  // ---- the ranks and hosts of a parallel job -----------------------------------------------
  const job = data.job;
  function hostName(host) { return host === null || host === undefined ? "(unknown)" : host; }

  function simpleTable(table, columns, rows) {
    table.textContent = "";
    const head = html("tr", undefined, html("thead", undefined, table));
    for (const c of columns) {
      const th = html("th", c.label, head);
      if (c.numeric) th.className = "numeric";
    }
    const body = html("tbody", undefined, table);
    for (const row of rows) {
      const tr = html("tr", undefined, body);
      for (const c of columns) {
        const td = html("td", c.text(row), tr);
        if (c.numeric) td.className = "numeric";
      }
      if (row.attributes) for (const key in row.attributes) tr.setAttribute(key, row.attributes[key]);
    }
  }

  function drawJob() {
    const spread = job.peak_heap_bytes, imbalance = job.peak_heap_imbalance;
    document.getElementById("job-imbalance").textContent =
        "Heap peaks of the " + job.ranks.length + " traces: max " + bytesWithExact(spread.max) +
        ", min " + bytesWithExact(spread.min) + ", mean " + humanBytes(Math.round(spread.mean)) +
        ". Imbalance: max / min " +
        (imbalance.max_over_min === null ? "n/a" : imbalance.max_over_min.toFixed(3)) +
        ", max / mean " +
        (imbalance.max_over_mean === null ? "n/a" : imbalance.max_over_mean.toFixed(3)) + ".";
    const atText = function (ns) { return ns === null ? "" : elapsed(ns); };
    simpleTable(document.getElementById("ranks"), [
      { label: "Trace", text: function (r) { return r.trace.substring(r.trace.lastIndexOf("/") + 1); } },
      { label: "Host", text: function (r) { return hostName(r.host); } },
      { label: "Rank", text: function (r) { return r.rank === null ? "" : r.rank; } },
      { label: "Heap peak (bytes)", numeric: true, text: function (r) { return groupDigits(r.peak_heap_bytes); } },
      { label: "At", numeric: true, text: function (r) { return atText(r.peak_heap_time_ns); } },
    ], job.ranks.map(function (r) {
      r.attributes = { "data-rank": r.rank === null ? "" : r.rank, "data-peak-bytes": r.peak_heap_bytes };
      return r;
    }));
    simpleTable(document.getElementById("hosts"), [
      { label: "Host", text: function (h) { return hostName(h.host); } },
      { label: "Traces", numeric: true, text: function (h) { return String(h.traces.length); } },
      { label: "Peak of the summed heap (bytes)", numeric: true,
        text: function (h) { return groupDigits(h.peak_heap_bytes); } },
      { label: "At", numeric: true, text: function (h) { return atText(h.peak_heap_time_ns); } },
      { label: "Traces' own peaks added (bytes)", numeric: true,
        text: function (h) { return groupDigits(h.sum_of_trace_peaks_bytes); } },
    ], job.hosts.map(function (h) {
      h.attributes = { "data-host": hostName(h.host), "data-peak-bytes": h.peak_heap_bytes };
      return h;
    }));
  }

  function drawJobChart() {
    const box = document.getElementById("job-chart");
    box.textContent = "";
    let maxTime = 1;
    const series = [], peaks = [];
    job.hosts.forEach(function (host, i) {
      const color = TRACE_COLORS[i % TRACE_COLORS.length];
      for (const p of host.series) maxTime = Math.max(maxTime, p[0]);
      series.push({ key: "host-" + i, label: "host " + hostName(host.host), color: color,
                    points: host.series });
      if (host.peak_heap_bytes) {
        peaks.push({ id: "host-peak-" + i, value: host.peak_heap_bytes, time: host.peak_heap_time_ns,
                     color: color, label: hostName(host.host) + " peak " +
                         bytesWithExact(host.peak_heap_bytes) + " at " + elapsed(host.peak_heap_time_ns) });
      }
    });
    chartLegend(box, series);
    lineChart({ box: box, percent: false, maxTime: maxTime, series: series, peaks: peaks,
                readout: "job-readout", attributes: { id: "job-chart-svg",
                                                      "aria-label": "heap of each host over time" },
                describeTime: function (t) {
                  return elapsed(t) + " (" + wallTime(job.origin_realtime_ns, t) + ")";
                } });
  }

