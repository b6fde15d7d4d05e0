# Install-time part of braid.pc (install(SCRIPT) from CMakeLists.txt, after
# an install(CODE) that sets BRAID_PC_*): braid.pc.in filled in for the
# prefix being installed to, then installed like any file (DESTDIR and the
# install manifest apply).
set(prefix "${CMAKE_INSTALL_PREFIX}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${BRAID_PC_${d}}")
    set(pc_${d} "${BRAID_PC_${d}}")
  else()
    set(pc_${d} "\${prefix}/${BRAID_PC_${d}}")
  endif()
endforeach()
set(PC_PREFIX "${prefix}")
set(PC_LIBDIR "${pc_LIBDIR}")
set(PC_INCLUDEDIR "${pc_INCLUDEDIR}")
set(PC_VERSION "${BRAID_PC_VERSION}")
configure_file("${BRAID_PC_IN}" "${BRAID_PC_OUT}" @ONLY)
if(IS_ABSOLUTE "${BRAID_PC_LIBDIR}")
  set(pcdir "${BRAID_PC_LIBDIR}/pkgconfig")
else()
  set(pcdir "${prefix}/${BRAID_PC_LIBDIR}/pkgconfig")
endif()
file(INSTALL DESTINATION "${pcdir}" TYPE FILE FILES "${BRAID_PC_OUT}")
