# Compiled-in defaults for command_directory, daemon_directory,
# config_directory, queue_directory and data_directory.
set(POSTERN_COMMAND_DIR "${CMAKE_INSTALL_PREFIX}/sbin")
set(POSTERN_DAEMON_DIR "${CMAKE_INSTALL_PREFIX}/libexec/postfix")
set(POSTERN_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/postfix")
set(POSTERN_QUEUE_DIR "${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/spool/postfix")
set(POSTERN_DATA_DIR "${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/postfix")
set(POSTERN_META_DIR "${CMAKE_INSTALL_PREFIX}/share/postfix")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(POSTERN_META_DIR "/etc/postfix")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/build_paths.h.in
               ${CMAKE_BINARY_DIR}/generated/build_paths.h @ONLY)
