# Writes a C++ header holding plot.css and the plot's scripts as string constants, so the HTML
# report needs no files at run time. The scripts (a comma-separated list, in order) share one
# function scope, in strict mode: one file per concept, no globals leaked into the page.
# Called at build time: cmake -DCSS=... -DJS=a.js,b.js -DOUTPUT=... -P
file(READ ${CSS} css)
string(REPLACE "," ";" scripts "${JS}")
set(js "(function () {\n\"use strict\";\n")
foreach(script IN LISTS scripts)
  file(READ ${script} text)
  get_filename_component(name ${script} NAME)
  string(APPEND js "// ---- ${name}\n${text}")
endforeach()
string(APPEND js "})();\n")
foreach(text IN ITEMS "${css}" "${js}")
  string(FIND "${text}" ")memwrap_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "a plot asset contains the raw string delimiter")
  endif()
endforeach()
file(WRITE ${OUTPUT}
  "// Generated from presenters/plot/plot.css and plot*.js by embed_assets.cmake: do not edit.\n"
  "#pragma once\n"
  "namespace memwrap {\n"
  "inline constexpr char kPlotCss[] = R\"memwrap_asset(${css})memwrap_asset\";\n"
  "inline constexpr char kPlotJs[] = R\"memwrap_asset(${js})memwrap_asset\";\n"
  "}  // namespace memwrap\n")
