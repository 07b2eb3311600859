/** A user's own code as a named module, requiring every xlsnap module it uses. */
module consumer {
  requires io.github.xlsnap.core;
  requires io.github.xlsnap.store;
  requires io.github.xlsnap.cfg;
  requires io.github.xlsnap.libxl;
}
