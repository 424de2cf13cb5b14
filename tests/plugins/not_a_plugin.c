/* A shared library that is no memwrap plugin (no memwrap_plugin_api_version). */
int not_a_plugin_answer(void) {
  return 42;
}
