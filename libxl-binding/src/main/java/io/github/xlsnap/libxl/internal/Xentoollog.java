package io.github.xlsnap.libxl.internal;

import jnr.ffi.Pointer;

/** The raw binding of {@code libxentoollog.so.1}: the stdio-stream logger libxl logs through. */
public interface Xentoollog {
  /** {@code XTL_DEBUG}. */
  int XTL_DEBUG = 1;
  /** {@code XTL_DETAIL}. */
  int XTL_DETAIL = 3;
  /** {@code XTL_INFO}. */
  int XTL_INFO = 5;
  /** {@code XTL_STDIOSTREAM_HIDE_PROGRESS}. */
  int XTL_STDIOSTREAM_HIDE_PROGRESS = 004;

  /** Every function of this interface, by C name. */
  String[] SYMBOLS = {"xtl_createlogger_stdiostream", "xtl_logger_destroy"};

  Pointer xtl_createlogger_stdiostream(Pointer f, int minLevel, int flags);

  void xtl_logger_destroy(Pointer logger);
}
