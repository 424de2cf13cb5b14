# Writes a C++ header holding plot.css and plot.js as string constants, so the HTML report
# needs no files at run time. Called at build time: cmake -DCSS=... -DJS=... -DOUTPUT=... -P
file(READ ${CSS} css)
file(READ ${JS} js)
foreach(text IN ITEMS "${css}" "${js}")
  string(FIND "${text}" ")memwrap_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "a plot asset contains the raw string delimiter")
  endif()
endforeach()
file(WRITE ${OUTPUT}
  "// Generated from analyzer/plot/plot.css and plot.js by embed_assets.cmake: do not edit.\n"
  "#pragma once\n"
  "namespace memwrap {\n"
  "inline constexpr char kPlotCss[] = R\"memwrap_asset(${css})memwrap_asset\";\n"
  "inline constexpr char kPlotJs[] = R\"memwrap_asset(${js})memwrap_asset\";\n"
  "}  // namespace memwrap\n")
