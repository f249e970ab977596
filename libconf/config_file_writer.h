// Replacing main.cf or master.cf after an edit (postconf -e/-X/-#, -Me, ...):
// the new text goes to PATH.tmp in the same directory, is flushed to disk and
// renamed over PATH, so a reader sees either the old file or the new one.
// Users: main_cf_editor, master_cf_editor.
// Easy to get wrong: keep the old file's permission bits, and never leave the
// temporary file behind on failure.
#pragma once

#include <string>
#include <string_view>

#include "libutil/error.h"

namespace conf {

util::Result<void> replace_file_atomically(const std::string& path, std::string_view text);

// Reads a configuration file to edit it. Errors: "open PATH for reading: ...".
util::Result<std::string> read_file_for_edit(const std::string& path);

}  // namespace conf
