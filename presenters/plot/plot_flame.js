// memwrap plot: the flame graph of one trace's heap (at the peak, allocated, calls, leaks).
// Deep stacks (an interpreter's) stay readable: search with highlight and the matched share,
// a breadcrumb of the zoomed frames, a depth cap, frames hidden by name or collapsed by the
// module their address lies in (their callees go to their caller), an inverted (callers) view,
// and values in a tooltip of its own.
  const FLAME_METRICS = [
    { key: "peak", label: "Heap at the peak" },
    { key: "allocated", label: "Bytes allocated" },
    { key: "allocations", label: "Allocation calls" },
    { key: "leaked", label: "Leaks" },
  ];
  let flameTrace = 0, flameMetric = "peak";
  let flameFocusPath = [];  // names from the root's child to the zoomed frame
  const flameOptions = { search: "", hide: "", collapse: "", depth: 0, inverted: false };

  function flameColor(name) {
    let hash = 0;
    for (let i = 0; i < name.length; ++i) hash = (hash * 31 + name.charCodeAt(i)) | 0;
    const hue = 10 + Math.abs(hash) % 45, light = 55 + Math.abs(hash >> 8) % 15;
    return "hsl(" + hue + ",85%," + light + "%)";
  }
  function depthOf(node) {
    let deepest = 0;
    for (const child of node.c || []) deepest = Math.max(deepest, depthOf(child));
    return deepest + 1;
  }
  function nameMatcher(text) {
    const lower = text.toLowerCase();
    return function (name) { return name.toLowerCase().indexOf(lower) >= 0; };
  }

  // Adds tree `from` into `into` (same frame): values add, children of one frame (name and
  // module) merge.
  function mergeFrame(into, from) {
    into.v += from.v;
    for (const child of from.c || []) addChild(into, child);
  }
  function addChild(parent, child) {
    parent.c = parent.c || [];
    const same = parent.c.find(function (c) { return c.n === child.n && c.m === child.m; });
    if (same) mergeFrame(same, child);
    else parent.c.push(copyFrame(child));
  }
  function copyFrame(node) {
    return { n: node.n, m: node.m, v: node.v, c: (node.c || []).map(copyFrame) };
  }
  function sortFrames(node) {
    (node.c || []).sort(function (a, b) { return b.v - a.v; });
    for (const child of node.c || []) sortFrames(child);
    return node;
  }

  // The tree without the frames `hidden` matches (a test of a node): their callees become
  // their caller's.
  function hideFrames(node, hidden) {
    const out = { n: node.n, m: node.m, v: node.v, c: [] };
    (function lift(from) {
      for (const child of from.c || []) {
        if (hidden(child)) lift(child);
        else addChild(out, hideFrames(child, hidden));
      }
    })(node);
    return out;
  }

  // Callers view: each frame's own value (what it allocated itself, not through callees) at
  // the bottom, its callers above it.
  function invertFrames(root) {
    const out = { n: root.n + " (callers view)", v: 0, c: [] };
    (function walk(node, path) {
      let own = node.v;
      for (const child of node.c || []) own -= child.v;
      if (node !== root) path = path.concat([node]);
      for (const child of node.c || []) walk(child, path);
      if (own <= 0 || path.length === 0) return;
      out.v += own;
      let at = out;
      for (let i = path.length - 1; i >= 0; --i) {
        at.c = at.c || [];
        const frame = path[i];
        let next = at.c.find(function (c) { return c.n === frame.n && c.m === frame.m; });
        if (!next) { next = { n: frame.n, m: frame.m, v: 0, c: [] }; at.c.push(next); }
        next.v += own;
        at = next;
      }
    })(root, []);
    return out;
  }

  // Difference view (before and after, plot_compare.js): the after trace's tree, each frame
  // colored by its change against the same call path in the before trace.
  let flameDifference = false;
  function pathValues(root) {
    const values = new Map();
    (function walk(node, key) {
      values.set(key, node.v);
      for (const child of node.c || []) walk(child, key + "\n" + child.n);
    })(root, "");
    return values;
  }
  function differenceColor(change, scale) {
    if (change === 0) return "hsl(0,0%,78%)";
    const strength = Math.min(1, Math.abs(change) / scale);
    return change > 0 ? "hsl(0,80%," + (88 - 38 * strength) + "%)"
                      : "hsl(215,80%," + (88 - 38 * strength) + "%)";
  }

  // The module a frame's address lies in (by the trace's MODULE records), or "".
  function frameModule(flame, node) { return node.m === undefined ? "" : flame.modules[node.m]; }

  // The tree as the options ask for it.
  function flameTree(traceIndex) {
    const flame = traces[traceIndex === undefined ? flameTrace : traceIndex].flame;
    let root = flame[flameMetric];
    if (flameOptions.hide || flameOptions.collapse) {
      const named = flameOptions.hide ? nameMatcher(flameOptions.hide) : null;
      root = sortFrames(hideFrames(root, function (node) {
        return (named && named(node.n)) ||
               (flameOptions.collapse && frameModule(flame, node) === flameOptions.collapse);
      }));
    }
    if (flameOptions.inverted) root = sortFrames(invertFrames(root));
    return root;
  }
  // Value of the frames matching the search, not counting a match inside a match twice.
  function matchedValue(node, matches) {
    if (matches(node.n)) return node.v;
    let sum = 0;
    for (const child of node.c || []) sum += matchedValue(child, matches);
    return sum;
  }

  function flameInput(box, id, label, value, onChange, placeholder) {
    const wrap = html("label", label + " ", box);
    const input = html("input", undefined, wrap);
    input.id = id;
    input.type = "search";
    input.value = value;
    if (placeholder) input.placeholder = placeholder;
    input.addEventListener("change", function () { onChange(input.value); });
    return input;
  }

  function drawFlameControls() {
    const box = document.getElementById("flame-controls");
    box.textContent = "";
    if (traces.length > 1) {
      const select = html("select", undefined, box);
      select.id = "flame-trace";
      select.setAttribute("aria-label", "trace");
      traces.forEach(function (trace, i) {
        const option = html("option", traceName(i), select);
        option.value = i;
      });
      select.value = flameTrace;
      select.addEventListener("change", function () {
        flameTrace = Number(select.value);
        flameFocusPath = [];
        drawFlame();
      });
    }
    for (const m of FLAME_METRICS) {
      const button = html("button", m.label, box);
      button.type = "button";
      button.dataset.metric = m.key;
      button.className = m.key === flameMetric ? "selected" : "";
      button.addEventListener("click", function () {
        flameMetric = m.key;
        flameFocusPath = [];
        drawFlameControls();
        drawFlame();
      });
    }
    if (compareAvailable) {
      const difference = html("button", "Difference (after \u2212 before)", box);
      difference.type = "button";
      difference.id = "flame-difference";
      difference.className = flameDifference ? "selected" : "";
      difference.setAttribute("aria-pressed", flameDifference);
      difference.addEventListener("click", function () {
        flameDifference = !flameDifference;
        flameFocusPath = [];
        drawFlameControls();
        drawFlame();
      });
    }
    const inverted = html("button", "Callers view", box);
    inverted.type = "button";
    inverted.id = "flame-inverted";
    inverted.className = flameOptions.inverted ? "selected" : "";
    inverted.setAttribute("aria-pressed", flameOptions.inverted);
    inverted.addEventListener("click", function () {
      flameOptions.inverted = !flameOptions.inverted;
      flameFocusPath = [];
      drawFlameControls();
      drawFlame();
    });
    const options = document.getElementById("flame-search-box");
    options.textContent = "";
    flameInput(options, "flame-search", "Search", flameOptions.search, function (value) {
      flameOptions.search = value;
      drawFlame();
    }, "function name");
    flameInput(options, "flame-hide", "Hide frames containing", flameOptions.hide, function (value) {
      flameOptions.hide = value;
      flameFocusPath = [];
      drawFlame();
    }, "e.g. _PyEval or libpython");
    // The modules of the traces on the page: collapsing one merges its frames into their
    // callers (an interpreter's evaluation loop, the C++ runtime).
    const modules = new Set();
    for (const trace of traces) for (const name of trace.flame.modules || []) modules.add(name);
    const collapseLabel = html("label", "Collapse frames of module ", options);
    const collapse = html("select", undefined, collapseLabel);
    collapse.id = "flame-collapse";
    html("option", "(none)", collapse).value = "";
    Array.from(modules).sort().forEach(function (name) { html("option", name, collapse).value = name; });
    if (flameOptions.collapse && !modules.has(flameOptions.collapse)) {
      html("option", flameOptions.collapse + " (not in these traces)", collapse).value = flameOptions.collapse;
    }
    collapse.value = flameOptions.collapse;
    collapse.addEventListener("change", function () {
      flameOptions.collapse = collapse.value;
      flameFocusPath = [];
      drawFlame();
    });
    const depth = flameInput(options, "flame-depth", "Depth at most", flameOptions.depth || "",
                             function (value) {
      flameOptions.depth = Math.max(0, Math.floor(Number(value) || 0));
      drawFlame();
    }, "all");
    depth.type = "number";
    depth.min = 0;
  }

  function drawBreadcrumb(root, path) {
    const nav = document.getElementById("flame-breadcrumb");
    nav.textContent = "";
    if (path.length === 0) return;
    const crumbs = [root].concat(path);
    crumbs.forEach(function (node, i) {
      if (i > 0) nav.appendChild(document.createTextNode(" \u203a "));
      const button = html("button", node.n, nav);
      button.type = "button";
      button.className = i === crumbs.length - 1 ? "crumb selected" : "crumb";
      button.addEventListener("click", function () {
        flameFocusPath = flameFocusPath.slice(0, i);
        drawFlame();
      });
    });
  }

  function drawFlame() {
    const box = document.getElementById("flame");
    box.textContent = "";
    const drawnFlame = traces[flameDifference ? compareAfter : flameTrace].flame;
    const root = flameTree(flameDifference ? compareAfter : flameTrace);
    const beforeValues = flameDifference ? pathValues(flameTree(compareBefore)) : null;
    const match = document.getElementById("flame-match");
    match.textContent = "";
    if (!root.v) {
      html("p", "Nothing to show: no " + FLAME_METRICS.find(function (m) {
        return m.key === flameMetric; }).label.toLowerCase() + ".", box);
      drawBreadcrumb(root, []);
      return;
    }
    // The zoomed frame, found again by its names (the tree is rebuilt at every change).
    const path = [];
    let view = root;
    for (const name of flameFocusPath) {
      const next = (view.c || []).find(function (c) { return c.n === name; });
      if (!next) break;
      path.push(next);
      view = next;
    }
    flameFocusPath = path.map(function (node) { return node.n; });
    drawBreadcrumb(root, path);
    const unit = flameMetric === "allocations" ? " calls" : " bytes";
    const matches = flameOptions.search ? nameMatcher(flameOptions.search) : null;
    if (matches) {
      const value = matchedValue(root, matches);
      match.textContent = "Matched \u201c" + flameOptions.search + "\u201d: " + groupDigits(value) +
          unit + " of " + groupDigits(root.v) + " (" + (100 * value / root.v).toFixed(2) + "%)";
      match.dataset.matched = value;
    }
    const width = Math.max(640, box.clientWidth || 1000), rowH = 18;
    const levels = flameOptions.depth ? Math.min(flameOptions.depth, depthOf(view)) : depthOf(view);
    const height = levels * rowH + 4;
    const svg = el("svg", { id: "flame-svg", width: width, height: height, "data-metric": flameMetric,
                            "data-total": root.v, "data-difference": flameDifference ? "yes" : "no" },
                   box);
    if (flameDifference) {
      html("p", "Frames of " + traceName(compareAfter) + ", colored by their change against " +
           traceName(compareBefore) + ": red grew, blue shrank, grey unchanged.", box).className = "hint";
      box.insertBefore(box.lastChild, svg);
    }
    const changeScale = Math.max(1, root.v / 4);
    const tooltip = document.getElementById("flame-tooltip");
    // Root at the bottom, callers below callees: the usual flame graph (in the callers view,
    // each frame's own value at the bottom, its callers above).
    const viewKey = path.map(function (node) { return "\n" + node.n; }).join("");
    (function draw(node, x0, level, ancestors, key) {
      const w = (node.v / view.v) * width;
      if (w < 0.5 || level >= levels) return;
      const matched = matches && matches(node.n);
      const change = beforeValues ? node.v - (beforeValues.get(key) || 0) : 0;
      const g = el("g", { class: matched ? "frame match" : "frame" }, svg);
      if (beforeValues) g.dataset.change = change;
      const yTop = height - (level + 1) * rowH;
      el("rect", { x: x0, y: yTop, width: Math.max(w - 0.5, 0.5), height: rowH - 1,
                   fill: matched ? "#d946ef" : beforeValues ? differenceColor(change, changeScale)
                                                            : flameColor(node.n) }, g);
      if (w > 40) {
        const text = el("text", { x: x0 + 3, y: yTop + 13 }, g);
        const room = Math.floor((w - 6) / 7);
        text.textContent = node.n.length > room ? node.n.substring(0, room - 1) + "\u2026" : node.n;
      }
      const title = node.n + ": " + groupDigits(node.v) + unit + " (" +
                    (100 * node.v / root.v).toFixed(2) + "%)" +
                    (beforeValues ? ", " + (change > 0 ? "+" : "") + groupDigits(change) + unit +
                                    " against before" : "");
      el("title", {}, g).textContent = title;
      g.addEventListener("mousemove", function (event) {
        const module = frameModule(drawnFlame, node);
        tooltip.textContent = title + (unit === " bytes" && Math.abs(node.v) >= 1024 ?
                                       " = " + humanBytes(node.v) : "") +
                              (module ? " \u2014 in " + module : "") +
                              (level + 1 === levels && node.c && node.c.length ?
                                       " \u2014 deeper frames cut by the depth cap" : "");
        tooltip.hidden = false;
        tooltip.style.left = (event.pageX + 12) + "px";
        tooltip.style.top = (event.pageY + 12) + "px";
      });
      g.addEventListener("mouseleave", function () { tooltip.hidden = true; });
      g.addEventListener("click", function () {
        // Zoom into the frame; clicking the zoomed frame zooms out one level.
        flameFocusPath = node === view ? flameFocusPath.slice(0, -1)
                                       : ancestors.map(function (a) { return a.n; });
        showDetail("flame-detail", title);
        drawFlame();
      });
      let x = x0;
      for (const child of node.c || []) {
        draw(child, x, level + 1, ancestors.concat([child]), key + "\n" + child.n);
        x += (child.v / view.v) * width;
      }
    })(view, 0, 0, path, viewKey);
  }
