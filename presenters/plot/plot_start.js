// memwrap plot: reads the opening state from the URL fragment and draws every section.
  // ---- dark mode -----------------------------------------------------------------------------
  document.getElementById("theme-toggle").addEventListener("click", function () {
    const root = document.documentElement;
    root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
  });

  // A link opens the page in a given state (docs/plot.md): #flame=allocated, #theme=dark,
  // #system=percent, #search=NAME, #hide=NAME, #collapse=MODULE, #depth=N, #inverted, #t=3.2,
  // #range=1.5..2.0, #range=mark:A..mark:B, #trace=N, #compare, #compare=0..1; several joined
  // by "&".
  function readFragment() {
    const hash = new URLSearchParams(location.hash.substring(1));
    if (FLAME_METRICS.some(function (m) { return m.key === hash.get("flame"); })) {
      flameMetric = hash.get("flame");
    }
    if (hash.get("theme") === "dark" || hash.get("theme") === "light") {
      document.documentElement.dataset.theme = hash.get("theme");
    }
    if (SYSTEM_VIEWS.some(function (v) { return v.key === hash.get("system"); })) {
      systemView = hash.get("system");
    }
    if (hash.has("search")) flameOptions.search = hash.get("search");
    if (hash.has("hide")) flameOptions.hide = hash.get("hide");
    if (hash.has("collapse")) flameOptions.collapse = hash.get("collapse");
    if (hash.has("depth")) flameOptions.depth = Math.max(0, Math.floor(Number(hash.get("depth")) || 0));
    if (hash.has("inverted")) flameOptions.inverted = hash.get("inverted") !== "0";
    return hash;
  }
  let openingHash = readFragment();

  // Each section is on the page only when its data is (plot_html.cpp).
  function drawAll() {
    if (systems) drawSystemCharts();
    if (job) drawJobChart();
    if (traces.length) {
      drawChart();
      drawFlame();
    }
  }
  if (systems) drawSystemViews();
  if (job) drawJob();
  if (traces.length) {
    drawToggles();
    drawTable();
    drawFlameControls();
    readMomentFragment(openingHash);
    drawMomentControls();
    if (compareAvailable) {
      flameDifference = readCompareFragment(openingHash);
      drawFlameControls();
      drawCompareControls();
      drawCompare();
    }
  }
  drawAll();
  // A new fragment (a click on the chart, a link followed within the page) redraws its views.
  window.addEventListener("hashchange", function () {
    openingHash = readFragment();
    if (!traces.length) return drawAll();
    readMomentFragment(openingHash);
    drawMomentControls();
    if (compareAvailable && readCompareFragment(openingHash)) {
      flameDifference = true;
      drawCompareControls();
      drawCompare();
    }
    drawFlameControls();
    drawAll();
    const shown = openingHash.has("t") || openingHash.has("range") ? "moment-section"
                : openingHash.has("compare") && compareAvailable ? "compare-section" : null;
    if (shown) document.getElementById(shown).scrollIntoView({ block: "nearest" });
  });
  let resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawAll, 150);
  });
  document.body.dataset.rendered = "yes";
  // Milliseconds from the start of navigation to the end of drawing (docs/performance.md
  // reads it from the DOM of a headless browser).
  document.body.dataset.renderedMs = Math.round(performance.now());
