// postconf -m, -a, -A, -l and -T: lists that describe this build rather than
// the configuration. Used by main.cc.
#pragma once

#include <string>

namespace postconf {

void show_table_types();   // -m
void show_server_sasl();   // -a
void show_client_sasl();   // -A
void show_lock_methods();  // -l
// -T compile-version|run-version|public-key-algorithms; false for an unknown mode.
bool show_tls_info(const std::string& mode);

}  // namespace postconf
