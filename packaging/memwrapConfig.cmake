# find_package(memwrap): the marker API for traced programs, header only.
#   target_link_libraries(app PRIVATE memwrap::memwrap)   # then #include <memwrap/memwrap.h>
# This file sits in PREFIX/share/cmake/memwrap; the header in PREFIX/include/memwrap.
get_filename_component(_memwrap_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET memwrap::memwrap)
  add_library(memwrap::memwrap INTERFACE IMPORTED)
  set_target_properties(memwrap::memwrap PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_memwrap_prefix}/include")
endif()
unset(_memwrap_prefix)
