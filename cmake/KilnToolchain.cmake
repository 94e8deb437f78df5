# Build-speed settings for 2-core machines: ccache and lld when present.
find_program(KILN_CCACHE ccache)
if(KILN_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${KILN_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${KILN_CCACHE})
endif()

if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  find_program(KILN_LLD NAMES ld.lld-22 ld.lld)
  if(KILN_LLD)
    set(LLVM_USE_LINKER lld CACHE STRING "")
    add_link_options(-fuse-ld=lld)
  endif()
endif()
