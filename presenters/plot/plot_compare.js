// memwrap plot: before and after, for traces of one program that are not the ranks of a job
// (no rank in their session info): the sites whose bytes at the heap peak and bytes allocated
// over the run grew or shrank, and a differential flame graph (plot_flame.js). #compare opens
// it; #compare=B..A picks the traces (numbers in the page's order; default 0..1).

  let compareBefore = 0, compareAfter = 1;
  const compareAvailable = traces.length > 1 && !data.job;

  function siteKey(site) { return site.function + "\n" + site.file + "\n" + site.line; }

  // Per call site of one trace: bytes live at its peak (the peak table's sites) and bytes
  // allocated over the run (every site, from the instant index).
  function siteFigures(trace) {
    const figures = new Map();
    const figure = function (site) {
      const key = siteKey(site);
      if (!figures.has(key)) figures.set(key, { site: site, peak: 0, allocated: 0 });
      return figures.get(key);
    };
    for (const site of trace.sites) figure(site).peak += site.bytes;
    const index = momentIndex(traces.indexOf(trace));
    if (index) {
      index.allocatedBySite().forEach(function (bytes, s) {
        if (bytes) figure(trace.instants.sites[s]).allocated += bytes;
      });
    }
    return figures;
  }

  function readCompareFragment(hash) {
    if (!compareAvailable || !hash.has("compare")) return false;
    const parts = (hash.get("compare") || "").split("..").map(Number);
    if (parts.length === 2 && parts.every(function (p) {
      return Number.isInteger(p) && p >= 0 && p < traces.length; })) {
      compareBefore = parts[0];
      compareAfter = parts[1];
    }
    return true;
  }

  function drawCompare() {
    const section = document.getElementById("compare-section");
    if (!section) return;
    const before = traces[compareBefore], after = traces[compareAfter];
    section.dataset.before = compareBefore;
    section.dataset.after = compareAfter;
    const summary = document.getElementById("compare-summary");
    const delta = after.peak.heap_bytes - before.peak.heap_bytes;
    summary.textContent = "Before: " + traceName(compareBefore) + ", heap peak " +
        bytesWithExact(before.peak.heap_bytes) + ". After: " + traceName(compareAfter) +
        ", heap peak " + bytesWithExact(after.peak.heap_bytes) + ". Change: " +
        (delta > 0 ? "+" : "") + groupDigits(delta) + " bytes." +
        (before.site_count > before.sites.length || after.site_count > after.sites.length ?
         " Bytes at the peak are known for the " + before.sites.length + " and " +
         after.sites.length + " largest sites; others count as 0 there." : "");
    const a = siteFigures(before), b = siteFigures(after);
    const rows = [];
    const keys = new Set(Array.from(a.keys()).concat(Array.from(b.keys())));
    keys.forEach(function (key) {
      const x = a.get(key) || { peak: 0, allocated: 0 }, y = b.get(key) || { peak: 0, allocated: 0 };
      const row = { site: (b.get(key) || a.get(key)).site, peakBefore: x.peak, peakAfter: y.peak,
                    peakChange: y.peak - x.peak, allocatedBefore: x.allocated,
                    allocatedAfter: y.allocated, allocatedChange: y.allocated - x.allocated };
      if (row.peakChange || row.allocatedChange) rows.push(row);
    });
    rows.forEach(function (r) { r.peakMagnitude = Math.abs(r.peakChange); });
    sortableTable(document.getElementById("compare-table"), [
      { key: "function", label: "Function", text: function (r) { return r.site.function; } },
      { key: "location", label: "Location", text: function (r) { return siteLocation(r.site); } },
      { key: "peakBefore", label: "At peak, before", numeric: true, cell: bytesCell },
      { key: "peakAfter", label: "At peak, after", numeric: true, cell: bytesCell },
      { key: "peakChange", label: "Change at peak", numeric: true, cell: signedBytesCell },
      { key: "allocatedBefore", label: "Allocated, before", numeric: true, cell: bytesCell },
      { key: "allocatedAfter", label: "Allocated, after", numeric: true, cell: bytesCell },
      { key: "allocatedChange", label: "Change allocated", numeric: true, cell: signedBytesCell },
    ], rows, compareSort, drawCompare, function (tr, row) { tr.dataset.site = row.site.function; });
  }
  const compareSort = { key: "peakMagnitude", descending: true };

  function drawCompareControls() {
    const box = document.getElementById("compare-controls");
    if (!box) return;
    box.textContent = "";
    const pick = function (label, value, set) {
      const wrap = html("label", label + " ", box);
      const select = html("select", undefined, wrap);
      traces.forEach(function (trace, i) { html("option", traceName(i), select).value = i; });
      select.value = value;
      select.addEventListener("change", function () {
        set(Number(select.value));
        drawCompare();
        if (flameDifference) drawFlame();
      });
    };
    pick("Before", compareBefore, function (v) { compareBefore = v; });
    pick(" after", compareAfter, function (v) { compareAfter = v; });
  }
