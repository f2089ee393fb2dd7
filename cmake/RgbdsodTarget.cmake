# Per-target settings shared by every rgbdsod target: language level and warnings.
# Applied target by target (no global flags), so third-party code is unaffected.
function(rgbdsod_configure_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
        -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough>)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      # GCC 12 at -O2/-O3 reports false -Wrestrict on std::string concatenation inlined from
      # libstdc++ (GCC bug 105329); it fires in code with no overlap at all.
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
    endif()
    if(RGBDSOD_SANITIZE)
      # PUBLIC link options: a static library passes them on to the executables that link it.
      target_compile_options(${target} PRIVATE -fsanitize=${RGBDSOD_SANITIZE} -fno-omit-frame-pointer -g)
      target_link_options(${target} PUBLIC -fsanitize=${RGBDSOD_SANITIZE})
      if(RGBDSOD_SANITIZE MATCHES "undefined")
        target_compile_options(${target} PRIVATE -fno-sanitize-recover=undefined)
      endif()
    endif()
    if(RGBDSOD_WERROR)
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
    endif()
  endif()
endfunction()
