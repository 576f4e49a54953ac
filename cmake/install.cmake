# The installable library (`cmake --install`): libragdb.a with every embedded layer the build has
# (base ... db, the document parsers and knowledge bases when built, the C API) merged into one
# archive, the public headers, a CMake package (`find_package(ragdb)` -> `ragdb::ragdb`), a
# pkg-config file (ragdb.pc), the `ragdb` CLI and libragdb_c.so (the C API for FFI).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RAGDB_BUNDLED_TARGETS ragdb_base ragdb_simd ragdb_storage ragdb_query ragdb_index ragdb_text
                          ragdb_model ragdb_model_llm ragdb_vision ragdb_db ragdb_rag ragdb_rag_pipeline ragdb_capi
                          ragdb_portable_blas)
set(ragdb_objects)
set(ragdb_bundled)
foreach(t IN LISTS RAGDB_BUNDLED_TARGETS)
  if(TARGET ${t})
    list(APPEND ragdb_objects $<TARGET_OBJECTS:${t}>)
    list(APPEND ragdb_bundled ${t})
  endif()
endforeach()

# What the bundled layers link from outside ragdb, as plain library names (-lname) where the
# library is in a system folder, so that the package does not pin this machine's paths.
# Threads and nlohmann_json stay targets (the package finds them again). Imported targets made in
# the layers' folders are not visible here; they are resolved through the cache variables their
# find modules leave (pkg_check_modules: X_LIBRARIES; FindICU, FindOpenSSL: NS_NAME_LIBRARY[_RELEASE]).
set(ragdb_targets_kept Threads::Threads nlohmann_json::nlohmann_json)
set(ragdb_header_only Boost::headers)
function(ragdb_external_libs out)
  set(result)
  set(pending ${ARGN})
  set(seen)
  while(pending)
    list(POP_FRONT pending item)
    if(item IN_LIST seen OR item STREQUAL "" OR item IN_LIST ragdb_header_only)
      continue()
    endif()
    list(APPEND seen ${item})
    if(item IN_LIST ragdb_targets_kept)
      list(APPEND result ${item})
    elseif(item MATCHES "^ragdb_")
      if(NOT item IN_LIST ragdb_bundled)
        message(FATAL_ERROR "install: ${item} is linked by a bundled layer but not bundled")
      endif()
      get_target_property(libs ${item} LINK_LIBRARIES)
      if(libs)
        list(APPEND pending ${libs})
      endif()
    elseif(item MATCHES "^PkgConfig::(.+)$")
      foreach(name IN LISTS ${CMAKE_MATCH_1}_LIBRARIES)
        list(APPEND result "-l${name}")
      endforeach()
    elseif(item MATCHES "^([A-Za-z0-9_]+)::([A-Za-z0-9_]+)$")
      string(TOUPPER "${CMAKE_MATCH_1}_${CMAKE_MATCH_2}_LIBRARY" var)
      if(${var})
        list(APPEND pending ${${var}})
      elseif(${var}_RELEASE)
        list(APPEND pending ${${var}_RELEASE})
      else()
        message(WARNING "install: no library known for ${item}; ragdb.pc and ragdb::ragdb lack it")
      endif()
    elseif(item MATCHES "^/.*/lib([^/]+)\\.(so|a)(\\.[0-9.]+)?$")
      set(name ${CMAKE_MATCH_1})
      get_filename_component(dir ${item} DIRECTORY)
      if(dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES OR dir MATCHES "^/usr/lib")
        list(APPEND result "-l${name}")
      else()
        list(APPEND result ${item})
      endif()
    elseif(NOT item MATCHES "^\\$<")
      list(APPEND result ${item})
    endif()
  endwhile()
  list(REMOVE_DUPLICATES result)
  set(${out} ${result} PARENT_SCOPE)
endfunction()
ragdb_external_libs(ragdb_link_libs ${ragdb_bundled})

add_library(ragdb_library STATIC ${ragdb_objects})
set_target_properties(ragdb_library PROPERTIES OUTPUT_NAME ragdb EXPORT_NAME ragdb
                      LINKER_LANGUAGE CXX ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
target_include_directories(ragdb_library INTERFACE
                           $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(ragdb_library INTERFACE cxx_std_20)
target_link_libraries(ragdb_library INTERFACE ${ragdb_link_libs})

install(TARGETS ragdb_library EXPORT ragdbTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(ragdb_header_excludes)
if(NOT TARGET ragdb_rag_pipeline)
  list(APPEND ragdb_header_excludes PATTERN rag.h EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ragdb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        ${ragdb_header_excludes})
if(TARGET ragdb)
  install(TARGETS ragdb RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET ragdb_c)  # the C API as a shared library, for FFI (docs/c-api.md)
  install(TARGETS ragdb_c LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

set(RAGDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ragdb)
install(EXPORT ragdbTargets NAMESPACE ragdb:: DESTINATION ${RAGDB_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ragdbConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ragdbConfig.cmake
                              INSTALL_DESTINATION ${RAGDB_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ragdbConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ragdbConfig.cmake ${PROJECT_BINARY_DIR}/ragdbConfigVersion.cmake
        DESTINATION ${RAGDB_CMAKE_DIR})

# pkg-config: the same libraries; nlohmann_json through its own .pc file, threads as -pthread, and
# the C++ runtime spelled out for C programs that link the archive.
set(ragdb_pc_libs)
foreach(lib IN LISTS ragdb_link_libs)
  if(lib STREQUAL "Threads::Threads")
    list(APPEND ragdb_pc_libs -pthread)
  elseif(NOT lib STREQUAL "nlohmann_json::nlohmann_json")
    list(APPEND ragdb_pc_libs ${lib})
  endif()
endforeach()
list(APPEND ragdb_pc_libs -lstdc++ -lm)
list(JOIN ragdb_pc_libs " " RAGDB_PC_LIBS_PRIVATE)
# Relative to the .pc file, so that `cmake --install --prefix P` anywhere gives a correct file.
file(RELATIVE_PATH RAGDB_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/ragdb.pc.in ${PROJECT_BINARY_DIR}/ragdb.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ragdb.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The installed package used from outside the tree: install into a temporary prefix, then build
# and run a small C++ and C consumer with find_package and with pkg-config.
add_test(NAME install_package
         COMMAND ${PROJECT_SOURCE_DIR}/tests/install/run.sh ${PROJECT_BINARY_DIR}
                 ${CMAKE_CXX_COMPILER} ${CMAKE_C_COMPILER})
set_tests_properties(install_package PROPERTIES TIMEOUT 300)
