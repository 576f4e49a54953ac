/* The shared library's own translation unit is empty: its content is libragdb_capi.a, linked
 * whole (see CMakeLists.txt). */
#include "ragdb/ragdb.h"
