/** xlsnap examples: the demo, the {@code xlsnap} command line, and programs that show how to embed the SDK. */
module io.github.xlsnap.examples {
  requires io.github.xlsnap.core;
  requires io.github.xlsnap.store;
  requires io.github.xlsnap.store.postgres;
  requires io.github.xlsnap.cfg;
  requires io.github.xlsnap.libxl;
  requires info.picocli;
  requires com.fasterxml.jackson.databind; // --json output
  requires jdk.unsupported; // sun.misc.Signal: Ctrl-C and SIGTERM cancel an operation cleanly

  exports io.github.xlsnap.examples;
  exports io.github.xlsnap.examples.cli;

  opens io.github.xlsnap.examples.cli to info.picocli;
}
