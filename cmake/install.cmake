# `cmake --install BUILD [--prefix P]`: the trilobite executable, the static
# library, its headers under include/trilobite/, and a CMake package so that
# another project can write
#     find_package(trilobite REQUIRED)
#     target_link_libraries(app PRIVATE trilobite::trilobite)
# and include e.g. <core/catalog.hpp> or <backend/backend.hpp>.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(trilobite_lib PROPERTIES EXPORT_NAME trilobite OUTPUT_NAME trilobite)
install(TARGETS trilobite RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS trilobite_lib EXPORT trilobiteTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Every layer's headers except the HDF5 internals of src/io (they need hdf5.h).
install(DIRECTORY src/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/trilobite
        FILES_MATCHING PATTERN "*.hpp"
        PATTERN "hdf5_util.hpp" EXCLUDE PATTERN "schema.hpp" EXCLUDE)

set(TRILOBITE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/trilobite)
install(EXPORT trilobiteTargets NAMESPACE trilobite:: DESTINATION ${TRILOBITE_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/trilobiteConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/trilobiteConfig.cmake
                              INSTALL_DESTINATION ${TRILOBITE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/trilobiteConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/trilobiteConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/trilobiteConfigVersion.cmake
        DESTINATION ${TRILOBITE_CMAKE_DIR})
